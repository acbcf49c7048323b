/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What addresses in one process are, as rec_symbol records told: the
 * detector's only source of names, so it can name sites, frames and locks
 * without reading anything itself.
 */
#ifndef __THREADLEAK_SYMTAB_H
#define __THREADLEAK_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "record.h"

/* A function inlined at a sym's pc. */
struct sym_inline {
	char *func, *file; /* "" if unknown */
	__u32 line;
};

struct sym {
	__u64 pc;
	__u64 offset;
	__u32 line;
	bool found;
	char *func, *file, *module; /* "" if unknown */
	unsigned int nr_inline;
	struct sym_inline *inl; /* innermost first */
};

struct symtab {
	void *root; /* tsearch tree of struct sym, by pc */
};

/* Add or replace what @rec says. Returns 0 or -ENOMEM. */
int symtab__add(struct symtab *st, const struct rec_symbol *rec);
const struct sym *symtab__find(const struct symtab *st, __u64 pc);
void symtab__clear(struct symtab *st);

/*
 * @pc as people read it: "func (file:line)", "func (module)", or
 * "module+0x1f2e" / "0x7f..." when the function is not known.
 */
const char *symtab__format(const struct symtab *st, __u64 pc, char *buf, size_t len);

/* Just the function name, or NULL. */
const char *symtab__func(const struct symtab *st, __u64 pc);

/*
 * The frames a stack's @pc stands for: the functions inlined there,
 * innermost first, then the function the code belongs to. 1 when nothing
 * is inlined there or @pc is not known.
 */
unsigned int symtab__nr_frames(const struct symtab *st, __u64 pc);

/*
 * Frame @i (below symtab__nr_frames) of @pc as people read it: an inlined
 * one as "func (file:line) [inlined]", the last as symtab__format().
 */
const char *symtab__format_frame(const struct symtab *st, __u64 pc, unsigned int i, char *buf,
				 size_t len);

/* The most frames symtab__expand_funcs() gives for one stack. */
#define SYMTAB_FRAMES_MAX 128

/*
 * The function names of the frames @pcs (@n, innermost first) stand for,
 * inlined ones expanded, NULL where unknown: at most @max into @funcs.
 * Returns how many.
 */
unsigned int symtab__expand_funcs(const struct symtab *st, const __u64 *pcs, unsigned int n,
				  const char **funcs, unsigned int max);

#endif /* __THREADLEAK_SYMTAB_H */
