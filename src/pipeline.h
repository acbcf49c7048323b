/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one path records take, for every command: a source (the tracer and
 * the inspector, or a trace file) hands decoded records to
 * pipeline_record(), which writes them to the recorder if there is one and
 * feeds the detector; the detector's sink is the report (or the monitor's
 * metrics and findings).
 *
 * The pipeline owns the process table its consumers (inspector, recorder,
 * detector) keep their data per process on: each record is read into it
 * once, where it enters (the inspector, live; pipeline_record() in
 * replay), before its consumers see it, and a census closes after them.
 */
#ifndef __THREADLEAK_PIPELINE_H
#define __THREADLEAK_PIPELINE_H

#include <stddef.h>
#include <linux/types.h>
#include "detector.h"

struct recorder;
struct live_opts;
struct proc_table;

struct pipeline {
	struct proc_table *procs; /* give it to recorder_opts.procs */
	bool fed_upstream;	  /* pipeline_live(): the inspector feeds procs */
	struct detector *det;
	struct recorder *rec; /* NULL: not recording; set after pipeline_init() */
	int rec_err;	      /* the recorder's first error, for the end of the run */
};

/*
 * The process table and the detector with @dopts and @leak_window_ns (0:
 * the default leak window), its findings going to @sink. Returns 0 or
 * -ENOMEM.
 */
int pipeline_init(struct pipeline *pl, const struct detector_opts *dopts, __u64 leak_window_ns,
		  const struct detector_sink *sink);
/* Frees the detector and the table; the recorder is its owner's to close, before. */
void pipeline_free(struct pipeline *pl);

/* Records from a live run: through the inspector, on the pipeline's table. */
void pipeline_live(struct pipeline *pl, struct live_opts *lo);

/* A rec_sink_fn (@ctx the pipeline): one decoded record down the path. */
int pipeline_record(void *ctx, const void *rec, size_t len);
/* A live_opts tick: the recorder's flushes. */
int pipeline_tick(void *ctx, __u64 now_ns);

#endif /* __THREADLEAK_PIPELINE_H */
