// SPDX-License-Identifier: GPL-2.0
/*
 * threadleak: find threads that start and never finish, in running
 * processes, without stopping them.
 *
 * Records flow one way: tracer (BPF ring buffer, census; decoded there) ->
 * inspector -> pipeline: recorder, if recording -> detector -> report.
 * Replay is a source in place of the tracer (the trace reader decodes).
 * The command line stays here: each layer gets its own options.
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "detector.h"
#include "env.h"
#include "goroutine_dump.h"
#include "live.h"
#include "monitor.h"
#include "pipeline.h"
#include "recorder.h"
#include "report.h"
#include "report_html.h"
#include "sandbox.h"
#include "thread_profile.h"
#include "trace_file.h"

/* Files written at the end of a run, opened at its start (before
 * privileges are dropped): -1 if not asked for. */
struct run_files {
	int pprof_fd, folded_fd, html_fd;
};

/* A command's run: the pipeline, and the report at its end. */
struct run {
	struct pipeline pl;
	struct report *report;
	struct report_html *html; /* --html: collects beside the report */
	struct run_files files;
};

static int open_output(const char *path)
{
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "threadleak: cannot write %s: %s\n", path,
			errno == ELOOP ? "it is a symbolic link" : strerror(errno));
	return fd;
}

static void run_files_close(struct run_files *f)
{
	if (f->pprof_fd >= 0)
		close(f->pprof_fd);
	if (f->folded_fd >= 0)
		close(f->folded_fd);
	if (f->html_fd >= 0)
		close(f->html_fd);
	*f = (struct run_files){ -1, -1, -1 };
}

/* --pprof, --folded and --html, opened now. Returns 0, or -1 having said why. */
static int run_files_open(struct run_files *f, const struct env *env)
{
	f->pprof_fd = open_output(env->pprof_path);
	f->folded_fd = open_output(env->folded_path);
	f->html_fd = open_output(env->html_path);
	if ((env->pprof_path && f->pprof_fd < 0) || (env->folded_path && f->folded_fd < 0) ||
	    (env->html_path && f->html_fd < 0)) {
		run_files_close(f);
		return -1;
	}
	return 0;
}

/* Close @fd, written with @err; say what failed. Returns 0 or 1. */
static int close_output(int fd, FILE *f, const char *path, int err)
{
	if ((f ? fclose(f) : close(fd)) && !err)
		err = -errno;
	if (!err)
		return 0;
	fprintf(stderr, "threadleak: writing %s: %s\n", path, strerror(-err));
	return 1;
}

/* The HTML report, at the end. Returns 0 or 1. */
static int write_html(struct run *run, const struct env *env)
{
	struct run_files *files = &run->files;
	FILE *f;
	int status;

	if (files->html_fd < 0)
		return 0;
	f = fdopen(files->html_fd, "w");
	status = close_output(files->html_fd, f, env->html_path,
			      !f ? -errno : run->html ? report_html__write(run->html, f) : -ENOMEM);
	files->html_fd = -1;
	return status;
}

/* The live threads as profiles, at the end. Returns 0 or 1. */
static int write_profiles(struct run *run, const struct env *env)
{
	struct run_files *files = &run->files;
	struct thread_profile *tp;
	int status = 0;
	FILE *f;

	if (files->pprof_fd < 0 && files->folded_fd < 0)
		return 0;
	tp = thread_profile__new(0);
	if (tp)
		detector__threads(run->pl.det, thread_profile__add, tp);
	if (files->pprof_fd >= 0)
		status |= close_output(files->pprof_fd, NULL, env->pprof_path,
				       tp ? thread_profile__write_pprof(tp, files->pprof_fd) : -ENOMEM);
	if (files->folded_fd >= 0) {
		f = fdopen(files->folded_fd, "w");
		status |= close_output(files->folded_fd, f, env->folded_path,
				       !f ? -errno : tp ? thread_profile__write_folded(tp, f) : -ENOMEM);
	}
	files->pprof_fd = files->folded_fd = -1;
	thread_profile__free(tp);
	return status;
}

/*
 * The detector and the report for @env: rows per process for -p (@top
 * false), the top table system-wide.
 */
