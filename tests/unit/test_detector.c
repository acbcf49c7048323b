// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "detector.h"
#include "records.h"
#include "test.h"

#define MAX_OUT 64

struct capture {
	struct sample samples[MAX_OUT];
	int nr_samples;
	struct proc_summary sums[MAX_OUT];
	int nr_sums;
	struct census_stats censuses[MAX_OUT];
	int nr_censuses;
};

/* Field by field, so that two captures compare with memcmp: the padding of
 * the detector's structs is whatever was on its stack. */
static void cap_sample(void *ctx, const struct sample *s)
{
	struct capture *c = ctx;
	struct sample *to;

	if (c->nr_samples >= MAX_OUT)
		return;
	to = &c->samples[c->nr_samples++];
	memset(to, 0, sizeof(*to));
	to->ts_ns = s->ts_ns;
	to->pid = s->pid;
	memcpy(to->comm, s->comm, sizeof(to->comm));
	to->threads = s->threads;
	to->blocked = s->blocked;
	to->other_blocked = s->other_blocked;
	to->created = s->created;
	to->exited = s->exited;
	to->max_wait_ns = s->max_wait_ns;
	to->growth = s->growth;
	to->goroutines = s->goroutines;
	to->final = s->final;
	to->waits = s->waits;
	to->nr_waits = s->nr_waits;
}

static void cap_summary(void *ctx, const struct proc_summary *ps)
{
	struct capture *c = ctx;

	if (c->nr_sums < MAX_OUT)
		c->sums[c->nr_sums++] = *ps;
}

static void cap_census(void *ctx, const struct census_stats *cs)
{
	struct capture *c = ctx;
	struct census_stats *to;

	if (c->nr_censuses >= MAX_OUT)
		return;
	to = &c->censuses[c->nr_censuses++];
	memset(to, 0, sizeof(*to));
	to->ts_ns = cs->ts_ns;
	to->duration_ns = cs->duration_ns;
	to->nr_procs = cs->nr_procs;
	to->nr_tasks = cs->nr_tasks;
	to->go_censuses = cs->go_censuses;
	to->go_duration_ns = cs->go_duration_ns;
	to->go_duration_max_ns = cs->go_duration_max_ns;
	to->events = cs->events;
	to->lost_events = cs->lost_events;
	to->lost_threads = cs->lost_threads;
}

static struct detector *new_detector(struct capture *c, bool keep_exited)
{
	struct detector_sink sink = {
		.sample = cap_sample,
		.summary = cap_summary,
		.census_end = cap_census,
		.ctx = c,
	};
	struct detector_opts opts = { .keep_exited = keep_exited };

	memset(c, 0, sizeof(*c));
	return detector__new(&opts, &sink);
}

#define FEED(d, rec)                          \
	({                                    \
		typeof(rec) ___r = (rec);     \
		detector__feed(d, &___r.hdr); \
	})

/* One census of process 100: @futex futex waiters, @other in read, @run running. */
static void census_100(struct detector *d, __u64 ts, int futex, int other, int run, __u64 created,
		       __u64 exited, __u64 wait_since)
{
	__u32 tid = 1000; /* no leader: the comm comes from the counters */
	int i;

	for (i = 0; i < futex; i++, tid++)
		FEED(d,
		     rec_task_futex(100, tid, ts, 0x1000 + i, FUTEX_WAIT_PRIVATE_OP, wait_since));
	for (i = 0; i < other; i++, tid++)
		FEED(d, rec_task_syscall(100, tid, ts, 0, ts - SEC_NS / 2));
	for (i = 0; i < run; i++, tid++)
		FEED(d, rec_task_running(100, tid, ts));
	FEED(d, rec_proc(100, 7, ts, futex + other + run, created, exited, "svc"));
	FEED(d, rec_census(ts, 0));
}

