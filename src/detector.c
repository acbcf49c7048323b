// SPDX-License-Identifier: GPL-2.0
/*
 * The detector. Records arrive census by census: lifecycle records at any
 * time, then for each census the rec_task of every traced thread (with the
 * inspector's sites, stacks and futex words), the rec_proc of every traced
 * process, and a rec_census that closes it. At the close: threads the census
 * did not see are gone, each site's series gets a point, waits are
 * classified, findings are established, and each process gets a sample.
 */
#include <errno.h>
#include <obstack.h>
#include <search.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detector.h"
#include "detector_policy.h"
#include "hash.h"
#include "proc_table.h"
#include "py_wait.h"
#include "symtab.h"
#include "thread_name.h"

#define obstack_chunk_alloc malloc
#define obstack_chunk_free free

#define NSEC_PER_SEC 1000000000ULL
#define DEFAULT_WAIT_THRESHOLD_NS (10 * NSEC_PER_SEC)
#define MAX_LONG_WAITS_PER_PROC 20
#define SYM_LEN 640
#define GO_STATUS_WAITING 4 /* runtime._Gwaiting */
/* Censuses a process's thread sites get to be named before stuck threads are
 * judged: the inspector names a few thousand start routines per census. */
#define STUCK_SETTLE_CENSUSES 3

/* Site keys that are not addresses. */
#define SITE_KEY_UNKNOWN 0
#define SITE_KEY_MAIN 1

struct site {
	__u8 kind;	 /* enum ctx_kind */
	__u64 key;	 /* start routine, first program frame, or go statement */
	__u64 func_pc;	 /* goroutines: the function they run */
	/* Threads of a runtime's trampoline (policy_thread_trampoline): the
	 * site is refined by the threads' name pattern. */
	bool refined;
	struct name_pattern pattern; /* refined: the first thread's */
	bool runtime_known;	     /* runtime is known: the key's symbol came */
	enum thread_runtime runtime;
	bool service; /* refined: the runtime's own threads (policy_runtime_service) */
	__u32 live;	 /* contexts alive now */
	__u32 floor;	 /* fewest alive since the last census */
	__u64 created;	 /* started since tracing began */
	__u64 exited;	 /* ended since tracing began */
	struct trend_series series;
	struct trend_stats stats;
	bool leaking;	 /* a leak finding was established */
	__u32 reported_live; /* live when the leak was last reported */
	bool growing;	 /* might be a leak: long waits wait for the verdict */
	/* This census. */
	__u32 blocked;
	__u32 by_prim[PRIM_MAX];
	__u64 max_wait_ns;
	struct ctx *rep; /* the context a finding shows */
	/* Stuck: this census's contexts counted by policy_ctx_stuck(), by class. */
	__u32 stuck_by[STUCK_CLASS_MAX];
	struct kept_finding *stuck_kept; /* its stuck finding, once made */
	__u32 stuck_reported;		 /* stuck when it was last reported */
	/* Goroutine sites: the goroutine @rep shows (its goid), described as
	 * a context when a finding needs it (gor_view()). */
	__u64 rep_goid;
	__u8 rep_rank; /* this census's analysis: see gor_rank() */
	struct ctx *rep_view;
};

/*
 * What a goroutine's context keeps of its last rec_goroutine (a million of
 * them: not the record): its goid is the context's id, its go statement
 * and function its site's key and func_pc.
 */
struct go_state {
	__u64 parent_goid;
	__u64 wait_since_ns;
	__u64 seen_ns;	    /* the Go census that last saw it */
	const char *reason; /* its wait reason, in detector.go_reasons */
	__u32 flags;	    /* RG_* */
};

/*
 * What a thread's context keeps of its last rec_task (a hundred thousand
 * of them: not the record, whose registers only the inspector reads).
 */
struct task_state {
	__u64 ts_ns;	     /* the census's */
	__u64 wait_start_ns; /* when it last stopped running */
	__u64 args[2];	     /* the syscall's first arguments: a futex's word and op */
	__u32 tid;
	__u32 state; /* enum task_run_state */
	__u32 flags; /* RTF_* */
	__s32 syscall_nr;
	char comm[REC_COMM_LEN];
};

/* What a thread's context keeps of its last rec_futex: the words. */
struct futex_state {
	__u64 wait_id; /* nr_switches at the census */
	__u32 flags;   /* RF_* */
	__u32 words[REC_FUTEX_WORDS];
};

struct ctx {
	__u64 id;	/* tid or goid */
	__u64 start_ns; /* thread start time, 0 for goroutines */
	struct site *site;
	__u64 seen_seq; /* last census (or Go census) that saw it */
	struct futex_state *futex; /* threads: the last futex word read, or NULL */
	struct istack *stack_obj; /* shared with the contexts whose stack is the same */
	const __u64 *stack;
	__u64 stack_wait_id;
	/* The current wait. */
	__u64 wait_id; /* threads: context switches; goroutines: waitsince */
	__u64 wait_ns;
	__u64 wait_seen_ns; /* first census that saw this wait */
	struct wait_class wc;
	__u64 reported_wait_id; /* the wait a long-wait finding was made for */
	__u64 deadlock_wait_id; /* the wait a deadlock finding was made for */
	__u16 stack_flags;
	__u8 kind; /* enum ctx_kind */
	__u8 nr_stack;
	bool counted; /* counted as created at its site: a move takes it along */
	bool waiting;
	bool reported;
	bool deadlocked;
	/* Goroutines: what their wait reason says, for each census's analysis. */
	__u8 go_stuck_class; /* policy_goroutine_stuck_class() */
	bool go_blocked;     /* policy_goroutine_blocked(), not a runtime goroutine */
	union {
		struct task_state task;
		struct go_state g;
	} u;
};

/*
 * Goroutines are not kept as contexts (a million of them): each is a
 * struct gor, 48 bytes in an array in goid order, and what the goroutines
 * of a site have in common (the site, the wait reason and state, the stack
 * the inspector took) is one struct gclass they share. A finding's
 * goroutine is made a struct ctx when it is shown (gor_view()).
 */
struct gclass {
	struct site *site;
	const char *reason; /* in detector.go_reasons */
	struct istack *stack;
	__u64 stack_wait_id;
	__u32 flags; /* RG_* */
	__u32 refs;
	__u32 idx; /* in proc_state.gcls */
	__u16 stack_flags;
	bool waiting;
	__u8 stuck_class; /* policy_goroutine_stuck_class() */
	bool blocked;	  /* policy_goroutine_blocked(), not a runtime goroutine */
};

#define GOR_GONE 0x7fffffff /* gor.cls of a goroutine that ended */

struct gor {
	__u64 goid;
	__u64 parent_goid;
	__u64 wait_since_ns;
	__u64 wait_seen_ns; /* first census that saw this wait */
	__u64 seen_ns;	    /* the Go census that last saw it */
	__u32 cls : 31;	    /* proc_state.gcls index, or GOR_GONE */
	__u32 counted : 1;  /* counted as created at its site */
	__u32 seen_seq;	    /* low bits of the Go census that last saw it */
};

/*
 * A stack, stored once per process however many contexts have it: the
 * threads of a pool, the goroutines of a leak, wait in the same place.
 */
struct istack {
	unsigned int refs;
	__u8 nr;
	__u64 pcs[];
};

/* A finding kept for the end summary, owning its strings. */
struct kept_finding {
	struct obstack ob;
	struct finding f;
	struct site *site; /* leaks: restated from the site's final state */
	struct kept_finding *next;
};

/*
 * A process, kept through the process table (its data there is a pointer
 * to this), and after its entry is let go in detector.kept when the end
 * summary needs it (keep_exited).
 */
struct proc_state {
	__u32 tgid;
	__u64 start_ns; /* 0 until its rec_proc (or process start) arrives */
	char comm[REC_COMM_LEN];
	bool exited; /* its last sample was made */
	bool is_go;
	__u32 goroutines;

	/* Tallies of the census in progress, valid if tally_seq matches. */
	__u64 tally_seq;
	__u32 blocked, other_blocked;
	__u64 max_wait_ns;
	__u64 lock_wait_ns, idle_wait_ns; /* set by analyze_proc */
	__u32 goroutines_blocked;
	bool leader_seen;
	char leader_comm[REC_COMM_LEN];

	/* Counters from the last rec_proc, valid if proc_seq matches. */
	__u64 proc_seq;
	__u32 live;
	__u64 created, exited_threads;
	bool proc_exited;
	__u64 prev_created, prev_exited; /* at the previous sample */

	void *ctxs;  /* tsearch tree of the threads' struct ctx, by (kind, id) */
	/*
	 * The goroutines: [0, gor_sorted) in goid order (an ended one stays
	 * until the next gor_sort(), marked GOR_GONE), then those added since,
	 * as they came.
	 */
	struct gor *gors;
	size_t gor_n, gor_cap, gor_sorted, gor_gone;
	__u64 gor_max_id; /* the largest goid added */
	size_t gor_next;  /* after the last goroutine found */
	struct gclass **gcls; /* by index; NULL: free */
	__u32 gcls_n, gcls_cap;
	void *gclasses; /* tsearch tree of the same, by content */
	void *sites; /* tsearch tree of struct site, by (kind, key, func_pc) */
	void *stacks; /* tsearch tree of struct istack, by content */
	struct symtab syms;
	__u64 go_seq; /* Go censuses of this process */
	unsigned int nr_long_waits;
	unsigned int long_waits_dropped;
	unsigned int stuck_censuses; /* censuses find_stuck() has looked at */
	struct kept_finding *findings, **findings_tail;
	/* its last rec_proc_incomplete, per part: said again only if it changes */
	__u16 incomplete_reason[RPI_PART_THREADS + 1];

	bool sampled;
	struct proc_summary sum;
	UT_hash_handle hh; /* in detector.kept */
};

/* This census's tallies of a process whose pid now names another one. */
struct tally_carry {
	__u32 tgid;
	__u64 tally_seq;
	__u32 blocked, other_blocked;
	__u64 max_wait_ns;
	bool leader_seen;
	char leader_comm[REC_COMM_LEN];
};

struct detector {
	struct detector_opts opts;
	struct detector_sink sink;
	struct proc_table *procs; /* its data: a struct proc_state pointer */
	int slot;		  /* of that data */
	bool own_table;		  /* made and fed here (no pipeline) */
	bool closing;		  /* detector__free: entries go without a word */
	/* Processes out of the table kept for the end summary (keep_exited):
	 * exited, or stale; by tgid, one a pid. */
	struct proc_state *kept;
	struct tally_carry carry;
	struct census_stats go_stats; /* the goroutine censuses in it */
	unsigned int nr_live;
	unsigned int nr_leaks;
	struct obstack scratch; /* strings of the finding being emitted */
	/* Goroutines' wait reasons, each once: a few dozen strings a runtime
	 * has (tsearch tree of char[REC_WAIT_REASON_LEN]), the last one found. */
	void *go_reasons;
	const char *go_reason_last;
};

/* tsearch comparators */

static int proc_cmp(const void *a, const void *b)
{
	const struct proc_state *pa = *(const struct proc_state *const *)a;
	const struct proc_state *pb = *(const struct proc_state *const *)b;

	return pa->tgid < pb->tgid ? -1 : pa->tgid > pb->tgid;
}

static int ctx_cmp(const void *a, const void *b)
{
	const struct ctx *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int site_cmp(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->func_pc != y->func_pc)
		return x->func_pc < y->func_pc ? -1 : 1;
	if (x->refined != y->refined)
		return x->refined ? 1 : -1;
	if (!x->refined)
		return 0;
	if (x->pattern.cut != y->pattern.cut)
		return x->pattern.cut ? 1 : -1;
	return strcmp(x->pattern.stem, y->pattern.stem);
}

/* Collecting a tree into an array, in order. */

struct node_list {
	void **v;
	size_t n, cap;
	int err;
};

static void collect_node(const void *node, VISIT which, void *closure)
{
	struct node_list *l = closure;
	void **nv;

	if ((which != postorder && which != leaf) || l->err)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv) {
			l->err = -ENOMEM;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *(void *const *)node;
}

/* Every node of @root in @l (free l->v). Out of memory: an empty list. */
static int node_list(void *root, struct node_list *l)
{
	memset(l, 0, sizeof(*l));
	twalk_r(root, collect_node, l);
	if (l->err) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
	return l->err;
}

/* Each threshold left 0 takes its default. */
static void stuck_params_fill(struct stuck_params *p)
{
	struct stuck_params def;

	stuck_params_default(&def);
	if (!p->min_goroutines)
		p->min_goroutines = def.min_goroutines;
	if (!p->min_threads)
		p->min_threads = def.min_threads;
	if (!p->min_percent)
		p->min_percent = def.min_percent;
	if (!p->min_wait_ns)
		p->min_wait_ns = def.min_wait_ns;
}

static int proc_new(void *ctx, __u32 tgid, void *data);
static void proc_gone(void *ctx, void *data);
static void proc_stale(void *ctx, void *data);

struct detector *detector__new(const struct detector_opts *opts, const struct detector_sink *sink)
{
	struct detector *d = calloc(1, sizeof(*d));
	struct proc_hooks hooks = {
		.size = sizeof(struct proc_state *),
		.new_proc = proc_new,
		.gone = proc_gone,
		.stale = proc_stale,
		.ctx = d,
	};

