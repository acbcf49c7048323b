// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "recorder.h"

/* A copy of a record, kept to be written again. */
struct kept_rec {
	__u64 key;
	size_t len;
	unsigned char rec[] __attribute__((aligned(8)));
};

struct kept_thread {
	__u32 tid;
	struct kept_rec *site, *stack, *futex;
};

struct kept_proc {
	__u32 tgid;
	struct kept_rec *info;
	void *symbols; /* tree of struct kept_rec, by pc */
	void *threads; /* tree of struct kept_thread, by tid */
};

struct recorder {
	struct trace_writer *w;
	struct rec_session session;
	void *procs; /* tree of struct kept_proc, by tgid */
	int err;     /* of the last rewrite */
};

static int proc_cmp(const void *a, const void *b)
{
	const struct kept_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static int thread_cmp(const void *a, const void *b)
{
	const struct kept_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct kept_rec *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static struct kept_rec *keep(const void *rec, size_t len, __u64 key)
{
	struct kept_rec *k = malloc(sizeof(*k) + len);

	if (!k)
		return NULL;
	k->key = key;
	k->len = len;
	memcpy(k->rec, rec, len);
	return k;
}

/* Replace *@slot with a copy of @rec. */
static int keep_in(struct kept_rec **slot, const void *rec, size_t len)
{
	struct kept_rec *k = keep(rec, len, 0);

	if (!k)
		return -ENOMEM;
	free(*slot);
	*slot = k;
	return 0;
}

static void thread_free(void *p)
{
	struct kept_thread *t = p;

	free(t->site);
	free(t->stack);
	free(t->futex);
	free(t);
}

static void proc_clear(struct kept_proc *p)
{
	tdestroy(p->symbols, free);
	p->symbols = NULL;
	tdestroy(p->threads, thread_free);
	p->threads = NULL;
}

static void proc_free(void *ptr)
{
	struct kept_proc *p = ptr;

	proc_clear(p);
	free(p->info);
	free(p);
}

static struct kept_proc *proc_find(struct recorder *r, __u32 tgid, bool add)
{
	struct kept_proc key = { .tgid = tgid }, *p, **node;

	node = tfind(&key, &r->procs, proc_cmp);
	if (node || !add)
		return node ? *node : NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgid = tgid;
	node = tsearch(p, &r->procs, proc_cmp);
	if (!node) {
		free(p);
		return NULL;
	}
	return p;
}

static void proc_drop(struct recorder *r, __u32 tgid)
{
	struct kept_proc *p = proc_find(r, tgid, false);

	if (!p)
		return;
	tdelete(p, &r->procs, proc_cmp);
	proc_free(p);
}

static struct kept_thread *thread_find(struct kept_proc *p, __u32 tid, bool add)
{
	struct kept_thread key = { .tid = tid }, *t, **node;

	node = tfind(&key, &p->threads, thread_cmp);
	if (node || !add)
		return node ? *node : NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	node = tsearch(t, &p->threads, thread_cmp);
	if (!node) {
		free(t);
		return NULL;
	}
	return t;
}

static void thread_drop(struct kept_proc *p, __u32 tid)
{
	struct kept_thread *t = thread_find(p, tid, false);

	if (!t)
		return;
	tdelete(t, &p->threads, thread_cmp);
	thread_free(t);
}

/* Remember what a new file will need of @rec. */
static int remember(struct recorder *r, const void *rec, size_t len)
{
	const struct rec_hdr *hdr = rec;
	struct kept_thread *t;
	struct kept_proc *p;
	struct kept_rec *k;
	void **node;

	switch (hdr->type) {
	case REC_PROC_INFO:
		p = proc_find(r, hdr->tgid, true);
		return p ? keep_in(&p->info, rec, len) : -ENOMEM;
	case REC_SYMBOL:
		p = proc_find(r, hdr->tgid, true);
		if (!p)
			return -ENOMEM;
		k = keep(rec, len, ((const struct rec_symbol *)rec)->pc);
		if (!k)
			return -ENOMEM;
		node = tsearch(k, &p->symbols, rec_cmp);
		if (!node) {
			free(k);
			return -ENOMEM;
		}
		if (*node != k) {
			free(*node);
			*node = k;
		}
		return 0;
	case REC_SITE:
	case REC_FUTEX:
	case REC_STACK: {
		__u32 tid = hdr->type == REC_SITE    ? ((const struct rec_site *)rec)->id
			    : hdr->type == REC_FUTEX ? ((const struct rec_futex *)rec)->tid
						     : ((const struct rec_stack *)rec)->id;

		if (hdr->type == REC_STACK && ((const struct rec_stack *)rec)->kind != CTX_THREAD)
			return 0; /* goroutine censuses come again each interval */
		p = proc_find(r, hdr->tgid, true);
		t = p ? thread_find(p, tid, true) : NULL;
		if (!t)
			return -ENOMEM;
		return keep_in(hdr->type == REC_SITE    ? &t->site
			       : hdr->type == REC_FUTEX ? &t->futex
							: &t->stack,
			       rec, len);
	}
	case REC_THREAD_EXIT:
		p = proc_find(r, hdr->tgid, false);
		if (p)
			thread_drop(p, ((const struct rec_thread_exit *)rec)->tid);
		return 0;
	case REC_PROC_EXEC:
		p = proc_find(r, hdr->tgid, false);
		if (p)
			proc_clear(p); /* a new program: new symbols, one thread */
		return 0;
	case REC_THREAD_START:
		if (((const struct rec_thread_start *)rec)->flags & RTS_PROCESS)
			proc_drop(r, hdr->tgid); /* a reused pid */
		return 0;
	case REC_PROC:
		if (((const struct rec_proc *)rec)->flags & RP_EXITED)
			proc_drop(r, hdr->tgid);
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

static void rewrite_symbol(const void *node, VISIT which, void *closure)
{
	if (which == postorder || which == leaf)
		rewrite_rec(closure, *(const struct kept_rec *const *)node);
}

static void rewrite_thread(const void *node, VISIT which, void *closure)
{
	const struct kept_thread *t = *(const struct kept_thread *const *)node;

	if (which != postorder && which != leaf)
		return;
	rewrite_rec(closure, t->site);
	rewrite_rec(closure, t->stack);
	rewrite_rec(closure, t->futex);
}

static void rewrite_proc(const void *node, VISIT which, void *closure)
{
	const struct kept_proc *p = *(const struct kept_proc *const *)node;

	if (which != postorder && which != leaf)
		return;
	rewrite_rec(closure, p->info);
	twalk_r(p->symbols, rewrite_symbol, closure);
	twalk_r(p->threads, rewrite_thread, closure);
}

static int on_rotate(void *ctx, struct trace_writer *w)
{
	struct recorder *r = ctx;
	struct rewrite rw = { .r = r, .w = w };

	r->session.hdr.ts_ns = trace_writer__now(w);
	r->err = trace_writer__write(w, &r->session, sizeof(r->session), trace_writer__now(w));
	twalk_r(r->procs, rewrite_proc, &rw);
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
	struct trace_info info;
	struct recorder *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->session = *opts->session;
	wopts.ctx = r;
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
	free(r);
	return err;
}

int recorder__write(struct recorder *r, const void *rec, size_t len, __u64 now_ns)
{
	int err = remember(r, rec, len);

	if (err)
		return err;
	return trace_writer__write(r->w, rec, len, now_ns);
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
	tdestroy(r->procs, proc_free);
	free(r);
	return err;
}
