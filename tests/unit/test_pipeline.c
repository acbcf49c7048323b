// SPDX-License-Identifier: GPL-2.0
/*
 * The pipeline's one process table, shared by its consumers (inspector,
 * recorder, detector): each record's process found once, each process let
 * go by every consumer once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "live.h"
#include "pipeline.h"
#include "proc_table.h"
#include "recorder.h"
#include "records.h"
#include "test.h"

/* One more consumer, counting what the table tells it. */
struct counts {
	unsigned int new_procs, gone, stale;
};

static int count_new(void *ctx, __u32 tgid, void *data)
{
	((struct counts *)ctx)->new_procs++;
	return 0;
}

static void count_gone(void *ctx, void *data)
{
	((struct counts *)ctx)->gone++;
}

static void count_stale(void *ctx, void *data)
{
	((struct counts *)ctx)->stale++;
}

struct outputs {
	unsigned int samples, summaries;
	__u32 last_pid;
	bool last_final;
};

static void out_sample(void *ctx, const struct sample *s)
{
	struct outputs *o = ctx;

	o->samples++;
	o->last_pid = s->pid;
	o->last_final = s->final;
}

static void out_summary(void *ctx, const struct proc_summary *ps)
{
	((struct outputs *)ctx)->summaries++;
}

/* A pipeline with a recorder writing into @dir and a counting consumer. */
struct rig {
	struct pipeline pl;
	struct outputs out;
	struct counts counts;
	char dir[64], path[128];
	struct rec_session session;
};

