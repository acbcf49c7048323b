// SPDX-License-Identifier: GPL-2.0
#include "records.h"
#include "test.h"
#include "wait.h"

void test_wait_kind(void)
{
	struct rec_task t;
	char buf[32];

	if (test__start_subtest("futex_waits")) {
		t = rec_task_futex(1, 2, 10, 0x1000, FUTEX_WAIT_PRIVATE_OP, 5);
		ASSERT_EQ(task_wait_kind(&t), WAIT_FUTEX, "FUTEX_WAIT");
		ASSERT_EQ(task_futex_addr(&t), 0x1000, "uaddr");
		t.args[1] = FUTEX_WAIT_BITSET_PRIVATE_OP | 256; /* CLOCK_REALTIME */
		ASSERT_EQ(task_wait_kind(&t), WAIT_FUTEX, "FUTEX_WAIT_BITSET|REALTIME");
		t.args[1] = 6; /* FUTEX_LOCK_PI */
		ASSERT_EQ(task_wait_kind(&t), WAIT_FUTEX, "FUTEX_LOCK_PI");
		t = rec_task_syscall(1, 2, 10, NR_FUTEX_WAITV, 5);
		ASSERT_EQ(task_wait_kind(&t), WAIT_FUTEX, "futex_waitv");
		t = rec_task_syscall(1, 2, 10, NR_FUTEX_WAIT, 5);
		ASSERT_EQ(task_wait_kind(&t), WAIT_FUTEX, "futex_wait");
		t.state = TRS_DISK;
		ASSERT_EQ(task_wait_kind(&t), WAIT_FUTEX, "uninterruptible");
	}
	if (test__start_subtest("other_syscalls")) {
		t = rec_task_syscall(1, 2, 10, 0 /* read */, 5);
		ASSERT_EQ(task_wait_kind(&t), WAIT_SYSCALL, "read");
		t = rec_task_futex(1, 2, 10, 0x1000, FUTEX_WAKE_PRIVATE_OP, 5);
		ASSERT_EQ(task_wait_kind(&t), WAIT_SYSCALL, "asleep in FUTEX_WAKE is not a wait");
	}
	if (test__start_subtest("not_waiting")) {
		t = rec_task_running(1, 2, 10);
		ASSERT_EQ(task_wait_kind(&t), WAIT_NONE, "running");
		t = rec_task_futex(1, 2, 10, 0x1000, FUTEX_WAIT_PRIVATE_OP, 5);
		t.state = TRS_RUNNING;
		ASSERT_EQ(task_wait_kind(&t), WAIT_NONE, "woken, still in futex");
		t.state = TRS_STOPPED;
		ASSERT_EQ(task_wait_kind(&t), WAIT_NONE, "stopped");
		t.state = TRS_SLEEPING;
		t.flags &= ~RTF_IN_SYSCALL;
		ASSERT_EQ(task_wait_kind(&t), WAIT_NONE, "asleep in a page fault");
	}
	if (test__start_subtest("names")) {
		ASSERT_STREQ(syscall_name(0, buf, sizeof(buf)), "read", "read");
		ASSERT_STREQ(syscall_name(202, buf, sizeof(buf)), "futex", "futex");
		ASSERT_STREQ(syscall_name(455, buf, sizeof(buf)), "futex_wait", "futex_wait");
		ASSERT_STREQ(syscall_name(9999, buf, sizeof(buf)), "syscall_9999", "unknown");
		ASSERT_STREQ(futex_op_name(FUTEX_WAIT_BITSET_PRIVATE_OP, buf, sizeof(buf)),
			     "FUTEX_WAIT_BITSET|PRIVATE", "op");
		ASSERT_STREQ(futex_op_name(99, buf, sizeof(buf)), "FUTEX_99", "unknown op");
	}
}
