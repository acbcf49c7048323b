/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line: which command, and its options, as typed. The commands
 * (threadleak.c) turn them into each layer's own options.
 */
#ifndef __THREADLEAK_ENV_H
#define __THREADLEAK_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "detector_policy.h"

#define MAX_PIDS 256

enum command {
	CMD_TRACE,	/* threadleak [-p PID ...] */
	CMD_RECORD,	/* threadleak record -o FILE */
	CMD_REPLAY,	/* threadleak replay FILE */
	CMD_MONITOR,	/* threadleak monitor */
	CMD_GOROUTINES, /* threadleak goroutines -p PID */
};

struct env {
	enum command cmd;

	/* Targets and timing. */
	int pids[MAX_PIDS];
	int nr_pids;
	__u64 interval_ns;
	__u64 duration_ns; /* 0: until Ctrl-C or the targets exit */

	/* Output. */
	bool json;
	bool verbose;
	bool list_waits;
	unsigned int top_n;
	bool sort_growth; /* --sort growth; else by threads */

	/* Findings. */
	__u64 wait_threshold_ns;
	__u64 leak_window_ns;
	struct stuck_params stuck; /* zeroes: the defaults */
	bool fail_on_leak;

	/* Tuning. */
	size_t ringbuf_bytes;
	bool compat;
	__u32 census_slots;	/* 0: chosen by the tracer */
	const char *proc_root;
	__u64 inspect_budget_ns; /* 0: the inspector's default */
	size_t proc_syms_budget; /* 0: the inspector's default */
	bool no_sandbox; /* keep every capability and system call (debugging) */

	/* record */
	const char *output;
	__u64 max_size;
	unsigned int keep;

	/* replay */
	const char *input;
	bool info;

	/* monitor */
	const char *metrics_addr;
	const char *textfile_dir;
	unsigned int max_series;

	/* goroutines; and the threads at the end of -p, record and replay */
	int debug_level;
	const char *pprof_path;
	const char *folded_path;
	const char *html_path;
};

/*
 * Parse the command line into @env. Bad usage prints a message and exits
 * with status 2, like every argp program.
 */
void env_parse(struct env *env, int argc, char **argv);

#endif /* __THREADLEAK_ENV_H */
