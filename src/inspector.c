// SPDX-License-Identifier: GPL-2.0
/*
 * The inspector. Everything here reads the target without stopping it:
 * process_vm_readv for memory, /proc/PID/maps and the ELF/DWARF files of
 * the mapped modules (through proc_syms) for symbols and CFI.
 *
 * Costs are bounded: a thread's start routine is read once, a waiting
 * thread's stack and futex word once per wait, a symbol once per process,
 * at most max_unwinds stacks per census, and at most max_open_procs
 * processes keep their DWARF open.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "clock.h"
#include "go_inspect.h"
#include "go_runtime.h"
#include "goid_table.h"
#include "inspector.h"
#include "libc_layout.h"
#include "module_cache.h"
#include "proc_info.h"
#include "proc_mem.h"
#include "proc_syms.h"
#include "proc_table.h"
#include "py_inspect.h"
#include "record.h"
#include "runtime_frames.h"
#include "symtab.h"
#include "target_call.h"
#include "target_file.h"
#include "wait.h"

#define SYMS_RETRY_CENSUSES 10
/* Heap a process's own symbol and unwind data may hold (its Dwfl's ELF
 * and CFI, names): the modules it maps are in the shared module cache. */
#define PROC_SYMS_BUDGET (8u << 20)
#define UNWINDS_PER_PROC 32
/* Reading one process's threads (stacks, symbols, locks) in one census. */
#define INSPECT_BUDGET_NS 500000000ull
#define OVER_BUDGET_CENSUSES 3 /* in a row: then it is said */
/* A Go census over its budget is tried again this many censuses later. */
#define GO_RETRY_CENSUSES 10
/* Addresses named per process: a program has tens of thousands of
 * functions at most; the addresses come from its memory. */
#define MAX_NAMED_PER_PROC (1u << 16)

/*
 * A thread, 32 bytes: a process may have a hundred thousand. What was read
 * of its wait is for the wait wait_id names (nr_switches: a thread that ran
 * since is in a new wait).
 */
struct insp_thread {
	__u32 tid;
	bool site_named : 1;
	bool needs_stack_site : 1; /* its start routine is a runtime's trampoline */
	bool unwound : 1;	   /* its stack was taken */
	bool futex_read : 1;	   /* its futex word was read */
	bool go_checked : 1;	   /* the Go runtime's verdict on it was taken */
	__u64 start_ns;
	__u64 site_pc; /* its start routine, named at its first census */
	__u64 wait_id;
};

/* Addresses of a process already named: a set, open addressing. */
struct addr_set {
	__u64 *slots; /* 0: empty */
	unsigned int nr, cap; /* cap: 0 or a power of two */
	bool has_zero;
};

/* A process's data in the process table. */
struct insp_proc {
	__u32 tgid;
	struct proc_syms *syms;
	bool syms_failed;
	__u64 syms_retry_seq; /* census after which opening is tried again */
	__u64 used_seq;	      /* census in which it was last used */
	int layout_state;     /* 0: not read yet, 1: read, -1: not glibc */
	struct pthread_layout layout;
	struct goid_table threads; /* struct insp_thread by tid */
	struct addr_set named;
	bool info_sent;
	__u64 census_seq; /* census in which its rec_proc passed */
	__u64 unwind_seq; /* census its unwinds_left is for */
	unsigned int unwinds_left;
	int go_state;	  /* 0: not looked at, 1: a Go program, -1: not one we read */
	__u64 go_retry_seq; /* after an incomplete census: census to try again */
	bool stalled;	    /* a read of it did not return: it is not read again */
	__u64 inspect_seq;  /* census inspect_ns is for */
	__u64 inspect_ns;   /* spent reading its threads in that census */
	__u64 over_budget_seq; /* the last census it went over the budget */
	unsigned int over_budget; /* censuses in a row it did */
	/* what could not be read, said at the end of the census: part 0, nothing */
	struct {
		enum rec_incomplete_part part;
		int err;
		const char *why; /* a string constant */
	} pending;
	struct go_proc *go;
	struct go_inspect *go_inspect;
	int py_state; /* 0: not looked at, 1: a CPython we read, -1: not one */
	struct py_proc *py;
};

/* glibc layouts by the identity of the libc file: most processes share one. */
#define LAYOUT_CACHE 8

struct layout_cache {
	dev_t dev;
	ino_t ino;
	int state; /* 1: read, -1: not a glibc we can read */
	struct pthread_layout layout;
};

struct inspector {
	struct inspector_opts opts;
	struct layout_cache layouts[LAYOUT_CACHE];
	unsigned int next_layout;
	rec_sink_fn sink;
	void *ctx;
	struct proc_table *procs; /* the pipeline's, or its own */
	bool own_table;
	int slot; /* of its insp_proc in procs */
	unsigned int unwinds_left;
	unsigned int nr_open;
	__u64 census_ts;
	int go_err;
	__u64 timeouts_seen; /* target_call_timeouts() after the last check */
	struct inspector_stats stats;
	char sym_buf[sizeof(struct rec_symbol) + REC_SYMBOL_TEXT_MAX];
};