	if (!d)
		return NULL;
	if (opts)
		d->opts = *opts;
	d->slot = proc_table__join(&d->procs, d->opts.procs, &hooks, &d->own_table);
	if (d->slot < 0) {
		free(d);
		return NULL;
	}
	if (!d->opts.wait_threshold_ns)
		d->opts.wait_threshold_ns = DEFAULT_WAIT_THRESHOLD_NS;
	if (!d->opts.leak.window_ns)
		leak_params_default(&d->opts.leak);
	stuck_params_fill(&d->opts.stuck);
	d->sink = *sink;
	obstack_init(&d->scratch);
	return d;
}

/* Contexts and sites */

/* Frees the context, not its stack: the process's stacks go with it. */
static void ctx_free(void *p)
{
	struct ctx *c = p;

	free(c->futex);
	free(c);
}

static int istack_cmp(const void *a, const void *b)
{
	const struct istack *x = a, *y = b;

	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return memcmp(x->pcs, y->pcs, x->nr * sizeof(x->pcs[0]));
}

static void kept_findings_free(struct proc_state *p)
{
	struct kept_finding *k, *next;

	for (k = p->findings; k; k = next) {
		next = k->next;
		obstack_free(&k->ob, NULL);
		free(k);
	}
	p->findings = NULL;
	p->findings_tail = &p->findings;
}

static void site_free(void *p)
{
	struct site *s = p;

	free(s->rep_view);
	free(s);
}

/* Forget @p's threads, goroutines, sites, stacks and symbols. */
static void proc_clear(struct proc_state *p)
{
	free(p->gors);
	p->gors = NULL;
	p->gor_n = p->gor_cap = p->gor_sorted = p->gor_gone = 0;
	p->gor_max_id = 0;
	p->gor_next = 0;
	tdestroy(p->gclasses, free);
	p->gclasses = NULL;
	free(p->gcls);
	p->gcls = NULL;
	p->gcls_n = p->gcls_cap = 0;
	tdestroy(p->ctxs, ctx_free);
	p->ctxs = NULL;
	tdestroy(p->sites, site_free);
	p->sites = NULL;
	tdestroy(p->stacks, free);
	p->stacks = NULL;
	symtab__clear(&p->syms);
}

static void proc_free(struct proc_state *p)
{
	proc_clear(p);
	kept_findings_free(p);
	free(p);
}

static void stack_release(struct proc_state *p, struct istack *is)
{
	if (!is || --is->refs)
		return;
	tdelete(is, &p->stacks, istack_cmp);
	free(is);
}

/* The process's copy of this stack, one more reference to it. */
static struct istack *stack_intern(struct proc_state *p, const __u64 *pcs, __u8 nr)
{
	struct istack *is, **node;

	is = malloc(sizeof(*is) + nr * sizeof(is->pcs[0]));
	if (!is)
		return NULL;
	is->refs = 0;
	is->nr = nr;
	memcpy(is->pcs, pcs, nr * sizeof(is->pcs[0]));
	node = tsearch(is, &p->stacks, istack_cmp);
	if (!node) {
		free(is);
		return NULL;
	}
	if (*node != is) {
		free(is);
		is = *node;
	}
	is->refs++;
	return is;
}

void detector__free(struct detector *d)
{
	struct proc_state *p, *tmp;

	if (!d)
		return;
	d->closing = true;
	proc_table__leave(d->procs, d->slot, d->own_table);
	HASH_ITER(hh, d->kept, p, tmp) {
		HASH_DELETE(hh, d->kept, p);
		proc_free(p);
	}
	tdestroy(d->go_reasons, free);
	obstack_free(&d->scratch, NULL);
	free(d);
}

static struct site *site_get(struct proc_state *p, __u8 kind, __u64 key, __u64 func_pc)
{
	struct site k = { .kind = kind, .key = key, .func_pc = func_pc }, *s, **node;

	node = tfind(&k, &p->sites, site_cmp);
	if (node)
		return *node;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	*s = k;
	node = tsearch(s, &p->sites, site_cmp);
	if (!node) {
		free(s);
		return NULL;
	}
	return s;
}

static struct ctx *ctx_find(struct proc_state *p, __u8 kind, __u64 id)
{
	struct ctx k = { .kind = kind, .id = id };
	void *node = tfind(&k, &p->ctxs, ctx_cmp);

	return node ? *(struct ctx **)node : NULL;
}

/* A context appears at @site; @started: we saw it start (it counts as created). */
static struct ctx *ctx_add(struct proc_state *p, __u8 kind, __u64 id, __u64 start_ns,
			   struct site *site, bool started)
{
	struct ctx *c = calloc(1, sizeof(*c)), **node;

	if (!c)
		return NULL;
	c->kind = kind;
	c->id = id;
	c->start_ns = start_ns;
	c->site = site;
	c->wc.owner_tid = -1; /* not classified yet */
	node = tsearch(c, &p->ctxs, ctx_cmp);
	if (!node || *node != c) {
		free(c);
		return NULL;
	}
	site->live++;
	if (started)
		site->created++;
	c->counted = started;
	return c;
}

static void site_leave(struct site *s, bool exited)
{
	if (s->live)
		s->live--;
	if (s->live < s->floor)
		s->floor = s->live;
	if (exited)
		s->exited++;
}

static void ctx_remove(struct proc_state *p, struct ctx *c, bool exited)
{
	if (c->site->rep == c)
		c->site->rep = NULL;
	stack_release(p, c->stack_obj);
	site_leave(c->site, exited);
	tdelete(c, &p->ctxs, ctx_cmp);
	ctx_free(c);
}

/* Goroutines */

static int gclass_cmp(const void *a, const void *b)
{
	const struct gclass *x = a, *y = b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	if (x->stack_wait_id != y->stack_wait_id)
		return x->stack_wait_id < y->stack_wait_id ? -1 : 1;
	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	if (x->stack_flags != y->stack_flags)
		return x->stack_flags < y->stack_flags ? -1 : 1;
	return (int)x->waiting - (int)y->waiting;
}

/* The class like @key (site, reason, flags, waiting, stack fields set), one
 * more reference to it; it takes its own reference to the stack. */
static struct gclass *gclass_get(struct proc_state *p, const struct gclass *key)
{
	struct gclass *cl, **node;

	node = tfind(key, &p->gclasses, gclass_cmp);
	if (node) {
		(*node)->refs++;
		return *node;
	}
	if (p->gcls_n == p->gcls_cap) {
		__u32 cap = p->gcls_cap ? 2 * p->gcls_cap : 16;
		struct gclass **more;

		if (cap >= GOR_GONE)
			return NULL;
		more = realloc(p->gcls, cap * sizeof(*more));
		if (!more)
			return NULL;
		p->gcls = more;
		p->gcls_cap = cap;
	}
	cl = malloc(sizeof(*cl));
	if (!cl)
		return NULL;
	*cl = *key;
	cl->refs = 1;
	cl->stuck_class = policy_goroutine_stuck_class(cl->reason);
	cl->blocked = !(cl->flags & RG_SYSTEM) && policy_goroutine_blocked(cl->reason);
	node = tsearch(cl, &p->gclasses, gclass_cmp);
	if (!node) {
		free(cl);
		return NULL;
	}
	if (cl->stack)
		cl->stack->refs++;
	/* a free index, the lowest past the last one used otherwise */
	for (cl->idx = 0; cl->idx < p->gcls_n && p->gcls[cl->idx]; cl->idx++)
		;
	if (cl->idx == p->gcls_n)
		p->gcls_n++;
	p->gcls[cl->idx] = cl;
	return cl;
}

static void gclass_put(struct proc_state *p, struct gclass *cl)
{
	if (--cl->refs)
		return;
	tdelete(cl, &p->gclasses, gclass_cmp);
	p->gcls[cl->idx] = NULL;
	stack_release(p, cl->stack);
	free(cl);
}

static struct gclass *gor_class(const struct proc_state *p, const struct gor *g)
{
	return p->gcls[g->cls];
}

/* Give @g the class like @key instead of the one it has (@had: it had one). */
static int gor_reclass(struct proc_state *p, struct gor *g, const struct gclass *key, bool had)
{
	struct gclass *cl;

	if (had && !gclass_cmp(gor_class(p, g), key))
		return 0;
	cl = gclass_get(p, key);
	if (!cl)
		return -ENOMEM;
	if (had)
		gclass_put(p, gor_class(p, g));
	g->cls = cl->idx;
	return 0;
}

/* How long waiting goroutine @g had waited when it was last seen. */
static __u64 gor_wait_ns(const struct gor *g, const struct gclass *cl)
{
	/* The runtime's waitsince, else since we first saw it wait. */
	if ((cl->flags & RG_WAIT_SINCE) && g->seen_ns > g->wait_since_ns)
		return g->seen_ns - g->wait_since_ns;
	return g->seen_ns - g->wait_seen_ns;
}

/* Is the stack of @cl's goroutines one of what they do now (a goroutine's
 * wait id is always 0: its stack is taken again each census)? */
static bool gclass_stack_now(const struct gclass *cl)
{
	return cl->stack && cl->stack->nr && (!cl->waiting || !cl->stack_wait_id);
}

/* @g as a context, for what describes one. */
static void gor_view(const struct proc_state *p, const struct gor *g, struct ctx *c)
{
	const struct gclass *cl = gor_class(p, g);

	memset(c, 0, sizeof(*c));
	c->id = g->goid;
	c->kind = CTX_GOROUTINE;
	c->counted = g->counted;
	c->site = cl->site;
	c->seen_seq = g->seen_seq;
	c->stack_obj = cl->stack;
	if (cl->stack) {
		c->stack = cl->stack->pcs;
		c->nr_stack = cl->stack->nr;
	}
	c->stack_flags = cl->stack_flags;
	c->stack_wait_id = cl->stack_wait_id;
	c->waiting = cl->waiting;
	c->wait_seen_ns = g->wait_seen_ns;
	if (c->waiting)
		c->wait_ns = gor_wait_ns(g, cl);
	c->wc.owner_tid = -1; /* goroutines are never classified */
	c->go_stuck_class = cl->stuck_class;
	c->go_blocked = cl->blocked;
	c->u.g = (struct go_state){
		.parent_goid = g->parent_goid,
		.wait_since_ns = g->wait_since_ns,
		.seen_ns = g->seen_ns,
		.reason = cl->reason,
		.flags = cl->flags,
	};
}

static int gor_goid_cmp(const void *a, const void *b, void *arg)
{
	const struct gor *gors = arg;
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	if (gors[x].goid != gors[y].goid)
		return gors[x].goid < gors[y].goid ? -1 : 1;
	return x < y ? -1 : x > y; /* the first added first */
}

/* Sort @v[0, n) by goid in place, through an index (4 bytes a goroutine). */
static int gor_sort_run(struct gor *v, size_t n)
{
	__u32 *idx, i, j, next;
	struct gor tmp;

	for (i = 1; i < n && v[i - 1].goid <= v[i].goid; i++)
		;
	if (i >= n)
		return 0; /* in order already: the usual */
	idx = malloc(n * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), gor_goid_cmp, v);
	/* v[i] = old v[idx[i]], cycle by cycle */
	for (i = 0; i < n; i++) {
		if (idx[i] == i)
			continue;
		tmp = v[i];
		for (j = i; idx[j] != i; j = next) {
			next = idx[j];
			v[j] = v[next];
			idx[j] = j;
		}
		v[j] = tmp;
		idx[j] = j;
	}
	free(idx);
	return 0;
}

/* A goroutine listed twice in one census (a hostile allgs): the first one stays. */
static void gor_drop(struct proc_state *p, struct gor *g)
{
	struct gclass *cl = gor_class(p, g);

	site_leave(cl->site, false);
	if (g->counted)
		cl->site->created--;
	gclass_put(p, cl);
	g->cls = GOR_GONE;
}

/*
 * Put every goroutine of @p in goid order, the ended ones dropped: the
 * ones added since the last sort are sorted, then merged in. A goroutine
 * listed twice is kept once.
 */
static int gor_sort(struct proc_state *p)
{
	struct gor *v = p->gors, *tail;
	size_t i, n = 0, t = 0, k, total;
	int err;

	if (p->gor_sorted == p->gor_n && p->gor_gone * 8 <= p->gor_n)
		return 0;
	err = gor_sort_run(v + p->gor_sorted, p->gor_n - p->gor_sorted);
	if (err)
		return err;
	/* each part without the ended ones, the new ones after the others */
	for (i = 0; i < p->gor_sorted; i++)
		if (v[i].cls != GOR_GONE)
			v[n++] = v[i];
	for (i = p->gor_sorted; i < p->gor_n; i++)
		if (v[i].cls != GOR_GONE)
			v[n + t++] = v[i];
	total = n + t;
	if (t && n && v[n - 1].goid >= v[n].goid) {
		/* merge from the back, the new ones copied out; of two
		 * alike, the one kept before goes first */
		tail = malloc(t * sizeof(*tail));
		if (!tail)
			return -ENOMEM;
		memcpy(tail, v + n, t * sizeof(*tail));
		for (k = total, i = n; t;)
			v[--k] = i && v[i - 1].goid > tail[t - 1].goid ? v[--i] : tail[--t];
		free(tail);
	}
	/* a goid listed twice is kept once */
	for (i = 0, n = 0; i < total; i++) {
		if (n && v[n - 1].goid == v[i].goid) {
			gor_drop(p, &v[i]);
			continue;
		}
		v[n++] = v[i];
	}
	p->gor_n = p->gor_sorted = n;
	p->gor_gone = 0;
	p->gor_next = 0;
	return 0;
}

