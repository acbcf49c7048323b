// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "go_derive.h"
#include "go_runtime.h"
#include "goroutine_dump.h"
#include "pprof.h"
#include "sandbox.h"
#include "text_escape.h"

#define DUMP_STACK_MAX 64
/* 256K goroutines, 170 MB of dump: more is not a program to dump whole */
#define DUMP_MAX_GOROUTINES (1 << 18)
#define INLINE_MAX 8

struct dumped_g {
	struct go_goroutine g;
	__u64 pcs[DUMP_STACK_MAX];
	int nr_pcs;
};

struct dump {
	struct go_proc *gp;
	struct dumped_g *v;
	size_t n, cap;
};

static int collect(void *ctx, const struct go_goroutine *g)
{
	struct dump *d = ctx;
	struct dumped_g *dg;
	__u16 flags;
	int n;

	if (g->system)
		return 0; /* as Go's own dumps: the program's goroutines */
	if (d->n == DUMP_MAX_GOROUTINES)
		return -E2BIG;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		struct dumped_g *nv = realloc(d->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = cap;
	}
	dg = &d->v[d->n++];
	dg->g = *g;
	n = go_proc__stack(d->gp, g, dg->pcs, DUMP_STACK_MAX, &flags);
	if (n == -EPROTO || n == -ETIME)
		return n;
	dg->nr_pcs = n > 0 ? n : 0; /* running: its saved registers are stale */
	return 0;
}

/* Go hides the runtime's own frames in goroutine dumps. */
static bool runtime_frame(const char *func)
{
	return !strncmp(func, "runtime.", 8);
}

static bool all_runtime(struct go_proc *gp, const struct dumped_g *dg)
{
	struct go_sym s;
	int i;

	for (i = 0; i < dg->nr_pcs; i++)
		if (!go_proc__symbolize(gp, dg->pcs[i], i > 0, &s) && !runtime_frame(s.func))
			return false;
	return true;
}

/* debug=2: each goroutine as Go's traceback prints it. */
static void print_traceback(FILE *out, struct go_proc *gp, const struct dumped_g *dg, __u64 now)
{
	struct go_sym frames[INLINE_MAX];
	bool show_runtime = all_runtime(gp, dg);
	__u64 minutes = 0;
	int i, j, n;

	/* Go prints minutes for a waiting goroutine, not for one it marked leaked */
	if (dg->g.status != GO_G_LEAKED && dg->g.wait_since_ns && now > dg->g.wait_since_ns)
		minutes = (now - dg->g.wait_since_ns) / 60000000000ULL;
	fprintf(out, "goroutine %llu [", (unsigned long long)dg->g.goid);
	text_escape_write(out, dg->g.wait_reason);
	if (minutes)
		fprintf(out, ", %llu minutes", (unsigned long long)minutes);
	fprintf(out, "]:\n");
	for (i = 0; i < dg->nr_pcs; i++) {
		n = go_proc__symbolize_frames(gp, dg->pcs[i], i > 0, frames, INLINE_MAX);
		if (n <= 0) {
			fprintf(out, "?()\n\t?:0 pc=0x%llx\n", (unsigned long long)dg->pcs[i]);
			continue;
		}
		for (j = 0; j < n; j++) {
			if (!show_runtime && runtime_frame(frames[j].func))
				continue;
			if (!strcmp(frames[j].func, "runtime.goexit"))
				continue;
			text_escape_write(out, frames[j].func);
			fputs("(...)\n\t", out);
			text_escape_write(out, frames[j].file);
			fprintf(out, ":%u", frames[j].line);
			if (!frames[j].inlined)
				fprintf(out, " +0x%llx", (unsigned long long)frames[j].offset);
			fputc('\n', out);
		}
	}
	n = dg->g.go_pc ? go_proc__symbolize_frames(gp, dg->g.go_pc, true, frames, INLINE_MAX) : 0;
	/* The main goroutine's creator is the runtime's, which Go hides. */
	if (n > 0 && !runtime_frame(frames[n - 1].func)) {
		fputs("created by ", out);
		text_escape_write(out, frames[n - 1].func);
		if (dg->g.parent_goid)
			fprintf(out, " in goroutine %llu", (unsigned long long)dg->g.parent_goid);
		fputs("\n\t", out);
		text_escape_write(out, frames[0].file);
		fprintf(out, ":%u +0x%llx\n", frames[0].line,
			(unsigned long long)frames[n - 1].offset);
	}
	fputc('\n', out);
}