static int run_init(struct run *run, const struct env *env, bool top, __s64 realtime_offset_ns)
{
	struct report_opts ropts = {
		.out = stdout,
		.format = env->json ? REPORT_JSON : REPORT_TEXT,
		.top = top,
		.top_n = env->top_n,
		.sort = env->sort_growth ? SORT_GROWTH : SORT_THREADS,
		.clear_screen = top && !env->json && isatty(STDOUT_FILENO),
		.realtime_offset_ns = realtime_offset_ns,
	};
	struct detector_opts dopts = {
		.keep_exited = !top,
		.list_waits = env->list_waits && !top,
		.wait_threshold_ns = env->wait_threshold_ns,
		.stuck = env->stuck,
	};
	struct detector_sink sink;

	memset(run, 0, sizeof(*run));
	run->files = (struct run_files){ -1, -1, -1 };
	run->report = report__new(&ropts);
	if (!run->report)
		return -ENOMEM;
	report__sink(run->report, &sink);
	if (env->html_path) {
		struct report_html_opts hopts = {
			.source = env->cmd == CMD_REPLAY ? env->input : NULL,
			.realtime_offset_ns = realtime_offset_ns,
		};

		run->html = report_html__new(&hopts);
		if (!run->html)
			return -ENOMEM;
		report_html__sink(run->html, &sink, &sink);
	}
	return pipeline_init(&run->pl, &dopts, env->leak_window_ns, &sink);
}

static void run_free(struct run *run)
{
	run_files_close(&run->files);
	pipeline_free(&run->pl);
	report__free(run->report);
	report_html__free(run->html);
}

/* The end of a run: findings restated, summaries, the last line. */
static int run_finish(struct run *run, const struct env *env, const char *why)
{
	int status;

	detector__finish(run->pl.det);
	report__end(run->report, why);
	status = write_profiles(run, env);
	status |= write_html(run, env);
	if (env->fail_on_leak && detector__leaks(run->pl.det))
		return 3;
	return status;
}

/* The live session's options, from the command line. */
static void live_opts_init(struct live_opts *lopts, struct env *env)
{
	*lopts = (struct live_opts){
		.pids = env->pids,
		.nr_pids = env->nr_pids,
		.interval_ns = env->interval_ns,
		.duration_ns = env->duration_ns,
		.no_sandbox = env->no_sandbox,
		.tracer = {
			.ringbuf_bytes = env->ringbuf_bytes,
			.census_slots = env->census_slots,
			.verbose = env->verbose,
			.compat = env->compat,
		},
		.inspector = {
			.proc_root = env->proc_root,
			.inspect_budget_ns = env->inspect_budget_ns,
			.proc_syms_budget = env->proc_syms_budget,
		},
	};
}

/* threadleak [-p PID ...] and threadleak record: a live run. */
static int cmd_live(struct env *env, int argc, char **argv)
{
	struct rec_session session = {
		.hdr = { .type = REC_SESSION, .size = sizeof(session) },
	};
	__s64 offset = realtime_offset_ns();
	struct trace_writer_stats st;
	struct live_opts lopts;
	struct run run;
	const char *why;
	int err, i, status;

	live_opts_init(&lopts, env);
	if (live_check(&lopts, argc, argv))
		return 1;
	if (run_init(&run, env, lopts.nr_pids == 0, offset)) {
		fprintf(stderr, "threadleak: out of memory\n");
		return 1;
	}
	if (run_files_open(&run.files, env)) {
		run_free(&run);
		return 1;
	}
	pipeline_live(&run.pl, &lopts);
	lopts.tick = pipeline_tick;
	if (env->cmd == CMD_RECORD) {
		struct recorder_opts ropts = {
			.path = env->output,
			.max_bytes = env->max_size,
			.keep = env->keep,
			.session = &session,
			.realtime_offset_ns = offset,
			.start_ns = mono_ns(),
			.procs = run.pl.procs,
		};

		/* All targets are counted; the first REC_SESSION_MAX_TARGETS named. */
		session.nr_targets = lopts.nr_pids;
		session.interval_ns = env->interval_ns;
		for (i = 0; i < lopts.nr_pids && i < REC_SESSION_MAX_TARGETS; i++)
			session.targets[i] = lopts.pids[i];
		err = recorder__open(&run.pl.rec, &ropts);
		if (err) {
			fprintf(stderr, "threadleak: cannot write %s: %s\n", env->output,
				err == -ELOOP ? "it is a symbolic link" : strerror(-err));
			run_free(&run);
			return 1;
		}
	}
	err = live_run(&lopts, &why);
	status = err ? 1 : run_finish(&run, env, why);
	if (run.pl.rec_err)
		fprintf(stderr, "threadleak: writing %s: %s\n", env->output,
			strerror(-run.pl.rec_err));
	if (run.pl.rec) {
		err = recorder__close(run.pl.rec, &st);
		if (err && !run.pl.rec_err)
			fprintf(stderr, "threadleak: closing %s: %s\n", env->output, strerror(-err));
		if (err || run.pl.rec_err)
			status = 1;
		else
			fprintf(stderr,
				"threadleak: recorded %llu records, %llu bytes (%llu raw) to %s%s\n",
				(unsigned long long)st.records, (unsigned long long)st.file_bytes,
				(unsigned long long)st.raw_bytes, env->output,
				st.rotations ? " and its rotated files" : "");
	}
	run_free(&run);
	return status;
}

