/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thread names as patterns: the kernel keeps 15 bytes of a thread's name
 * (comm), so "pool-10-thread-1" reads "pool-10-thread-". A pattern folds
 * every run of digits to N ("pool-N-thread-") and, when the name is as long
 * as the kernel keeps, marks it cut: a cut pattern matches any name that
 * starts the same way, and reads "pool-N-thread-…". Threads of one family
 * (an executor's, a GC's workers) have one pattern, whatever their numbers.
 */
#ifndef __THREADLEAK_THREAD_NAME_H
#define __THREADLEAK_THREAD_NAME_H

#include <stdbool.h>
#include "record.h"

/* The marker a cut pattern ends with, when shown. */
#define NAME_CUT_MARK "\xe2\x80\xa6" /* U+2026 HORIZONTAL ELLIPSIS */

/* Room for a pattern's stem: folding never lengthens a name. */
#define NAME_PATTERN_LEN REC_COMM_LEN

/* Room for a shown pattern: the stem and the cut marker. */
#define NAME_PATTERN_SHOWN_LEN (NAME_PATTERN_LEN + sizeof(NAME_CUT_MARK))

struct name_pattern {
	char stem[NAME_PATTERN_LEN]; /* digit runs folded to N */
	bool cut;		     /* the name may go on past the stem */
};

/* The pattern of @comm (REC_COMM_LEN bytes, NUL-terminated or not). */
void name_pattern_of(const char *comm, struct name_pattern *np);

/*
 * Do @a and @b name the same family: equal, or one is cut and the other's
 * stem starts with its stem?
 */
bool name_pattern_match(const struct name_pattern *a, const struct name_pattern *b);

/* @np as shown: "pool-N-thread-…". Returns @buf (NAME_PATTERN_SHOWN_LEN). */
const char *name_pattern_show(const struct name_pattern *np, char *buf, size_t len);

#endif /* __THREADLEAK_THREAD_NAME_H */
