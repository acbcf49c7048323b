/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a thread seen by the census is waiting in: a futex wait, another
 * blocking syscall, or nothing.
 */
#ifndef __THREADLEAK_WAIT_H
#define __THREADLEAK_WAIT_H

#include <stdbool.h>
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

/* What a waiting thread waits on. */
enum primitive {
	PRIM_NONE,
	PRIM_MUTEX,
	PRIM_CONDVAR,
	PRIM_RWLOCK,
	PRIM_SEMAPHORE,
	PRIM_JOIN,
	PRIM_FUTEX,   /* a futex wait of no known kind */
	PRIM_SYSCALL, /* another blocking syscall */
	PRIM_CHANNEL_RECV, /* a receive on a channel (Rust's mpsc/mpmc) */
	PRIM_CHANNEL_SEND, /* a send on a full channel */
	PRIM_MAX,
};

const char *primitive_name(enum primitive prim);

/* What is known about one wait, for classify_wait(). */
struct wait_evidence {
	const struct rec_task *task;	/* its census record */
	const char *const *funcs;	/* its stack's functions, innermost first; NULL: unknown */
	unsigned int nr_funcs;
	const struct rec_futex *futex;	/* the memory around its futex word, or NULL */
	/* What another thread waiting on the same futex word waits in, told
	 * by its stack; PRIM_NONE if none is known. Used when this one's own
	 * stack does not tell (not unwound yet, or unwinding failed). */
	enum primitive same_word;
	/* Is @tid a live thread of the same process? For guessing owners. */
	bool (*is_thread)(void *ctx, __u32 tid);
	void *ctx;
};

struct wait_class {
	enum primitive prim;
	__s64 owner_tid;    /* the thread holding what it waits for, -1 if none/unknown */
	__u64 lock_addr;    /* the futex word waited on, 0 if none */
	const char *via;    /* the frame that told the primitive, NULL if the futex op did */
};

void classify_wait(const struct wait_evidence *ev, struct wait_class *wc);

/* Is syscall @nr a wait that is its caller's job (poll, sleep, wait4)? */
bool syscall_is_idle_wait(int nr);

/* The futex word a WAIT_FUTEX task waits on, 0 for futex_waitv. */
__u64 task_futex_addr(const struct rec_task *task);

/* "read", "futex", ... or "syscall_N" for numbers newer than our table. */
const char *syscall_name(int nr, char *buf, size_t len);

/* "FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG" style name of a futex op. */
const char *futex_op_name(__u32 op, char *buf, size_t len);

#endif /* __THREADLEAK_WAIT_H */
