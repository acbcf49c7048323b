/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The detector: turns a stream of records into per-process samples, end of
 * process summaries and (later) findings. It is pure: no I/O, no clocks,
 * time only from record timestamps, so the same records always give the
 * same output, live or replayed.
 */
#ifndef __THREADLEAK_DETECTOR_H
#define __THREADLEAK_DETECTOR_H

#include <stdbool.h>
#include <linux/types.h>
#include "record.h"

/* One row: a process at the end of a census. */
struct sample {
	__u64 ts_ns;
	__u32 pid;
	char comm[REC_COMM_LEN];
	__u32 threads;	     /* live threads (exact, counted in BPF) */
	__u32 blocked;	     /* threads asleep in a futex wait */
	__u32 other_blocked; /* threads asleep in another syscall */
	__u64 created;	     /* threads created since the previous sample */
	__u64 exited;	     /* threads exited since the previous sample */
	__u64 max_wait_ns;   /* longest current futex wait */
	__s32 growth;	     /* threads now minus threads at the first sample */
	bool final;	     /* the process exited; no more samples follow */
};

/* A process over the whole run. */
struct proc_summary {
	__u32 pid;
	char comm[REC_COMM_LEN];
	__u64 first_ns, last_ns;
	__u32 threads_first, threads_last, threads_peak;
	__u64 created, exited;
	__u32 blocked_last, other_blocked_last;
	__u64 max_wait_ns; /* longest futex wait seen at any census */
	bool exited_proc;
};

/* The end of one census, with what it saw and what was lost so far. */
struct census_stats {
	__u64 ts_ns;
	__u64 duration_ns;
	__u32 nr_procs, nr_tasks;
	__u64 events;	    /* ring buffer records delivered, cumulative */
	__u64 lost_events;  /* cumulative */
	__u64 lost_threads; /* cumulative */
};

struct detector_sink {
	void (*sample)(void *ctx, const struct sample *s);
	void (*census_end)(void *ctx, const struct census_stats *cs);
	void (*summary)(void *ctx, const struct proc_summary *ps);
	void *ctx;
};

struct detector_opts {
	/* Keep processes that exited, for the end summary (-p, replay). */
	bool keep_exited;
};

struct detector;

struct detector *detector__new(const struct detector_opts *opts, const struct detector_sink *sink);
void detector__free(struct detector *d);

/* Feed one record that rec_decode() accepted. Returns 0 or -errno. */
int detector__feed(struct detector *d, const struct rec_hdr *rec);

/* Processes seen and not yet exited. */
unsigned int detector__live_procs(const struct detector *d);

/* Emit a summary for every process kept, in pid order. */
void detector__finish(struct detector *d);

#endif /* __THREADLEAK_DETECTOR_H */
