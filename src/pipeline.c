// SPDX-License-Identifier: GPL-2.0
/* source -> decode (done where records enter) -> recorder -> detector -> sink */
#include <errno.h>
#include <string.h>
#include "clock.h"
#include "pipeline.h"
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
	pl->det = detector__new(&opts, sink);
	return pl->det ? 0 : -ENOMEM;
}

void pipeline_free(struct pipeline *pl)
{
	detector__free(pl->det);
	pl->det = NULL;
}

int pipeline_record(void *ctx, const void *rec, size_t len)
{
	struct pipeline *pl = ctx;
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

int pipeline_tick(void *ctx, __u64 now_ns)
{
	struct pipeline *pl = ctx;
	int err = pl->rec ? recorder__tick(pl->rec, now_ns) : 0;

	/* Kept, as pipeline_record keeps its: the run ends saying what failed. */
	if (err)
		pl->rec_err = err;
	return err;
}
