/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an OS thread of a Go program waits for, from its stack: the Go
 * runtime parks the threads (Ms) it has no work for on futexes, through
 * runtime.futexsleep under notesleep/notetsleep (stopm, mPark), one of them
 * in epoll_wait (runtime.netpoll under findRunnable), and its monitor
 * (sysmon) in futex or nanosleep: in a Go process most blocked threads are
 * idle, not stuck. Pure: works on the functions of the stack, innermost
 * first, inlined frames included.
 */
#ifndef __THREADLEAK_GO_THREAD_WAIT_H
#define __THREADLEAK_GO_THREAD_WAIT_H

#include <stdbool.h>

enum go_thread_wait {
	GO_THREAD_NOT_GO = 0,	  /* not in Go code: C code of a cgo program, or unknown */
	GO_THREAD_GO = 1,	  /* Go code, not one of the runtime's parking places */
	GO_THREAD_IDLE_M = 2,	  /* an M without work, parked: stopm, mPark, templateThread */
	GO_THREAD_SYSMON = 3,	  /* the runtime's monitor thread, asleep */
	GO_THREAD_NOTE_SLEEP = 4, /* another runtime note: signal_recv, stop-the-world */
	GO_THREAD_RUNTIME_LOCK =
		5,	       /* a runtime-internal lock: short, unless the runtime is wedged */
	GO_THREAD_NETPOLL = 6, /* an M without work, waiting in the network poller */
};

/*
 * Classify a thread from the functions on its stack, innermost first
 * (NULL: a frame outside Go code).
 */
enum go_thread_wait go_thread_wait_classify(const char *const *funcs, int nr);

/* The runtime's own idle waits, which are no leak: IDLE_M, SYSMON, NOTE_SLEEP, NETPOLL. */
bool go_thread_wait_is_idle(enum go_thread_wait wait);

const char *go_thread_wait_name(enum go_thread_wait wait);

#endif /* __THREADLEAK_GO_THREAD_WAIT_H */
