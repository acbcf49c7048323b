/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated process for detector tests: threads start, wait and exit, and
 * every census is fed to the detector as the tracer and inspector would feed
 * it. Findings are captured with their strings copied.
 */
#ifndef __THREADLEAK_TEST_SIM_H
#define __THREADLEAK_TEST_SIM_H

#include <stdio.h>
#include <stdlib.h>
#include "detector.h"
#include "records.h"
#include "report_words.h"
#include "symtab.h"

#define SIM_MAX_FINDINGS 64

struct sim_thread {
	__u32 tid;
	__u64 start_ns;
	bool alive;
	int syscall_nr; /* -1: running */
	__u64 args[2];
	__u64 wait_since;
	__u64 nr_switches;
	struct rec_futex futex;
	bool have_futex;
	__u64 stack[REC_STACK_MAX];
	int nr_stack;
	char comm[REC_COMM_LEN]; /* "" : rec_task_running's "worker" */
};

struct sim_finding {
	enum finding_kind kind;
	__u64 ts_ns;
	bool summary, update, resolved;
	char site[256];
	__u32 live;
	__s64 growth;
	__u64 created, exited;
	__u32 blocked;
	__u32 by_prim[PRIM_MAX];
	__u64 max_wait_ns;
	__u64 waiter_id;
	enum primitive waiter_prim;
	char waiter_syscall[32];
	__s64 owner_tid;
	char owner_state[64];
	unsigned int nr_members;
	__u64 member_ids[8];
	char member_holds[8][128];
	char member_waits[8][128];
	unsigned int sample_nr_stack;
	char sample_stack0[256];
	__s64 sample_owner_tid;
	char reason0[32];
	__u32 reason0_count;
	__u64 sample_id;
	char sample_name[REC_COMM_LEN];
	char name_pattern[32]; /* the site's, if it refines it */
	char start_routine[256]; /* the site's symbol */
};

struct sim {
	struct detector *d;
	__u32 tgid;
	__u64 start_ns;
	__u32 next_tid;
	struct sim_thread *th;
	size_t n, cap;
	__u64 created, exited;
	unsigned int live;
	struct sim_finding findings[SIM_MAX_FINDINGS];
	int nr_findings;
	struct sample last_sample;
	unsigned int last_waits_by_prim[PRIM_MAX]; /* with opts.list_waits */
};

static inline void sim_on_finding(void *ctx, const struct finding *f)
{
	struct sim *s = ctx;
	char words[FINDING_WORDS_LEN];
	const char *syscall;
	struct sim_finding *sf;
	unsigned int i, n;

	if (s->nr_findings == SIM_MAX_FINDINGS)
		return;
	sf = &s->findings[s->nr_findings++];
	memset(sf, 0, sizeof(*sf));
	sf->kind = f->kind;
	sf->ts_ns = f->ts_ns;
	sf->summary = f->summary;
	sf->update = f->update;
	sf->resolved = f->resolved;
	if (finding_site_name(&f->site))
		snprintf(sf->site, sizeof(sf->site), "%s", finding_site_name(&f->site));
	sf->live = f->live;
	sf->growth = f->growth;
	sf->created = f->created;
	sf->exited = f->exited;
	sf->blocked = f->blocked;
	memcpy(sf->by_prim, f->by_prim, sizeof(sf->by_prim));
	sf->max_wait_ns = f->max_wait_ns;
	sf->waiter_id = f->waiter.id;
	sf->waiter_prim = f->waiter.prim;
	syscall = finding_syscall_name(&f->waiter, words, sizeof(words));
	if (syscall)
		snprintf(sf->waiter_syscall, sizeof(sf->waiter_syscall), "%s", syscall);
	sf->owner_tid = f->has_owner ? (__s64)f->owner.id : -1;
	if (f->has_owner)
		snprintf(sf->owner_state, sizeof(sf->owner_state), "%s",
			 finding_state_name(&f->owner, words, sizeof(words)));
	/* In the report's words: "mutex lock_a (0x404040)". */
	n = sf->nr_members = f->nr_members;
	for (i = 0; i < n && i < 8; i++) {
		sf->member_ids[i] = f->members[i].id;
		snprintf(sf->member_holds[i], sizeof(sf->member_holds[i]), "%s",
			 finding_wait_target(&f->members[(i + n - 1) % n], words, sizeof(words)));
		snprintf(sf->member_waits[i], sizeof(sf->member_waits[i]), "%s",
			 finding_wait_target(&f->members[i], words, sizeof(words)));
	}
	sf->sample_id = f->sample.id;
	if (f->sample.thread_name)
		snprintf(sf->sample_name, sizeof(sf->sample_name), "%s", f->sample.thread_name);
	if (f->site.name_pattern)
		snprintf(sf->name_pattern, sizeof(sf->name_pattern), "%s", f->site.name_pattern);
	if (f->site.symbol)
		snprintf(sf->start_routine, sizeof(sf->start_routine), "%s", f->site.symbol);
	sf->sample_nr_stack = f->sample.nr_stack;
	sf->sample_owner_tid = f->sample.owner_tid;
	if (f->sample.nr_stack)
		snprintf(sf->sample_stack0, sizeof(sf->sample_stack0), "%s", f->sample.stack[0]);
	if (f->nr_reasons) {
		snprintf(sf->reason0, sizeof(sf->reason0), "%s", f->reasons[0].reason);
		sf->reason0_count = f->reasons[0].count;
	}
}

