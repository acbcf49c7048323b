// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "proc_table.h"
#include "record.h"

struct proc_entry {
	__u32 tgid;
	__u64 start_ns; /* 0 until a record tells it */
	__u64 seen_seq; /* the census that last counted it, or that saw it appear */
	bool exited;	/* its exit came: let go when the census closes */
	UT_hash_handle hh;
	/* each consumer's data, at its offset */
	unsigned char data[] __attribute__((aligned(alignof(max_align_t))));
};

struct proc_table {
	struct proc_entry *procs; /* by tgid */
	/* The last record's entry: what its consumers look up, once hashed. */
	struct proc_entry *last;
	__u64 lookups; /* hashed */
	__u64 census_seq;
	unsigned int nr_consumers;
	size_t data_size;
	size_t offset[PROC_TABLE_MAX_CONSUMERS];
	struct proc_hooks hooks[PROC_TABLE_MAX_CONSUMERS];
};

struct proc_table *proc_table__new(void)
{
	struct proc_table *t = calloc(1, sizeof(*t));

	if (t)
		t->census_seq = 1;
	return t;
}

int proc_table__attach(struct proc_table *t, const struct proc_hooks *hooks)
{
	const size_t align = alignof(max_align_t);
	unsigned int slot = t->nr_consumers;

	if (t->procs)
		return -EBUSY;
	if (slot == PROC_TABLE_MAX_CONSUMERS)
		return -E2BIG;
	t->hooks[slot] = *hooks;
	t->offset[slot] = t->data_size;
	t->data_size += (hooks->size + align - 1) & ~(align - 1);
	t->nr_consumers++;
	return slot;
}

static void *entry_data(const struct proc_table *t, struct proc_entry *e, int slot)
{
	return e->data + t->offset[slot];
}

/* Not const: a find that hashes counts it (proc_table__lookups). */
static struct proc_entry *entry_find(struct proc_table *t, __u32 tgid)
{
	struct proc_entry *e;

	if (t->last && t->last->tgid == tgid)
		return t->last;
	HASH_FIND(hh, t->procs, &tgid, sizeof(tgid), e);
	t->lookups++;
	return e;
}

/* Free @e after @stale's or gone's hooks, last consumer first. */
static void entry_drop(struct proc_table *t, struct proc_entry *e, bool stale)
{
	unsigned int i;

	HASH_DELETE(hh, t->procs, e);
	if (t->last == e)
		t->last = NULL;
	for (i = t->nr_consumers; i-- > 0;) {
		const struct proc_hooks *h = &t->hooks[i];
		void (*fn)(void *, void *) = stale && h->stale ? h->stale : h->gone;

		if (fn)
			fn(h->ctx, entry_data(t, e, i));
	}
	free(e);
}

static int entry_new(struct proc_table *t, __u32 tgid, struct proc_entry **ep)
{
	struct proc_entry *e = calloc(1, sizeof(*e) + t->data_size);
	unsigned int i;
	int err;

	if (!e)
		return -ENOMEM;
	e->tgid = tgid;
	e->seen_seq = t->census_seq; /* new: not stale yet */
	HASH_ADD(hh, t->procs, tgid, sizeof(e->tgid), e);
	if (!e->hh.tbl) {
		free(e);
		return -ENOMEM;
	}
	for (i = 0; i < t->nr_consumers; i++) {
		const struct proc_hooks *h = &t->hooks[i];

		err = h->new_proc ? h->new_proc(h->ctx, tgid, entry_data(t, e, i)) : 0;
		if (err) {
			/* those before it made theirs: they let it go */
			HASH_DELETE(hh, t->procs, e);
			while (i-- > 0)
				if (t->hooks[i].gone)
					t->hooks[i].gone(t->hooks[i].ctx, entry_data(t, e, i));
			free(e);
			return err;
		}
	}
	*ep = e;
	return 0;
}

/* Close the census: drop what exited in it, and what no census counted for a while. */
static void census_close(struct proc_table *t)
{
	struct proc_entry *e, *tmp;

	HASH_ITER(hh, t->procs, e, tmp) {
		if (e->exited)
			entry_drop(t, e, false);
		else if (e->seen_seq + STALE_CENSUSES < t->census_seq)
			entry_drop(t, e, true);
	}
	t->census_seq++;
}

