// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "pprof.h"
#include "report_words.h"
#include "symtab.h"
#include "thread_profile.h"

/* The address space of made-up frames: no process has this pid. */
#define SYNTH_SPACE (~0ULL)

struct named {
	char *name;
	__u64 n; /* folded: its count; made-up frames: its address */
};

struct thread_profile {
	struct pprof *pp;
	void *folded; /* tsearch tree of struct named: a line and its count */
	void *synth;  /* tsearch tree of struct named: a made-up frame and its address */
	__u64 next_synth;
	unsigned int threads, with_stack;
	int err;
};

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static void named_free(void *p)
{
	struct named *n = p;

	free(n->name);
	free(n);
}

/* @name's entry in @tree, added with n = 0 if new. */
static struct named *named_get(struct thread_profile *tp, void **tree, const char *name)
{
	struct named key = { .name = (char *)name }, *n, **node;

	node = tfind(&key, tree, named_cmp);
	if (node)
		return *node;
	n = calloc(1, sizeof(*n));
	if (n)
		n->name = strdup(name);
	if (!n || !n->name || !tsearch(n, tree, named_cmp)) {
		if (n)
			free(n->name);
		free(n);
		tp->err = -ENOMEM;
		return NULL;
	}
	return n;
}

struct thread_profile *thread_profile__new(__u64 time_ns)
{
	struct thread_profile *tp = calloc(1, sizeof(*tp));

	if (!tp)
		return NULL;
	tp->pp = pprof__new("threads", "count", time_ns);
	if (!tp->pp) {
		free(tp);
		return NULL;
	}
	return tp;
}

void thread_profile__free(struct thread_profile *tp)
{
	if (!tp)
		return;
	pprof__free(tp->pp);
	tdestroy(tp->folded, named_free);
	tdestroy(tp->synth, named_free);
	free(tp);
}

/* A frame that is not code: the same address for the same words. */
static int64_t synth_location(struct thread_profile *tp, const char *name)
{
	struct named *n = named_get(tp, &tp->synth, name);
	struct pprof_line line = { .func = name };

	if (!n)
		return 0;
	if (!n->n)
		n->n = ++tp->next_synth;
	return pprof__location_in(tp->pp, SYNTH_SPACE, n->n, &line, 1);
}

/* A frame in a folded line: no ';' (the separator), no line breaks. */
static void fold_frame(FILE *f, const char *name)
{
	for (; *name; name++)
		fputc(*name == ';' ? ':' : (unsigned char)*name < 0x20 ? '?' : *name, f);
}

static void add_folded(struct thread_profile *tp, const struct detector_thread *t,
		       const char *const *frames, unsigned int nr)
{
	struct named *n;
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	unsigned int i;

	if (!f) {
		tp->err = -ENOMEM;
		return;
	}
	fold_frame(f, t->comm);
	for (i = nr; i-- > 0;) { /* root first */
		fputc(';', f);
		fold_frame(f, frames[i]);
	}
	if (fclose(f)) {
		free(line);
		tp->err = -ENOMEM;
		return;
	}
	n = named_get(tp, &tp->folded, line);
	if (n)
		n->n++;
	free(line);
}

void thread_profile__add(void *arg, const struct detector_thread *t)
{
	struct thread_profile *tp = arg;
	const struct finding_ctx *fc = &t->ctx;
	char state_buf[FINDING_WORDS_LEN], synth[2][FINDING_WORDS_LEN];
	char names[REC_STACK_MAX][FINDING_WORDS_LEN], lock_buf[FINDING_WORDS_LEN];
	const char *frames[REC_STACK_MAX + 2];
	int64_t locs[REC_STACK_MAX + 2];
	const char *site = finding_site_name(&fc->site);
	const char *state = finding_state_name(fc, state_buf, sizeof(state_buf));
	struct pprof_label labels[8];
	unsigned int nr = 0, i;
	int nl = 0;

	if (!site)
		site = "unknown";
	tp->threads++;
	if (t->nr_pcs) {
		tp->with_stack++;
		for (i = 0; i < t->nr_pcs && i < REC_STACK_MAX; i++) {
			const struct sym *s = symtab__find(t->syms, t->pcs[i]);
			struct pprof_line line = {};

			if (s && s->found && s->func[0]) {
				line.func = s->func;
				line.file = s->file;
				line.line = s->line;
			} else {
				line.func = symtab__format(t->syms, t->pcs[i], names[i],
							   sizeof(names[i]));
			}
			frames[nr] = line.func;
			locs[nr++] = pprof__location_in(tp->pp, t->pid, t->pcs[i], &line, 1);
		}
	} else {
		snprintf(synth[0], sizeof(synth[0]), "[%s]", state);
		snprintf(synth[1], sizeof(synth[1]), "%s", site);
		for (i = 0; i < 2; i++) {
			frames[nr] = synth[i];
			locs[nr++] = synth_location(tp, synth[i]);
		}
	}
	labels[nl++] = (struct pprof_label){ .key = "pid", .num = t->pid };
	labels[nl++] = (struct pprof_label){ .key = "comm", .str = t->comm };
	labels[nl++] = (struct pprof_label){ .key = "tid", .num = (int64_t)fc->id };
	labels[nl++] = (struct pprof_label){ .key = "state", .str = state };
	labels[nl++] = (struct pprof_label){ .key = "site", .str = site };
	if (fc->state == FSTATE_WAITING) {
		labels[nl++] = (struct pprof_label){ .key = "primitive",
						     .str = primitive_name(fc->prim) };
		labels[nl++] = (struct pprof_label){ .key = "wait_s",
						     .num = (int64_t)(fc->wait_ns / 1000000000ULL) };
		if (fc->lock_addr)
			labels[nl++] = (struct pprof_label){
				.key = "lock",
				.str = finding_lock_name(fc, lock_buf, sizeof(lock_buf))
			};
	}
	if (pprof__sample_labels(tp->pp, locs, nr, 1, labels, nl))
		tp->err = -ENOMEM;
	add_folded(tp, t, frames, nr);
}

unsigned int thread_profile__threads(const struct thread_profile *tp, unsigned int *with_stack)
{
	if (with_stack)
		*with_stack = tp->with_stack;
	return tp->threads;
}

int thread_profile__write_pprof(struct thread_profile *tp, int fd)
{
	char comment[200];

	if (tp->err)
		return tp->err;
	snprintf(comment, sizeof(comment),
		 "threadleak: one sample per live thread at the end of the run: %u threads, "
		 "%u with the stack of their current state as their frames",
		 tp->threads, tp->with_stack);
	pprof__comment(tp->pp, comment);
	pprof__comment(tp->pp, "threads without a stack have two made-up frames: their site "
			       "(start routine), then their state in brackets");
	return pprof__write_fd(tp->pp, fd);
}

static void fold_line(const void *node, VISIT which, void *f)
{
	const struct named *n = *(const struct named *const *)node;

	if (which == postorder || which == leaf)
		fprintf(f, "%s %llu\n", n->name, (unsigned long long)n->n);
}

int thread_profile__write_folded(struct thread_profile *tp, FILE *f)
{
	if (tp->err)
		return tp->err;
	twalk_r(tp->folded, fold_line, f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
