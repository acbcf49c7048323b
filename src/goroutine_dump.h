/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threadleak goroutines: one dump of a running Go program's goroutines,
 * read from outside, as Go's pprof prints them (debug=1: grouped by stack;
 * debug=2: each goroutine, like a traceback), or as a pprof profile.
 */
#ifndef __THREADLEAK_GOROUTINE_DUMP_H
#define __THREADLEAK_GOROUTINE_DUMP_H

#include <stdbool.h>
#include <stdio.h>

struct goroutine_dump_opts {
	const char *proc_root;
	int pid;
	int debug;	       /* 1 or 2 */
	const char *pprof_path; /* write a profile there instead of text */
	FILE *out;
	bool sandbox; /* enter the sandbox before reading the target */
};

/* Returns 0, or -errno after printing one line on stderr. */
int goroutine_dump(const struct goroutine_dump_opts *opts);

#endif /* __THREADLEAK_GOROUTINE_DUMP_H */
