// SPDX-License-Identifier: GPL-2.0
/* source -> decode (done where records enter) -> recorder -> detector -> sink */
#include <errno.h>
#include <string.h>
#include "clock.h"
#include "live.h"
#include "pipeline.h"
#include "proc_table.h"
#include "recorder.h"
#include "trend.h"

int pipeline_init(struct pipeline *pl, const struct detector_opts *dopts, __u64 leak_window_ns,
		  const struct detector_sink *sink)
{
	struct detector_opts opts = *dopts;

	if (leak_window_ns) {
		leak_params_default(&opts.leak);
		opts.leak.window_ns = leak_window_ns;
	}
	memset(pl, 0, sizeof(*pl));
	pl->procs = proc_table__new();
	if (!pl->procs)
		return -ENOMEM;
	opts.procs = pl->procs;
	pl->det = detector__new(&opts, sink);
	if (!pl->det) {
		proc_table__free(pl->procs);
		pl->procs = NULL;
		return -ENOMEM;
	}
	return 0;
}

void pipeline_free(struct pipeline *pl)
{
	detector__free(pl->det);
	pl->det = NULL;
	proc_table__free(pl->procs);
	pl->procs = NULL;
}

void pipeline_live(struct pipeline *pl, struct live_opts *lo)
{
	lo->sink = pipeline_record;
	lo->ctx = pl;
	lo->inspector.procs = pl->procs;
	pl->fed_upstream = true;
}

/* The record to the recorder and the detector. */
static int consume(struct pipeline *pl, const void *rec, size_t len)
{
	int err;

	if (pl->rec) {
		err = recorder__write(pl->rec, rec, len, mono_ns());
		if (err) {
			pl->rec_err = err;
			return err;
		}
	}
	return detector__feed(pl->det, rec);
}

int pipeline_record(void *ctx, const void *rec, size_t len)
{
	const struct rec_hdr *hdr = rec;
	struct pipeline *pl = ctx;
	int err;

	if (pl->fed_upstream)
		return consume(pl, rec, len);
	if (hdr->type == REC_CENSUS) {
		err = consume(pl, rec, len);
		return proc_table__record(pl->procs, rec) ?: err;
	}
	err = proc_table__record(pl->procs, rec);
	return err ?: consume(pl, rec, len);
}

int pipeline_tick(void *ctx, __u64 now_ns)
{
	struct pipeline *pl = ctx;
	int err = pl->rec ? recorder__tick(pl->rec, now_ns) : 0;

	/* Kept, as pipeline_record keeps its: the run ends saying what failed. */
	if (err)
		pl->rec_err = err;
	return err;
}
