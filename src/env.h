/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: which command, and its options. */
#ifndef __THREADLEAK_ENV_H
#define __THREADLEAK_ENV_H

#include <stdbool.h>
#include <linux/types.h>
#include "report.h"

#define MAX_PIDS 64

enum command {
	CMD_TRACE, /* threadleak [-p PID ...] */
};

struct env {
	enum command cmd;
	int pids[MAX_PIDS];
	int nr_pids;
	__u64 interval_ns;
	__u64 duration_ns; /* 0: until Ctrl-C or the targets exit */
	bool json;
	bool verbose;
	unsigned int top_n;
	enum top_sort sort;
	size_t ringbuf_bytes;
	bool compat;
	bool list_waits;
	bool fail_on_leak;
	__u64 wait_threshold_ns;
	__u64 leak_window_ns;
	const char *proc_root;
};

/*
 * Parse the command line into @env. Bad usage prints a message and exits
 * with status 2, like every argp program.
 */
void env_parse(struct env *env, int argc, char **argv);

#endif /* __THREADLEAK_ENV_H */