void test_detector_samples(void)
{
	struct capture c;
	struct detector *d = new_detector(&c, true);
	struct sample *s;

	if (!ASSERT_TRUE(d != NULL, "new"))
		return;
	census_100(d, 10 * SEC_NS, 25, 4, 0, 40, 15, 7 * SEC_NS);
	if (!ASSERT_EQ(c.nr_samples, 1, "one sample"))
		goto out;
	s = &c.samples[0];
	ASSERT_EQ(s->pid, 100, "pid");
	ASSERT_STREQ(s->comm, "svc", "comm");
	ASSERT_EQ(s->threads, 29, "threads");
	ASSERT_EQ(s->blocked, 25, "futex waiters");
	ASSERT_EQ(s->other_blocked, 4, "other syscalls");
	ASSERT_EQ(s->created, 40, "created");
	ASSERT_EQ(s->exited, 15, "exited");
	ASSERT_EQ(s->max_wait_ns, 3 * SEC_NS, "longest futex wait");
	ASSERT_EQ(s->growth, 0, "growth at first sample");
	ASSERT_FALSE(s->final, "not final");

	census_100(d, 11 * SEC_NS, 25, 4, 10, 52, 17, 7 * SEC_NS);
	if (!ASSERT_EQ(c.nr_samples, 2, "two samples"))
		goto out;
	s = &c.samples[1];
	ASSERT_EQ(s->threads, 39, "threads");
	ASSERT_EQ(s->created, 12, "created since last sample");
	ASSERT_EQ(s->exited, 2, "exited since last sample");
	ASSERT_EQ(s->max_wait_ns, 4 * SEC_NS, "wait keeps growing");
	ASSERT_EQ(s->growth, 10, "growth");
	ASSERT_EQ(c.nr_censuses, 2, "census ends");
	ASSERT_EQ(detector__live_procs(d), 1, "one live process");
out:
	detector__free(d);
}

/* Goroutine census times reach the census stats, per census. */
void test_detector_go_census_stats(void)
{
	struct rec_go_census gc = { .hdr = { .type = REC_GO_CENSUS, .size = sizeof(gc) } };
	struct capture c;
	struct detector *d = new_detector(&c, true);

	if (!ASSERT_TRUE(d != NULL, "new"))
		return;
	gc.hdr.tgid = 100;
	gc.hdr.ts_ns = 10 * SEC_NS;
	gc.duration_ns = 3000000;
	FEED(d, gc);
	gc.hdr.tgid = 101;
	gc.duration_ns = 5000000;
	FEED(d, gc);
	census_100(d, 10 * SEC_NS, 1, 0, 0, 0, 0, 9 * SEC_NS);
	census_100(d, 11 * SEC_NS, 1, 0, 0, 0, 0, 9 * SEC_NS);
	if (ASSERT_EQ(c.nr_censuses, 2, "census ends")) {
		ASSERT_EQ(c.censuses[0].go_censuses, 2, "two Go censuses");
		ASSERT_EQ(c.censuses[0].go_duration_ns, 8000000, "their total");
		ASSERT_EQ(c.censuses[0].go_duration_max_ns, 5000000, "the longest");
		ASSERT_EQ(c.censuses[1].go_censuses, 0, "none in the next census");
	}
	detector__free(d);
}

void test_detector_process_exit(void)
{
	struct capture c;
	struct detector *d = new_detector(&c, true);
	struct rec_proc p;

	census_100(d, 10 * SEC_NS, 2, 1, 0, 0, 0, 9 * SEC_NS);
	p = rec_proc(100, 7, 11 * SEC_NS, 0, 0, 3, "svc");
	p.flags = RP_EXITED;
	FEED(d, p);
	FEED(d, rec_census(11 * SEC_NS, 0));
	ASSERT_EQ(c.nr_samples, 2, "samples");
	ASSERT_TRUE(c.samples[1].final, "final sample");
	ASSERT_EQ(c.samples[1].threads, 0, "no threads");
	ASSERT_EQ(c.samples[1].exited, 3, "exited");
	ASSERT_EQ(detector__live_procs(d), 0, "no live process");

	/* A late rec_proc for the same process changes nothing. */
	FEED(d, p);
	FEED(d, rec_census(12 * SEC_NS, 0));
	ASSERT_EQ(c.nr_samples, 2, "no sample after exit");

	detector__finish(d);
	if (ASSERT_EQ(c.nr_sums, 1, "summary")) {
		ASSERT_TRUE(c.sums[0].exited_proc, "exited");
		ASSERT_EQ(c.sums[0].threads_first, 3, "threads first");
		ASSERT_EQ(c.sums[0].threads_peak, 3, "peak");
		ASSERT_EQ(c.sums[0].exited, 3, "exited total");
		ASSERT_EQ(c.sums[0].max_wait_ns, SEC_NS, "longest wait");
	}
	detector__free(d);

	/* Without keep_exited, nothing is left to summarize. */
	d = new_detector(&c, false);
	census_100(d, 10 * SEC_NS, 1, 0, 0, 0, 0, 9 * SEC_NS);
	FEED(d, p);
	FEED(d, rec_census(11 * SEC_NS, 0));
	detector__finish(d);
	ASSERT_EQ(c.nr_sums, 0, "exited process freed");
	detector__free(d);
}

