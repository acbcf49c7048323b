// SPDX-License-Identifier: GPL-2.0
/*
 * The detector. Records arrive census by census: lifecycle records at any
 * time, then for each census the rec_task of every traced thread, the
 * rec_proc of every traced process, and a rec_census that closes it. At the
 * close, each process that had a rec_proc gets a sample.
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "detector.h"
#include "wait.h"

struct proc_state {
	__u32 tgid;
	__u64 start_ns; /* 0 until its rec_proc arrives */
	char comm[REC_COMM_LEN];
	bool exited;

	/* Tallies of the census in progress, valid if tally_seq matches. */
	__u64 tally_seq;
	__u32 blocked, other_blocked;
	__u64 max_wait_ns;
	bool leader_seen;
	char leader_comm[REC_COMM_LEN];

	/* Counters from the last rec_proc, valid if proc_seq matches. */
	__u64 proc_seq;
	__u32 live;
	__u64 created, exited_threads;
	bool proc_exited;
	__u64 prev_created, prev_exited; /* at the previous sample */

	bool sampled;
	struct proc_summary sum;
};

struct detector {
	struct detector_opts opts;
	struct detector_sink sink;
	void *procs;	  /* tsearch tree of struct proc_state, by tgid */
	__u64 census_seq; /* the census in progress */
	unsigned int nr_live;
};

static int proc_cmp(const void *a, const void *b)
{
	const struct proc_state *pa = a, *pb = b;

	return pa->tgid < pb->tgid ? -1 : pa->tgid > pb->tgid;
}

struct detector *detector__new(const struct detector_opts *opts, const struct detector_sink *sink)
{
	struct detector *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (opts)
		d->opts = *opts;
	d->sink = *sink;
	d->census_seq = 1;
	return d;
}

void detector__free(struct detector *d)
{
	if (!d)
		return;
	tdestroy(d->procs, free);
	free(d);
}

static struct proc_state *proc_find(struct detector *d, __u32 tgid)
{
	struct proc_state key = { .tgid = tgid };
	void *node = tfind(&key, &d->procs, proc_cmp);

	return node ? *(struct proc_state **)node : NULL;
}

static struct proc_state *proc_add(struct detector *d, __u32 tgid)
{
	struct proc_state *p = calloc(1, sizeof(*p));
	void *node;

	if (!p)
		return NULL;
	p->tgid = tgid;
	node = tsearch(p, &d->procs, proc_cmp);
	if (!node || *(struct proc_state **)node != p) {
		free(p);
		return NULL;
	}
	d->nr_live++;
	return p;
}

static void proc_remove(struct detector *d, struct proc_state *p)
{
	tdelete(p, &d->procs, proc_cmp);
	if (!p->exited)
		d->nr_live--;
	free(p);
}

static void tally_reset(struct detector *d, struct proc_state *p)
{
	if (p->tally_seq == d->census_seq)
		return;
	p->tally_seq = d->census_seq;
	p->blocked = 0;
	p->other_blocked = 0;
	p->max_wait_ns = 0;
	p->leader_seen = false;
}

static int feed_task(struct detector *d, const struct rec_task *t)
{
	struct proc_state *p = proc_find(d, t->hdr.tgid);

	if (!p) {
		p = proc_add(d, t->hdr.tgid);
		if (!p)
			return -ENOMEM;
	}
	tally_reset(d, p);
	if (t->tid == t->hdr.tgid) {
		p->leader_seen = true;
		memcpy(p->leader_comm, t->comm, REC_COMM_LEN);
	}
	switch (task_wait_kind(t)) {
	case WAIT_FUTEX:
		p->blocked++;
		if ((t->flags & RTF_WAIT_START) && t->hdr.ts_ns > t->wait_start_ns &&
		    t->hdr.ts_ns - t->wait_start_ns > p->max_wait_ns)
			p->max_wait_ns = t->hdr.ts_ns - t->wait_start_ns;
		break;
	case WAIT_SYSCALL:
		p->other_blocked++;
		break;
	case WAIT_NONE:
		break;
	}
	return 0;
}

/*
 * A process we never saw exit is gone: its pid now names another one.
 * Summarize it now, since the tree can hold one process per pid.
 */
static void proc_retire(struct detector *d, struct proc_state *p)
{
	p->sum.exited_proc = true;
	if (d->opts.keep_exited && p->sampled && d->sink.summary)
		d->sink.summary(d->sink.ctx, &p->sum);
	proc_remove(d, p);
}

static int feed_proc(struct detector *d, const struct rec_proc *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct proc_state *old = NULL;

	if (p && p->start_ns && p->start_ns != r->start_ns) {
		old = p;
		p = NULL;
	}
	if (p && p->exited)
		return 0; /* a late duplicate of a final record */
	if (old) {
		/* Carry this census's tallies over to the new process. */
		struct proc_state tallies = *old;

		proc_retire(d, old);
		p = proc_add(d, r->hdr.tgid);
		if (!p)
			return -ENOMEM;
		if (tallies.tally_seq == d->census_seq) {
			p->tally_seq = tallies.tally_seq;
			p->blocked = tallies.blocked;
			p->other_blocked = tallies.other_blocked;
			p->max_wait_ns = tallies.max_wait_ns;
			p->leader_seen = tallies.leader_seen;
			memcpy(p->leader_comm, tallies.leader_comm, REC_COMM_LEN);
		}
	}
	if (!p) {
		p = proc_add(d, r->hdr.tgid);
		if (!p)
			return -ENOMEM;
	}
	tally_reset(d, p);
	p->start_ns = r->start_ns;
	p->proc_seq = d->census_seq;
	p->live = r->live;
	p->created = r->created;
	p->exited_threads = r->exited;
	p->proc_exited = r->flags & RP_EXITED;
	if (p->leader_seen)
		memcpy(p->comm, p->leader_comm, REC_COMM_LEN);
	else
		memcpy(p->comm, r->comm, REC_COMM_LEN);
	p->comm[REC_COMM_LEN - 1] = '\0';
	return 0;
}