/* Part of @p could not be read: say so at the end of this census, once. */
static void set_incomplete(struct insp_proc *p, enum rec_incomplete_part part, int err,
			   const char *why)
{
	if (p->pending.part)
		return;
	p->pending.part = part;
	p->pending.err = err;
	p->pending.why = why;
}

/* The census in progress. */
static __u64 census_now(const struct inspector *in)
{
	return proc_table__census(in->procs);
}

/* Add @addr to @s: 1 if it was not in it, 0 if it was, or -ENOMEM. */
static int addr_set_add(struct addr_set *s, __u64 addr)
{
	unsigned int i, mask;

	if (!addr) {
		if (s->has_zero)
			return 0;
		s->has_zero = true;
		return 1;
	}
	if ((s->nr + 1) * 2 > s->cap) {
		struct addr_set bigger = { .cap = s->cap ? s->cap * 2 : 16 };

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		bigger.has_zero = s->has_zero;
		for (i = 0; i < s->cap; i++)
			if (s->slots[i])
				addr_set_add(&bigger, s->slots[i]);
		free(s->slots);
		*s = bigger;
	}
	mask = s->cap - 1;
	/* Fibonacci hashing: aligned addresses spread over the table */
	for (i = (addr * 0x9e3779b97f4a7c15ull) >> 32 & mask; s->slots[i]; i = (i + 1) & mask)
		if (s->slots[i] == addr)
			return 0;
	s->slots[i] = addr;
	s->nr++;
	return 1;
}

static unsigned int addr_set_count(const struct addr_set *s)
{
	return s->nr + s->has_zero;
}