static inline void sim_on_sample(void *ctx, const struct sample *smp)
{
	struct sim *s = ctx;
	unsigned int i;

	s->last_sample = *smp;
	s->last_sample.waits = NULL;
	memset(s->last_waits_by_prim, 0, sizeof(s->last_waits_by_prim));
	for (i = 0; i < smp->nr_waits; i++)
		s->last_waits_by_prim[smp->waits[i].prim]++;
}

static inline void sim_init(struct sim *s, __u32 tgid, const struct detector_opts *opts)
{
	struct detector_sink sink = {
		.finding = sim_on_finding,
		.sample = sim_on_sample,
	};
	struct detector_opts def = { .keep_exited = true };
	struct detector_opts mine;

	memset(s, 0, sizeof(*s));
	sink.ctx = s;
	if (opts) {
		mine = *opts;
		mine.keep_exited = opts->keep_exited || !opts->updates;
		opts = &mine;
	}
	s->d = detector__new(opts ? opts : &def, &sink);
	s->tgid = tgid;
	s->start_ns = 1;
	s->next_tid = tgid + 1;
	/* The main thread, there from the start. */
	s->cap = 1024;
	s->th = calloc(s->cap, sizeof(*s->th));
	s->th[0] = (struct sim_thread){ .tid = tgid, .start_ns = 1, .alive = true,
					 .syscall_nr = 35 /* nanosleep */ };
	s->n = 1;
	s->live = 1;
}

static inline void sim_free(struct sim *s)
{
	detector__free(s->d);
	free(s->th);
}

static inline void sim_feed(struct sim *s, const void *rec)
{
	detector__feed(s->d, rec);
}

static inline struct sim_thread *sim_find(struct sim *s, __u32 tid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->th[i].alive && s->th[i].tid == tid)
			return &s->th[i];
	return NULL;
}

/* Tell the detector what @pc is in the simulated process, in @module. */
static inline void sim_symbol_in(struct sim *s, __u64 pc, const char *func, const char *file,
				 __u32 line, const char *module)
{
	char buf[sizeof(struct rec_symbol) + 512] __attribute__((aligned(8)));

	rec_symbol_make(buf, sizeof(buf), s->tgid, 0, pc, 0, line, RSYM_FOUND, func, file,
			module);
	sim_feed(s, buf);
}

static inline void sim_symbol(struct sim *s, __u64 pc, const char *func, const char *file,
			      __u32 line)
{
	sim_symbol_in(s, pc, func, file, line, "libsim.so");
}

/* Start a thread at @site; it runs until sim_wait or sim_exit. */
static inline __u32 sim_spawn(struct sim *s, __u64 ts, __u64 site)
{
	struct rec_thread_start r;
	struct sim_thread *t;

	if (s->n == s->cap) {
		s->cap *= 2;
		s->th = realloc(s->th, s->cap * sizeof(*s->th));
	}
	t = &s->th[s->n++];
	memset(t, 0, sizeof(*t));
	t->tid = s->next_tid++;
	t->start_ns = ts;
	t->alive = true;
	t->syscall_nr = -1;
	s->created++;
	s->live++;
	memset(&r, 0, sizeof(r));
	r.hdr.type = REC_THREAD_START;
	r.hdr.size = sizeof(r);
	r.hdr.tgid = s->tgid;
	r.hdr.ts_ns = ts;
	r.tid = t->tid;
	r.start_ns = ts;
	r.start_routine = site;
	sim_feed(s, &r);
	return t->tid;
}

/* @tid names itself @name (prctl PR_SET_NAME): the kernel keeps 15 bytes. */
static inline void sim_name(struct sim *s, __u32 tid, const char *name)
{
	struct sim_thread *t = sim_find(s, tid);

	if (t)
		snprintf(t->comm, sizeof(t->comm), "%s", name);
}

/* @tid goes to sleep in a futex wait (or syscall @nr if not NR_FUTEX). */
static inline void sim_wait(struct sim *s, __u32 tid, __u64 ts, int nr, __u64 uaddr, __u32 op)
{
	struct sim_thread *t = sim_find(s, tid);

	if (!t)
		return;
	t->syscall_nr = nr;
	t->args[0] = uaddr;
	t->args[1] = op;
	t->wait_since = ts;
	t->nr_switches++;
	t->have_futex = false;
	t->nr_stack = 0;
}

