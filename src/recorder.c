// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "proc_table.h"
#include "recorder.h"

/* A copy of a record, kept to be written again. */
struct kept_rec {
	__u64 pc; /* of a rec_symbol: its key */
	UT_hash_handle hh;
	size_t len;
	unsigned char rec[] __attribute__((aligned(8)));
};

struct kept_thread {
	__u32 tid;
	struct kept_rec *site, *stack, *futex;
	UT_hash_handle hh;
};

/* A process's data in the process table. */
struct kept_proc {
	struct kept_rec *info;
	struct kept_rec *symbols;   /* by pc */
	struct kept_thread *threads; /* by tid */
};

struct recorder {
	struct trace_writer *w;
	struct rec_session session;
	struct proc_table *procs; /* the pipeline's, or its own */
	bool own_table;
	int slot; /* of its kept_proc in procs */
	int err;  /* of the last rewrite */
};

static struct kept_rec *keep(const void *rec, size_t len)
{
	struct kept_rec *k = calloc(1, sizeof(*k) + len);

	if (!k)
		return NULL;
	k->len = len;
	memcpy(k->rec, rec, len);
	return k;
}

/* Replace *@slot with a copy of @rec. */
static int keep_in(struct kept_rec **slot, const void *rec, size_t len)
{
	struct kept_rec *k = keep(rec, len);

	if (!k)
		return -ENOMEM;
	free(*slot);
	*slot = k;
	return 0;
}

/* Keep @rec, a rec_symbol, in place of the one of its pc. */
static int keep_symbol(struct kept_proc *p, const struct rec_symbol *rec, size_t len)
{
	struct kept_rec *k = keep(rec, len), *old;

	if (!k)
		return -ENOMEM;
	k->pc = rec->pc;
	HASH_REPLACE(hh, p->symbols, pc, sizeof(k->pc), k, old);
	free(old);
	if (!k->hh.tbl) {
		free(k);
		return -ENOMEM;
	}
	return 0;
}

static void thread_free(struct kept_thread *t)
{
	free(t->site);
	free(t->stack);
	free(t->futex);
	free(t);
}

/* Forget @p's symbols and threads: a new program. */
static void proc_clear(void *ctx, void *data)
{
	struct kept_proc *p = data;
	struct kept_thread *t, *tt;
	struct kept_rec *k, *kt;

	HASH_ITER(hh, p->symbols, k, kt) {
		HASH_DELETE(hh, p->symbols, k);
		free(k);
	}
	HASH_ITER(hh, p->threads, t, tt) {
		HASH_DELETE(hh, p->threads, t);
		thread_free(t);
	}
}

static void proc_free(void *ctx, void *data)
{
	struct kept_proc *p = data;

	proc_clear(ctx, p);
	free(p->info);
}

static struct kept_thread *thread_get(struct kept_proc *p, __u32 tid)
{
	struct kept_thread *t;

	HASH_FIND(hh, p->threads, &tid, sizeof(tid), t);
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	HASH_ADD(hh, p->threads, tid, sizeof(t->tid), t);
	if (!t->hh.tbl) {
		free(t);
		return NULL;
	}
	return t;
}

static void thread_drop(struct kept_proc *p, __u32 tid)
{
	struct kept_thread *t;

	HASH_FIND(hh, p->threads, &tid, sizeof(tid), t);
	if (!t)
		return;
	HASH_DELETE(hh, p->threads, t);
	thread_free(t);
}

/* Remember what a new file will need of @rec. */
static int remember(struct recorder *r, const void *rec, size_t len)
{
	const struct rec_hdr *hdr = rec;
	struct kept_thread *t;
	struct kept_proc *p;
	int err;

	if (r->own_table && hdr->type != REC_CENSUS) {
		err = proc_table__record(r->procs, rec);
		if (err)
			return err;
	}
	p = hdr->tgid ? proc_table__find(r->procs, r->slot, hdr->tgid) : NULL;
	if (!p)
		return 0; /* none (a census), or gone with this record */
	switch (hdr->type) {
	case REC_PROC_INFO:
		return keep_in(&p->info, rec, len);
	case REC_SYMBOL:
		return keep_symbol(p, rec, len);
	case REC_SITE:
	case REC_FUTEX:
	case REC_STACK: {
		__u32 tid = hdr->type == REC_SITE    ? ((const struct rec_site *)rec)->id
			    : hdr->type == REC_FUTEX ? ((const struct rec_futex *)rec)->tid
						     : ((const struct rec_stack *)rec)->id;

		if (hdr->type == REC_STACK && ((const struct rec_stack *)rec)->kind != CTX_THREAD)
			return 0; /* goroutine censuses come again each interval */
		t = thread_get(p, tid);
		if (!t)
			return -ENOMEM;
		return keep_in(hdr->type == REC_SITE    ? &t->site
			       : hdr->type == REC_FUTEX ? &t->futex
							: &t->stack,
			       rec, len);
	}
	case REC_THREAD_EXIT:
		thread_drop(p, ((const struct rec_thread_exit *)rec)->tid);
		return 0;
	default:
		return 0;
	}
}

