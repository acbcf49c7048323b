// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "goid_table.h"

#define FIRST_SLOTS 64

/* Keyed per table, so that no program can pick goids that collide. */
static size_t goid_hash(const struct goid_table *t, __u64 goid)
{
	goid = (goid ^ t->seed) * 0x9e3779b97f4a7c15ull;
	return goid ^ (goid >> 29);
}

static struct goid_slot *slot_of(const struct goid_table *t, __u64 goid)
{
	size_t i;

	if (!t->slots)
		return NULL;
	for (i = goid_hash(t, goid) & t->mask; t->slots[i].goid; i = (i + 1) & t->mask)
		if (t->slots[i].goid == goid)
			return &t->slots[i];
	return NULL;
}

void *goid_table__find(const struct goid_table *t, __u64 goid)
{
	struct goid_slot *s;

	if (!goid)
		return t->zero;
	s = slot_of(t, goid);
	return s ? s->value : NULL;
}

static void place(struct goid_table *t, __u64 goid, void *value)
{
	size_t i = goid_hash(t, goid) & t->mask;

	while (t->slots[i].goid)
		i = (i + 1) & t->mask;
	t->slots[i] = (struct goid_slot){ goid, value };
	t->n++;
}

int goid_table__add(struct goid_table *t, __u64 goid, void *value)
{
	if (!goid) {
		t->zero = value;
		return 0;
	}
	if (!t->slots || 2 * (t->n + 1) > t->mask + 1) {
		struct goid_table bigger = {
			.zero = t->zero,
			.seed = t->slots ? t->seed : (__u64)(unsigned long)t ^ (__u64)time(NULL),
			.mask = t->slots ? 2 * t->mask + 1 : FIRST_SLOTS - 1,
		};
		size_t i;

		bigger.slots = calloc(bigger.mask + 1, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		for (i = 0; t->slots && i <= t->mask; i++)
			if (t->slots[i].goid)
				place(&bigger, t->slots[i].goid, t->slots[i].value);
		free(t->slots);
		*t = bigger;
	}
	place(t, goid, value);
	return 0;
}

void goid_table__del(struct goid_table *t, __u64 goid)
{
	struct goid_slot *hole;
	size_t i, j, home;

	if (!goid) {
		t->zero = NULL;
		return;
	}
	hole = slot_of(t, goid);
	if (!hole)
		return;
	i = hole - t->slots;
	/* move back each entry after the hole whose probe passed the hole */
	for (j = (i + 1) & t->mask; t->slots[j].goid; j = (j + 1) & t->mask) {
		home = goid_hash(t, t->slots[j].goid) & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].goid = 0;
	t->n--;
}

void goid_table__each(const struct goid_table *t, void (*fn)(void *value, void *arg), void *arg)
{
	size_t i;

	if (t->zero)
		fn(t->zero, arg);
	for (i = 0; t->slots && i <= t->mask; i++)
		if (t->slots[i].goid)
			fn(t->slots[i].value, arg);
}

void goid_table__clear(struct goid_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