static void proc_sample(struct detector *d, struct proc_state *p, __u64 ts)
{
	struct proc_summary *sum = &p->sum;
	struct sample s = {
		.ts_ns = ts,
		.pid = p->tgid,
		.threads = p->live,
		.blocked = p->blocked,
		.other_blocked = p->other_blocked,
		.created = p->created - p->prev_created,
		.exited = p->exited_threads - p->prev_exited,
		.max_wait_ns = p->max_wait_ns,
		.final = p->proc_exited,
	};

	memcpy(s.comm, p->comm, REC_COMM_LEN);
	if (!p->sampled) {
		p->sampled = true;
		sum->pid = p->tgid;
		sum->first_ns = ts;
		sum->threads_first = p->live;
	}
	s.growth = (__s32)p->live - (__s32)sum->threads_first;
	memcpy(sum->comm, p->comm, REC_COMM_LEN);
	sum->last_ns = ts;
	sum->threads_last = p->live;
	if (p->live > sum->threads_peak)
		sum->threads_peak = p->live;
	sum->created = p->created;
	sum->exited = p->exited_threads;
	sum->blocked_last = p->blocked;
	sum->other_blocked_last = p->other_blocked;
	if (p->max_wait_ns > sum->max_wait_ns)
		sum->max_wait_ns = p->max_wait_ns;
	sum->exited_proc = p->proc_exited;
	p->prev_created = p->created;
	p->prev_exited = p->exited_threads;
	if (d->sink.sample)
		d->sink.sample(d->sink.ctx, &s);
}

struct proc_list {
	struct proc_state **v;
	size_t n, cap;
	int err;
};

static void collect_proc(const void *node, VISIT which, void *closure)
{
	struct proc_list *l = closure;
	struct proc_state **nv;

	if (which != postorder && which != leaf)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv) {
			l->err = -ENOMEM;
			l->cap = l->n;
			return;
		}
		l->v = nv;
	}
	l->v[l->n++] = *(struct proc_state *const *)node;
}

/* Every process in the tree, in tgid order (tree walk order). */
static int proc_list(struct detector *d, struct proc_list *l)
{
	memset(l, 0, sizeof(*l));
	twalk_r(d->procs, collect_proc, l);
	return l->err;
}

static int feed_census(struct detector *d, const struct rec_census *c)
{
	struct census_stats cs = {
		.ts_ns = c->hdr.ts_ns,
		.duration_ns = c->duration_ns,
		.nr_procs = c->nr_procs,
		.nr_tasks = c->nr_tasks,
		.events = c->events,
		.lost_events = c->lost_events,
		.lost_threads = c->lost_threads,
	};
	struct proc_list l;
	size_t i;
	int err;

	err = proc_list(d, &l);
	for (i = 0; i < l.n; i++) {
		struct proc_state *p = l.v[i];

		if (p->exited)
			continue;
		if (p->proc_seq != d->census_seq) {
			/* Seen in the census but not in the counters: it was
			 * created after the counters were read. Wait. */
			continue;
		}
		tally_reset(d, p);
		proc_sample(d, p, c->hdr.ts_ns);
		if (p->proc_exited) {
			p->exited = true;
			d->nr_live--;
			if (!d->opts.keep_exited)
				proc_remove(d, p);
		}
	}
	free(l.v);
	if (d->sink.census_end)
		d->sink.census_end(d->sink.ctx, &cs);
	d->census_seq++;
	return err;
}

static int feed_exec(struct detector *d, const struct rec_proc_exec *e)
{
	struct proc_state *p = proc_find(d, e->hdr.tgid);

	if (p && !p->exited) {
		memcpy(p->comm, e->comm, REC_COMM_LEN);
		p->comm[REC_COMM_LEN - 1] = '\0';
	}
	return 0;
}

int detector__feed(struct detector *d, const struct rec_hdr *rec)
{
	switch (rec->type) {
	case REC_THREAD_START:
	case REC_THREAD_EXIT:
		return 0;
	case REC_PROC_EXEC:
		return feed_exec(d, (const struct rec_proc_exec *)rec);
	case REC_TASK:
		return feed_task(d, (const struct rec_task *)rec);
	case REC_PROC:
		return feed_proc(d, (const struct rec_proc *)rec);
	case REC_CENSUS:
		return feed_census(d, (const struct rec_census *)rec);
	default:
		return 0; /* not used by the detector (yet) */
	}
}

unsigned int detector__live_procs(const struct detector *d)
{
	return d->nr_live;
}

void detector__finish(struct detector *d)
{
	struct proc_list l;
	size_t i;

	proc_list(d, &l);
	for (i = 0; i < l.n; i++)
		if (l.v[i]->sampled && d->sink.summary)
			d->sink.summary(d->sink.ctx, &l.v[i]->sum);
	free(l.v);
}