/* --info: what is in a trace file. */
struct trace_contents {
	__u64 counts[REC_TYPE_MAX];
	__u64 first_ns, last_ns;
	__u64 lost_events, lost_threads, events;
	void *procs; /* tree of pids (as pointers) */
	unsigned int nr_procs;
};

static int pid_cmp(const void *a, const void *b)
{
	return a < b ? -1 : a > b;
}

static void count_record(struct trace_contents *c, const struct rec_hdr *hdr)
{
	const struct rec_census *cs = (const void *)hdr;
	void **node;

	c->counts[hdr->type]++;
	if (hdr->ts_ns && (!c->first_ns || hdr->ts_ns < c->first_ns))
		c->first_ns = hdr->ts_ns;
	if (hdr->ts_ns > c->last_ns)
		c->last_ns = hdr->ts_ns;
	if (hdr->type == REC_CENSUS) {
		c->events = cs->events;
		c->lost_events = cs->lost_events;
		c->lost_threads = cs->lost_threads;
	}
	if (hdr->type == REC_PROC && !tfind((void *)(unsigned long)hdr->tgid, &c->procs, pid_cmp)) {
		node = tsearch((void *)(unsigned long)hdr->tgid, &c->procs, pid_cmp);
		if (node)
			c->nr_procs++;
	}
}

static void no_free(void *p)
{
}

static void print_info(const char *path, const struct trace_info *info,
		       struct trace_contents *c, __u64 file_bytes)
{
	__u64 records = 0;
	unsigned int t;

	for (t = 0; t < REC_TYPE_MAX; t++)
		records += c->counts[t];
	printf("file: %s\n", path);
	printf("format: %u, records version %u, segment %u\n", info->format_version,
	       info->rec_version, info->segment);
	printf("host: %s %s %s %s\n", info->hostname, info->sysname, info->release, info->machine);
	printf("duration: %.3f s\n", c->last_ns > c->first_ns ? (c->last_ns - c->first_ns) / 1e9 : 0);
	printf("processes: %u\n", c->nr_procs);
	printf("records: %llu\n", (unsigned long long)records);
	printf("bytes: %llu\n", (unsigned long long)file_bytes);
	for (t = 1; t < REC_TYPE_MAX; t++)
		if (c->counts[t])
			printf("  %-13s %llu\n", rec_type_name(t), (unsigned long long)c->counts[t]);
	printf("events: %llu delivered, %llu lost (full ring buffer), %llu threads not counted\n",
	       (unsigned long long)c->events, (unsigned long long)c->lost_events,
	       (unsigned long long)c->lost_threads);
}

