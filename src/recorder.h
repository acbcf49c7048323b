/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder: the trace file sink on the record path. It writes every
 * record, and keeps what a reader of a rotated file needs from before the
 * rotation (process info, symbols, each thread's site and current wait's
 * stack and futex words) to write it again at the start of the new file, so
 * each file replays on its own.
 */
#ifndef __THREADLEAK_RECORDER_H
#define __THREADLEAK_RECORDER_H

#include <stddef.h>
#include <linux/types.h>
#include "record.h"
#include "trace_file.h"

struct recorder_opts {
	const char *path;
	__u64 max_bytes;   /* rotate at this size, 0: never */
	unsigned int keep; /* rotated files kept */
	const struct rec_session *session;
	__s64 realtime_offset_ns;
	__u64 start_ns;
	/* The pipeline's process table, fed by its owner before each
	 * recorder__write() (a census after); NULL: its own. */
	struct proc_table *procs;
};

struct recorder;

int recorder__open(struct recorder **r, const struct recorder_opts *opts);

/* Write one valid record; @now_ns: CLOCK_MONOTONIC. */
int recorder__write(struct recorder *r, const void *rec, size_t len, __u64 now_ns);

/* Flush if a second has passed; call at least every second. */
int recorder__tick(struct recorder *r, __u64 now_ns);

/* Flush, close and free; @st gets the totals. */
int recorder__close(struct recorder *r, struct trace_writer_stats *st);

#endif /* __THREADLEAK_RECORDER_H */