static int cmp_stack(const void *a, const void *b)
{
	const struct dumped_g *x = a, *y = b;
	int n = x->nr_pcs < y->nr_pcs ? x->nr_pcs : y->nr_pcs;
	int c = memcmp(x->pcs, y->pcs, n * sizeof(x->pcs[0]));

	if (c)
		return c;
	return x->nr_pcs - y->nr_pcs;
}

struct group {
	const struct dumped_g *first;
	size_t count;
};

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return cmp_stack(x->first, y->first);
}

/* Goroutines with the same stack, largest group first. */
static struct group *group_by_stack(struct dump *d, size_t *nr)
{
	struct group *groups;
	size_t i, n = 0;

	qsort(d->v, d->n, sizeof(*d->v), cmp_stack);
	groups = calloc(d->n ? d->n : 1, sizeof(*groups));
	if (!groups)
		return NULL;
	for (i = 0; i < d->n; i++) {
		if (n && !cmp_stack(groups[n - 1].first, &d->v[i])) {
			groups[n - 1].count++;
			continue;
		}
		groups[n].first = &d->v[i];
		groups[n].count = 1;
		n++;
	}
	qsort(groups, n, sizeof(*groups), cmp_group);
	*nr = n;
	return groups;
}

/* debug=1: as pprof's goroutine profile prints it. */
static void print_grouped(FILE *out, struct go_proc *gp, const struct group *groups, size_t n,
			  size_t total)
{
	struct go_sym frames[INLINE_MAX];
	size_t i;
	int j, k, m;

	fprintf(out, "goroutine profile: total %zu\n", total);
	for (i = 0; i < n; i++) {
		const struct dumped_g *dg = groups[i].first;
		bool show_runtime = all_runtime(gp, dg);

		fprintf(out, "%zu @", groups[i].count);
		for (j = 0; j < dg->nr_pcs; j++)
			fprintf(out, " 0x%llx", (unsigned long long)dg->pcs[j]);
		fputc('\n', out);
		for (j = 0; j < dg->nr_pcs; j++) {
			__u64 pc = j ? dg->pcs[j] - 1 : dg->pcs[j];

			m = go_proc__symbolize_frames(gp, dg->pcs[j], j > 0, frames, INLINE_MAX);
			for (k = 0; k < m; k++) {
				if (!show_runtime && runtime_frame(frames[k].func))
					continue;
				fprintf(out, "#\t0x%llx\t", (unsigned long long)pc);
				text_escape_write(out, frames[k].func);
				fprintf(out, "+0x%llx\t", (unsigned long long)frames[k].offset);
				text_escape_write(out, frames[k].file);
				fprintf(out, ":%u\n", frames[k].line);
			}
		}
		fputc('\n', out);
	}
}

static int write_pprof(const char *path, struct go_proc *gp, const struct group *groups,
		       size_t n)
{
	struct go_sym frames[INLINE_MAX];
	struct pprof_line lines[INLINE_MAX];
	int64_t locs[DUMP_STACK_MAX];
	struct timespec now;
	struct pprof *pp;
	size_t i;
	int j, k, m, err = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	pp = pprof__new("goroutine", "count", now.tv_sec * 1000000000LL + now.tv_nsec);
	if (!pp)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		const struct dumped_g *dg = groups[i].first;

		for (j = 0; j < dg->nr_pcs; j++) {
			m = go_proc__symbolize_frames(gp, dg->pcs[j], j > 0, frames, INLINE_MAX);
			for (k = 0; k < m; k++) {
				lines[k].func = frames[k].func;
				lines[k].file = frames[k].file;
				lines[k].line = frames[k].line;
			}
			locs[j] = pprof__location(pp, j ? dg->pcs[j] - 1 : dg->pcs[j], lines,
						  m > 0 ? m : 0);
		}
		err = pprof__sample(pp, locs, dg->nr_pcs, groups[i].count);
	}
	if (!err)
		err = pprof__write(pp, path);
	pprof__free(pp);
	return err;
}

