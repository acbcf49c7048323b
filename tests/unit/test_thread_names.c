// SPDX-License-Identifier: GPL-2.0
/*
 * Thread names: their patterns, and the sites of a runtime's trampoline
 * refined by them, on a synthetic JVM: an executor leak is its own site,
 * the JVM's own threads and the launcher's join are no findings.
 */
#include <stdio.h>
#include "sim.h"
#include "test.h"
#include "thread_name.h"

#define T0 (100 * SEC_NS)

static const char *shown(const char *comm, char *buf)
{
	struct name_pattern np;

	name_pattern_of(comm, &np);
	return name_pattern_show(&np, buf, NAME_PATTERN_SHOWN_LEN);
}

void test_name_pattern_of(void)
{
	char buf[NAME_PATTERN_SHOWN_LEN];

	ASSERT_STREQ(shown("pool-10-thread-", buf), "pool-N-thread-" NAME_CUT_MARK, "cut");
	ASSERT_STREQ(shown("pool-1-thread-1", buf), "pool-N-thread-N" NAME_CUT_MARK, "15 bytes");
	ASSERT_STREQ(shown("GC Thread#12", buf), "GC Thread#N", "whole");
	ASSERT_STREQ(shown("VM Thread", buf), "VM Thread", "no digits");
	ASSERT_STREQ(shown("", buf), "", "empty");
	ASSERT_STREQ(shown("123", buf), "N", "all digits");
	/* Not NUL-terminated: 16 bytes, read as the kernel's 15 at most. */
	ASSERT_STREQ(shown("abcdefghijklmnop", buf), "abcdefghijklmno" NAME_CUT_MARK,
		     "16 bytes, bounded");
}

void test_name_pattern_match(void)
{
	struct name_pattern a, b, c, d, e;

	name_pattern_of("pool-1-thread-1", &a);	 /* pool-N-thread-N, cut */
	name_pattern_of("pool-10-thread-", &b);	 /* pool-N-thread-, cut */
	name_pattern_of("pool-100-thread", &c);	 /* pool-N-thread, cut */
	name_pattern_of("GC Thread#1", &d);
	name_pattern_of("GC Thread#12", &e);
	ASSERT_TRUE(name_pattern_match(&a, &b), "cut prefix");
	ASSERT_TRUE(name_pattern_match(&b, &a), "either way");
	ASSERT_TRUE(name_pattern_match(&c, &a), "shorter cut");
	ASSERT_TRUE(name_pattern_match(&d, &e), "digits folded");
	ASSERT_FALSE(name_pattern_match(&d, &a), "another family");
	name_pattern_of("GC Thread", &e);
	ASSERT_FALSE(name_pattern_match(&d, &e), "whole names: equal only");
}

/* Code addresses of the synthetic JVM. */
enum {
	PC_FUTEX_WAIT = 0x7f0003000,
	PC_COND_WAIT = 0x7f0004000,
	PC_JOIN = 0x7f0005000,
	PC_JLI_MAIN = 0x7f0008000,
	PC_JVM_ENTRY = 0x7f0009000,
	PC_WORKER = 0x401000,
};

static const __u64 join_stack[] = { PC_FUTEX_WAIT, PC_JOIN, PC_JLI_MAIN };
static const __u64 cond_stack[] = { PC_FUTEX_WAIT, PC_COND_WAIT, PC_JVM_ENTRY };

/*
 * A JVM: the launcher's main thread joins the Java main thread, the JVM's
 * own threads wait for work, and a handler starts an executor every half
 * second that never ends. Its threads start named "java" and are named
 * pool-K-thread-1 a census later.
 */
