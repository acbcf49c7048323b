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

struct sym {
	__u64 pc;
	__u64 offset;
	__u32 line;
	bool found;
	char *func, *file, *module; /* "" if unknown */
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

#endif /* __THREADLEAK_SYMTAB_H */