void test_detector_pid_reuse(void)
{
	struct capture c;
	struct detector *d = new_detector(&c, true);

	struct rec_task leader = rec_task_running(100, 100, 11 * SEC_NS);

	census_100(d, 10 * SEC_NS, 0, 0, 5, 0, 0, 0);
	/* Same pid, another start time: another process. */
	strcpy(leader.comm, "other");
	FEED(d, leader);
	FEED(d, rec_proc(100, 8, 11 * SEC_NS, 1, 0, 0, "other"));
	FEED(d, rec_census(11 * SEC_NS, 0));
	ASSERT_EQ(c.nr_sums, 1, "old process summarized");
	ASSERT_EQ(c.sums[0].threads_last, 5, "old threads");
	ASSERT_EQ(c.nr_samples, 2, "samples");
	ASSERT_STREQ(c.samples[1].comm, "other", "new comm");
	ASSERT_EQ(c.samples[1].threads, 1, "new threads");
	ASSERT_EQ(c.samples[1].growth, 0, "growth starts over");
	ASSERT_EQ(c.samples[1].created, 0, "no delta from the old process");
	ASSERT_EQ(detector__live_procs(d), 1, "one live process");
	detector__free(d);
}

void test_detector_comm(void)
{
	struct capture c;
	struct detector *d = new_detector(&c, true);
	struct rec_task leader = rec_task_running(100, 100, 10 * SEC_NS);
	struct rec_proc_exec e;

	strcpy(leader.comm, "renamed");
	FEED(d, leader);
	FEED(d, rec_proc(100, 7, 10 * SEC_NS, 1, 0, 0, "svc"));
	FEED(d, rec_census(10 * SEC_NS, 0));
	ASSERT_STREQ(c.samples[0].comm, "renamed", "leader's comm wins");

	memset(&e, 0, sizeof(e));
	e.hdr.type = REC_PROC_EXEC;
	e.hdr.size = sizeof(e);
	e.hdr.tgid = 100;
	strcpy(e.comm, "sleep");
	FEED(d, e);
	FEED(d, rec_proc(100, 7, 11 * SEC_NS, 1, 0, 0, "sleep"));
	FEED(d, rec_census(11 * SEC_NS, 0));
	ASSERT_STREQ(c.samples[1].comm, "sleep", "comm after exec");
	detector__free(d);
}

void test_detector_lost_and_order(void)
{
	struct capture c, c2;
	struct detector *d = new_detector(&c, true);
	int i;

	/* Tasks of a process with no counters yet are not sampled. */
	FEED(d, rec_task_running(300, 300, 10 * SEC_NS));
	FEED(d, rec_proc(200, 1, 10 * SEC_NS, 1, 0, 0, "b"));
	FEED(d, rec_proc(100, 1, 10 * SEC_NS, 1, 0, 0, "a"));
	FEED(d, rec_census(10 * SEC_NS, 12));
	ASSERT_EQ(c.nr_samples, 2, "two processes sampled");
	ASSERT_EQ(c.samples[0].pid, 100, "pid order");
	ASSERT_EQ(c.samples[1].pid, 200, "pid order");
	ASSERT_EQ(c.censuses[0].lost_events, 12, "lost events passed on");
	detector__free(d);

	/* Pure: the same records give the same output. */
	d = new_detector(&c, true);
	for (i = 0; i < 5; i++)
		census_100(d, (10 + i) * SEC_NS, i, 1, 2, i * 3, i, 9 * SEC_NS);
	detector__finish(d);
	detector__free(d);
	d = new_detector(&c2, true);
	for (i = 0; i < 5; i++)
		census_100(d, (10 + i) * SEC_NS, i, 1, 2, i * 3, i, 9 * SEC_NS);
	detector__finish(d);
	detector__free(d);
	ASSERT_TRUE(!memcmp(&c, &c2, sizeof(c)), "identical output");
}