void test_jvm_executor_leak(void)
{
	static const char *const service[] = { "GC Thread#0", "VM Thread", "C2 CompilerThre",
					       "Finalizer", "Reference Handl", "Common-Cleaner",
					       "Signal Dispatch" };
	const struct sim_finding *f;
	__u32 java_main, pool[40] = { 0 };
	char name[REC_COMM_LEN];
	unsigned int i, n = 0;
	struct sim s;

	sim_init(&s, 700, NULL);
	sim_symbol_in(&s, PC_FUTEX_WAIT, "__futex_abstimed_wait_common", "", 0, "libc.so.6");
	sim_symbol_in(&s, PC_COND_WAIT, "pthread_cond_wait", "", 0, "libc.so.6");
	sim_symbol_in(&s, PC_JOIN, "__pthread_clockjoin_ex", "", 0, "libc.so.6");
	sim_symbol_in(&s, PC_JLI_MAIN, "CallJavaMainInNewThread", "", 0, "libjli.so");
	sim_symbol_in(&s, PC_JVM_ENTRY, "thread_native_entry(Thread*)", "", 0, "libjvm.so");
	sim_symbol(&s, PC_WORKER, "JavaMain", "", 0);
	sim_name(&s, 700, "java");
	java_main = sim_spawn(&s, T0, PC_WORKER);
	sim_name(&s, java_main, "java");
	/* The launcher's main thread joins it: a join wait owned by it. */
	sim_wait(&s, 700, T0, NR_FUTEX, 0x7f00000002d0, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, 700, join_stack, 3);
	sim_futex_word(&s, 700, 0, java_main);
	for (i = 0; i < sizeof(service) / sizeof(service[0]); i++) {
		__u32 t = sim_spawn(&s, T0, PC_JVM_ENTRY);

		sim_name(&s, t, service[i]);
		sim_wait(&s, t, T0, NR_FUTEX, 0x5000 + 0x40 * i, FUTEX_WAIT_BITSET_PRIVATE_OP);
		sim_stack(&s, t, cond_stack, 3);
	}
	sim_census(&s, T0);
	for (i = 1; i <= 60; i++) {
		__u64 ts = T0 + i * SEC_NS / 2;

		if (n && i % 2 == 0) {
			/* The JVM names last census's new thread. */
			snprintf(name, sizeof(name), "pool-%u-thread-1", n + 1);
			sim_name(&s, pool[n - 1], name);
		}
		if (n < 40 && i % 2) {
			pool[n] = sim_spawn(&s, ts, PC_JVM_ENTRY);
			sim_name(&s, pool[n], "java");
			sim_wait(&s, pool[n], ts, NR_FUTEX, 0x9000 + 0x40 * n,
				 FUTEX_WAIT_BITSET_PRIVATE_OP);
			sim_stack(&s, pool[n], cond_stack, 3);
			n++;
		}
		if (i % 2 == 0)
			sim_census(&s, ts);
	}
	detector__finish(s.d);
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 0, "no long wait: launcher, JVM threads");
	ASSERT_EQ(sim_count(&s, FINDING_DEADLOCK), 0, "no deadlock");
	ASSERT_EQ(sim_count(&s, FINDING_THREAD_LEAK), 1, "one leak");
	ASSERT_EQ(s.nr_findings, 2, "and its summary, nothing else");
	f = sim_first(&s, FINDING_THREAD_LEAK);
	if (ASSERT_TRUE(f != NULL, "leak")) {
		ASSERT_STREQ(f->site, "pool-N-thread-N" NAME_CUT_MARK, "site: the name pattern");
		ASSERT_STREQ(f->name_pattern, f->site, "refined");
		ASSERT_STREQ(f->start_routine, "thread_native_entry(Thread*) (libjvm.so)",
			     "the trampoline");
	}
	f = &s.findings[s.nr_findings - 1];
	ASSERT_TRUE(f->summary, "the summary last");
	ASSERT_EQ(n, 30, "executors started");
	ASSERT_EQ(f->live, 30, "live: every one");
	ASSERT_EQ(f->created, 30, "created: each counted where its name took it");
	ASSERT_EQ(f->sample_id, pool[29], "shows the newest");
	ASSERT_STREQ(f->sample_name, "pool-31-thread-", "its name");
	sim_free(&s);
}
