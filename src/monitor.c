// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor: a live run over every process, with the detector's samples
 * and findings going to the metrics registry, and findings to a JSON stream.
 * All its state for a process is freed when the process exits: the
 * detector's, the inspector's and the registry's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decode.h"
#include "detector.h"
#include "live.h"
#include "metrics.h"
#include "metrics_http.h"
#include "monitor.h"
#include "report.h"
#include "sandbox.h"

struct monitor {
	const struct env *env;
	struct detector *det;
	struct report *report; /* JSON findings */
	struct metrics *metrics;
	struct metrics_http *http;
	FILE *out;
	bool textfile_failed;
	__u64 bad_records;
};

static int on_record(void *ctx, const void *rec, size_t len)
{
	struct monitor *mon = ctx;
	const char *why;

	if (rec_decode(rec, len, &why) < 0) {
		if (!mon->bad_records++)
			fprintf(stderr, "threadleak: skipping a malformed record: %s\n", why);
		return 0;
	}
	return detector__feed(mon->det, rec);
}

static void on_sample(void *ctx, const struct sample *s)
{
	struct monitor *mon = ctx;

	/* NULL cgroup: the registry reads it once, for series it keeps. */
	metrics__sample(mon->metrics, s, NULL);
}

static void on_finding(void *ctx, const struct finding *f)
{
	struct monitor *mon = ctx;

	if (f->summary)
		return; /* restatements at shutdown: nothing changed */
	report__finding(mon->report, f);
	metrics__finding(mon->metrics, f);
}

static void on_census_end(void *ctx, const struct census_stats *cs)
{
	struct monitor *mon = ctx;
	struct metrics_self self = {};
	int err;

	metrics_self__read(&self);
	metrics__end(mon->metrics, cs, &self);
	report__census(mon->report, cs);
	fflush(mon->out);
	if (!mon->env->textfile_dir)
		return;
	err = metrics__write_textfile(mon->metrics, mon->env->textfile_dir);
	if (err && !mon->textfile_failed)
		fprintf(stderr, "threadleak: writing %s/%s: %s (will keep trying)\n",
			mon->env->textfile_dir, METRICS_TEXTFILE_NAME, strerror(-err));
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

static void on_sighup(void *ctx)
{
	struct monitor *mon = ctx;
	FILE *f;

	fflush(mon->out);
	if (!mon->env->output)
		return;
	f = open_output(mon->env->output);
	if (!f) {
		fprintf(stderr, "threadleak: reopening %s: %s; still writing the old file\n",
			mon->env->output, strerror(errno));
		return;
	}
	fclose(mon->out);
	mon->out = f;
	report__set_out(mon->report, f);
}

int monitor_run(struct env *env, int argc, char **argv)
{
	struct metrics_opts mopts = { .max_series = env->max_series, .proc_root = env->proc_root };
	struct detector_opts dopts = {
		.wait_threshold_ns = env->wait_threshold_ns,
		.updates = true,
		.owned_waits_only = true,
	};
	struct report_opts ropts = { .format = REPORT_JSON, .findings_only = true };
	struct detector_sink sink = {
		.sample = on_sample,
		.finding = on_finding,
		.census_end = on_census_end,
	};
	struct live_opts lopts = { .sink = on_record, .reopen = on_sighup };
	struct monitor mon = { .env = env, .out = stdout };
	const char *why;
	char msg[256];
	int err, status = 1;

	env->nr_pids = 0; /* every process */
	/* Before the HTTP server's thread starts, so it does not take them. */
	live_block_signals();
	if (live_check(env, argc, argv))
		return 1;
	if (env->textfile_dir && access(env->textfile_dir, W_OK)) {
		fprintf(stderr, "threadleak: cannot write to %s: %s\n", env->textfile_dir,
			strerror(errno));
		return 1;
	}
	if (env->output) {
		mon.out = open_output(env->output);
		if (!mon.out) {
			fprintf(stderr, "threadleak: cannot open %s: %s\n", env->output,
				strerror(errno));
			return 1;
		}
	}
	if (env->leak_window_ns) {
		leak_params_default(&dopts.leak);
		dopts.leak.window_ns = env->leak_window_ns;
	}
	ropts.out = mon.out;
	ropts.realtime_offset_ns = realtime_offset_ns();
	mon.metrics = metrics__new(&mopts);
	mon.report = report__new(&ropts);
	sink.ctx = &mon;
	mon.det = detector__new(&dopts, &sink);
	if (!mon.metrics || !mon.report || !mon.det) {
		fprintf(stderr, "threadleak: out of memory\n");
		goto out;
	}
	if (env->metrics_addr) {
		err = metrics_http__start(&mon.http, env->metrics_addr, mon.metrics, msg,
					  sizeof(msg));
		if (err) {
			fprintf(stderr, "threadleak: %s\n", msg);
			goto out;
		}
		fprintf(stderr, "threadleak: metrics on http://%s/metrics\n",
			metrics_http__address(mon.http));
	}
	lopts.ctx = &mon;
	lopts.sandbox_uses = mon.http ? SANDBOX_HTTP : 0;
	/* Stacks for waits that last (each wait once, a budget per census):
	 * a leak's threads have theirs by the time it is found. */
	lopts.unwind_after_ns = 2000000000ULL;
	err = live_run(env, &lopts, &why);
	if (!err) {
		detector__finish(mon.det);
		report__end(mon.report, why);
		if (env->textfile_dir)
			metrics__write_textfile(mon.metrics, env->textfile_dir);
		status = 0;
	}
out:
	metrics_http__stop(mon.http);
	detector__free(mon.det);
	report__free(mon.report);
	metrics__free(mon.metrics);
	/* Findings lost to a full disk are a failure (stdout: main checks). */
	if (mon.out && mon.out != stdout) {
		bool failed = ferror(mon.out);

		if (fclose(mon.out) || failed) {
			fprintf(stderr, "threadleak: writing %s failed\n", env->output);
			status = 1;
		}
	}
	return status;
}
