/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a thread seen by the census is waiting in: a futex wait, another
 * blocking syscall, or nothing.
 */
#ifndef __THREADLEAK_WAIT_H
#define __THREADLEAK_WAIT_H

#include <stddef.h>
#include <linux/types.h>
#include "record.h"

enum wait_kind {
	WAIT_NONE,    /* running, runnable, stopped, or asleep outside a syscall */
	WAIT_FUTEX,   /* asleep in a futex wait (mutex, condvar, join, ...) */
	WAIT_SYSCALL, /* asleep in any other syscall (read, poll, accept, ...) */
};

/* x86-64 syscall numbers the classification depends on. */
#define NR_FUTEX 202
#define NR_FUTEX_WAITV 449
#define NR_FUTEX_WAIT 455

enum wait_kind task_wait_kind(const struct rec_task *task);

/* The futex word a WAIT_FUTEX task waits on, 0 for futex_waitv. */
__u64 task_futex_addr(const struct rec_task *task);

/* "read", "futex", ... or "syscall_N" for numbers newer than our table. */
const char *syscall_name(int nr, char *buf, size_t len);

/* "FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG" style name of a futex op. */
const char *futex_op_name(__u32 op, char *buf, size_t len);

#endif /* __THREADLEAK_WAIT_H */