static void addr_set_clear(struct addr_set *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static void proc_close_syms(struct inspector *in, struct insp_proc *p)
{
	if (!p->syms)
		return;
	proc_syms__close(p->syms);
	p->syms = NULL;
	in->nr_open--;
}

/* Its Go reader and what it holds (allgs, buffers of megabytes). */
static void go_close(struct insp_proc *p)
{
	go_inspect__free(p->go_inspect);
	p->go_inspect = NULL;
	go_proc__close(p->go);
	p->go = NULL;
}

/* Process table hooks */

static int proc_new(void *ctx, __u32 tgid, void *data)
{
	struct insp_proc *p = data;

	p->tgid = tgid;
	p->census_seq = census_now(ctx);
	return 0;
}

static void thread_free(void *t, void *arg)
{
	free(t);
}

/* Forget what @data knows of its program: at exec, and when it is gone. */
static void proc_reset(void *ctx, void *data)
{
	struct insp_proc *p = data;

	go_close(p);
	p->go_state = 0;
	py_proc__close(p->py);
	p->py = NULL;
	p->py_state = 0;
	proc_close_syms(ctx, p);
	goid_table__each(&p->threads, thread_free, NULL);
	goid_table__clear(&p->threads);
	addr_set_clear(&p->named);
	p->go_retry_seq = 0;
	p->pending.part = 0;
	p->syms_failed = false;
	p->layout_state = 0;
	p->info_sent = false; /* a new exe and command line */
}

struct inspector *inspector__new(const struct inspector_opts *opts, rec_sink_fn sink, void *ctx)
{
	struct inspector *in = calloc(1, sizeof(*in));
	struct proc_hooks hooks = {
		.size = sizeof(struct insp_proc),
		.new_proc = proc_new,
		.exec = proc_reset, /* a new program: new maps, new symbols */
		.gone = proc_reset,
		.ctx = in,
	};

	if (!in)
		return NULL;
	in->slot = proc_table__join(&in->procs, opts->procs, &hooks, &in->own_table);
	if (in->slot < 0) {
		free(in);
		return NULL;
	}
	in->opts = *opts;
	if (!in->opts.proc_root)
		in->opts.proc_root = "/proc";
	if (!in->opts.max_unwinds)
		in->opts.max_unwinds = 256;
	if (!in->opts.max_open_procs)
		in->opts.max_open_procs = 16;
	if (!in->opts.inspect_budget_ns)
		in->opts.inspect_budget_ns = INSPECT_BUDGET_NS;
	if (!in->opts.proc_syms_budget)
		in->opts.proc_syms_budget = PROC_SYMS_BUDGET;
	in->sink = sink;
	in->ctx = ctx;
	in->unwinds_left = in->opts.max_unwinds;
	in->timeouts_seen = target_call_timeouts(); /* earlier ones are not a process's */
	return in;
}

void inspector__free(struct inspector *in)
{
	if (!in)
		return;
	proc_table__leave(in->procs, in->slot, in->own_table);
	free(in);
}

void inspector__stats(const struct inspector *in, struct inspector_stats *st)
{
	*st = in->stats;
}

static struct insp_proc *proc_find(struct inspector *in, __u32 tgid)
{
	return proc_table__find(in->procs, in->slot, tgid);
}

/* The least recently used open process, to close when too many are open. */
struct lru_walk {
	struct insp_proc *oldest;
};

static void find_lru(void *closure, void *data)
{
	struct insp_proc *p = data;
	struct lru_walk *w = closure;

	if (p->syms && (!w->oldest || p->used_seq < w->oldest->used_seq))
		w->oldest = p;
}

static struct proc_syms *proc_syms_of(struct inspector *in, struct insp_proc *p)
{
	bool new_census = p->used_seq != census_now(in);
	int err;

	p->used_seq = census_now(in);
	if (p->syms && proc_syms__bytes(p->syms) > in->opts.proc_syms_budget) {
		/* what it holds past the shared modules: its CFI, stacks, names */
		set_incomplete(p, RPI_PART_THREADS, -E2BIG,
			       "its own symbol and unwind data passed the per-process budget");
		proc_close_syms(in, p);
		p->syms_failed = true;
		p->syms_retry_seq = census_now(in) + SYMS_RETRY_CENSUSES;
		return NULL;
	}
	if (p->syms) {
		if (new_census)
			proc_syms__new_census(p->syms);
		return p->syms;
	}
	if (p->syms_failed && census_now(in) < p->syms_retry_seq)
		return NULL;
	while (in->nr_open >= in->opts.max_open_procs) {
		struct lru_walk w = {};

		proc_table__for_each(in->procs, in->slot, find_lru, &w);
		if (!w.oldest)
			break;
		proc_close_syms(in, w.oldest);
	}
	err = proc_syms__open(&p->syms, in->opts.proc_root, p->tgid);
	if (err) {
		p->syms_failed = true;
		p->syms_retry_seq = census_now(in) + SYMS_RETRY_CENSUSES;
		return NULL;
	}
	p->syms_failed = false;
	proc_syms__use_cache(p->syms, module_cache__shared());
	in->nr_open++;
	return p->syms;
}

static const struct pthread_layout *layout_of(struct inspector *in, struct insp_proc *p)
{
	struct layout_cache *lc;
	struct stat st;
	unsigned int i;
	int fd;

	if (p->layout_state)
		return p->layout_state > 0 ? &p->layout : NULL;
	p->layout_state = -1;
	fd = libc_open_of_pid(in->opts.proc_root, p->tgid);
	if (fd == -EMEDIUMTYPE)
		set_incomplete(p, RPI_PART_THREADS, fd, "its libc is not a regular file");
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	for (i = 0; i < LAYOUT_CACHE; i++) {
		lc = &in->layouts[i];
		if (lc->state && lc->dev == st.st_dev && lc->ino == st.st_ino)
			goto found;
	}
	lc = &in->layouts[in->next_layout++ % LAYOUT_CACHE];
	lc->dev = st.st_dev;
	lc->ino = st.st_ino;
	lc->state = libc_layout_read_fd(fd, &lc->layout) ? -1 : 1;
found:
	close(fd);
	p->layout_state = lc->state;
	p->layout = lc->layout;
	return p->layout_state > 0 ? &p->layout : NULL;
}

static struct insp_thread *thread_find(struct insp_proc *p, __u32 tid)
{
	return goid_table__find(&p->threads, tid);
}

static struct insp_thread *thread_add(struct insp_proc *p, __u32 tid, __u64 start_ns)
{
	struct insp_thread *t = thread_find(p, tid);

	if (t) {
		memset(t, 0, sizeof(*t));
	} else {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		if (goid_table__add(&p->threads, tid, t)) {
			free(t);
			return NULL;
		}
	}
	t->tid = tid;
	t->start_ns = start_ns;
	return t;
}

static void thread_del(struct insp_proc *p, __u32 tid)
{
	struct insp_thread *t = thread_find(p, tid);

	if (t) {
		goid_table__del(&p->threads, tid);
		free(t);
	}
}

static int emit(struct inspector *in, const void *rec, size_t len)
{
	return in->sink(in->ctx, rec, len);
}

/* For go_inspect: emit, and the set of named addresses of the process. */
struct go_ops_ctx {
	struct inspector *in;
	struct insp_proc *p;
};

static int go_emit(void *ctx, const void *rec, size_t len)
{
	return emit(((struct go_ops_ctx *)ctx)->in, rec, len);
}

/*
 * Mark @addr of @p as named: 1 if it was not before, 0 if it was (or the
 * process has had its share of names), or -ENOMEM.
 */
static int mark_named(struct insp_proc *p, __u64 addr)
{
	if (addr_set_count(&p->named) == MAX_NAMED_PER_PROC)
		return 0;
	return addr_set_add(&p->named, addr);
}

static bool go_named(void *ctx, __u64 addr)
{
	/* Out of memory: say named, and skip it. */
	return mark_named(((struct go_ops_ctx *)ctx)->p, addr) != 1;
}

static enum rec_incomplete_reason incomplete_reason(int err)
{
	switch (err) {
	case -EPROTO:
		return RPI_MALFORMED;
	case -E2BIG:
		return RPI_MEMORY_BUDGET;
	case -ETIME:
		return RPI_TIME_BUDGET;
	case -ETIMEDOUT:
		return RPI_STALLED;
	case -EMEDIUMTYPE:
		return RPI_FILE_REFUSED;
	default:
		return RPI_READ_FAILED;
	}
}

/* Say that @part of @p could not be read at @ts, and why. */
static int emit_incomplete(struct inspector *in, struct insp_proc *p, __u64 ts,
			   enum rec_incomplete_part part, int err, const char *why)
{
	struct rec_proc_incomplete rec = {
		.hdr = { .type = REC_PROC_INCOMPLETE, .size = sizeof(rec), .tgid = p->tgid,
			 .ts_ns = ts },
		.part = part,
		.reason = incomplete_reason(err),
		.err = err,
	};

	snprintf(rec.why, sizeof(rec.why), "%s", why && why[0] ? why : strerror(-err));
	in->stats.incomplete++;
	return emit(in, &rec, sizeof(rec));
}

/*
 * Did the reading just done for @p stall (a read of its memory or files
 * did not return in time, target_call.h)? Reads are made one at a time,
 * so a new timeout is this process's: it is not read again, and the end
 * of the census says why.
 */
static bool check_stall(struct inspector *in, struct insp_proc *p, enum rec_incomplete_part part)
{
	__u64 timeouts = target_call_timeouts();

	if (timeouts != in->timeouts_seen) {
		in->timeouts_seen = timeouts;
		p->stalled = true;
		set_incomplete(p, part, -ETIMEDOUT, "a read of its memory or files did not return");
	}
	return p->stalled;
}

/* Say what could not be read of @p, if anything, once. */
static int emit_pending(struct inspector *in, struct insp_proc *p)
{
	int err;

	if (!p->pending.part)
		return 0;
	err = emit_incomplete(in, p, in->census_ts, p->pending.part, p->pending.err,
			      p->pending.why);
	p->pending.part = 0;
	return err;
}

/* Is @p a Go program we can read? Looked at once. */
static struct go_inspect *go_of(struct inspector *in, struct insp_proc *p)
{
	int err;

	if (p->go_state)
		return p->go_inspect;
	p->go_state = -1;
	err = go_proc__open(&p->go, in->opts.proc_root, p->tgid);
	if (err == -EPROTO || err == -EMEDIUMTYPE)
		set_incomplete(p, RPI_PART_GOROUTINES, err,
			       err == -EPROTO ? "its Go runtime is not as Go writes it" :
						"its executable is not a regular file");
	if (err)
		return NULL;
	p->go_inspect = go_inspect__new(p->go, p->tgid);
	if (!p->go_inspect) {
		go_proc__close(p->go);
		p->go = NULL;
		return NULL;
	}
	p->go_state = 1;
	return p->go_inspect;
}

/* Is @p a CPython we can read? Looked at once. */
static struct py_proc *py_of(struct inspector *in, struct insp_proc *p)
{
	int err;

	if (p->py_state)
		return p->py;
	p->py_state = -1;
	err = py_proc__open(&p->py, in->opts.proc_root, p->tgid);
	if (err == -EMEDIUMTYPE)
		set_incomplete(p, RPI_PART_THREADS, err, "its libpython is not a regular file");
	if (err)
		return NULL;
	p->py_state = 1;
	return p->py;
}

/*
 * Name @addr of Go process @p from .gopclntab. -ENOENT: not Go code. @si
 * gets the function, as name_addr() callers expect.
 */
static int name_go_addr(struct inspector *in, struct insp_proc *p, __u64 addr, bool retaddr,
			__u64 ts, struct sym_info *si)
{
	struct go_ops_ctx ctx = { in, p };
	struct go_inspect_ops ops = { go_emit, go_named, &ctx };
	struct go_sym gs;

	if (go_proc__symbolize(p->go, addr, retaddr, &gs))
		return -ENOENT;
	snprintf(si->func, sizeof(si->func), "%s", gs.func);
	snprintf(si->module, sizeof(si->module), "go");
	si->found = true;
	si->offset = gs.offset;
	return go_inspect__symbol(p->go_inspect, addr, retaddr, ts, &ops);
}

/*
 * At the end of a census, for every process it saw: what could not be read
 * of it, then its goroutine census.
 */
static void end_census_one(void *closure, void *data)
{
	struct insp_proc *p = data;
	struct inspector *in = closure;
	struct go_ops_ctx ctx = { in, p };
	struct go_inspect_ops ops = { go_emit, go_named, &ctx };
	int err;

	if (p->census_seq != census_now(in) || in->go_err)
		return;
	in->go_err = emit_pending(in, p);
	if (in->go_err)
		return;
	if (p->go_state != 1 || census_now(in) < p->go_retry_seq || p->stalled)
		return;
	err = go_inspect__census(p->go_inspect, in->census_ts, &ops);
	if (check_stall(in, p, RPI_PART_GOROUTINES)) {
		in->go_err = emit_pending(in, p); /* said now: this census is done with it */
		return;
	}
	switch (err) {
	case 0:
	case -ESRCH:
	case -EPERM:
		return; /* it exited, or hides: its rec_proc will tell */
	case -EPROTO:
	case -E2BIG:
	case -ETIME:
	case -EFAULT:
	case -EIO:
		/* Its data is not a Go runtime's (never again), or too big. */
		in->go_err = emit_incomplete(in, p, in->census_ts, RPI_PART_GOROUTINES, err,
					     go_inspect__why(p->go_inspect));
		p->go_retry_seq = census_now(in) + GO_RETRY_CENSUSES;
		if (err == -EPROTO) {
			go_close(p);
			p->go_state = -1;
		}
		return;
	default:
		in->go_err = err;
	}
}

/*
 * Name @addr in process @p once: a rec_symbol, unless it was sent before.
 * @retaddr: a return address, looked up at addr - 1.
 */
static int name_addr(struct inspector *in, struct insp_proc *p, __u64 addr, bool retaddr,
		     __u64 ts, struct sym_info *si)
{
	struct proc_syms *syms;
	size_t size;
	int err;

	memset(si, 0, sizeof(*si));
	/* Go code is named by its own function table: stripped binaries too. */
	if (go_of(in, p)) {
		err = name_go_addr(in, p, addr, retaddr, ts, si);
		if (err != -ENOENT)
			return err; /* named, or the sink failed */
	}
	syms = proc_syms_of(in, p);
	if (!syms)
		return -ENOENT;
	if (proc_syms__lookup(syms, addr, retaddr, si))
		memset(si, 0, sizeof(*si));
	err = mark_named(p, addr);
	if (err <= 0)
		return err;
	size = rec_symbol_make_inlined(in->sym_buf, sizeof(in->sym_buf), p->tgid, ts, addr,
				       si->found ? si->offset : si->module_offset, si->line,
				       (si->found ? RSYM_FOUND : 0) | (retaddr ? RSYM_RETADDR : 0),
				       si->func, si->file, si->module, si->inlined,
				       si->inlined_len, si->nr_inline);
	in->stats.symbols++;
	return emit(in, in->sym_buf, size);
}

static int emit_site(struct inspector *in, struct insp_proc *p, __u32 tid, __u64 start_ns,
		     __u64 pc, enum site_source source, __u64 ts)
{
	struct rec_site rec = {
		.hdr = { .type = REC_SITE, .size = sizeof(rec), .tgid = p->tgid, .ts_ns = ts },
		.id = tid,
		.start_ns = start_ns,
		.pc = pc,
		.kind = CTX_THREAD,
		.source = source,
	};

	return emit(in, &rec, sizeof(rec));
}

/* The start routine in struct pthread at @fsbase, read now. 0 if unknown. */
static __u64 read_start_routine(struct inspector *in, struct insp_proc *p, __u64 fsbase)
{
	const struct pthread_layout *layout = layout_of(in, p);
	__u64 pc = 0;

	if (!layout || !fsbase)
		return 0;
	if (proc_mem_read(p->tgid, fsbase + layout->start_routine_off, &pc, sizeof(pc)) !=
	    sizeof(pc))
		return 0;
	in->stats.sites_read++;
	return pc;
}

/*
 * A thread's site from its start routine @pc, checked against the
 * process's executable mappings. @known: the detector has @pc already (from
 * rec_thread_start); say so only if it changes. Naming it waits for the
 * thread's first census: most threads do not live that long.
 */
static int site_from_start_routine(struct inspector *in, struct insp_proc *p,
				   struct insp_thread *t, __u64 pc, bool known, __u64 ts)
{
	struct proc_syms *syms = pc ? proc_syms_of(in, p) : NULL;

	if (!pc || !syms || !proc_syms__is_exec(syms, pc)) {
		/* Not a glibc thread, or a start routine we cannot read. */
		t->site_named = true;
		if (known && !pc)
			return 0;
		return emit_site(in, p, t->tid, t->start_ns, 0, SITE_UNKNOWN, ts);
	}
	t->site_pc = pc;
	if (known)
		return 0;
	return emit_site(in, p, t->tid, t->start_ns, pc, SITE_START_ROUTINE, ts);
}

/*
 * Name a living thread's start routine, once. A runtime's trampoline
 * (std::thread, Rust), which may be nameless in the runtime's library,
 * means the site is on the thread's stack.
 */
static int name_site(struct inspector *in, struct insp_proc *p, struct insp_thread *t, __u64 ts)
{
	struct sym_info si;
	int err;

	t->site_named = true;
	if (!t->site_pc)
		return 0;
	/* A CPython thread's site is the Python function it runs: its start
	 * routine is CPython's (nameless in a stripped python3.11), not a C
	 * extension's own thread. */
	if (py_of(in, p))
		t->needs_stack_site = true;
	err = name_addr(in, p, t->site_pc, false, ts, &si);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (t->needs_stack_site && si.found && !py_thread_start_routine(si.func))
		t->needs_stack_site = false;
	if (frame_is_runtime(si.func, si.module))
		t->needs_stack_site = true;
	return 0;
}

static int on_thread_start(struct inspector *in, const struct rec_thread_start *r)
{
	struct insp_proc *p;
	struct insp_thread *t;
	bool known = true;
	__u64 pc;

	if (r->flags & RTS_PROCESS)
		return 0; /* its first census reads it */
	p = proc_find(in, r->hdr.tgid);
	if (!p)
		return -ENOMEM;
	t = thread_add(p, r->tid, r->start_ns);
	if (!t)
		return -ENOMEM;
	pc = r->start_routine;
	/* BPF read with the host's glibc layout; this process may differ. */
	if (layout_of(in, p) && p->layout.start_routine_off != in->opts.bpf_start_routine_off) {
		pc = read_start_routine(in, p, r->fsbase);
		known = false;
	}
	return site_from_start_routine(in, p, t, pc, known, r->hdr.ts_ns);
}

/*
 * The program's function inlined at @pc (@si, looked up as a return
 * address if @retaddr) outermost first: the first of its inlined frames
 * that is not the runtime's, named at the start of its inlined code (with
 * the line it is declared at), as a function's entry names a function.
 * Rust inlines the closure a thread runs into std's frames. Returns that
 * address, or 0.
 */
static __u64 inlined_site(struct inspector *in, struct insp_proc *p, __u64 pc, bool retaddr,
			  const struct sym_info *si, __u64 ts, int *err)
{
	char func[REC_SYMBOL_TEXT_MAX / 2], file[256];
	struct rec_inline_frame f;
	const char *text;
	__u64 entry;
	size_t size;
	int k;

	*err = 0;
	for (k = si->nr_inline - 1; k >= 0; k--) {
		text = rec_inline_frame(si->inlined, si->nr_inline, k, &f);
		snprintf(func, sizeof(func), "%.*s", (int)f.func_len, text);
		snprintf(file, sizeof(file), "%.*s", (int)f.file_len, text + f.func_len);
		if (!func[0] || frame_is_runtime(func, si->module))
			continue;
		if (!(si->inline_entry_known & (1u << k)))
			return 0;
		entry = (retaddr ? pc - 1 : pc) + (__s64)si->inline_entry_delta[k];
		/* an address named before keeps its name: sites rarely start there */
		if (mark_named(p, entry) > 0) {
			size = rec_symbol_make(in->sym_buf, sizeof(in->sym_buf), p->tgid, ts, entry,
					       0, si->inline_decl_line[k], RSYM_FOUND, func, file,
					       si->module);
			in->stats.symbols++;
			*err = emit(in, in->sym_buf, size);
		}
		return entry;
	}
	return 0;
}

/*
 * The site of a trampoline's thread: its outermost frame of the program's
 * own, inlined frames included.
 */
static int site_from_stack(struct inspector *in, struct insp_proc *p, struct insp_thread *t,
			   const __u64 *pcs, int n, __u64 ts)
{
	struct sym_info si;
	int i, err;

	for (i = n - 1; i >= 0; i--) {
		__u64 entry;

		if (name_addr(in, p, pcs[i], i > 0, ts, &si) || !si.found)
			continue;
		if (frame_is_runtime(si.func, si.module)) {
			entry = inlined_site(in, p, pcs[i], i > 0, &si, ts, &err);
			if (err)
				return err;
			if (!entry)
				continue;
		} else {
			/* Group by the function, not the call site within it. */
			entry = pcs[i] - si.offset;
			name_addr(in, p, entry, false, ts, &si);
		}
		t->needs_stack_site = false;
		return emit_site(in, p, t->tid, t->start_ns, entry, SITE_STACK, ts);
	}
	return 0;
}

/*
 * A CPython thread's Python frames into its stack @pcs, and its site from
 * them: the Python function it runs.
 */
static int py_stack(struct inspector *in, struct insp_proc *p, struct insp_thread *t,
		    const struct rec_task *task, __u64 *pcs, int *n, const bool *is_eval,
		    __u16 *flags)
{
	struct go_ops_ctx ctx = { in, p };
	struct py_stack_ops ops = { go_emit, go_named, &ctx }; /* not Go's alone */
	__u64 site;
	int err;

	err = py_proc__merge_stack(p->py, task->tid, task->hdr.ts_ns, pcs, n, REC_STACK_MAX,
				   is_eval, flags, &site, &ops);
	if (err == -ESRCH || err == -EFAULT || err == -E2BIG || err == -EPROTO)
		return 0; /* gone, or in flux: the native stack stands */
	if (err || !site || !t->needs_stack_site || t->tid == p->tgid)
		return err;
	t->needs_stack_site = false;
	return emit_site(in, p, t->tid, t->start_ns, site, SITE_PYTHON, task->hdr.ts_ns);
}

static int take_stack(struct inspector *in, struct insp_proc *p, struct insp_thread *t,
		      const struct rec_task *task)
{
	struct rec_stack rec = {
		.hdr = { .type = REC_STACK, .size = sizeof(rec), .tgid = p->tgid,
			 .ts_ns = task->hdr.ts_ns },
		.id = task->tid,
		.start_ns = task->start_ns,
		.wait_id = task->nr_switches,
		.kind = CTX_THREAD,
	};
	struct proc_syms *syms = proc_syms_of(in, p);
	bool is_eval[REC_STACK_MAX];
	struct sym_info si;
	int n, i, err;

	t->unwound = true;
	if (!syms)
		return 0;
	in->unwinds_left--;
	in->stats.unwinds++;
	n = proc_syms__unwind(syms, task->tid, &task->regs, rec.pcs, REC_STACK_MAX, &rec.flags);
	if (n <= 0) {
		in->stats.unwind_errors++;
		return 0; /* the process left */
	}
	/* The stack was read after the census: is the thread still where the
	 * census saw it? If not, what we read may be a later stack. */
	if (proc_task_in_syscall(in->opts.proc_root, p->tgid, task->tid, task->syscall_nr,
				 task->regs.sp) != 1) {
		t->unwound = false;
		in->stats.unwinds_stale++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		err = name_addr(in, p, rec.pcs[i], i > 0, task->hdr.ts_ns, &si);
		if (err && err != -ENOENT)
			return err;
		is_eval[i] = !err && si.found && !strcmp(si.func, "_PyEval_EvalFrameDefault");
	}
	if (py_of(in, p)) {
		err = py_stack(in, p, t, task, rec.pcs, &n, is_eval, &rec.flags);
		if (err)
			return err;
	}
	rec.nr_pcs = n;
	err = emit(in, &rec, sizeof(rec));
	if (err)
		return err;
	if (t->needs_stack_site)
		return site_from_stack(in, p, t, rec.pcs, n, task->hdr.ts_ns);
	return 0;
}

static int read_futex(struct inspector *in, struct insp_proc *p, struct insp_thread *t,
		      const struct rec_task *task)
{
	struct rec_futex rec = {
		.hdr = { .type = REC_FUTEX, .size = sizeof(rec), .tgid = p->tgid,
			 .ts_ns = task->hdr.ts_ns },
		.tid = task->tid,
		.start_ns = task->start_ns,
		.wait_id = task->nr_switches,
		.uaddr = task_futex_addr(task),
	};
	struct sym_info si;
	int err;

	t->futex_read = true;
	if (!rec.uaddr)
		return 0;
	if (proc_mem_read(p->tgid, rec.uaddr - REC_FUTEX_BEFORE, rec.words, sizeof(rec.words)) ==
	    sizeof(rec.words))
		rec.flags = RF_READ_OK;
	in->stats.futex_reads++;
	err = emit(in, &rec, sizeof(rec));
	if (err)
		return err;
	/* A lock in the program's data has a name worth showing. */
	err = name_addr(in, p, rec.uaddr, false, task->hdr.ts_ns, &si);
	return err == -ENOENT ? 0 : err;
}

static int inspect_task(struct inspector *in, struct insp_proc *p, const struct rec_task *task,
			size_t len)
{
	enum wait_kind wait = task_wait_kind(task);
	struct insp_thread *t;
	__u64 wait_ns;
	int err;

	t = thread_find(p, task->tid);
	if (!t || t->start_ns != task->start_ns) {
		/* A thread from before we started, or whose start was lost. */
		t = thread_add(p, task->tid, task->start_ns);
		if (!t)
			return -ENOMEM;
		if (task->tid != task->hdr.tgid) {
			err = site_from_start_routine(in, p, t,
						      read_start_routine(in, p, task->fsbase),
						      false, task->hdr.ts_ns);
			if (err)
				return err;
		}
	}
	if (!t->site_named) {
		err = name_site(in, p, t, task->hdr.ts_ns);
		if (err)
			return err;
	}
	err = emit(in, task, len);
	if (err || wait == WAIT_NONE)
		return err;
	if (t->wait_id != task->nr_switches) {
		/* it ran since: a new wait, nothing read of it yet */
		t->wait_id = task->nr_switches;
		t->unwound = t->futex_read = t->go_checked = false;
	}
	if (wait == WAIT_FUTEX && !t->futex_read) {
		err = read_futex(in, p, t, task);
		if (err)
			return err;
	}
	if (t->unwound)
		return 0;
	if (p->go_state == 1 && !t->go_checked) {
		/* An M the Go runtime parked is idle, not stuck: say so, and
		 * skip its unwind. */
		t->go_checked = true;
		if (go_proc__is_idle_m(p->go, task->regs.ip, task->regs.sp, task->regs.bp)) {
			struct rec_stack idle = {
				.hdr = { .type = REC_STACK, .size = sizeof(idle), .tgid = p->tgid,
					 .ts_ns = task->hdr.ts_ns },
				.id = task->tid,
				.start_ns = task->start_ns,
				.wait_id = task->nr_switches,
				.kind = CTX_THREAD,
				.flags = RS_IDLE,
			};

			t->unwound = true;
			return emit(in, &idle, sizeof(idle));
		}
	}
	wait_ns = task->flags & RTF_WAIT_START && task->hdr.ts_ns > task->wait_start_ns
			  ? task->hdr.ts_ns - task->wait_start_ns
			  : 0;
	if (!t->needs_stack_site && wait_ns < in->opts.unwind_after_ns)
		return 0;
	/* A budget per census, shared fairly: a process with thousands of
	 * new waits does not hold up the others' for minutes. */
	if (p->unwind_seq != census_now(in)) {
		p->unwind_seq = census_now(in);
		p->unwinds_left = UNWINDS_PER_PROC;
	}
	if (!in->unwinds_left || !p->unwinds_left) {
		in->stats.unwinds_deferred++;
		return 0;
	}
	p->unwinds_left--;
	return take_stack(in, p, t, task);
}

/*
 * A thread's state: what it waits for, from its memory, unless reading it
 * stalled or took its time budget for this census (the rest waits for the
 * next census).
 */
static int on_task(struct inspector *in, const struct rec_task *task, size_t len)
{
	struct insp_proc *p = proc_find(in, task->hdr.tgid);
	__u64 t0;
	int err;

	if (!p)
		return -ENOMEM;
	if (p->inspect_seq != census_now(in)) {
		p->inspect_seq = census_now(in);
		p->inspect_ns = 0;
	}
	/* counted all the same: only what it waits for is not read */
	if (p->stalled || p->inspect_ns > in->opts.inspect_budget_ns) {
		in->stats.unwinds_deferred++;
		return emit(in, task, len);
	}
	t0 = mono_ns();
	err = inspect_task(in, p, task, len);
	p->inspect_ns += mono_ns() - t0;
	if (check_stall(in, p, RPI_PART_THREADS) || p->inspect_ns <= in->opts.inspect_budget_ns)
		return err;
	/* Over it: once can be a first read of large DWARF; census after
	 * census is a process that costs what it likes. */
	p->over_budget = p->over_budget_seq + 1 == census_now(in) ? p->over_budget + 1 : 1;
	p->over_budget_seq = census_now(in);
	if (p->over_budget == OVER_BUDGET_CENSUSES)
		set_incomplete(p, RPI_PART_THREADS, -ETIME,
			       "reading its threads took longer than its budget");
	return err;
}

static int send_proc_info(struct inspector *in, struct insp_proc *p, const struct rec_proc *r)
{
	char path[PATH_MAX], exe[1024], cmdline[1024];
	char buf[sizeof(struct rec_proc_info) + sizeof(exe) + sizeof(cmdline) + 8]
		__attribute__((aligned(8)));
	struct rec_proc_info *rec = (void *)buf;
	ssize_t el, cl = 0;
	size_t used;
	FILE *f;

	p->info_sent = true;
	snprintf(path, sizeof(path), "%s/%u/exe", in->opts.proc_root, p->tgid);
	el = readlink(path, exe, sizeof(exe));
	if (el < 0)
		el = 0;
	snprintf(path, sizeof(path), "%s/%u/cmdline", in->opts.proc_root, p->tgid);
	f = target_proc_fopen(path, sizeof(cmdline));
	if (f) {
		cl = fread(cmdline, 1, sizeof(cmdline), f);
		fclose(f);
	}
	used = sizeof(*rec) + el + cl;
	memset(buf, 0, (used + 7) & ~7UL);
	rec->hdr.type = REC_PROC_INFO;
	rec->hdr.size = (used + 7) & ~7UL;
	rec->hdr.tgid = p->tgid;
	rec->hdr.ts_ns = r->hdr.ts_ns;
	rec->start_ns = r->start_ns;
	rec->exe_len = el;
	rec->cmdline_len = cl;
	memcpy(rec->text, exe, el);
	memcpy(rec->text + el, cmdline, cl);
	return emit(in, rec, rec->hdr.size);
}

int inspector__record(void *arg, const void *rec, size_t len)
{
	struct inspector *in = arg;
	const struct rec_hdr *hdr = rec;
	struct insp_proc *p;
	int err = 0;

	/* Records enter here: the process table reads each first (a census
	 * closes last), once for every consumer down the pipeline. */
	if (hdr->type != REC_CENSUS)
		err = proc_table__record(in->procs, rec);
	switch (hdr->type) {
	case REC_THREAD_START:
		err = emit(in, rec, len) ?: err;
		return err ?: on_thread_start(in, rec);
	case REC_THREAD_EXIT:
		p = proc_find(in, hdr->tgid);
		if (p)
			thread_del(p, ((const struct rec_thread_exit *)rec)->tid);
		return emit(in, rec, len);
	case REC_PROC_EXEC:
		return emit(in, rec, len); /* after proc_reset() */
	case REC_TASK:
		return err ?: on_task(in, rec, len);
	case REC_PROC: {
		const struct rec_proc *r = rec;

		if (r->flags & RP_EXITED)
			return emit(in, rec, len); /* gone when the census closes */
		if (err)
			return emit(in, rec, len); /* out of memory: not read */
		p = proc_find(in, hdr->tgid);
		if (!p->stalled) {
			p->census_seq = census_now(in);
			go_of(in, p);
			if (check_stall(in, p, RPI_PART_GOROUTINES))
				return emit(in, rec, len);
			err = p->info_sent ? 0 : send_proc_info(in, p, r);
			check_stall(in, p, RPI_PART_THREADS);
			if (err)
				return err;
		} else {
			p->census_seq = census_now(in);
		}
		return emit(in, rec, len);
	}
	case REC_CENSUS:
		/* Goroutines belong to this census: before it closes. */
		in->census_ts = hdr->ts_ns;
		in->go_err = 0;
		proc_table__for_each(in->procs, in->slot, end_census_one, in);
		if (in->go_err)
			return in->go_err;
		in->unwinds_left = in->opts.max_unwinds;
		err = emit(in, rec, len);
		proc_table__record(in->procs, rec); /* the exited and stale are let go */
		return err;
	default:
		return emit(in, rec, len);
	}
}