/* The inspector read the futex word's neighbourhood: @off bytes from it = @val. */
static inline void sim_futex_word(struct sim *s, __u32 tid, int off, __u32 val)
{
	struct sim_thread *t = sim_find(s, tid);

	if (!t)
		return;
	t->have_futex = true;
	t->futex.flags = RF_READ_OK;
	t->futex.words[(REC_FUTEX_BEFORE + off) / 4] = val;
}

static inline void sim_stack(struct sim *s, __u32 tid, const __u64 *pcs, int n)
{
	struct sim_thread *t = sim_find(s, tid);

	if (!t || n > REC_STACK_MAX)
		return;
	memcpy(t->stack, pcs, n * sizeof(*pcs));
	t->nr_stack = n;
}

static inline void sim_exit(struct sim *s, __u64 ts, __u32 tid, bool lost)
{
	struct sim_thread *t = sim_find(s, tid);
	struct rec_thread_exit r;

	if (!t)
		return;
	t->alive = false;
	s->exited++;
	s->live--;
	if (lost)
		return;
	memset(&r, 0, sizeof(r));
	r.hdr.type = REC_THREAD_EXIT;
	r.hdr.size = sizeof(r);
	r.hdr.tgid = s->tgid;
	r.hdr.ts_ns = ts;
	r.tid = t->tid;
	r.start_ns = t->start_ns;
	sim_feed(s, &r);
}

/* One census: every live thread, the inspector's evidence, the counters. */
static inline void sim_census(struct sim *s, __u64 ts)
{
	struct rec_proc p = rec_proc(s->tgid, s->start_ns, ts, s->live, s->created, s->exited, "sim");
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct sim_thread *t = &s->th[i];
		struct rec_task task;

		if (!t->alive)
			continue;
		if (t->syscall_nr < 0) {
			task = rec_task_running(s->tgid, t->tid, ts);
		} else {
			task = rec_task_syscall(s->tgid, t->tid, ts, t->syscall_nr, t->wait_since);
			task.args[0] = t->args[0];
			task.args[1] = t->args[1];
		}
		task.start_ns = t->start_ns;
		task.nr_switches = t->nr_switches;
		if (t->comm[0])
			memcpy(task.comm, t->comm, REC_COMM_LEN);
		sim_feed(s, &task);
		if (t->syscall_nr >= 0 && t->nr_stack) {
			struct rec_stack st;

			memset(&st, 0, sizeof(st));
			st.hdr.type = REC_STACK;
			st.hdr.size = sizeof(st);
			st.hdr.tgid = s->tgid;
			st.hdr.ts_ns = ts;
			st.id = t->tid;
			st.start_ns = t->start_ns;
			st.wait_id = t->nr_switches;
			st.kind = CTX_THREAD;
			st.nr_pcs = t->nr_stack;
			memcpy(st.pcs, t->stack, t->nr_stack * sizeof(__u64));
			sim_feed(s, &st);
		}
		if (t->syscall_nr == NR_FUTEX && t->have_futex) {
			struct rec_futex f = t->futex;

			f.hdr.type = REC_FUTEX;
			f.hdr.size = sizeof(f);
			f.hdr.tgid = s->tgid;
			f.hdr.ts_ns = ts;
			f.tid = t->tid;
			f.start_ns = t->start_ns;
			f.wait_id = t->nr_switches;
			f.uaddr = t->args[0];
			sim_feed(s, &f);
		}
	}
	sim_feed(s, &p);
	{
		struct rec_census c = rec_census(ts, 0);

		sim_feed(s, &c);
	}
}

/* A goroutine census record of @n goroutines (RGC_* @flags), then a census. */
static inline void sim_go_census(struct sim *s, __u64 ts, unsigned int n, __u32 flags)
{
	struct rec_go_census gc = {
		.hdr = { .type = REC_GO_CENSUS, .size = sizeof(gc), .tgid = s->tgid, .ts_ns = ts },
		.nr_goroutines = n,
		.flags = flags,
	};

	sim_feed(s, &gc);
	sim_census(s, ts);
}

/* The first finding of @kind (not a summary restatement), or NULL. */
static inline const struct sim_finding *sim_first(const struct sim *s, enum finding_kind kind)
{
	int i;

	for (i = 0; i < s->nr_findings; i++)
		if (s->findings[i].kind == kind && !s->findings[i].summary)
			return &s->findings[i];
	return NULL;
}

static inline int sim_count(const struct sim *s, enum finding_kind kind)
{
	int i, n = 0;

	for (i = 0; i < s->nr_findings; i++)
		n += s->findings[i].kind == kind && !s->findings[i].summary;
	return n;
}

#endif /* __THREADLEAK_TEST_SIM_H */
