/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A number given to a command-line option: written as a count, seconds or
 * a byte size, and within the option's limits. The command line (env.c)
 * keeps one table of its numeric options and says what a bad one is.
 */
#ifndef __THREADLEAK_OPTION_NUMBER_H
#define __THREADLEAK_OPTION_NUMBER_H

#include <stdbool.h>

enum option_unit {
	OPTION_COUNT,	/* a decimal integer, as strtol reads it */
	OPTION_SECONDS, /* decimal seconds, > 0 and at most 1e7: "0.5", "10"; in ns */
	OPTION_BYTES,	/* a decimal integer with an optional K, M or G suffix */
};

struct option_number {
	enum option_unit unit;
	/* Inclusive limits on the value: a count, nanoseconds or bytes. */
	unsigned long long min, max;
	bool power_of_2;
};

/* Parse @arg as @o says into *@val. 0, or -EINVAL (nothing written). */
int option_number_parse(const struct option_number *o, const char *arg, unsigned long long *val);

#endif /* __THREADLEAK_OPTION_NUMBER_H */
