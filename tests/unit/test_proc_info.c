// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "libc_layout.h"
#include "proc_info.h"
#include "test.h"

void test_proc_identity(void)
{
	char root[4096];
	struct proc_identity id;

	snprintf(root, sizeof(root), "%s", test__fixture("proc"));
	if (test__start_subtest("process")) {
		ASSERT_OK(proc_identity(root, 4242, &id), "read");
		ASSERT_EQ(id.tgid, 4242, "tgid");
		ASSERT_FALSE(id.kthread, "kthread");
		ASSERT_STREQ(id.comm, "web server", "comm with a space");
		ASSERT_EQ(id.state, 'S', "state");
	}
	if (test__start_subtest("thread")) {
		ASSERT_OK(proc_identity(root, 4243, &id), "read");
		ASSERT_EQ(id.tgid, 4242, "tgid of a thread");
	}
	if (test__start_subtest("kthread")) {
		ASSERT_OK(proc_identity(root, 2, &id), "read");
		ASSERT_TRUE(id.kthread, "PF_KTHREAD");
	}
	if (test__start_subtest("missing"))
		ASSERT_EQ(proc_identity(root, 99, &id), -ESRCH, "no such process");
	if (test__start_subtest("task_in_syscall")) {
		ASSERT_EQ(proc_task_in_syscall(root, 4242, 4250, 202, 0x7f0c5e7fdd50), 1, "same wait");
		ASSERT_EQ(proc_task_in_syscall(root, 4242, 4250, 202, 0x7f0c5e7fdd58), 0, "other sp");
		ASSERT_EQ(proc_task_in_syscall(root, 4242, 4250, 0, 0x7f0c5e7fdd50), 0, "other nr");
		ASSERT_EQ(proc_task_in_syscall(root, 4242, 4251, 202, 0x7f0c5e7fdd50), 0, "running");
		ASSERT_EQ(proc_task_in_syscall(root, 4242, 4252, 202, 0), -ESRCH, "gone");
	}
}

void test_proc_status_hostile(void)
{
	struct proc_identity id = { 0 };

	ASSERT_OK(proc_status_parse("Name:\ta\nTgid:\t42\n", &id), "plain");
	ASSERT_EQ(id.tgid, 42, "tgid");
	ASSERT_STREQ(id.comm, "a", "comm");
	ASSERT_EQ(proc_status_parse("Name:\ta\nTgid:\t99999999999999999999\n", &id), -EINVAL,
		  "a tgid past long");
	ASSERT_EQ(proc_status_parse("Name:\ta\nTgid:\t4294967296\n", &id), -EINVAL,
		  "a tgid past int");
	ASSERT_EQ(proc_status_parse("Name:\ta\nTgid:\t-1\n", &id), -EINVAL, "below 1");
	ASSERT_EQ(proc_status_parse("Name:\ta\n", &id), -EINVAL, "no tgid");
	ASSERT_EQ(proc_stat_parse("1 (a) b)) R 0 0 0 0 0 2097152", &id), 0, "')' in comm");
	ASSERT_EQ(id.state, 'R', "state after the last ')'");
	ASSERT_TRUE(id.kthread, "PF_KTHREAD");
	ASSERT_EQ(proc_stat_parse("1 (a R 0", &id), -EINVAL, "no ')'");
}

static void *layout_probe(void *arg)
{
	return arg;
}

/*
 * The layout read from our own libc must find, in a live thread's struct
 * pthread (pthread_t is its address), the start routine we passed and the
 * thread's tid.
 */
void test_libc_layout(void)
{
	struct pthread_layout layout;
	pthread_t t;
	int err;

	err = libc_layout_of_pid("/proc", getpid(), &layout);
	if (!ASSERT_OK(err, "layout of self"))
		return;
	ASSERT_EQ(*(uintptr_t *)((char *)pthread_self() + layout.start_routine_off), 0,
		  "main thread has no start routine");
	ASSERT_EQ(*(pid_t *)((char *)pthread_self() + layout.tid_off), syscall(SYS_gettid),
		  "main thread tid");
	if (!ASSERT_OK(pthread_create(&t, NULL, layout_probe, NULL), "pthread_create"))
		return;
	ASSERT_EQ(*(uintptr_t *)((char *)t + layout.start_routine_off), (uintptr_t)layout_probe,
		  "start routine");
	pthread_join(t, NULL);
	ASSERT_EQ(libc_layout_read("/nonexistent/libc.so.6", &layout), -ENOENT, "missing file");
}
