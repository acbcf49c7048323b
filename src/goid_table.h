/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Goroutines by goid, for the detector: open addressing with linear
 * probing, at most half full, deletion by backward shift. A million
 * goroutines are 32 MiB here and about one cache miss a lookup, where a
 * search tree is twenty.
 */
#ifndef __THREADLEAK_GOID_TABLE_H
#define __THREADLEAK_GOID_TABLE_H

#include <stddef.h>
#include <linux/types.h>

struct goid_slot {
	__u64 goid; /* 0: free */
	void *value;
};

struct goid_table {
	void *zero; /* the value of goid 0, which no slot can hold */
	struct goid_slot *slots;
	size_t mask; /* number of slots - 1; 0 before the first add */
	size_t n;    /* in the slots */
	__u64 seed;  /* of the hash */
};

/* The value of @goid, or NULL. */
void *goid_table__find(const struct goid_table *t, __u64 goid);
/* Add @goid (not in @t) with @value (not NULL). 0 or -ENOMEM. */
int goid_table__add(struct goid_table *t, __u64 goid, void *value);
void goid_table__del(struct goid_table *t, __u64 goid);
/* Call @fn for each value, in no particular order; @fn must not change @t. */
void goid_table__each(const struct goid_table *t, void (*fn)(void *value, void *arg), void *arg);
void goid_table__clear(struct goid_table *t);

#endif /* __THREADLEAK_GOID_TABLE_H */
