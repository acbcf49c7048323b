// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "go_inspect.h"
#include "symtab.h"

#define GO_STACK_MAX REC_STACK_MAX
/* The module of Go code in symbol records: the program's own binary. */
#define GO_MODULE "go"
/* Creation sites (go statement, function) of one process: a program has a
 * few thousand at most; more is a process writing its own gs. */
#define GO_MAX_SITES 16384

/* A creation site: which census last took a stack there, and of whom. */
struct go_site {
	__u64 go_pc, start_pc;
	__u64 stacked_seq;
	__u64 stacked_goid; /* a delta census keeps its stack while it is unchanged */
	bool function_named; /* start_pc named as the function it runs */
};

struct go_inspect {
	struct go_proc *gp;
	__u32 tgid;
	void *sites; /* tree of struct go_site */
	unsigned int nr_sites;
	struct go_site *last_site; /* most goroutines in a row share one */
	__u64 seq;   /* census number */
	/* The last census was complete: what its memos say the detector has. */
	bool delta_ok;
	const char *why; /* of the last census's error, if its own */
	char sym_buf[sizeof(struct rec_symbol) + REC_SYMBOL_TEXT_MAX];
};

struct census_ctx {
	struct go_inspect *gi;
	const struct go_inspect_ops *ops; /* census_ops: the caller's, watched */
	const struct go_inspect_ops *caller_ops;
	int emit_err; /* the caller's emit failed: not the process's doing */
	__u64 ts;
	__u32 nr;
	/* named in this census: most goroutines in a row share their pcs */
	__u64 named_start_pc, named_go_pc;
	bool started; /* the first goroutine came: delta is decided */
	bool delta;   /* send only what changed (RGC_DELTA) */
};

static int site_cmp(const void *a, const void *b)
{
	const struct go_site *x = a, *y = b;

	if (x->go_pc != y->go_pc)
		return x->go_pc < y->go_pc ? -1 : 1;
	return x->start_pc < y->start_pc ? -1 : x->start_pc > y->start_pc;
}

struct go_inspect *go_inspect__new(struct go_proc *gp, __u32 tgid)
{
	struct go_inspect *gi = calloc(1, sizeof(*gi));

	if (!gi)
		return NULL;
	gi->gp = gp;
	gi->tgid = tgid;
	return gi;
}

void go_inspect__free(struct go_inspect *gi)
{
	if (!gi)
		return;
	tdestroy(gi->sites, free);
	free(gi);
}

int go_inspect__symbol(struct go_inspect *gi, __u64 pc, bool retaddr, __u64 ts,
		       const struct go_inspect_ops *ops)
{
	struct go_sym s;
	const char *file;
	size_t size;

	if (ops->named(ops->ctx, pc))
		return 0;
	/* As Go prints a frame: the function it is in (the physical one when
	 * code was inlined), at the line of the innermost code. */
	if (go_proc__symbolize(gi->gp, pc, retaddr, &s))
		return -ENOENT;
	file = strrchr(s.file, '/');
	size = rec_symbol_make(gi->sym_buf, sizeof(gi->sym_buf), gi->tgid, ts, pc, s.offset,
			       s.line, RSYM_FOUND | (retaddr ? RSYM_RETADDR : 0), s.func,
			       file ? file + 1 : s.file, GO_MODULE);
	return ops->emit(ops->ctx, gi->sym_buf, size);
}

/*
 * Since Go 1.22, `go f(x)` starts a compiler-made wrapper (main.g.gowrap1)
 * that calls f: name the goroutine's function after what the wrapper calls,
 * the frame just inside it on the stack, as people wrote it.
 */
static int name_wrapped(struct census_ctx *cc, struct go_site *s, const __u64 *pcs, int n)
{
	struct go_inspect *gi = cc->gi;
	struct go_sym start, frame, entry;
	const char *file;
	size_t size;
	int i;

	s->function_named = true;
	if (go_proc__symbolize(gi->gp, s->start_pc, false, &start) || !strstr(start.func, ".gowrap"))
		return 0;
	for (i = 1; i < n; i++) {
		if (go_proc__symbolize(gi->gp, pcs[i], true, &frame) || frame.entry != start.entry)
			continue;
		/* pcs[i - 1] is in the function the wrapper calls. */
		if (go_proc__symbolize(gi->gp, pcs[i - 1], i > 1, &frame) ||
		    go_proc__symbolize(gi->gp, frame.entry, false, &entry))
			return 0;
		file = strrchr(entry.file, '/');
		size = rec_symbol_make(gi->sym_buf, sizeof(gi->sym_buf), gi->tgid, cc->ts,
				       s->start_pc, 0, entry.line, RSYM_FOUND, entry.func,
				       file ? file + 1 : entry.file, GO_MODULE);
		return cc->ops->emit(cc->ops->ctx, gi->sym_buf, size);
	}
	return 0;
}