#define GOR_TAIL_SCAN 16 /* of the goroutines added since the sort, the last ones looked at */

/*
 * Goroutine @goid, or NULL. A census meets goroutines about in goid order:
 * the one after the last found is tried first, then the sorted ones, then
 * the last ones added. @sort: if it could be further among those added,
 * sort (else it is not there: a goroutine a census sends is new unless the
 * last census had it). A goid a census sends twice, more than GOR_TAIL_SCAN
 * records apart, is added twice and kept once by gor_sort() with its first
 * state (a goroutine table keeps the second): the Go census never sends one
 * g twice (an allgs listing one twice fails), only two g's of one goid.
 */
static struct gor *gor_find(struct proc_state *p, __u64 goid, bool sort)
{
	struct gor *v = p->gors;
	size_t lo = 0, hi = p->gor_sorted, i;

	if (!p->gor_n || goid > p->gor_max_id)
		return NULL; /* above every one added: new (a first census's) */
	if (p->gor_next < p->gor_n && v[p->gor_next].goid == goid &&
	    v[p->gor_next].cls != GOR_GONE)
		return &v[p->gor_next++];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].goid < goid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->gor_sorted && v[lo].goid == goid && v[lo].cls != GOR_GONE) {
		p->gor_next = lo + 1;
		return &v[lo];
	}
	for (i = p->gor_n; i > p->gor_sorted && p->gor_n - i < GOR_TAIL_SCAN; i--)
		if (v[i - 1].goid == goid && v[i - 1].cls != GOR_GONE)
			return &v[i - 1];
	if (!sort || p->gor_n - p->gor_sorted <= GOR_TAIL_SCAN || gor_sort(p))
		return NULL;
	return gor_find(p, goid, false);
}

/* A new goroutine at @site, in the state of @key (its site @site). */
static struct gor *gor_add(struct proc_state *p, __u64 goid, const struct gclass *key,
			   bool started)
{
	struct gor *g;

	if (p->gor_n == p->gor_cap) {
		size_t cap = p->gor_cap ? 2 * p->gor_cap : 64;
		struct gor *more = realloc(p->gors, cap * sizeof(*more));

		if (!more)
			return NULL;
		p->gors = more;
		p->gor_cap = cap;
	}
	g = &p->gors[p->gor_n];
	memset(g, 0, sizeof(*g));
	if (gor_reclass(p, g, key, false))
		return NULL;
	p->gor_n++;
	g->goid = goid;
	g->counted = started;
	if (goid > p->gor_max_id)
		p->gor_max_id = goid;
	key->site->live++;
	if (started)
		key->site->created++;
	return g;
}

static void gor_remove(struct proc_state *p, struct gor *g, bool exited)
{
	struct gclass *cl = gor_class(p, g);

	if (cl->site->rep && cl->site->rep_goid == g->goid)
		cl->site->rep = NULL;
	site_leave(cl->site, exited);
	gclass_put(p, cl);
	g->cls = GOR_GONE;
	p->gor_gone++;
}

static void ctx_move(struct ctx *c, struct site *to)
{
	if (c->site == to)
		return;
	if (c->site->rep == c)
		c->site->rep = NULL;
	site_leave(c->site, false);
	if (c->counted) {
		c->site->created--;
		to->created++;
	}
	c->site = to;
	to->live++;
}

static __u64 thread_site_key(__u32 tgid, __u64 tid, __u64 start_routine)
{
	if (tid == tgid)
		return SITE_KEY_MAIN;
	return start_routine;
}

/* Processes */

/* The census in progress. */
static __u64 census_now(const struct detector *d)
{
	return proc_table__census(d->procs);
}

/* Process @tgid as the table knows it now, or NULL. */
static struct proc_state *proc_find(const struct detector *d, __u32 tgid)
{
	struct proc_state **pp = proc_table__find(d->procs, d->slot, tgid);

	return pp ? *pp : NULL;
}

static void finding_emit(struct detector *d, const struct finding *f)
{
	if (d->sink.finding)
		d->sink.finding(d->sink.ctx, f);
}

static void restate_findings(struct detector *d, struct proc_state *p, __u64 ts, bool resolved);
static void emit_summary(struct detector *d, struct proc_state *p);
static void leak_finding(struct detector *d, struct proc_state *p, struct site *s, __u64 ts,
			 struct obstack *ob, struct finding *f);

/*
 * A process we never saw exit is gone: its pid now names another one.
 * Summarize it now, since one process a pid is kept.
 */
static void proc_retire(struct detector *d, struct proc_state *p)
{
	p->sum.exited_proc = true;
	if (d->opts.keep_exited && !d->closing) {
		restate_findings(d, p, p->sum.last_ns, false);
		emit_summary(d, p);
	}
	if (!p->exited)
		d->nr_live--;
	proc_free(p);
}

/* Process table hooks: @data is a struct proc_state pointer. */

static int proc_new(void *ctx, __u32 tgid, void *data)
{
	struct detector *d = ctx;
	struct proc_state *p = calloc(1, sizeof(*p)), *old;

	if (!p)
		return -ENOMEM;
	HASH_FIND(hh, d->kept, &tgid, sizeof(tgid), old);
	if (old) {
		HASH_DELETE(hh, d->kept, old);
		proc_retire(d, old);
	}
	p->tgid = tgid;
	p->findings_tail = &p->findings;
	/* Same pid, another process: this census's tallies so far are its. */
	if (d->carry.tgid == tgid && d->carry.tally_seq == census_now(d)) {
		p->tally_seq = d->carry.tally_seq;
		p->blocked = d->carry.blocked;
		p->other_blocked = d->carry.other_blocked;
		p->max_wait_ns = d->carry.max_wait_ns;
		p->leader_seen = d->carry.leader_seen;
		memcpy(p->leader_comm, d->carry.leader_comm, REC_COMM_LEN);
	}
	d->carry.tgid = 0;
	*(struct proc_state **)data = p;
	d->nr_live++;
	return 0;
}

/* Kept for the end summary, or freed. */
static void proc_keep(struct detector *d, struct proc_state *p)
{
	struct proc_state *old;

	if (!d->opts.keep_exited || d->closing) {
		if (!p->exited)
			d->nr_live--;
		proc_free(p);
		return;
	}
	HASH_FIND(hh, d->kept, &p->tgid, sizeof(p->tgid), old);
	if (old) {
		HASH_DELETE(hh, d->kept, old);
		proc_retire(d, old);
	}
	HASH_ADD(hh, d->kept, tgid, sizeof(p->tgid), p);
	if (!p->hh.tbl) /* out of memory: no summary for it */
		proc_retire(d, p);
}

/* Exited after its last sample, or its pid names another process now. */
static void proc_gone(void *ctx, void *data)
{
	struct detector *d = ctx;
	struct proc_state *p = *(struct proc_state **)data;

	if (!p)
		return; /* let go at detector__free */
	if (p->exited) {
		proc_keep(d, p);
		return;
	}
	if (p->tally_seq == census_now(d)) {
		d->carry = (struct tally_carry){
			.tgid = p->tgid,
			.tally_seq = p->tally_seq,
			.blocked = p->blocked,
			.other_blocked = p->other_blocked,
			.max_wait_ns = p->max_wait_ns,
			.leader_seen = p->leader_seen,
		};
		memcpy(d->carry.leader_comm, p->leader_comm, REC_COMM_LEN);
	}
	proc_retire(d, p);
}

/*
 * Not counted for a few censuses: gone, its last records late. Forgotten,
 * or with keep_exited kept as it was for the end summary.
 */
static void proc_stale(void *ctx, void *data)
{
	struct proc_state *p = *(struct proc_state **)data;

	if (p)
		proc_keep(ctx, p);
}

static void collect_proc(void *closure, void *data)
{
	collect_node(data, leaf, closure);
}

/* The processes in the table, and with @kept those kept, in pid order (free l->v). */
static int proc_list(struct detector *d, bool kept, struct node_list *l)
{
	struct proc_state *p;

	memset(l, 0, sizeof(*l));
	proc_table__for_each(d->procs, d->slot, collect_proc, l);
	for (p = kept ? d->kept : NULL; p; p = p->hh.next)
		collect_node(&p, leaf, l);
	if (l->err) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return l->err;
	}
	qsort(l->v, l->n, sizeof(l->v[0]), proc_cmp);
	return 0;
}

static void tally_reset(struct detector *d, struct proc_state *p)
{
	if (p->tally_seq == census_now(d))
		return;
	p->tally_seq = census_now(d);
	p->blocked = 0;
	p->other_blocked = 0;
	p->max_wait_ns = 0;
	p->lock_wait_ns = 0;
	p->idle_wait_ns = 0;
	p->goroutines_blocked = 0;
	p->leader_seen = false;
}

/* Lifecycle records */

static int feed_thread_start(struct detector *d, const struct rec_thread_start *r)
{
	struct proc_state *p;
	struct site *site;
	struct ctx *c;

	p = proc_find(d, r->hdr.tgid);
	if (!p)
		return 0;
	if ((r->flags & RTS_PROCESS) && !p->start_ns)
		p->start_ns = r->start_ns;
	c = ctx_find(p, CTX_THREAD, r->tid);
	if (c && c->start_ns == r->start_ns)
		return 0; /* the census saw it first */
	if (c)
		ctx_remove(p, c, true); /* its exit was lost; the tid is reused */
	site = site_get(p, CTX_THREAD, thread_site_key(r->hdr.tgid, r->tid, r->start_routine), 0);
	if (!site)
		return -ENOMEM;
	return ctx_add(p, CTX_THREAD, r->tid, r->start_ns, site, true) ? 0 : -ENOMEM;
}

static int feed_thread_exit(struct detector *d, const struct rec_thread_exit *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct ctx *c;

	if (!p)
		return 0;
	c = ctx_find(p, CTX_THREAD, r->tid);
	if (c && c->start_ns == r->start_ns)
		ctx_remove(p, c, true);
	return 0;
}

/*
 * exec: every other thread has exited (their records came first) and the
 * process runs a new program: its addresses, symbols and sites mean nothing
 * any more. Start over with the one thread, the new main thread.
 */
static int feed_exec(struct detector *d, const struct rec_proc_exec *e)
{
	struct proc_state *p = proc_find(d, e->hdr.tgid);
	struct kept_finding *k;
	__u64 found_ns;

	if (!p || p->exited)
		return 0;
	/* Leaks found in the old program keep their numbers as of now: their
	 * sites go with it. */
	for (k = p->findings; k; k = k->next) {
		if (!k->site)
			continue;
		found_ns = k->f.ts_ns;
		leak_finding(d, p, k->site, e->hdr.ts_ns, &k->ob, &k->f);
		k->f.ts_ns = found_ns;
		k->site = NULL;
	}
	memcpy(p->comm, e->comm, REC_COMM_LEN);
	p->comm[REC_COMM_LEN - 1] = '\0';
	proc_clear(p);
	/* The next census brings the thread back, as the main thread. */
	return 0;
}

/* Census records */