int goroutine_dump(const struct goroutine_dump_opts *opts)
{
	struct dump d = {};
	struct group *groups = NULL;
	struct timespec now;
	bool incomplete = false;
	size_t nr_groups = 0, i;
	int err;

	if (opts->sandbox) {
		err = sandbox__enter(SANDBOX_TARGETS);
		if (err)
			return err;
	}
	err = go_proc__open(&d.gp, opts->proc_root, opts->pid);
	if (err) {
		if (err == -ESRCH)
			fprintf(stderr, "threadleak: no such process: %d\n", opts->pid);
		else if (err == -ENOEXEC)
			fprintf(stderr, "threadleak: process %d is not a Go program\n", opts->pid);
		else if (err == -ENOTSUP && *go_derive__last_missing())
			fprintf(stderr,
				"threadleak: process %d is a Go program this threadleak cannot read: "
				"stripped, of a version missing from src/go_offsets_table.h, and its "
				"layout cannot be derived: not found: %s (see make go-offsets)\n",
				opts->pid, go_derive__last_missing());
		else if (err == -ENOTSUP)
			fprintf(stderr,
				"threadleak: process %d is a Go program this threadleak cannot read "
				"(before Go 1.18, or stripped and of a version missing from "
				"src/go_offsets_table.h: see make go-offsets)\n",
				opts->pid);
		else if (err == -EPROTO)
			fprintf(stderr,
				"threadleak: process %d's Go runtime is not as Go writes it "
				"(damaged, or made to mislead): not read\n",
				opts->pid);
		else if (err == -EPERM)
			fprintf(stderr,
				"threadleak: not allowed to read process %d's memory; try: sudo\n",
				opts->pid);
		else
			fprintf(stderr, "threadleak: cannot read process %d: %s\n", opts->pid,
				strerror(-err));
		return err;
	}
	err = go_proc__census(d.gp, collect, &d, &incomplete);
	if (err == -E2BIG && d.n == DUMP_MAX_GOROUTINES) {
		fprintf(stderr, "threadleak: process %d has more than %d goroutines: not dumped\n",
			opts->pid, DUMP_MAX_GOROUTINES);
		goto out;
	}
	if (err < 0) {
		fprintf(stderr, "threadleak: reading process %d's goroutines: %s\n", opts->pid,
			go_proc__why(d.gp)[0] ? go_proc__why(d.gp) : strerror(-err));
		goto out;
	}
	err = 0;
	if (incomplete)
		fprintf(stderr, "threadleak: warning: goroutines changed while they were read; "
				"the dump is incomplete\n");
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (opts->debug == 2 && !opts->pprof_path) {
		for (i = 0; i < d.n; i++)
			print_traceback(opts->out, d.gp, &d.v[i],
					now.tv_sec * 1000000000ULL + now.tv_nsec);
		goto out;
	}
	groups = group_by_stack(&d, &nr_groups);
	if (!groups) {
		err = -ENOMEM;
		goto out;
	}
	if (opts->pprof_path) {
		err = write_pprof(opts->pprof_path, d.gp, groups, nr_groups);
		if (err)
			fprintf(stderr, "threadleak: writing %s: %s\n", opts->pprof_path,
				strerror(-err));
		else
			fprintf(stderr, "threadleak: wrote %zu goroutines to %s\n", d.n,
				opts->pprof_path);
	} else {
		print_grouped(opts->out, d.gp, groups, nr_groups, d.n);
	}
out:
	free(groups);
	free(d.v);
	go_proc__close(d.gp);
	return err;
}
