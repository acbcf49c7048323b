/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threadleak monitor: every process on the host, continuously. Findings go
 * out as JSON lines (when established, and again only when they change);
 * metrics to Prometheus over HTTP and/or a node_exporter textfile.
 */
#ifndef __THREADLEAK_MONITOR_H
#define __THREADLEAK_MONITOR_H

#include "detector_policy.h"
#include "live.h"

struct monitor_opts {
	struct live_opts live;	  /* every process; its sink, tick and reopen are the monitor's */
	__u64 wait_threshold_ns;  /* see detector_opts */
	__u64 leak_window_ns;	  /* 0: the default */
	struct stuck_params stuck; /* see detector_opts */
	const char *output;	  /* findings appended here, reopened on SIGHUP; NULL: stdout */
	const char *metrics_addr; /* Prometheus over HTTP here; NULL: not served */
	const char *textfile_dir; /* node_exporter textfile written here; NULL: none */
	unsigned int max_series;  /* see metrics_opts */
};

/* Runs until SIGTERM or SIGINT. Returns the exit status. */
int monitor_run(struct monitor_opts *opts, int argc, char **argv);

#endif /* __THREADLEAK_MONITOR_H */