/* threadleak replay FILE: the trace file as the source. */
static int cmd_replay(struct env *env)
{
	struct trace_contents contents = {};
	struct run_files files;
	struct run run = {};
	struct trace_reader *r = NULL;
	struct trace_info info;
	bool started = false;
	const char *msg = NULL;
	const void *rec;
	char why[512];
	__u64 offset;
	size_t len;
	int err, status = 0;

	if (run_files_open(&files, env))
		return 1;
	/* A trace file comes from anywhere: parsed with no privilege. */
	if (!env->no_sandbox && sandbox__enter(0))
		return 1;
	err = trace_reader__open(&r, env->input, &info);
	if (err) {
		fprintf(stderr, "threadleak: %s\n",
			r && trace_reader__error(r, NULL) ? trace_reader__error(r, NULL)
							   : strerror(-err));
		trace_reader__close(r);
		return 1;
	}
	while ((err = trace_reader__next(r, &rec, &len)) > 0) {
		const struct rec_hdr *hdr = rec;

		if (env->info) {
			count_record(&contents, hdr);
			continue;
		}
		if (!started) {
			/* The session record says how it was taken: -p or all. */
			bool top = !(hdr->type == REC_SESSION &&
				     ((const struct rec_session *)rec)->nr_targets);

			if (run_init(&run, env, top, info.realtime_offset_ns)) {
				fprintf(stderr, "threadleak: out of memory\n");
				trace_reader__close(r);
				return 1;
			}
			run.files = files;
			started = true;
		}
		err = pipeline_record(&run.pl, rec, len);
		if (err)
			break;
	}
	if (err < 0) {
		/* Corrupt: say where, but show what came before it. Or the
		 * detector failed (out of memory): say that. */
		msg = trace_reader__error(r, &offset);
		fprintf(stderr, "threadleak: %s\n", msg ? msg : strerror(-err));
		status = 1;
	}
	if (env->info) {
		print_info(env->input, &info, &contents, trace_reader__offset(r));
		tdestroy(contents.procs, no_free);
	} else if (started) {
		if (trace_reader__truncated(r, &offset)) {
			/* Cut in the middle of a chunk: a copy stopped short. */
			snprintf(why, sizeof(why), "trace cut short at offset %llu",
				 (unsigned long long)offset);
			fprintf(stderr, "threadleak: %s\n", trace_reader__error(r, NULL));
		} else if (status) {
			snprintf(why, sizeof(why), "%s", msg ? "corrupt trace" : strerror(-err));
		} else if (!trace_reader__complete(r)) {
			/* Cut between chunks: a recorder killed, or still running. */
			trace_reader__error(r, &offset);
			snprintf(why, sizeof(why), "trace ends at offset %llu without its last chunk",
				 (unsigned long long)offset);
			fprintf(stderr, "threadleak: %s\n", trace_reader__error(r, NULL));
		} else {
			snprintf(why, sizeof(why), "end of trace");
		}
		err = run_finish(&run, env, why);
		if (!status)
			status = err;
		run_free(&run);
	}
	trace_reader__close(r);
	return status;
}

int main(int argc, char **argv)
{
	struct env env;
	int status;

	env_parse(&env, argc, argv);
	switch (env.cmd) {
	case CMD_REPLAY:
		status = cmd_replay(&env);
		break;
	case CMD_GOROUTINES: {
		struct goroutine_dump_opts gopts = {
			.proc_root = env.proc_root,
			.pid = env.pids[0],
			.debug = env.debug_level,
			.pprof_path = env.pprof_path,
			.out = stdout,
			.sandbox = !env.no_sandbox,
		};

		status = goroutine_dump(&gopts) ? 1 : 0;
		break;
	}
	case CMD_MONITOR: {
		struct monitor_opts mopts = {
			.wait_threshold_ns = env.wait_threshold_ns,
			.leak_window_ns = env.leak_window_ns,
			.stuck = env.stuck,
			.output = env.output,
			.metrics_addr = env.metrics_addr,
			.textfile_dir = env.textfile_dir,
			.max_series = env.max_series,
		};

		live_opts_init(&mopts.live, &env);
		status = monitor_run(&mopts, argc, argv);
		break;
	}
	case CMD_TRACE:
	case CMD_RECORD:
	default:
		status = cmd_live(&env, argc, argv);
		break;
	}
	/* Output lost to a full disk or a closed pipe is a failure, not 0. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "threadleak: writing the output failed\n");
		return status ? status : 1;
	}
	return status;
}