static int rig_open(struct rig *r, bool keep_exited)
{
	struct detector_opts dopts = { .keep_exited = keep_exited };
	struct detector_sink sink = {
		.sample = out_sample,
		.summary = out_summary,
		.ctx = &r->out,
	};
	struct proc_hooks hooks = {
		.new_proc = count_new,
		.gone = count_gone,
		.stale = count_stale,
		.ctx = &r->counts,
	};
	struct recorder_opts ropts = {
		.path = r->path,
		.session = &r->session,
	};
	int err;

	memset(r, 0, sizeof(*r));
	r->session.hdr = (struct rec_hdr){ .type = REC_SESSION, .size = sizeof(r->session) };
	snprintf(r->dir, sizeof(r->dir), "/tmp/threadleak-pipeline-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	snprintf(r->path, sizeof(r->path), "%s/trace.tl", r->dir);
	err = pipeline_init(&r->pl, &dopts, 0, &sink);
	if (err)
		return err;
	ropts.procs = r->pl.procs;
	err = recorder__open(&r->pl.rec, &ropts);
	if (err)
		return err;
	return proc_table__attach(r->pl.procs, &hooks) < 0 ? -1 : 0;
}

static void rig_close(struct rig *r)
{
	struct trace_writer_stats st;

	recorder__close(r->pl.rec, &st);
	pipeline_free(&r->pl);
	unlink(r->path);
	rmdir(r->dir);
}

#define SEND(fn, ctx, rec)                                              \
	({                                                              \
		__typeof__(rec) ___r = (rec);                           \
		ASSERT_OK(fn(ctx, &___r, sizeof(___r)), "record " #rec); \
	})

#define NR_PROCS 8

/* A census of NR_PROCS processes of two threads each: 3 records a process. */
static void census_of(int (*fn)(void *, const void *, size_t), void *ctx, __u64 ts)
{
	__u32 i, tgid;

	for (i = 0; i < NR_PROCS; i++) {
		tgid = 100 + i;
		SEND(fn, ctx, rec_task_running(tgid, tgid, ts));
		SEND(fn, ctx, rec_task_running(tgid, tgid + 50, ts));
		SEND(fn, ctx, rec_proc(tgid, tgid, ts, 2, 2, 0, "p"));
	}
	SEND(fn, ctx, rec_census(ts, 0));
}

/*
 * Replay's path: the table reads each record once and its consumers (the
 * recorder, the detector, one more) find their data without hashing again:
 * one hash lookup for each record that names another process than the one
 * before it, and none more.
 */
void test_pipeline_one_lookup(void)
{
	struct rig r;
	__u64 lookups;

	if (!ASSERT_OK(rig_open(&r, true), "rig"))
		goto out;
	census_of(pipeline_record, &r.pl, SEC_NS);
	lookups = proc_table__lookups(r.pl.procs);
	ASSERT_EQ(lookups, NR_PROCS, "one lookup a process, not one a consumer");
	ASSERT_EQ(r.counts.new_procs, NR_PROCS, "each process made once");
	ASSERT_EQ(r.out.samples, NR_PROCS, "the detector sampled them all");
	census_of(pipeline_record, &r.pl, 2 * SEC_NS);
	ASSERT_EQ(proc_table__lookups(r.pl.procs) - lookups, NR_PROCS, "again in the next census");
	ASSERT_EQ(r.counts.new_procs, NR_PROCS, "no process made again");
out:
	rig_close(&r);
}

/*
 * The live path: records enter through the inspector, which feeds the
 * pipeline's table; the recorder and the detector down the pipeline do
 * not read them into it again.
 */
void test_pipeline_live_one_table(void)
{
	struct live_opts lo = { .inspector = { .proc_root = "/nonexistent-threadleak-proc" } };
	struct inspector *in = NULL;
	struct rig r;

	if (!ASSERT_OK(rig_open(&r, true), "rig"))
		goto out;
	pipeline_live(&r.pl, &lo);
	ASSERT_TRUE(lo.inspector.procs == r.pl.procs, "the inspector gets the pipeline's table");
	in = inspector__new(&lo.inspector, lo.sink, lo.ctx);
	if (!ASSERT_TRUE(in, "inspector"))
		goto out;
	census_of(inspector__record, in, SEC_NS);
	ASSERT_EQ(r.counts.new_procs, NR_PROCS, "each process made once");
	ASSERT_EQ(proc_table__census(r.pl.procs), 2, "the census closed once");
	ASSERT_EQ(r.out.samples, NR_PROCS, "the detector sampled them all");
	ASSERT_EQ(proc_table__count(r.pl.procs), NR_PROCS, "entries");
out:
	inspector__free(in);
	rig_close(&r);
}

/*
 * A process no census counts any more is stale: the table lets it go
 * once, and each consumer forgets it once; with keep_exited the detector
 * keeps it for the end summary.
 */
void test_pipeline_stale_once(void)
{
	bool keep;
	struct rig r;
	unsigned int i;

	for (keep = false; ; keep = true) {
		if (!ASSERT_OK(rig_open(&r, keep), "rig"))
			goto out;
		SEND(pipeline_record, &r.pl, rec_task_running(100, 100, SEC_NS));
		SEND(pipeline_record, &r.pl, rec_proc(100, 5, SEC_NS, 1, 1, 0, "gone"));
		SEND(pipeline_record, &r.pl, rec_census(SEC_NS, 0));
		ASSERT_EQ(detector__live_procs(r.pl.det), 1, "live");
		for (i = 0; i < STALE_CENSUSES + 1; i++)
			SEND(pipeline_record, &r.pl, rec_census((i + 2) * SEC_NS, 0));
		ASSERT_EQ(r.counts.stale, 1, "stale once");
		ASSERT_EQ(r.counts.gone, 0, "not gone as well");
		ASSERT_EQ(proc_table__count(r.pl.procs), 0, "no entry");
		ASSERT_EQ(detector__live_procs(r.pl.det), keep ? 1 : 0,
			  keep ? "kept as it was" : "forgotten");
		ASSERT_EQ(detector__saw_proc(r.pl.det, 100), keep, "kept for the summary");
		for (i = 0; i < STALE_CENSUSES + 1; i++)
			SEND(pipeline_record, &r.pl, rec_census((i + 10) * SEC_NS, 0));
		ASSERT_EQ(r.counts.stale, 1, "still once");
		detector__finish(r.pl.det);
		ASSERT_EQ(r.out.summaries, keep ? 1 : 0, "summaries");
		ASSERT_EQ(r.out.samples, 1, "one sample, when it was counted");
		rig_close(&r);
		if (keep)
			break;
	}
	return;
out:
	rig_close(&r);
}

/*
 * An exit: every consumer sees the process's last census (the detector's
 * final sample), then lets it go once, when that census closes.
 */
void test_pipeline_exit(void)
{
	struct rec_proc exited = rec_proc(100, 5, 2 * SEC_NS, 0, 1, 1, "gone");
	struct rig r;

	exited.flags = RP_EXITED;
	if (!ASSERT_OK(rig_open(&r, false), "rig"))
		goto out;
	SEND(pipeline_record, &r.pl, rec_task_running(100, 100, SEC_NS));
	SEND(pipeline_record, &r.pl, rec_proc(100, 5, SEC_NS, 1, 1, 0, "gone"));
	SEND(pipeline_record, &r.pl, rec_census(SEC_NS, 0));
	SEND(pipeline_record, &r.pl, exited);
	ASSERT_EQ(r.counts.gone, 0, "not before its last census");
	SEND(pipeline_record, &r.pl, rec_census(2 * SEC_NS, 0));
	ASSERT_EQ(r.counts.gone, 1, "gone once");
	ASSERT_EQ(r.out.samples, 2, "samples");
	ASSERT_TRUE(r.out.last_final, "the last one final");
	ASSERT_EQ(detector__live_procs(r.pl.det), 0, "no live process");
	SEND(pipeline_record, &r.pl, exited); /* late: nothing */
	SEND(pipeline_record, &r.pl, rec_census(3 * SEC_NS, 0));
	ASSERT_EQ(r.counts.new_procs, 1, "not made again");
	ASSERT_EQ(r.out.samples, 2, "no sample after the exit");
out:
	rig_close(&r);
}