/* The process start time @rec carries, 0 if none. */
static __u64 rec_proc_start(const struct rec_hdr *hdr)
{
	switch (hdr->type) {
	case REC_PROC:
		return ((const struct rec_proc *)hdr)->start_ns;
	case REC_PROC_INFO:
		return ((const struct rec_proc_info *)hdr)->start_ns;
	case REC_THREAD_START:
		if (((const struct rec_thread_start *)hdr)->flags & RTS_PROCESS)
			return ((const struct rec_thread_start *)hdr)->start_ns;
		return 0;
	default:
		return 0;
	}
}

/* Is @e another process than the one that started at @start_ns (0: unknown)? */
static bool entry_other(const struct proc_entry *e, __u64 start_ns)
{
	return start_ns && e->start_ns && e->start_ns != start_ns;
}

int proc_table__record(struct proc_table *t, const void *rec)
{
	const struct rec_hdr *hdr = rec;
	__u64 start_ns = rec_proc_start(hdr);
	struct proc_entry *e;
	unsigned int i;
	int err;

	if (hdr->type == REC_CENSUS) {
		census_close(t);
		return 0;
	}
	if (!hdr->tgid)
		return 0;
	e = entry_find(t, hdr->tgid);
	switch (hdr->type) {
	case REC_THREAD_EXIT:
		return 0;
	case REC_PROC_EXEC:
		for (i = 0; e && i < t->nr_consumers; i++)
			if (t->hooks[i].exec)
				t->hooks[i].exec(t->hooks[i].ctx, entry_data(t, e, i));
		return 0;
	case REC_PROC:
		if (!(((const struct rec_proc *)rec)->flags & RP_EXITED))
			break;
		/* the exit of another process of this pid (an older one's,
		 * late): the entry's lives on */
		if (!e || entry_other(e, start_ns))
			return 0;
		e->exited = true;
		e->seen_seq = t->census_seq;
		t->last = e;
		return 0;
	default:
		break;
	}
	if (e && entry_other(e, start_ns)) {
		entry_drop(t, e, false); /* its exit was lost; the pid is reused */
		e = NULL;
	}
	if (!e) {
		err = entry_new(t, hdr->tgid, &e);
		if (err)
			return err;
	}
	if (!e->start_ns)
		e->start_ns = start_ns;
	if (hdr->type == REC_PROC)
		e->seen_seq = t->census_seq;
	t->last = e;
	return 0;
}

void proc_table__detach(struct proc_table *t, int slot)
{
	const struct proc_hooks h = t->hooks[slot];
	struct proc_entry *e;

	memset(&t->hooks[slot], 0, sizeof(t->hooks[slot]));
	for (e = t->procs; h.gone && e; e = e->hh.next)
		h.gone(h.ctx, entry_data(t, e, slot));
}

int proc_table__join(struct proc_table **tp, struct proc_table *shared,
		     const struct proc_hooks *hooks, bool *own)
{
	struct proc_table *t = shared ? shared : proc_table__new();
	int slot;

	if (!t)
		return -ENOMEM;
	slot = proc_table__attach(t, hooks);
	if (slot < 0) {
		if (!shared)
			proc_table__free(t);
		return slot;
	}
	*tp = t;
	*own = !shared;
	return slot;
}

void proc_table__leave(struct proc_table *t, int slot, bool own)
{
	if (own)
		proc_table__free(t);
	else if (slot >= 0)
		proc_table__detach(t, slot);
}

void *proc_table__find(struct proc_table *t, int slot, __u32 tgid)
{
	struct proc_entry *e = entry_find(t, tgid);

	return e ? entry_data(t, e, slot) : NULL;
}

__u64 proc_table__census(const struct proc_table *t)
{
	return t->census_seq;
}

__u64 proc_table__lookups(const struct proc_table *t)
{
	return t->lookups;
}

unsigned int proc_table__count(const struct proc_table *t)
{
	return HASH_COUNT(t->procs);
}

void proc_table__for_each(struct proc_table *t, int slot, void (*fn)(void *ctx, void *data),
			  void *ctx)
{
	struct proc_entry *e;

	for (e = t->procs; e; e = e->hh.next)
		fn(ctx, entry_data(t, e, slot));
}

void proc_table__free(struct proc_table *t)
{
	struct proc_entry *e, *tmp;

	if (!t)
		return;
	HASH_ITER(hh, t->procs, e, tmp)
		entry_drop(t, e, false);
	free(t);
}