/* Rewriting the kept records into a new file. */

struct rewrite {
	struct recorder *r;
	struct trace_writer *w;
};

static void rewrite_rec(struct rewrite *rw, const struct kept_rec *k)
{
	if (k && !rw->r->err)
		rw->r->err = trace_writer__write(rw->w, k->rec, k->len, trace_writer__now(rw->w));
}

static void rewrite_proc(void *closure, void *data)
{
	const struct kept_proc *p = data;
	const struct kept_thread *t;
	const struct kept_rec *k;

	rewrite_rec(closure, p->info);
	for (k = p->symbols; k; k = k->hh.next)
		rewrite_rec(closure, k);
	for (t = p->threads; t; t = t->hh.next) {
		rewrite_rec(closure, t->site);
		rewrite_rec(closure, t->stack);
		rewrite_rec(closure, t->futex);
	}
}

static int on_rotate(void *ctx, struct trace_writer *w)
{
	struct recorder *r = ctx;
	struct rewrite rw = { .r = r, .w = w };

	r->session.hdr.ts_ns = trace_writer__now(w);
	r->err = trace_writer__write(w, &r->session, sizeof(r->session), trace_writer__now(w));
	proc_table__for_each(r->procs, r->slot, rewrite_proc, &rw);
	return r->err;
}

int recorder__open(struct recorder **rp, const struct recorder_opts *opts)
{
	/* Ticked every 200 ms: flushing what is 800 ms old loses at most 1 s. */
	struct trace_writer_opts wopts = {
		.max_bytes = opts->max_bytes,
		.keep = opts->keep,
		.flush_ns = 800000000ULL,
		.on_rotate = on_rotate,
	};
	struct proc_hooks hooks = {
		.size = sizeof(struct kept_proc),
		.exec = proc_clear, /* a new program: new symbols, one thread */
		.gone = proc_free,
	};
	struct trace_info info;
	struct recorder *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->session = *opts->session;
	r->slot = -1;
	wopts.ctx = r;
	err = proc_table__join(&r->procs, opts->procs, &hooks, &r->own_table);
	if (err < 0)
		goto fail;
	r->slot = err;
	err = trace_info__from_host(&info);
	if (err)
		goto fail;
	info.realtime_offset_ns = opts->realtime_offset_ns;
	info.start_ns = opts->start_ns;
	err = trace_writer__open(&r->w, opts->path, &info, &wopts);
	if (err)
		goto fail;
	r->session.hdr.ts_ns = opts->start_ns;
	err = trace_writer__write(r->w, &r->session, sizeof(r->session), opts->start_ns);
	if (err) {
		trace_writer__close(r->w);
		goto fail;
	}
	*rp = r;
	return 0;
fail:
	proc_table__leave(r->procs, r->slot, r->own_table);
	free(r);
	return err;
}

int recorder__write(struct recorder *r, const void *rec, size_t len, __u64 now_ns)
{
	int err = remember(r, rec, len);

	if (err)
		return err;
	err = trace_writer__write(r->w, rec, len, now_ns);
	/* its own table: the census closes after it was written */
	if (r->own_table && ((const struct rec_hdr *)rec)->type == REC_CENSUS)
		err = proc_table__record(r->procs, rec) ?: err;
	return err;
}

int recorder__tick(struct recorder *r, __u64 now_ns)
{
	return trace_writer__tick(r->w, now_ns);
}

int recorder__close(struct recorder *r, struct trace_writer_stats *st)
{
	int err;

	if (!r)
		return 0;
	/* What is pending goes into the last chunk: no flush before, which
	 * could rotate the file for nothing on the way out. */
	err = trace_writer__close_stats(r->w, st);
	proc_table__leave(r->procs, r->slot, r->own_table);
	free(r);
	return err;
}
