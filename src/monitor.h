/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threadleak monitor: every process on the host, continuously. Findings go
 * out as JSON lines (when established, and again only when they change);
 * metrics to Prometheus over HTTP and/or a node_exporter textfile.
 */
#ifndef __THREADLEAK_MONITOR_H
#define __THREADLEAK_MONITOR_H

#include "env.h"

/* Runs until SIGTERM or SIGINT. Returns the exit status. */
int monitor_run(struct env *env, int argc, char **argv);

#endif /* __THREADLEAK_MONITOR_H */