/*
 * One stack per creation site per census: the first goroutine waiting there.
 * In a delta census, a goroutine @unchanged since its stack was taken keeps
 * the one the detector has.
 */
static int site_stack(struct census_ctx *cc, const struct go_goroutine *g, bool unchanged)
{
	struct go_site key = { .go_pc = g->go_pc, .start_pc = g->start_pc }, *s, **node;
	struct go_inspect *gi = cc->gi;
	struct rec_stack rec;
	int n, i, err;

	s = gi->last_site;
	if (s && !site_cmp(s, &key))
		goto found;
	node = tfind(&key, &gi->sites, site_cmp);
	if (!node) {
		if (gi->nr_sites == GO_MAX_SITES) {
			gi->why = "more creation sites than a Go program has";
			return -E2BIG;
		}
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		*s = key;
		node = tsearch(s, &gi->sites, site_cmp);
		if (!node) {
			free(s);
			return -ENOMEM;
		}
		gi->nr_sites++;
	}
	s = *node;
	gi->last_site = s;
found:
	if (s->stacked_seq == gi->seq)
		return 0;
	if (unchanged && s->stacked_goid == g->goid) {
		/* the stack the detector has of it is still this wait's */
		s->stacked_seq = gi->seq;
		return 0;
	}
	/* Set here, not above: most goroutines return just before. */
	rec = (struct rec_stack){
		.hdr = { .type = REC_STACK, .size = sizeof(rec), .tgid = gi->tgid,
			 .ts_ns = cc->ts },
		.id = g->goid,
		.kind = CTX_GOROUTINE,
	};
	n = go_proc__stack(gi->gp, g, rec.pcs, GO_STACK_MAX, &rec.flags);
	if (n == -EPROTO || n == -ETIME)
		return n;
	if (n <= 0)
		return 0; /* it runs, or ran while read: the next one may do */
	s->stacked_seq = gi->seq;
	s->stacked_goid = g->goid;
	rec.nr_pcs = n;
	for (i = 0; i < n; i++) {
		err = go_inspect__symbol(gi, rec.pcs[i], i > 0, cc->ts, cc->ops);
		if (err && err != -ENOENT)
			return err;
	}
	if (!s->function_named) {
		err = name_wrapped(cc, s, rec.pcs, n);
		if (err)
			return err;
	}
	return cc->ops->emit(cc->ops->ctx, &rec, sizeof(rec));
}

/*
 * What a delta census compares: what the detector keeps of a goroutine
 * that can change while it lives (where it resumes too: one that ran and
 * parked again for the same reason may have no new waitsince).
 */
static __u64 memo_state(const struct go_goroutine *g)
{
	/*
	 * Two halves mixed apart (each step a bijection, so a change in one
	 * half alone changes their sum) and then added: a census hashes a
	 * million, and two short chains of multiplies run side by side.
	 */
	__u64 a = ((__u64)g->status << 32 | g->wait_reason_index) ^ g->wait_since_ns;
	__u64 b = g->sched_pc ^ (g->sched_sp << 32 | g->sched_sp >> 32);

	a *= 0x9e3779b97f4a7c15ull;
	b *= 0xbf58476d1ce4e5b9ull;
	a ^= a >> 31;
	b ^= b >> 29;
	return (a + b) | 1; /* never 0 */
}

/* Goroutine @goid, sent before, has ended: a delta census says so. */
static int goroutine_gone(struct census_ctx *cc, __u64 goid)
{
	struct rec_goroutine_gone rec = {
		.hdr = { .type = REC_GOROUTINE_GONE, .size = sizeof(rec), .tgid = cc->gi->tgid,
			 .ts_ns = cc->ts },
		.goid = goid,
	};

	return cc->ops->emit(cc->ops->ctx, &rec, sizeof(rec));
}

