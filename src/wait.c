// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <linux/futex.h>
#include "wait.h"
#include "syscall_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

static const char *const futex_cmd_names[] = {
	[FUTEX_WAIT] = "FUTEX_WAIT",
	[FUTEX_WAKE] = "FUTEX_WAKE",
	[FUTEX_FD] = "FUTEX_FD",
	[FUTEX_REQUEUE] = "FUTEX_REQUEUE",
	[FUTEX_CMP_REQUEUE] = "FUTEX_CMP_REQUEUE",
	[FUTEX_WAKE_OP] = "FUTEX_WAKE_OP",
	[FUTEX_LOCK_PI] = "FUTEX_LOCK_PI",
	[FUTEX_UNLOCK_PI] = "FUTEX_UNLOCK_PI",
	[FUTEX_TRYLOCK_PI] = "FUTEX_TRYLOCK_PI",
	[FUTEX_WAIT_BITSET] = "FUTEX_WAIT_BITSET",
	[FUTEX_WAKE_BITSET] = "FUTEX_WAKE_BITSET",
	[FUTEX_WAIT_REQUEUE_PI] = "FUTEX_WAIT_REQUEUE_PI",
	[FUTEX_CMP_REQUEUE_PI] = "FUTEX_CMP_REQUEUE_PI",
	[FUTEX_LOCK_PI2] = "FUTEX_LOCK_PI2",
};

static int futex_cmd_sleeps(__u32 cmd)
{
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		return 1;
	default:
		return 0;
	}
}

enum wait_kind task_wait_kind(const struct rec_task *task)
{
	if (task->state != TRS_SLEEPING && task->state != TRS_DISK)
		return WAIT_NONE;
	if (!(task->flags & RTF_IN_SYSCALL))
		return WAIT_NONE;
	switch (task->syscall_nr) {
	case NR_FUTEX:
		if (futex_cmd_sleeps(task->args[1] & FUTEX_CMD_MASK))
			return WAIT_FUTEX;
		return WAIT_SYSCALL;
	case NR_FUTEX_WAITV:
	case NR_FUTEX_WAIT:
		return WAIT_FUTEX;
	default:
		return WAIT_SYSCALL;
	}
}

__u64 task_futex_addr(const struct rec_task *task)
{
	if (task->syscall_nr == NR_FUTEX || task->syscall_nr == NR_FUTEX_WAIT)
		return task->args[0];
	return 0;
}

const char *syscall_name(int nr, char *buf, size_t len)
{
	/* Newer than the UAPI headers Debian 12 ships. */
	static const struct {
		int nr;
		const char *name;
	} newer[] = {
		{ 451, "cachestat" },	      { 452, "fchmodat2" },
		{ 453, "map_shadow_stack" },  { 454, "futex_wake" },
		{ 455, "futex_wait" },	      { 456, "futex_requeue" },
		{ 457, "statmount" },	      { 458, "listmount" },
		{ 459, "lsm_get_self_attr" }, { 460, "lsm_set_self_attr" },
		{ 461, "lsm_list_modules" },  { 462, "mseal" },
	};
	size_t i;

	if (nr >= 0 && (size_t)nr < ARRAY_SIZE(syscall_names) && syscall_names[nr])
		return syscall_names[nr];
	for (i = 0; i < ARRAY_SIZE(newer); i++)
		if (newer[i].nr == nr)
			return newer[i].name;
	snprintf(buf, len, "syscall_%d", nr);
	return buf;
}

const char *futex_op_name(__u32 op, char *buf, size_t len)
{
	__u32 cmd = op & FUTEX_CMD_MASK;
	const char *name = cmd < ARRAY_SIZE(futex_cmd_names) ? futex_cmd_names[cmd] : NULL;

	if (!name)
		snprintf(buf, len, "FUTEX_%u", cmd);
	else
		snprintf(buf, len, "%s%s%s", name, op & FUTEX_PRIVATE_FLAG ? "|PRIVATE" : "",
			 op & FUTEX_CLOCK_REALTIME ? "|CLOCK_REALTIME" : "");
	return buf;
}
