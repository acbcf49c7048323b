// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor: a live run over every process, with the detector's samples
 * and findings going to the metrics registry, and findings to a JSON stream.
 * All its state for a process is freed when the process exits: the
 * detector's, the inspector's and the registry's.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "detector.h"
#include "file_pages.h"
#include "metrics.h"
#include "metrics_http.h"
#include "module_cache.h"
#include "monitor.h"
#include "pipeline.h"
#include "report.h"
#include "sandbox.h"

struct monitor {
	const struct monitor_opts *opts;
	struct pipeline pl;
	struct report *report; /* JSON findings */
	struct metrics *metrics;
	struct metrics_http *http;
	FILE *out;
	bool textfile_failed;
};

static void on_sample(void *ctx, const struct sample *s)
{
	struct monitor *mon = ctx;

	/* NULL cgroup: the registry reads it once, for series it keeps. */
	metrics__sample(mon->metrics, s, NULL);
}

static void on_finding(void *ctx, const struct finding *f)
{
	struct monitor *mon = ctx;

	const struct cgroup_identity *where;
	struct finding fw;

	if (f->summary)
		return; /* restatements at shutdown: nothing changed */
	fw = *f;
	/* The registry's lookup, the cgroup its series is labelled with. */
	fw.cgroup = metrics__cgroup(mon->metrics, f->pid, &where);
	if (fw.cgroup)
		fw.where = where;
	report__finding(mon->report, &fw);
	metrics__finding(mon->metrics, f);
}

static void on_census_end(void *ctx, const struct census_stats *cs)
{
	struct monitor *mon = ctx;
	struct metrics_self self = {};
	struct module_cache_stats mcs;
	int err;

	metrics_self__read(&self);
	module_cache__stats(module_cache__shared(), &mcs);
	self.symbol_cache_bytes = mcs.bytes;
	self.symbol_cache_evictions = mcs.evictions;
	metrics__end(mon->metrics, cs, &self);
	report__census(mon->report, cs);
	fflush(mon->out);
	/* RSS: the pages of targets' files this census read are in the page cache */
	file_pages__drop();
	/* names stay; a module's DWARF is read again for an address new to it */
	module_cache__unload_idle(module_cache__shared());
	/*
	 * What a census freed inside the heap, glibc keeps: measured beside
	 * the same monitor without it on a busy host, RssAnon 275 -> 227 MB
	 * on average, at 0.6 ms a census (the median).
	 */
	malloc_trim(0);
	if (!mon->opts->textfile_dir)
		return;
	err = metrics__write_textfile(mon->metrics, mon->opts->textfile_dir);
	if (err && !mon->textfile_failed)
		fprintf(stderr, "threadleak: writing %s/%s: %s (will keep trying)\n",
			mon->opts->textfile_dir, METRICS_TEXTFILE_NAME, strerror(-err));
	mon->textfile_failed = err != 0;
}

/* -o FILE, appended to; reopened on SIGHUP, after a log rotation. */
static FILE *open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0)
		return NULL;
	return fdopen(fd, "a");
}

/* @ctx is the live loop's, the monitor's pipeline. */
static void on_sighup(void *ctx)
{
	struct monitor *mon = (void *)((char *)ctx - offsetof(struct monitor, pl));
	FILE *f;

	fflush(mon->out);
	if (!mon->opts->output)
		return;
	f = open_output(mon->opts->output);
	if (!f) {
		fprintf(stderr, "threadleak: reopening %s: %s; still writing the old file\n",
			mon->opts->output, strerror(errno));
		return;
	}
	fclose(mon->out);
	mon->out = f;
	report__set_out(mon->report, f);
}

int monitor_run(struct monitor_opts *opts, int argc, char **argv)
{
	struct metrics_opts mopts = {
		.max_series = opts->max_series,
		.proc_root = opts->live.inspector.proc_root,
	};
	struct detector_opts dopts = {
		.wait_threshold_ns = opts->wait_threshold_ns,
		.stuck = opts->stuck,
		.updates = true,
		.owned_waits_only = true,
	};
	struct report_opts ropts = { .format = REPORT_JSON, .findings_only = true };
	struct detector_sink sink = {
		.sample = on_sample,
		.finding = on_finding,
		.census_end = on_census_end,
	};
	struct live_opts *lopts = &opts->live;
	struct monitor mon = { .opts = opts, .out = stdout };
	const char *why;
	char msg[256];
	int err, status = 1;

	lopts->nr_pids = 0; /* every process */
	/* Before the HTTP server's thread starts, so it does not take them. */
	live_block_signals();
	if (live_check(lopts, argc, argv))
		return 1;
	if (opts->textfile_dir && access(opts->textfile_dir, W_OK)) {
		fprintf(stderr, "threadleak: cannot write to %s: %s\n", opts->textfile_dir,
			strerror(errno));
		return 1;
	}
	if (opts->output) {
		mon.out = open_output(opts->output);
		if (!mon.out) {
			fprintf(stderr, "threadleak: cannot open %s: %s\n", opts->output,
				strerror(errno));
			return 1;
		}
	}
	ropts.out = mon.out;
	ropts.realtime_offset_ns = realtime_offset_ns();
	mon.metrics = metrics__new(&mopts);
	mon.report = report__new(&ropts);
	sink.ctx = &mon;
	err = pipeline_init(&mon.pl, &dopts, opts->leak_window_ns, &sink);
	if (!mon.metrics || !mon.report || err) {
		fprintf(stderr, "threadleak: out of memory\n");
		goto out;
	}
	if (opts->metrics_addr) {
		err = metrics_http__start(&mon.http, opts->metrics_addr, mon.metrics, msg,
					  sizeof(msg));
		if (err) {
			fprintf(stderr, "threadleak: %s\n", msg);
			goto out;
		}
		fprintf(stderr, "threadleak: metrics on http://%s/metrics\n",
			metrics_http__address(mon.http));
	}
	pipeline_live(&mon.pl, lopts);
	lopts->reopen = on_sighup;
	lopts->sandbox_uses = mon.http ? SANDBOX_HTTP : 0;
	/* Stacks for waits that last (each wait once, a budget per census):
	 * a leak's threads have theirs by the time it is found. */
	lopts->inspector.unwind_after_ns = 2000000000ULL;
	err = live_run(lopts, &why);
	if (!err) {
		detector__finish(mon.pl.det);
		report__end(mon.report, why);
		if (opts->textfile_dir)
			metrics__write_textfile(mon.metrics, opts->textfile_dir);
		status = 0;
	}
out:
	metrics_http__stop(mon.http);
	pipeline_free(&mon.pl);
	report__free(mon.report);
	metrics__free(mon.metrics);
	/* Findings lost to a full disk are a failure (stdout: main checks). */
	if (mon.out && mon.out != stdout) {
		bool failed = ferror(mon.out);

		if (fclose(mon.out) || failed) {
			fprintf(stderr, "threadleak: writing %s failed\n", opts->output);
			status = 1;
		}
	}
	return status;
}
