// SPDX-License-Identifier: GPL-2.0
/*
 * proc_counts_live(): the BPF side counts a thread started after it
 * attached only by created and exited, the others in live; the steps below
 * are what the fork, exit, exec and seed programs add, case by case.
 */
#include "record.h"
#include "test.h"

void test_proc_counts(void)
{
	if (test__start_subtest("counted_by_fork")) {
		struct proc_counts pc = { .live = 1 }; /* the seeded main thread */

		pc.created += 3; /* three forks after attaching */
		ASSERT_EQ(proc_counts_live(&pc), 4, "after three forks");
		pc.exited += 2;
		ASSERT_EQ(proc_counts_live(&pc), 2, "after two exits");
	}
	if (test__start_subtest("counted_in_live")) {
		/* A fork in the window before counted_from_ns: inserted into
		 * live, then uncounted from it by its exit. */
		struct proc_counts pc = { .live = 1 };

		pc.live++;
		pc.created++;
		pc.created_counted++;
		ASSERT_EQ(proc_counts_live(&pc), 2, "inserted");
		pc.live--;
		pc.exited++;
		pc.exited_counted++;
		ASSERT_EQ(proc_counts_live(&pc), 1, "deleted");
	}
	if (test__start_subtest("exec_from_new_thread")) {
		/* A thread started after attaching calls exec: the seeded
		 * leader exits, the thread takes its tid and start time and
		 * moves its count into live; then it exits. */
		struct proc_counts pc = { .live = 1 };

		pc.created++;
		pc.live--; /* the leader's exit */
		pc.exited++;
		pc.exited_counted++;
		pc.live--; /* exec: the old name's count moves ... */
		pc.live++; /* ... to the new name's entry */
		ASSERT_EQ(proc_counts_live(&pc), 1, "after exec");
		pc.live--;
		pc.exited++;
		pc.exited_counted++;
		ASSERT_EQ(proc_counts_live(&pc), 0, "after its exit");
	}
}