static int on_goroutine(void *arg, const struct go_goroutine *g)
{
	struct census_ctx *cc = arg;
	struct go_g_memo *memo = g->memo;
	struct rec_goroutine rec = {
		.hdr = { .type = REC_GOROUTINE, .size = sizeof(rec), .tgid = cc->gi->tgid,
			 .ts_ns = cc->ts },
		.goid = g->goid,
		.parent_goid = g->parent_goid,
		/* one Go marked leaked is still waiting; its reason says "(leaked)" */
		.status = g->status == GO_G_LEAKED ? GO_G_WAITING : g->status,
		.wait_since_ns = g->wait_since_ns,
		.start_pc = g->start_pc,
		.go_pc = g->go_pc,
	};
	__u64 state;
	int err;

	if (!cc->started) {
		cc->started = true;
		cc->delta = cc->gi->delta_ok && go_proc__memos_kept(cc->gi->gp);
	}
	/* The goroutine its g held before, sent, has ended (or the g is reused). */
	if (memo && memo->goid && (memo->goid != g->goid || !go_g_live(g->status))) {
		if (cc->delta) {
			err = goroutine_gone(cc, memo->goid);
			if (err)
				return err;
		}
		memo->goid = 0;
	}
	/* As NumGoroutine and Go's own dumps: the program's goroutines only. */
	if (g->system || !go_g_live(g->status))
		return 0;
	state = memo_state(g);
	if (cc->delta && memo && memo->goid == g->goid && memo->state == state) {
		cc->nr++;
		return go_g_parked(g->status) ? site_stack(cc, g, true) : 0;
	}
	if (g->wait_since_ns)
		rec.flags |= RG_WAIT_SINCE;
	memcpy(rec.wait_reason, g->wait_reason, REC_WAIT_REASON_LEN);
	rec.wait_reason[REC_WAIT_REASON_LEN - 1] = '\0';
	/* a pc named once is named: asking again is a lookup that does nothing */
	if (g->start_pc != cc->named_start_pc) {
		err = go_inspect__symbol(cc->gi, g->start_pc, false, cc->ts, cc->ops);
		if (err && err != -ENOENT)
			return err;
		cc->named_start_pc = g->start_pc;
	}
	if (g->go_pc && g->go_pc != cc->named_go_pc) {
		err = go_inspect__symbol(cc->gi, g->go_pc, true, cc->ts, cc->ops);
		if (err && err != -ENOENT)
			return err;
		cc->named_go_pc = g->go_pc;
	}
	err = cc->ops->emit(cc->ops->ctx, &rec, sizeof(rec));
	if (err)
		return err;
	if (memo) {
		memo->goid = g->goid;
		memo->state = state;
	}
	cc->nr++;
	if (go_g_parked(g->status))
		return site_stack(cc, g, false);
	return 0;
}

/* The caller's emit, with its errors told apart from the process's. */
static int census_emit(void *ctx, const void *rec, size_t len)
{
	struct census_ctx *cc = ctx;
	int err = cc->caller_ops->emit(cc->caller_ops->ctx, rec, len);

	if (err && !cc->emit_err)
		cc->emit_err = err;
	return err;
}

static bool census_named(void *ctx, __u64 addr)
{
	struct census_ctx *cc = ctx;

	return cc->caller_ops->named(cc->caller_ops->ctx, addr);
}

const char *go_inspect__why(const struct go_inspect *gi)
{
	return gi->why ? gi->why : go_proc__why(gi->gp);
}

int go_inspect__census(struct go_inspect *gi, __u64 ts, const struct go_inspect_ops *ops)
{
	struct census_ctx cc = { .gi = gi, .caller_ops = ops, .ts = ts };
	struct go_inspect_ops watched = { census_emit, census_named, &cc };
	struct rec_go_census rec = {
		.hdr = { .type = REC_GO_CENSUS, .size = sizeof(rec), .tgid = gi->tgid },
	};
	bool incomplete = false;
	struct timespec t0, t1;
	int n, err;

	cc.ops = &watched;
	gi->seq++;
	gi->why = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = go_proc__census(gi->gp, on_goroutine, &cc, &incomplete);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	gi->delta_ok = false; /* until this census's record is sent */
	if (cc.emit_err)
		return cc.emit_err;
	if (n < 0 && n != -EAGAIN && n != -ESRCH && n != -EPERM && n != -ENOMEM)
		incomplete = true; /* the caller says why, after this census's record */
	else if (n < 0 && n != -EAGAIN)
		return n;
	rec.hdr.ts_ns = ts;
	rec.nr_goroutines = cc.nr;
	rec.flags = incomplete || n < 0 ? RGC_INCOMPLETE : 0;
	if (cc.delta)
		rec.flags |= RGC_DELTA;
	/* the next census may send only what changed if this one saw all */
	gi->delta_ok = !rec.flags || rec.flags == RGC_DELTA;
	rec.duration_ns = (t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
	snprintf(rec.go_version, sizeof(rec.go_version), "%s", go_proc__version(gi->gp));
	err = ops->emit(ops->ctx, &rec, sizeof(rec));
	return err ? err : n < 0 && n != -EAGAIN ? n : 0;
}