static int feed_task(struct detector *d, const struct rec_task *t)
{
	struct proc_state *p = proc_find(d, t->hdr.tgid);
	enum wait_kind kind = task_wait_kind(t);
	struct site *site;
	struct ctx *c;

	if (!p)
		return 0; /* the table made none: out of memory */
	if (p->exited)
		return 0;
	tally_reset(d, p);
	if (t->tid == t->hdr.tgid) {
		p->leader_seen = true;
		memcpy(p->leader_comm, t->comm, REC_COMM_LEN);
	}
	switch (kind) {
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

	c = ctx_find(p, CTX_THREAD, t->tid);
	if (c && c->start_ns != t->start_ns) {
		ctx_remove(p, c, true); /* its exit was lost; the tid is reused */
		c = NULL;
	}
	if (!c) {
		site = site_get(p, CTX_THREAD, thread_site_key(t->hdr.tgid, t->tid, 0), 0);
		if (!site)
			return -ENOMEM;
		c = ctx_add(p, CTX_THREAD, t->tid, t->start_ns, site, false);
		if (!c)
			return -ENOMEM;
	}
	c->seen_seq = census_now(d);
	c->u.task = (struct task_state){
		.ts_ns = t->hdr.ts_ns,
		.wait_start_ns = t->wait_start_ns,
		.args = { t->args[0], t->args[1] },
		.tid = t->tid,
		.state = t->state,
		.flags = t->flags,
		.syscall_nr = t->syscall_nr,
	};
	memcpy(c->u.task.comm, t->comm, REC_COMM_LEN);
	c->waiting = kind != WAIT_NONE;
	if (!c->waiting)
		return 0;
	if (c->wait_id != t->nr_switches || !c->wait_seen_ns) {
		c->wait_id = t->nr_switches;
		c->wait_seen_ns = t->hdr.ts_ns;
	}
	if ((t->flags & RTF_WAIT_START) && t->hdr.ts_ns > t->wait_start_ns)
		c->wait_ns = t->hdr.ts_ns - t->wait_start_ns;
	else
		c->wait_ns = t->hdr.ts_ns - c->wait_seen_ns;
	return 0;
}

static int feed_site(struct detector *d, const struct rec_site *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct site *site;
	struct ctx *c;
	__u64 key;

	if (!p)
		return 0; /* the table made none: out of memory */
	if (p->exited || r->kind != CTX_THREAD)
		return 0;
	key = r->source == SITE_UNKNOWN ? SITE_KEY_UNKNOWN : r->pc;
	site = site_get(p, CTX_THREAD, thread_site_key(r->hdr.tgid, r->id, key), 0);
	if (!site)
		return -ENOMEM;
	c = ctx_find(p, CTX_THREAD, r->id);
	if (c && c->start_ns != r->start_ns) {
		ctx_remove(p, c, true);
		c = NULL;
	}
	if (!c)
		return ctx_add(p, CTX_THREAD, r->id, r->start_ns, site, false) ? 0 : -ENOMEM;
	if (c->site->refined && c->site->key == site->key)
		return 0; /* already refined by its name */
	ctx_move(c, site);
	return 0;
}

/* A goroutine's stack: its class is one with this stack. */
static int feed_goroutine_stack(struct proc_state *p, const struct rec_stack *r)
{
	struct gor *g = gor_find(p, r->id, true);
	struct gclass key;
	struct istack *is;
	int err;

	if (!g)
		return 0;
	is = stack_intern(p, r->pcs, r->nr_pcs);
	if (!is)
		return -ENOMEM;
	key = *gor_class(p, g);
	key.stack = is;
	key.stack_flags = r->flags;
	key.stack_wait_id = r->wait_id;
	err = gor_reclass(p, g, &key, true);
	stack_release(p, is); /* the class has its own */
	return err;
}

static int feed_stack(struct detector *d, const struct rec_stack *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct istack *is;
	struct ctx *c;

	if (!p || p->exited)
		return 0;
	if (r->kind == CTX_GOROUTINE)
		return feed_goroutine_stack(p, r);
	c = ctx_find(p, r->kind, r->id);
	if (!c || c->start_ns != r->start_ns)
		return 0;
	is = stack_intern(p, r->pcs, r->nr_pcs);
	if (!is)
		return -ENOMEM;
	stack_release(p, c->stack_obj);
	c->stack_obj = is;
	c->stack = is->pcs;
	c->nr_stack = r->nr_pcs;
	c->stack_flags = r->flags;
	c->stack_wait_id = r->wait_id;
	return 0;
}

static int feed_futex(struct detector *d, const struct rec_futex *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct ctx *c;

	if (!p || p->exited)
		return 0;
	c = ctx_find(p, CTX_THREAD, r->tid);
	if (!c || c->start_ns != r->start_ns)
		return 0;
	if (!c->futex) {
		c->futex = malloc(sizeof(*c->futex));
		if (!c->futex)
			return -ENOMEM;
	}
	c->futex->wait_id = r->wait_id;
	c->futex->flags = r->flags;
	memcpy(c->futex->words, r->words, sizeof(r->words));
	return 0;
}

static int feed_symbol(struct detector *d, const struct rec_symbol *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);

	if (!p)
		return 0; /* the table made none: out of memory */
	return symtab__add(&p->syms, r);
}

static int reason_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* @reason (terminated), kept once for every goroutine waiting for it; NULL if out of memory. */
static const char *go_reason_intern(struct detector *d, const char *reason)
{
	char *copy, **node;

	if (d->go_reason_last && !strcmp(d->go_reason_last, reason))
		return d->go_reason_last;
	copy = strdup(reason);
	if (!copy)
		return NULL;
	node = tsearch(copy, &d->go_reasons, reason_cmp);
	if (!node) {
		free(copy);
		return NULL;
	}
	if (*node != copy)
		free(copy);
	d->go_reason_last = *node;
	return *node;
}

static int feed_goroutine(struct detector *d, const struct rec_goroutine *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	char reason[REC_WAIT_REASON_LEN];
	struct gclass key = {};
	bool was_waiting = false;
	struct gor *g;

	if (!p)
		return 0; /* the table made none: out of memory */
	if (p->exited)
		return 0;
	p->is_go = true;
	memcpy(reason, r->wait_reason, REC_WAIT_REASON_LEN);
	reason[REC_WAIT_REASON_LEN - 1] = '\0';
	key.reason = go_reason_intern(d, reason);
	if (!key.reason)
		return -ENOMEM;
	key.flags = r->flags;
	key.waiting = r->status == GO_STATUS_WAITING;
	g = gor_find(p, r->goid, false);
	if (g) {
		const struct gclass *cl = gor_class(p, g);

		/* it keeps its site, and its stack until another is taken */
		key.site = cl->site;
		key.stack = cl->stack;
		key.stack_flags = cl->stack_flags;
		key.stack_wait_id = cl->stack_wait_id;
		was_waiting = cl->waiting;
		if (gor_reclass(p, g, &key, true))
			return -ENOMEM;
	} else {
		key.site = site_get(p, CTX_GOROUTINE, r->go_pc, r->start_pc);
		if (!key.site)
			return -ENOMEM;
		g = gor_add(p, r->goid, &key, p->go_seq > 0);
		if (!g)
			return -ENOMEM;
	}
	g->parent_goid = r->parent_goid;
	g->wait_since_ns = r->wait_since_ns;
	g->seen_ns = r->hdr.ts_ns;
	g->seen_seq = p->go_seq + 1;
	if (key.waiting && (!was_waiting || !g->wait_seen_ns))
		g->wait_seen_ns = r->hdr.ts_ns;
	return 0;
}

/* A goroutine of the last census has ended: a delta census says so. */
static int feed_goroutine_gone(struct detector *d, const struct rec_goroutine_gone *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct gor *g;

	if (!p || p->exited)
		return 0;
	g = gor_find(p, r->goid, true);
	if (g)
		gor_remove(p, g, true);
	return 0;
}

static void site_point(struct detector *d, struct site *s, __u64 ts)
{
	trend_add(&s->series, ts, s->floor, d->opts.leak.window_ns);
	s->floor = s->live;
	trend_stats(&s->series, &s->stats);
}

/* Goroutines the Go census did not see have ended (no events for them). */
static int feed_go_census(struct detector *d, const struct rec_go_census *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct node_list l;
	size_t i;
	int err;

	d->go_stats.go_censuses++;
	d->go_stats.go_duration_ns += r->duration_ns;
	if (r->duration_ns > d->go_stats.go_duration_max_ns)
		d->go_stats.go_duration_max_ns = r->duration_ns;
	if (!p || p->exited)
		return 0;
	p->go_seq++;
	p->goroutines = r->nr_goroutines;
	if (r->flags & RGC_DELTA) {
		/* The goroutines it did not send are as they were, seen now. */
		for (i = 0; i < p->gor_n; i++) {
			struct gor *g = &p->gors[i];

			if (g->cls == GOR_GONE || g->seen_seq == (__u32)p->go_seq)
				continue;
			g->seen_seq = p->go_seq;
			g->seen_ns = r->hdr.ts_ns;
		}
	} else if (!(r->flags & RGC_INCOMPLETE)) {
		/* Goroutines it did not see are gone, unless it did not see them all. */
		for (i = 0; i < p->gor_n; i++)
			if (p->gors[i].cls != GOR_GONE && p->gors[i].seen_seq != (__u32)p->go_seq)
				gor_remove(p, &p->gors[i], true);
	}
	err = gor_sort(p);
	if (err)
		return err;
	err = node_list(p->sites, &l);
	for (i = 0; i < l.n; i++) {
		struct site *s = l.v[i];

		if (s->kind == CTX_GOROUTINE) {
			s->floor = s->live;
			site_point(d, s, r->hdr.ts_ns);
		}
	}
	free(l.v);
	return err;
}

static int feed_proc(struct detector *d, const struct rec_proc *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);

	/* The table keeps its entry through the exit of an older process of
	 * that pid (late), and makes none for an exit it never saw alive. */
	if (!p || (p->start_ns && p->start_ns != r->start_ns))
		return 0;
	tally_reset(d, p);
	p->start_ns = r->start_ns;
	p->proc_seq = census_now(d);
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

/* Thread names */

/* The runtime whose trampoline @s's key is, once the key's symbol came. */
static enum thread_runtime site_runtime(struct proc_state *p, struct site *s)
{
	const struct sym *sym;

	if (s->runtime_known)
		return s->runtime;
	if (s->kind != CTX_THREAD || s->key == SITE_KEY_MAIN || s->key == SITE_KEY_UNKNOWN) {
		s->runtime_known = true;
		s->runtime = RUNTIME_NONE;
		return RUNTIME_NONE;
	}
	sym = symtab__find(&p->syms, s->key);
	if (!sym)
		return RUNTIME_NONE; /* not yet */
	s->runtime_known = true;
	s->runtime = sym->found ? policy_thread_trampoline(sym->func, sym->module) : RUNTIME_NONE;
	return s->runtime;
}

struct pattern_search {
	const struct site *want;
	struct site *hit;
};

static void pattern_visit(const void *node, VISIT which, void *closure)
{
	struct pattern_search *ps = closure;
	struct site *s = *(struct site *const *)node;

	if ((which != postorder && which != leaf) || ps->hit)
		return;
	if (s->refined && s->kind == ps->want->kind && s->key == ps->want->key &&
	    name_pattern_match(&s->pattern, &ps->want->pattern))
		ps->hit = s;
}

/*
 * The site of @base's threads named like @np (a thread named @comm): the one
 * whose pattern matches, else a new one with @np.
 */
