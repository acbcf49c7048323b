/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A live session: the checks before tracing, and the event loop around the
 * tracer and the inspector that trace, record and monitor share. Records go
 * to the session's sink; what each command does with them is its own.
 */
#ifndef __THREADLEAK_LIVE_H
#define __THREADLEAK_LIVE_H

#include <stdbool.h>
#include "inspector.h"
#include "tracer.h"

struct live_opts {
	int *pids; /* -p targets, live_check() makes them processes; none: all */
	int nr_pids;
	__u64 interval_ns; /* between censuses */
	__u64 duration_ns; /* 0: until a signal or the targets exit */
	bool no_sandbox;   /* keep every capability and system call */
	/* Set by the command; live_run() adds the targets, the table sizes
	 * and the start routine offset. */
	struct tracer_opts tracer;
	struct inspector_opts inspector; /* its proc_root is the targets' too */
	rec_sink_fn sink; /* where records go, after the inspector */
	void *ctx;
	/* Called after every census, and at least every 200 ms; < 0 stops. */
	int (*tick)(void *ctx, __u64 now_ns);
	/* SIGHUP: reopen outputs. */
	void (*reopen)(void *ctx);
	/* SANDBOX_* the run needs once attached, besides BPF and targets. */
	unsigned int sandbox_uses;
};

/*
 * Check the targets (turning thread ids into their processes), the
 * privileges and the kernel. Prints one line and returns -errno if tracing
 * cannot start.
 */
int live_check(struct live_opts *opts, int argc, char **argv);

/*
 * Trace until the duration elapses, a signal comes, or every target exits.
 * Returns 0 with *why saying which, or -errno after printing what failed.
 */
int live_run(const struct live_opts *opts, const char **why);

/*
 * Block the signals live_run() reads through a signalfd. Call before
 * starting any thread (threads inherit the mask; a signal is delivered to
 * any thread that does not block it).
 */
void live_block_signals(void);

#endif /* __THREADLEAK_LIVE_H */