static struct site *refined_site(struct proc_state *p, const struct site *base,
				 const struct name_pattern *np, const char *comm)
{
	struct site k = {
		.kind = CTX_THREAD,
		.key = base->key,
		.refined = true,
		.pattern = *np,
		.runtime_known = true,
		.runtime = base->runtime,
	}, *s, **node;
	struct pattern_search ps = { &k, NULL };

	node = tfind(&k, &p->sites, site_cmp);
	if (node)
		return *node;
	twalk_r(p->sites, pattern_visit, &ps);
	if (ps.hit)
		return ps.hit;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	*s = k;
	s->service = policy_runtime_service(s->runtime, comm);
	node = tsearch(s, &p->sites, site_cmp);
	if (!node) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * A thread of a runtime's trampoline goes to the site of its name pattern;
 * one renamed since (the JVM names a thread after it starts) moves there.
 */
static void refine_by_name(struct proc_state *p, struct ctx *c)
{
	char comm[REC_COMM_LEN];
	struct name_pattern np;
	struct site *to;

	if (c->kind != CTX_THREAD || site_runtime(p, c->site) == RUNTIME_NONE)
		return;
	name_pattern_of(c->u.task.comm, &np);
	if (c->site->refined && name_pattern_match(&c->site->pattern, &np))
		return;
	memcpy(comm, c->u.task.comm, REC_COMM_LEN);
	comm[REC_COMM_LEN - 1] = '\0';
	to = refined_site(p, c->site, &np, comm);
	if (to)
		ctx_move(c, to);
}

/* Formatting what findings show */

/* @s as findings show it; its symbol and name pattern, if it has them,
 * formatted into @buf and @pat. */
static void site_fmt(struct proc_state *p, const struct site *s, char buf[SYM_LEN],
		     char pat[SYM_LEN], struct finding_site *fs)
{
	fs->symbol = NULL;
	fs->name_pattern = NULL;
	if (s->kind == CTX_THREAD && s->key == SITE_KEY_MAIN) {
		fs->kind = FSITE_MAIN_THREAD;
		return;
	}
	if (s->key == SITE_KEY_UNKNOWN) {
		fs->kind = s->kind == CTX_THREAD ? FSITE_UNKNOWN_ROUTINE : FSITE_UNKNOWN_CREATOR;
		return;
	}
	fs->kind = FSITE_SYMBOL;
	fs->symbol = symtab__format(&p->syms, s->key, buf, SYM_LEN);
	if (s->refined)
		fs->name_pattern = name_pattern_show(&s->pattern, pat, SYM_LEN);
}

static void site_of(struct proc_state *p, const struct site *s, struct obstack *ob,
		    struct finding_site *fs)
{
	char buf[SYM_LEN], pat[SYM_LEN];

	site_fmt(p, s, buf, pat, fs);
	if (fs->symbol)
		fs->symbol = obstack_copy0(ob, fs->symbol, strlen(fs->symbol));
	if (fs->name_pattern)
		fs->name_pattern = obstack_copy0(ob, fs->name_pattern, strlen(fs->name_pattern));
}

/* The sink's site callback: @s at the census at @ts. */
static void site_sample_emit(struct detector *d, struct proc_state *p, const struct site *s,
			     __u64 ts)
{
	char site_buf[SYM_LEN], pat_buf[SYM_LEN], func_buf[SYM_LEN];
	struct site_sample ss = {
		.ts_ns = ts,
		.pid = p->tgid,
		.goroutine = s->kind == CTX_GOROUTINE,
		.key = s->key,
		.func_pc = s->func_pc,
		.live = s->live,
		.blocked = s->blocked,
	};

	site_fmt(p, s, site_buf, pat_buf, &ss.site);
	if (ss.goroutine)
		ss.function = symtab__format(&p->syms, s->func_pc, func_buf, sizeof(func_buf));
	memcpy(ss.by_prim, s->by_prim, sizeof(ss.by_prim));
	d->sink.site(d->sink.ctx, &ss);
}

/* The function at @addr, or NULL. */
static const char *addr_symbol(struct proc_state *p, __u64 addr, struct obstack *ob)
{
	const struct sym *s = symtab__find(&p->syms, addr);

	if (!s || !s->found || !s->func[0])
		return NULL;
	return obstack_copy0(ob, s->func, strlen(s->func));
}

/* The stack of @c's current wait, formatted, or none. */
static void ctx_stack(struct proc_state *p, const struct ctx *c, struct obstack *ob,
		      struct finding_ctx *fc)
{
	const char **frames;
	char buf[SYM_LEN];
	unsigned int i, j, nr = 0;

	fc->stack = NULL;
	fc->nr_stack = 0;
	if (!c->stack || !c->nr_stack || (c->waiting && c->stack_wait_id != c->wait_id))
		return;
	/* a frame in inlined code stands for several, innermost first */
	for (i = 0; i < c->nr_stack; i++)
		nr += symtab__nr_frames(&p->syms, c->stack[i]);
	frames = obstack_alloc(ob, nr * sizeof(*frames));
	for (i = 0, nr = 0; i < c->nr_stack; i++) {
		for (j = 0; j < symtab__nr_frames(&p->syms, c->stack[i]); j++) {
			symtab__format_frame(&p->syms, c->stack[i], j, buf, sizeof(buf));
			frames[nr++] = obstack_copy0(ob, buf, strlen(buf));
		}
	}
	fc->stack = frames;
	fc->nr_stack = nr;
}

static enum finding_state ctx_state(const struct ctx *c)
{
	if (c->waiting)
		return FSTATE_WAITING;
	if (c->kind == CTX_GOROUTINE)
		return FSTATE_RUNNABLE;
	switch (c->u.task.state) {
	case TRS_STOPPED:
		return FSTATE_STOPPED;
	case TRS_DEAD:
		return FSTATE_EXITING;
	default:
		return FSTATE_RUNNING;
	}
}

/* A waiting thread's wait in Python's words, from its stack (py_wait.h), or NULL. */
static const char *ctx_py_wait(struct proc_state *p, const struct ctx *c)
{
	if (c->kind != CTX_THREAD || !c->waiting || !c->stack || c->stack_wait_id != c->wait_id)
		return NULL;
	return py_wait_name(&p->syms, c->stack, c->nr_stack, c->wc.prim, c->u.task.syscall_nr);
}

/* What @c waits in, in its runtime's words: a goroutine's wait reason, a
 * Python thread's API. NULL if none. */
static const char *ctx_wait_reason(struct proc_state *p, const struct ctx *c, struct obstack *ob)
{
	if (c->kind == CTX_GOROUTINE)
		return obstack_copy0(ob, c->u.g.reason, strlen(c->u.g.reason));
	return ctx_py_wait(p, c);
}

static void describe_ctx(struct detector *d, struct proc_state *p, const struct ctx *c,
			 struct obstack *ob, struct finding_ctx *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->owner_tid = -1;
	fc->syscall_nr = -1;
	if (!c)
		return; /* FSTATE_EXITED */
	fc->id = c->id;
	fc->goroutine = c->kind == CTX_GOROUTINE;
	if (c->kind == CTX_THREAD && c->seen_seq) {
		char buf[NAME_PATTERN_SHOWN_LEN];
		struct name_pattern np;

		fc->thread_name = obstack_copy0(ob, c->u.task.comm,
						strnlen(c->u.task.comm, REC_COMM_LEN));
		name_pattern_of(c->u.task.comm, &np);
		name_pattern_show(&np, buf, sizeof(buf));
		fc->name_pattern = obstack_copy0(ob, buf, strlen(buf));
	}
	site_of(p, c->site, ob, &fc->site);
	fc->state = ctx_state(c);
	if (c->waiting) {
		fc->prim = c->wc.prim;
		fc->wait_ns = c->wait_ns;
		fc->lock_addr = c->wc.lock_addr;
		fc->owner_tid = c->wc.owner_tid;
		if (c->wc.lock_addr)
			fc->lock_symbol = addr_symbol(p, c->wc.lock_addr, ob);
		fc->wait_reason = ctx_wait_reason(p, c, ob);
		if (c->kind == CTX_THREAD && c->wc.prim == PRIM_SYSCALL)
			fc->syscall_nr = c->u.task.syscall_nr;
	}
	ctx_stack(p, c, ob, fc);
}

/* Classification of waits */

struct owner_lookup {
	struct proc_state *p;
};

static bool is_live_thread(void *arg, __u32 tid)
{
	struct owner_lookup *ol = arg;

	return ctx_find(ol->p, CTX_THREAD, tid) != NULL;
}

/* Thread @c's census record again, as far as it was kept (for wait.h). */
static void task_rec(const struct ctx *c, struct rec_task *t)
{
	const struct task_state *ts = &c->u.task;

	memset(t, 0, sizeof(*t));
	t->hdr.ts_ns = ts->ts_ns;
	t->wait_start_ns = ts->wait_start_ns;
	t->args[0] = ts->args[0];
	t->args[1] = ts->args[1];
	t->tid = ts->tid;
	t->state = ts->state;
	t->flags = ts->flags;
	t->syscall_nr = ts->syscall_nr;
	t->start_ns = c->start_ns;
	memcpy(t->comm, ts->comm, REC_COMM_LEN);
}

static void classify(struct proc_state *p, struct ctx *c, enum primitive same_word)
{
	const char *funcs[SYMTAB_FRAMES_MAX];
	struct owner_lookup ol = { p };
	struct rec_futex futex;
	struct rec_task task;
	struct wait_evidence ev = {
		.task = &task,
		.same_word = same_word,
		.is_thread = is_live_thread,
		.ctx = &ol,
	};

	if (c->stack && c->stack_wait_id == c->wait_id) {
		ev.funcs = funcs;
		ev.nr_funcs = symtab__expand_funcs(&p->syms, c->stack, c->nr_stack, funcs,
						   SYMTAB_FRAMES_MAX);
	}
	task_rec(c, &task);
	if (c->futex && c->futex->wait_id == c->wait_id) {
		/* the record again, its address the one the thread waits on */
		memset(&futex, 0, sizeof(futex));
		futex.tid = c->id;
		futex.flags = c->futex->flags;
		futex.start_ns = c->start_ns;
		futex.wait_id = c->futex->wait_id;
		futex.uaddr = task_futex_addr(&task);
		memcpy(futex.words, c->futex->words, sizeof(futex.words));
		ev.futex = &futex;
	}
	classify_wait(&ev, &c->wc);
}

struct word_prim {
	__u64 addr;
	enum primitive prim;
};

static int word_prim_cmp(const void *a, const void *b)
{
	const struct word_prim *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Classify every waiting thread. A thread whose stack is not known yet
 * (the monitor unwinds waits only once they are 2 s old) but which sleeps on
 * the futex word of a thread whose stack told its primitive waits on the same
 * object: it gets the same primitive, not the futex op's guess.
 */
static void classify_all(struct proc_state *p, struct node_list *ctxs)
{
	struct word_prim *known, key, *hit;
	size_t i, n = 0;

	for (i = 0; i < ctxs->n; i++) {
		struct ctx *c = ctxs->v[i];

		if (c && c->kind == CTX_THREAD && c->waiting)
			classify(p, c, PRIM_NONE);
	}
	known = malloc(ctxs->n * sizeof(*known));
	if (!known)
		return;
	for (i = 0; i < ctxs->n; i++) {
		struct ctx *c = ctxs->v[i];

		if (c && c->kind == CTX_THREAD && c->waiting && c->wc.via && c->wc.lock_addr)
			known[n++] = (struct word_prim){ c->wc.lock_addr, c->wc.prim };
	}
	qsort(known, n, sizeof(*known), word_prim_cmp);
	for (i = 0; n && i < ctxs->n; i++) {
		struct ctx *c = ctxs->v[i];

		if (!c || c->kind != CTX_THREAD || !c->waiting || c->wc.via || !c->wc.lock_addr)
			continue;
		key.addr = c->wc.lock_addr;
		hit = bsearch(&key, known, n, sizeof(*known), word_prim_cmp);
		if (hit)
			classify(p, c, hit->prim);
	}
	free(known);
}

/*
 * The facts about @c's wait the policies decide on. @funcs and @modules
 * (REC_STACK_MAX each) receive its stack's functions and modules when the
 * stack is of this wait and @with_funcs: policy_idle_by_design() reads them
 * in Go, policy_launcher_join() in a JVM.
 */
static void wait_facts(struct proc_state *p, const struct ctx *c, bool with_funcs,
		       const char **funcs, const char **modules, struct policy_wait *w)
{
	bool stack_now = c->stack && c->stack_wait_id == c->wait_id;
	unsigned int i;

	*w = (struct policy_wait){
		.is_thread = c->kind == CTX_THREAD,
		.waiting = c->waiting,
		.wait_ns = c->wait_ns,
		.wc = c->wc,
		.syscall_nr = c->kind == CTX_THREAD ? c->u.task.syscall_nr : -1,
		.parked = (c->stack_flags & RS_IDLE) && c->stack_wait_id == c->wait_id,
		.in_go = p->is_go,
		.funcs = funcs,
		.modules = modules,
	};
	if (!with_funcs || !stack_now)
		return;
	for (i = 0; i < c->nr_stack; i++) {
		const struct sym *sym = symtab__find(&p->syms, c->stack[i]);

		funcs[i] = sym && sym->found && sym->func[0] ? sym->func : NULL;
		modules[i] = sym ? sym->module : NULL;
	}
	w->nr_funcs = c->nr_stack;
}

/*
 * Pools: the waiters of one site on one futex word, counted once per
 * analysis for policy_idle_pool().
 */
struct pool_key {
	const struct site *site;
	__u64 lock;
	unsigned int waiters;
};

static int pool_cmp(const void *a, const void *b)
{
	const struct pool_key *x = a, *y = b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	return x->lock < y->lock ? -1 : x->lock > y->lock;
}

static void pool_count(struct proc_state *p, void **pools, const struct ctx *c)
{
	struct pool_key key = { c->site, c->wc.lock_addr }, *k, **node;
	struct policy_wait w;

	wait_facts(p, c, false, NULL, NULL, &w);
	if (!policy_pool_wait(&w))
		return;
	node = tfind(&key, pools, pool_cmp);
	if (node) {
		(*node)->waiters++;
		return;
	}
	k = malloc(sizeof(*k));
	if (!k)
		return;
	*k = key;
	k->waiters = 1;
	if (!tsearch(k, pools, pool_cmp))
		free(k);
}

static unsigned int pool_waiters(void **pools, const struct ctx *c)
{
	struct pool_key key = { c->site, c->wc.lock_addr }, **node;

	node = tfind(&key, pools, pool_cmp);
	return node ? (*node)->waiters : 0;
}

/* Findings */

static struct kept_finding *keep_finding(struct proc_state *p)
{
	struct kept_finding *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	obstack_init(&k->ob);
	*p->findings_tail = k;
	p->findings_tail = &k->next;
	return k;
}

/* @c's wait reason, NUL-terminated, in @reason (REC_WAIT_REASON_LEN). */

/* Count one more @reason in @v (@n of FINDING_MAX_REASONS), if there is room. */
static void count_reason(struct reason_count *v, unsigned int *n, const char *reason,
			 struct obstack *ob)
{
	unsigned int j;

	for (j = 0; j < *n; j++)
		if (!strcmp(v[j].reason, reason))
			break;
	if (j == *n) {
		if (j == FINDING_MAX_REASONS)
			return;
		v[j].reason = obstack_copy0(ob, reason, strlen(reason));
		(*n)++;
	}
	v[j].count++;
}

/* A finding about site @s of @p: its kind, time, process, site and, for
 * goroutines, the function they run; the rest zero. */
static void site_finding(struct proc_state *p, const struct site *s, enum finding_kind kind,
			 __u64 ts, struct obstack *ob, struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->ts_ns = ts;
	f->pid = p->tgid;
	memcpy(f->comm, p->comm, REC_COMM_LEN);
	site_of(p, s, ob, &f->site);
	if (s->kind == CTX_GOROUTINE) {
		char buf[SYM_LEN];

		symtab__format(&p->syms, s->func_pc, buf, sizeof(buf));
		f->function = obstack_copy0(ob, buf, strlen(buf));
	}
}

/* The context @s's findings show; a goroutine as it is now. */
static const struct ctx *site_rep(struct proc_state *p, struct site *s)
{
	struct gor *g;

	if (s->kind != CTX_GOROUTINE || !s->rep)
		return s->rep;
	g = gor_find(p, s->rep_goid, true);
	if (!g)
		return NULL; /* not reached: an ended one is no site's rep */
	gor_view(p, g, s->rep_view);
	return s->rep_view;
}

static void leak_finding(struct detector *d, struct proc_state *p, struct site *s, __u64 ts,
			 struct obstack *ob, struct finding *f)
{
	struct node_list l;
	size_t i;

	site_finding(p, s, s->kind == CTX_GOROUTINE ? FINDING_GOROUTINE_LEAK : FINDING_THREAD_LEAK,
		     ts, ob, f);
	f->live = s->live;
	f->growth = s->stats.net;
	f->window_ns = s->stats.span_ns;
	f->created = s->created;
	f->exited = s->exited;
	f->blocked = s->blocked;
	memcpy(f->by_prim, s->by_prim, sizeof(f->by_prim));
	f->max_wait_ns = s->max_wait_ns;
	describe_ctx(d, p, site_rep(p, s), ob, &f->sample);
	/* How many wait for what, in the runtime's words: goroutines' wait
	 * reasons, Python threads' APIs. */
	if (s->kind == CTX_GOROUTINE) {
		if (gor_sort(p))
			return;
		for (i = 0; i < p->gor_n; i++) {
			const struct gclass *cl;

			if (p->gors[i].cls == GOR_GONE)
				continue;
			cl = gor_class(p, &p->gors[i]);
			if (cl->site == s && cl->waiting)
				count_reason(f->reasons, &f->nr_reasons, cl->reason, ob);
		}
		return;
	}
	if (node_list(p->ctxs, &l))
		return;
	for (i = 0; i < l.n; i++) {
		const struct ctx *c = l.v[i];
		const char *why;

		if (c->site != s || !c->waiting || !(why = ctx_py_wait(p, c)))
			continue;
		count_reason(f->reasons, &f->nr_reasons, why, ob);
	}
	free(l.v);
}

static void establish_leak(struct detector *d, struct proc_state *p, struct site *s, __u64 ts)
{
	struct kept_finding *k;

	s->leaking = true;
	s->reported_live = s->live;
	d->nr_leaks++;
	k = keep_finding(p);
	if (!k)
		return;
	k->site = s;
	leak_finding(d, p, s, ts, &k->ob, &k->f);
	finding_emit(d, &k->f);
}

/* With updates: a leak that doubled since it was last reported, again. */
static void update_leak(struct detector *d, struct proc_state *p, struct site *s, __u64 ts)
{
	struct finding f;

	if (!d->opts.updates || !policy_leak_doubled(s->live, s->reported_live))
		return;
	s->reported_live = s->live;
	leak_finding(d, p, s, ts, &d->scratch, &f);
	f.update = true;
	finding_emit(d, &f);
	obstack_free(&d->scratch, NULL);
	obstack_init(&d->scratch);
}

/* With updates: every finding of a process that exited, as resolved. */

static void establish_long_wait(struct detector *d, struct proc_state *p, struct ctx *c, __u64 ts)
{
	struct kept_finding *k;
	struct ctx *owner = NULL;

	c->reported = true;
	c->reported_wait_id = c->wait_id;
	if (p->nr_long_waits >= MAX_LONG_WAITS_PER_PROC) {
		p->long_waits_dropped++;
		return;
	}
	p->nr_long_waits++;
	k = keep_finding(p);
	if (!k)
		return;
	k->f.kind = FINDING_LONG_WAIT;
	k->f.ts_ns = ts;
	k->f.pid = p->tgid;
	memcpy(k->f.comm, p->comm, REC_COMM_LEN);
	describe_ctx(d, p, c, &k->ob, &k->f.waiter);
	k->f.site = k->f.waiter.site;
	if (c->wc.owner_tid >= 0) {
		owner = ctx_find(p, CTX_THREAD, c->wc.owner_tid);
		k->f.has_owner = true;
		describe_ctx(d, p, owner, &k->ob, &k->f.owner);
		k->f.owner.id = c->wc.owner_tid;
	}
	finding_emit(d, &k->f);
}

static void establish_deadlock(struct detector *d, struct proc_state *p, struct ctx **cycle,
			       unsigned int n, __u64 ts)
{
	struct finding_ctx *members;
	struct kept_finding *k;
	unsigned int i;

	d->nr_leaks++;
	for (i = 0; i < n; i++) {
		cycle[i]->deadlocked = true;
		cycle[i]->deadlock_wait_id = cycle[i]->wait_id;
	}
	k = keep_finding(p);
	if (!k)
		return;
	k->f.kind = FINDING_DEADLOCK;
	k->f.ts_ns = ts;
	k->f.pid = p->tgid;
	memcpy(k->f.comm, p->comm, REC_COMM_LEN);
	members = obstack_alloc(&k->ob, n * sizeof(*members));
	k->f.prim = cycle[0]->wc.prim;
	for (i = 0; i < n; i++) {
		/* cycle[i] waits for what cycle[i + 1] holds. */
		describe_ctx(d, p, cycle[i], &k->ob, &members[i]);
		if (cycle[i]->wc.prim != k->f.prim)
			k->f.prim = PRIM_FUTEX; /* mixed: say so */
	}
	k->f.members = members;
	k->f.nr_members = n;
	finding_emit(d, &k->f);
}

static bool in_deadlock(const struct ctx *c)
{
	return c->deadlocked && c->deadlock_wait_id == c->wait_id;
}

static bool waits_on_owner(struct proc_state *p, const struct ctx *c)
{
	struct policy_wait w;

	wait_facts(p, c, false, NULL, NULL, &w);
	return policy_waits_on_owner(&w);
}

/*
 * A thread that waits on a lock it holds itself is a deadlock only if its
 * wait was already there at an earlier census: the census takes the wait
 * (registers) and the inspector then reads the lock's owner, and a thread
 * woken in between may own the lock by then. Its wait is the same (no
 * context switch) at the next census only if it never ran.
 */
static bool cycle_settled(struct ctx **cycle, unsigned int n, __u64 ts)
{
	return n > 1 || cycle[0]->wait_seen_ns < ts;
}

/*
 * Each waiting thread waits for at most one owner, so the wait-for graph is
 * a set of chains: follow each one; a chain that comes back on itself is a
 * deadlock.
 */
static void find_deadlocks(struct detector *d, struct proc_state *p, struct node_list *ctxs,
			   __u64 ts)
{
	struct ctx *path[64];
	size_t i;

	for (i = 0; i < ctxs->n; i++) {
		struct ctx *c = ctxs->v[i];
		unsigned int n = 0, j;

		if (!c || !waits_on_owner(p, c) || in_deadlock(c))
			continue;
		while (c && waits_on_owner(p, c) && !in_deadlock(c) && n < 64) {
			for (j = 0; j < n && path[j] != c; j++)
				;
			if (j < n) {
				/* path[j..n) is a cycle; name it once, from its
				 * lowest tid, so it is found the same way each time. */
				struct ctx *cycle[64];
				unsigned int len = n - j, lo = 0, k;

				if (!cycle_settled(path + j, len, ts))
					break;
				for (k = 0; k < len; k++)
					if (path[j + k]->id < path[j + lo]->id)
						lo = k;
				for (k = 0; k < len; k++)
					cycle[k] = path[j + (lo + k) % len];
				establish_deadlock(d, p, cycle, len, ts);
				break;
			}
			path[n++] = c;
			c = ctx_find(p, CTX_THREAD, c->wc.owner_tid);
		}
	}
}

/* Stuck sites: a leak that happened before threadleak came */

/* The facts about @c's wait the stuck rule decides on (a thread). */
static void stuck_facts(struct proc_state *p, const struct ctx *c, struct policy_stuck_ctx *sc)
{
	const char *funcs[REC_STACK_MAX];
	struct policy_wait w;

	memset(sc, 0, sizeof(*sc));
	if (!c->waiting)
		return;
	sc->wait_ns = c->wait_ns;
	wait_facts(p, c, p->is_go, funcs, NULL, &w);
	sc->cls = policy_thread_stuck_class(&w);
	sc->wait_known = (c->u.task.flags & RTF_WAIT_START) &&
			 c->u.task.ts_ns > c->u.task.wait_start_ns;
	sc->first_sight = p->stuck_censuses <= STUCK_SETTLE_CENSUSES;
}

/* The same of goroutine @g, of class @cl. */
static void gor_stuck_facts(const struct proc_state *p, const struct gor *g,
			    const struct gclass *cl, struct policy_stuck_ctx *sc)
{
	memset(sc, 0, sizeof(*sc));
	if (!cl->waiting)
		return;
	sc->wait_ns = gor_wait_ns(g, cl);
	sc->cls = cl->stuck_class;
	/* The runtime sets waitsince at the GC after a goroutine parks. */
	sc->wait_known = (cl->flags & RG_WAIT_SINCE) && g->seen_ns > g->wait_since_ns;
	sc->first_sight = p->go_seq <= 1;
}

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Put the value @v[@k] would have if @v[0, @n) were sorted at @k, the
 * smaller (or equal) before it, the larger after: a three-way quickselect,
 * qsort for what a bad pivot leaves.
 */
static void u64_select(__u64 *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n, rounds = 0;

	while (hi - lo > 1) {
		__u64 a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1], pivot, tmp;
		size_t lt = lo, i = lo, gt = hi;

		if (++rounds > 64) {
			qsort(v + lo, hi - lo, sizeof(*v), u64_cmp);
			return;
		}
		pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			if (v[i] < pivot) {
				tmp = v[lt];
				v[lt++] = v[i];
				v[i++] = tmp;
			} else if (v[i] > pivot) {
				tmp = v[--gt];
				v[gt] = v[i];
				v[i] = tmp;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

/* @f->parents: who created goroutine @c, and who created that one, ... */
static void parent_chain(struct proc_state *p, const struct ctx *c, struct obstack *ob,
			 struct finding *f)
{
	__u64 goid = c->u.g.parent_goid;
	char buf[SYM_LEN];

	while (goid && f->nr_parents < FINDING_MAX_PARENTS) {
		struct finding_parent *fp = &f->parents[f->nr_parents++];
		const struct gor *parent = gor_find(p, goid, true);
		const struct site *site;

		fp->goid = goid;
		if (!parent)
			return; /* it ended: its creator is not known */
		fp->alive = true;
		site = gor_class(p, parent)->site;
		site_of(p, site, ob, &fp->site);
		symtab__format(&p->syms, site->func_pc, buf, sizeof(buf));
		fp->function = obstack_copy0(ob, buf, strlen(buf));
		if (parent->parent_goid == goid)
			return;
		goid = parent->parent_goid;
	}
}

/* What stuck_finding() takes of each stuck context. */
struct stuck_tally {
	__u32 prims[PRIM_MAX];
	__u64 *waits;
	bool rep_now; /* the rep has a stack of this wait */
	__u64 rep_wait_ns;
};

/* One more stuck context of @f: waiting @wait_ns (known: @known), with a
 * stack of this wait (@stack_now). Is it the one to show? */
static bool stuck_count(struct finding *f, const struct site *s, struct stuck_tally *t,
			bool first, bool known, __u64 wait_ns, bool stack_now)
{
	f->stuck++;
	if (known && t->waits && f->waits_known < s->live)
		t->waits[f->waits_known++] = wait_ns;
	/* Show the longest waiter that has a stack of this wait. */
	if (!first && !(stack_now && (!t->rep_now || wait_ns > t->rep_wait_ns)))
		return false;
	t->rep_now = stack_now;
	t->rep_wait_ns = wait_ns;
	return true;
}

/*
 * The stuck finding of site @s, whose contexts in @cls of @threads (or
 * its goroutines) are stuck: how many, in what wait, for how long, and one
 * of them with its stack.
 */
static void stuck_finding(struct detector *d, struct proc_state *p, struct site *s,
			  enum stuck_class cls, struct node_list *threads, __u64 ts,
			  struct obstack *ob, struct finding *f)
{
	struct stuck_tally t = {};
	const struct ctx *rep = NULL;
	const struct gor *grep = NULL;
	struct policy_stuck_ctx sc;
	struct ctx view;
	unsigned int j, best;
	size_t i;

	site_finding(p, s, s->kind == CTX_GOROUTINE ? FINDING_GOROUTINE_STUCK : FINDING_THREAD_STUCK,
		     ts, ob, f);
	f->live = s->live;
	f->created = s->created;
	f->exited = s->exited;
	f->blocked = s->blocked;
	memcpy(f->by_prim, s->by_prim, sizeof(f->by_prim));
	f->wait_class = cls;
	t.waits = malloc((s->live ? s->live : 1) * sizeof(*t.waits));
	if (s->kind == CTX_GOROUTINE) {
		for (i = 0; i < p->gor_n; i++) {
			const struct gor *g = &p->gors[i];
			const struct gclass *cl;

			if (g->cls == GOR_GONE || (cl = gor_class(p, g))->site != s)
				continue;
			gor_stuck_facts(p, g, cl, &sc);
			if (sc.cls != cls || !policy_ctx_stuck(&sc, &d->opts.stuck))
				continue;
			count_reason(f->reasons, &f->nr_reasons, cl->reason, ob);
			if (stuck_count(f, s, &t, !grep, sc.wait_known, sc.wait_ns,
					cl->stack && !cl->stack_wait_id))
				grep = g;
		}
	} else {
		for (i = 0; i < threads->n; i++) {
			const struct ctx *c = threads->v[i];

			if (!c || c->site != s)
				continue;
			stuck_facts(p, c, &sc);
			if (sc.cls != cls || !policy_ctx_stuck(&sc, &d->opts.stuck))
				continue;
			t.prims[c->wc.prim]++;
			if (stuck_count(f, s, &t, !rep, sc.wait_known, c->wait_ns,
					c->stack && c->stack_wait_id == c->wait_id))
				rep = c;
		}
	}
	for (j = 1, best = 0; j < f->nr_reasons; j++)
		if (f->reasons[j].count > f->reasons[best].count)
			best = j;
	if (f->nr_reasons)
		f->wait_reason = f->reasons[best].reason;
	for (j = 1, best = 0; j < PRIM_MAX; j++)
		if (t.prims[j] > t.prims[best])
			best = j;
	f->stuck_prim = best;
	if (f->waits_known) {
		size_t n = f->waits_known, mid = n / 2, p90 = n * 9 / 10;

		/* as sorted, without sorting (qsort's copy of a million) */
		u64_select(t.waits, n, mid);
		u64_select(t.waits + mid, n - mid, p90 - mid);
		f->wait_median_ns = t.waits[mid];
		f->wait_p90_ns = t.waits[p90];
		f->wait_min_ns = f->max_wait_ns = t.waits[0];
		for (i = 0; i < n; i++) {
			if (t.waits[i] < f->wait_min_ns)
				f->wait_min_ns = t.waits[i];
			if (t.waits[i] > f->max_wait_ns)
				f->max_wait_ns = t.waits[i];
		}
	}
	free(t.waits);
	if (grep) {
		gor_view(p, grep, &view);
		rep = &view;
	}
	describe_ctx(d, p, rep, ob, &f->sample);
	if (grep)
		parent_chain(p, rep, ob, f);
}

/*
 * Sites with many contexts in one class of wait, for long: a finding the
 * first census after attach can make, for a leak that already happened.
 * With updates, said again when the site grows by a tenth.
 */
static void find_stuck(struct detector *d, struct proc_state *p, struct node_list *ctxs,
		       struct node_list *sites, __u64 ts)
{
	struct policy_stuck_ctx sc;
	struct kept_finding *k;
	bool threads_named = true;
	struct finding f;
	size_t i;

	p->stuck_censuses++;
	for (i = 0; i < sites->n; i++) {
		struct site *s = sites->v[i];

		if (!s)
			continue;
		memset(s->stuck_by, 0, sizeof(s->stuck_by));
		if (s->kind == CTX_THREAD && s->key == SITE_KEY_UNKNOWN && s->live)
			threads_named = false;
	}
	for (i = 0; i < ctxs->n; i++) {
		struct ctx *c = ctxs->v[i];
		struct policy_stuck_site all;

		if (!c || !c->waiting)
			continue;
		/* Most sites are too small to be stuck even if all were: no facts. */
		all = (struct policy_stuck_site){
			.is_thread = true,
			.live = c->site->live,
			.stuck = c->site->live,
		};
		if (!policy_stuck_site(&all, &d->opts.stuck))
			continue;
		stuck_facts(p, c, &sc);
		if (policy_ctx_stuck(&sc, &d->opts.stuck))
			c->site->stuck_by[sc.cls]++;
	}
	for (i = 0; i < p->gor_n; i++) {
		const struct gor *g = &p->gors[i];
		const struct gclass *cl;
		struct policy_stuck_site all;

		if (g->cls == GOR_GONE || !(cl = gor_class(p, g))->waiting)
			continue;
		all = (struct policy_stuck_site){
			.live = cl->site->live,
			.stuck = cl->site->live,
		};
		if (!policy_stuck_site(&all, &d->opts.stuck))
			continue;
		gor_stuck_facts(p, g, cl, &sc);
		if (policy_ctx_stuck(&sc, &d->opts.stuck))
			cl->site->stuck_by[sc.cls]++;
	}
	for (i = 0; i < sites->n; i++) {
		struct site *s = sites->v[i];
		struct policy_stuck_site ps;
		enum stuck_class cls = STUCK_NONE;
		unsigned int j;

		if (!s)
			continue;
		/* Threads whose start routine is not read yet may be any site's. */
		if (s->kind == CTX_THREAD && !threads_named &&
		    p->stuck_censuses <= STUCK_SETTLE_CENSUSES)
			continue;
		ps = (struct policy_stuck_site){
			.is_thread = s->kind == CTX_THREAD,
			.is_main = s->kind == CTX_THREAD && s->key == SITE_KEY_MAIN,
			.unknown = s->key == SITE_KEY_UNKNOWN,
			.live = s->live,
		};
		for (j = STUCK_NONE + 1; j < STUCK_CLASS_MAX; j++)
			if (s->stuck_by[j] > s->stuck_by[cls])
				cls = j;
		ps.stuck = s->stuck_by[cls];
		if (cls == STUCK_NONE || !policy_stuck_site(&ps, &d->opts.stuck))
			continue;
		if (s->stuck_kept) {
			if (!d->opts.updates || !policy_stuck_grew(ps.stuck, s->stuck_reported))
				continue;
			/* The summary restates the latest numbers. */
			k = s->stuck_kept;
			obstack_free(&k->ob, NULL);
			obstack_init(&k->ob);
			stuck_finding(d, p, s, cls, ctxs, ts, &k->ob, &k->f);
			s->stuck_reported = k->f.stuck;
			f = k->f;
			f.update = true;
			finding_emit(d, &f);
			continue;
		}
		d->nr_leaks++;
		k = keep_finding(p);
		if (!k)
			continue;
		s->stuck_kept = k;
		stuck_finding(d, p, s, cls, ctxs, ts, &k->ob, &k->f);
		s->stuck_reported = k->f.stuck;
		finding_emit(d, &k->f);
	}
}

/* A stack of what @c does now: of its current wait, if it waits. */
static bool stack_now(const struct ctx *c)
{
	return c->stack && c->nr_stack && (!c->waiting || c->stack_wait_id == c->wait_id);
}

/*
 * Is @c a better context than @rep to show for their site: one with a stack
 * of its wait, a waiting one, then the newest (a leak's newest threads are
 * the leak, its oldest may be a pool's own)?
 */
static bool rep_better(const struct ctx *c, const struct ctx *rep)
{
	bool c_stack = c->waiting && stack_now(c), rep_stack = rep->waiting && stack_now(rep);

	if (c_stack != rep_stack)
		return c_stack;
	if (c->waiting != rep->waiting)
		return c->waiting;
	if (c->start_ns != rep->start_ns)
		return c->start_ns > rep->start_ns;
	return c->id > rep->id;
}

/*
 * Is thread @c stuck on a lock another live thread holds: a mutex or
 * rwlock, a deadlock, or a join of a thread itself stuck so (not a
 * launcher's join of the program's thread)? @depth bounds a chain of joins.
 */
static bool stuck_on_lock(struct proc_state *p, const struct ctx *c, unsigned int depth)
{
	const char *funcs[REC_STACK_MAX], *modules[REC_STACK_MAX];
	const struct ctx *owner;
	struct policy_wait w;

	if (in_deadlock(c))
		return true;
	wait_facts(p, c, c->wc.prim == PRIM_JOIN, funcs, modules, &w);
	if (!policy_waits_on_owner(&w))
		return false;
	owner = ctx_find(p, CTX_THREAD, w.wc.owner_tid);
	if (!owner)
		return false; /* the owner is not a live thread */
	if (w.wc.prim != PRIM_JOIN)
		return true;
	if (!depth || policy_launcher_join(&w))
		return false;
	return owner->waiting && stuck_on_lock(p, owner, depth - 1);
}

/*
 * The waits of @p's threads this census, for its sample: the longest futex
 * wait on a held lock and the longest of the others. (Its goroutines in a
 * channel or sync wait over the wait threshold are counted in
 * analyze_proc()'s pass over every context.)
 */
static void tally_waits(struct proc_state *p, const struct node_list *threads)
{
	struct rec_task task;
	size_t i;

	for (i = 0; i < threads->n; i++) {
		const struct ctx *c = threads->v[i];

		if (!c || !c->waiting)
			continue;
		task_rec(c, &task);
		if (task_wait_kind(&task) != WAIT_FUTEX) {
			continue;
		} else if (stuck_on_lock(p, c, 64)) {
			if (c->wait_ns > p->lock_wait_ns)
				p->lock_wait_ns = c->wait_ns;
		} else if (c->wait_ns > p->idle_wait_ns) {
			p->idle_wait_ns = c->wait_ns;
		}
	}
}

/* The rank of a goroutine of @cl as its site's rep: as rep_better() ranks. */
static __u8 gor_rank(const struct gclass *cl)
{
	if (!cl->waiting)
		return 0;
	return gclass_stack_now(cl) ? 2 : 1;
}

/*
 * The goroutines' part of analyze_proc(): for each site the goroutine to
 * show (as rep_better() chooses: of the best rank, the newest), how many
 * wait and the longest wait; the process's goroutines blocked for long.
 */
static void analyze_goroutines(struct detector *d, struct proc_state *p)
{
	size_t i;

	for (i = 0; i < p->gor_n; i++) {
		const struct gor *g = &p->gors[i];
		const struct gclass *cl;
		struct site *s;
		__u8 rank;
		__u64 wait;

		if (g->cls == GOR_GONE)
			continue;
		cl = gor_class(p, g);
		s = cl->site;
		rank = gor_rank(cl);
		/* in goid order: a later one of the same rank is newer */
		if (!s->rep || rank >= s->rep_rank) {
			if (!s->rep_view && !(s->rep_view = malloc(sizeof(*s->rep_view))))
				continue;
			s->rep = s->rep_view;
			s->rep_goid = g->goid;
			s->rep_rank = rank;
		}
		if (!cl->waiting)
			continue;
		wait = gor_wait_ns(g, cl);
		s->blocked++;
		s->by_prim[0]++; /* goroutines are not classified: prim 0 */
		if (wait > s->max_wait_ns)
			s->max_wait_ns = wait;
		if (cl->blocked && wait >= d->opts.wait_threshold_ns)
			p->goroutines_blocked++;
	}
}

/*
 * The close of a census for one process: every site gets a point, every wait
 * its class, and what is now a leak, a long wait or a deadlock a finding.
 */
static void analyze_proc(struct detector *d, struct proc_state *p, __u64 ts)
{
	const char *funcs[REC_STACK_MAX], *modules[REC_STACK_MAX];
	struct node_list ctxs, sites;
	bool pools_counted = false;
	void *pools = NULL;
	size_t i, j;

	if (gor_sort(p) || node_list(p->ctxs, &ctxs))
		return;
	/* Threads this census did not see have exited; their records were lost.
	 * The others go to the site their name refines. */
	for (i = 0; i < ctxs.n; i++) {
		struct ctx *c = ctxs.v[i];

		if (c->seen_seq != census_now(d)) {
			ctx_remove(p, c, true);
			ctxs.v[i] = NULL;
		} else {
			refine_by_name(p, c);
		}
	}
	if (node_list(p->sites, &sites)) {
		free(ctxs.v);
		return;
	}
	for (i = 0; i < sites.n; i++) {
		struct site *s = sites.v[i];

		s->blocked = 0;
		s->max_wait_ns = 0;
		s->rep = NULL;
		memset(s->by_prim, 0, sizeof(s->by_prim));
		if (s->kind == CTX_THREAD)
			site_point(d, s, ts);
	}
	classify_all(p, &ctxs);
	for (i = 0; i < ctxs.n; i++) {
		struct ctx *c = ctxs.v[i];
		struct site *s;

		if (!c)
			continue;
		s = c->site;
		if (!s->rep || rep_better(c, s->rep))
			s->rep = c;
		if (!c->waiting)
			continue;
		s->blocked++;
		s->by_prim[c->wc.prim]++;
		if (c->wait_ns > s->max_wait_ns)
			s->max_wait_ns = c->wait_ns;
	}
	analyze_goroutines(d, p);
	for (i = 0; i < sites.n; i++) {
		struct site *s = sites.v[i];
		struct policy_site ps = {
			.is_thread = s->kind == CTX_THREAD,
			.is_main = s->key == SITE_KEY_MAIN, /* no go statement is at 1 either */
			.is_runtime_service = s->service,
			.live = s->live,
			.leaking = s->leaking,
			.stats = &s->stats,
		};

		if (d->sink.site)
			site_sample_emit(d, p, s, ts);
		if (policy_site_idle(&ps, d->opts.leak.window_ns)) {
			tdelete(s, &p->sites, site_cmp);
			site_free(s);
			sites.v[i] = NULL;
			continue;
		}
		s->growing = policy_site_growing(&s->stats);
		if (s->leaking)
			update_leak(d, p, s, ts);
		else if (policy_new_leak(&ps, &d->opts.leak))
			establish_leak(d, p, s, ts);
	}
	find_deadlocks(d, p, &ctxs, ts);
	find_stuck(d, p, &ctxs, &sites, ts);
	tally_waits(p, &ctxs);
	for (i = 0; i < ctxs.n; i++) {
		struct ctx *c = ctxs.v[i];
		struct policy_long_wait lw;

		if (!c || !c->waiting || c->wait_ns < d->opts.wait_threshold_ns)
			continue; /* most waits: no need for the facts */
		lw.reported = c->reported && c->reported_wait_id == c->wait_id;
		lw.deadlocked = in_deadlock(c);
		lw.site_leaking = c->site->leaking || c->site->stuck_kept;
		lw.site_growing = c->site->growing;
		lw.site_unsettled = policy_site_unsettled(&c->site->stats, c->site->live, &d->opts.leak);
		lw.runtime_service = c->site->service;
		/* what policy_long_wait() says no to whatever the facts (a stuck
		 * site's million goroutines): no need for them either */
		if (lw.reported || lw.deadlocked || lw.site_leaking || lw.site_growing ||
		    lw.runtime_service)
			continue;
		wait_facts(p, c, true, funcs, modules, &lw.wait);
		lw.evidence_pending = c->kind == CTX_THREAD &&
				      c->wait_seen_ns == c->u.task.ts_ns && !lw.wait.nr_funcs;
		if (!policy_long_wait(&lw, d->opts.wait_threshold_ns, d->opts.owned_waits_only))
			continue;
		/* Pools, counted for the first wait that needs them. */
		if (policy_pool_wait(&lw.wait) && !pools_counted) {
			for (j = 0; j < ctxs.n; j++)
				if (ctxs.v[j])
					pool_count(p, &pools, ctxs.v[j]);
			pools_counted = true;
		}
		if (policy_idle_pool(&lw.wait, pool_waiters(&pools, c)))
			continue;
		establish_long_wait(d, p, c, ts);
	}
	tdestroy(pools, free);
	free(ctxs.v);
	free(sites.v);
}

/* Samples */

static void proc_sample(struct detector *d, struct proc_state *p, __u64 ts)
{
	struct proc_summary *sum = &p->sum;
	struct ctx_wait *waits = NULL;
	unsigned int nr_waits = 0;
	struct sample s = {
		.ts_ns = ts,
		.pid = p->tgid,
		.threads = p->live,
		.blocked = p->blocked,
		.other_blocked = p->other_blocked,
		.created = p->created - p->prev_created,
		.exited = p->exited_threads - p->prev_exited,
		.max_wait_ns = p->max_wait_ns,
		.lock_wait_ns = p->lock_wait_ns,
		.idle_wait_ns = p->idle_wait_ns,
		.goroutines_blocked = p->goroutines_blocked,
		.goroutines = p->is_go ? (__s64)p->goroutines : -1,
		.final = p->proc_exited,
	};
	struct node_list l;
	size_t i;

	memcpy(s.comm, p->comm, REC_COMM_LEN);
	if (d->opts.list_waits && !node_list(p->ctxs, &l)) {
		waits = calloc(l.n ? l.n : 1, sizeof(*waits));
		for (i = 0; waits && i < l.n; i++) {
			const struct ctx *c = l.v[i];
			struct ctx_wait *w = &waits[nr_waits];

			if (c->kind != CTX_THREAD || !c->waiting)
				continue;
			w->id = c->id;
			memcpy(w->comm, c->u.task.comm, REC_COMM_LEN);
			w->comm[REC_COMM_LEN - 1] = '\0';
			w->prim = c->wc.prim;
			w->syscall_nr = c->u.task.syscall_nr;
			w->futex_op = c->u.task.args[1];
			w->lock_addr = c->wc.lock_addr;
			w->wait_ns = c->wait_ns;
			w->owner_tid = c->wc.owner_tid;
			nr_waits++;
		}
		free(l.v);
		s.waits = waits;
		s.nr_waits = nr_waits;
	}
	if (!p->sampled) {
		p->sampled = true;
		sum->pid = p->tgid;
		sum->first_ns = ts;
		sum->threads_first = p->live;
		sum->goroutines_first = -1;
		sum->goroutines_last = -1;
		sum->goroutines_peak = -1;
	}
	if (p->is_go) {
		if (sum->goroutines_first < 0)
			sum->goroutines_first = p->goroutines;
		sum->goroutines_last = p->goroutines;
		if ((__s64)p->goroutines > sum->goroutines_peak)
			sum->goroutines_peak = p->goroutines;
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
	sum->long_waits_dropped = p->long_waits_dropped;
	p->prev_created = p->created;
	p->prev_exited = p->exited_threads;
	if (d->sink.sample)
		d->sink.sample(d->sink.ctx, &s);
	free(waits);
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
		.go_censuses = d->go_stats.go_censuses,
		.go_duration_ns = d->go_stats.go_duration_ns,
		.go_duration_max_ns = d->go_stats.go_duration_max_ns,
	};
	struct node_list l;
	size_t i;
	int err;

	memset(&d->go_stats, 0, sizeof(d->go_stats));
	err = proc_list(d, false, &l);
	for (i = 0; i < l.n; i++) {
		struct proc_state *p = l.v[i];

		if (p->exited)
			continue;
		/* Not in this census's counters: created after they were read
		 * (wait), or gone, its last records late (the table lets it go
		 * once a few censuses have not counted it: proc_stale()). */
		if (p->proc_seq != census_now(d))
			continue;
		tally_reset(d, p);
		if (!p->proc_exited)
			analyze_proc(d, p, c->hdr.ts_ns);
		proc_sample(d, p, c->hdr.ts_ns);
		if (p->proc_exited) {
			if (d->opts.updates)
				restate_findings(d, p, c->hdr.ts_ns, true);
			/* the table lets it go when this census closes */
			p->exited = true;
			d->nr_live--;
		}
	}
	free(l.v);
	if (d->sink.census_end)
		d->sink.census_end(d->sink.ctx, &cs);
	return err;
}

/*
 * Part of a process could not be read: a finding, once per part and
 * reason, kept for the summary.
 */
static int feed_proc_incomplete(struct detector *d, const struct rec_proc_incomplete *r)
{
	struct proc_state *p = proc_find(d, r->hdr.tgid);
	struct kept_finding *k;

	if (!p || p->exited || !r->part || r->part > RPI_PART_THREADS ||
	    p->incomplete_reason[r->part] == r->reason)
		return 0;
	p->incomplete_reason[r->part] = r->reason;
	k = keep_finding(p);
	if (!k)
		return -ENOMEM;
	k->f.kind = FINDING_INCOMPLETE;
	k->f.ts_ns = r->hdr.ts_ns;
	k->f.pid = p->tgid;
	memcpy(k->f.comm, p->comm, REC_COMM_LEN);
	k->f.part = r->part;
	k->f.reason = r->reason;
	k->f.err = r->err;
	k->f.why = obstack_copy0(&k->ob, r->why, strnlen(r->why, sizeof(r->why)));
	finding_emit(d, &k->f);
	return 0;
}

static int feed(struct detector *d, const struct rec_hdr *rec)
{
	switch (rec->type) {
	case REC_THREAD_START:
		return feed_thread_start(d, (const struct rec_thread_start *)rec);
	case REC_THREAD_EXIT:
		return feed_thread_exit(d, (const struct rec_thread_exit *)rec);
	case REC_PROC_EXEC:
		return feed_exec(d, (const struct rec_proc_exec *)rec);
	case REC_TASK:
		return feed_task(d, (const struct rec_task *)rec);
	case REC_PROC:
		return feed_proc(d, (const struct rec_proc *)rec);
	case REC_CENSUS:
		return feed_census(d, (const struct rec_census *)rec);
	case REC_SITE:
		return feed_site(d, (const struct rec_site *)rec);
	case REC_STACK:
		return feed_stack(d, (const struct rec_stack *)rec);
	case REC_FUTEX:
		return feed_futex(d, (const struct rec_futex *)rec);
	case REC_SYMBOL:
		return feed_symbol(d, (const struct rec_symbol *)rec);
	case REC_GOROUTINE:
		return feed_goroutine(d, (const struct rec_goroutine *)rec);
	case REC_GO_CENSUS:
		return feed_go_census(d, (const struct rec_go_census *)rec);
	case REC_GOROUTINE_GONE:
		return feed_goroutine_gone(d, (const struct rec_goroutine_gone *)rec);
	case REC_PROC_INCOMPLETE:
		return feed_proc_incomplete(d, (const struct rec_proc_incomplete *)rec);
	default:
		return 0; /* REC_PROC_INFO: for replay --info, not for findings */
	}
}

int detector__feed(struct detector *d, const struct rec_hdr *rec)
{
	int err;

	if (!d->own_table)
		return feed(d, rec);
	/* Its own table: the record's process made or let go first; a census
	 * closes after the detector closed it. */
	if (rec->type == REC_CENSUS) {
		err = feed(d, rec);
		return proc_table__record(d->procs, rec) ?: err;
	}
	err = proc_table__record(d->procs, rec);
	return err ?: feed(d, rec);
}

unsigned int detector__live_procs(const struct detector *d)
{
	return d->nr_live;
}

bool detector__saw_proc(const struct detector *d, __u32 tgid)
{
	struct proc_state *p = proc_find(d, tgid);

	if (!p)
		HASH_FIND(hh, d->kept, &tgid, sizeof(tgid), p);
	return p && p->sampled;
}

unsigned int detector__leaks(const struct detector *d)
{
	return d->nr_leaks;
}

/*
 * Every finding of @p again, leaks with their numbers at @ts: in the end
 * summary, or @resolved, when the process exited (the monitor's updates).
 */
static void restate_findings(struct detector *d, struct proc_state *p, __u64 ts, bool resolved)
{
	struct kept_finding *k;
	struct finding f;

	for (k = p->findings; k; k = k->next) {
		if (k->site) {
			leak_finding(d, p, k->site, ts, &d->scratch, &f);
			f.ts_ns = k->f.ts_ns;
		} else {
			f = k->f;
		}
		f.summary = !resolved;
		f.resolved = resolved;
		finding_emit(d, &f);
		obstack_free(&d->scratch, NULL);
		obstack_init(&d->scratch);
	}
}

void detector__threads(struct detector *d,
		       void (*fn)(void *arg, const struct detector_thread *t), void *arg)
{
	struct node_list procs, ctxs;
	size_t i, j;

	if (proc_list(d, true, &procs))
		return;
	for (i = 0; i < procs.n; i++) {
		struct proc_state *p = procs.v[i];

		if (p->exited || node_list(p->ctxs, &ctxs))
			continue;
		for (j = 0; j < ctxs.n; j++) {
			const struct ctx *c = ctxs.v[j];
			struct detector_thread t = { .pid = p->tgid, .comm = p->comm, .syms = &p->syms };

			if (c->kind != CTX_THREAD)
				continue;
			describe_ctx(d, p, c, &d->scratch, &t.ctx);
			if (t.ctx.nr_stack) {
				t.pcs = c->stack;
				t.nr_pcs = c->nr_stack;
			}
			fn(arg, &t);
			obstack_free(&d->scratch, NULL);
			obstack_init(&d->scratch);
		}
		free(ctxs.v);
	}
	free(procs.v);
}

static int reason_count_cmp(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1; /* most first */
	return strcmp(x->reason, y->reason);
}

static int site_live_cmp(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;

	return x->live > y->live ? -1 : x->live < y->live;
}

/* A Go process's goroutines at its last census: by wait reason, by site. */
static void summarize_goroutines(struct proc_state *p, struct obstack *ob)
{
	struct proc_summary *sum = &p->sum;
	char buf[SYM_LEN];
	struct node_list l;
	size_t i, n = 0;

	sum->nr_go_blocked = 0;
	sum->nr_go_sites = 0;
	if (!p->is_go || gor_sort(p))
		return;
	for (i = 0; i < p->gor_n; i++) {
		const struct gclass *cl;

		if (p->gors[i].cls == GOR_GONE || !(cl = gor_class(p, &p->gors[i]))->waiting)
			continue;
		count_reason(sum->go_blocked, &sum->nr_go_blocked, cl->reason, ob);
	}
	qsort(sum->go_blocked, sum->nr_go_blocked, sizeof(sum->go_blocked[0]), reason_count_cmp);
	if (node_list(p->sites, &l))
		return;
	for (i = 0; i < l.n; i++)
		if (((struct site *)l.v[i])->kind == CTX_GOROUTINE && ((struct site *)l.v[i])->live)
			l.v[n++] = l.v[i];
	qsort(l.v, n, sizeof(l.v[0]), site_live_cmp);
	for (i = 0; i < n && i < SUMMARY_MAX_GO_SITES; i++) {
		const struct site *s = l.v[i];

		site_of(p, s, ob, &sum->go_sites[i].site);
		symtab__format(&p->syms, s->func_pc, buf, sizeof(buf));
		sum->go_sites[i].function = obstack_copy0(ob, buf, strlen(buf));
		sum->go_sites[i].live = s->live;
	}
	sum->nr_go_sites = i;
	free(l.v);
}

/* @p's summary, if it was ever sampled. */
static void emit_summary(struct detector *d, struct proc_state *p)
{
	if (!p->sampled || !d->sink.summary)
		return;
	summarize_goroutines(p, &d->scratch);
	d->sink.summary(d->sink.ctx, &p->sum);
	obstack_free(&d->scratch, NULL);
	obstack_init(&d->scratch);
}

void detector__finish(struct detector *d)
{
	struct node_list l;
	size_t i;

	proc_list(d, true, &l);
	for (i = 0; i < l.n; i++)
		restate_findings(d, l.v[i], ((struct proc_state *)l.v[i])->sum.last_ns, false);
	for (i = 0; i < l.n; i++)
		emit_summary(d, l.v[i]);
	free(l.v);
}
