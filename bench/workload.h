/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every bench/ workload shares with the harness (bench/run.sh): it
 * prints "ready pid=N", is held until a line (or end of file) on stdin so
 * that a tracer can attach first, does a fixed amount of work, and prints
 * "result workload=NAME ops=N elapsed_s=S cpu_s=C": S from CLOCK_MONOTONIC,
 * C the CPU time (user + system) used meanwhile.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static inline long parse_count(const char *arg, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < min || n > max) {
		fprintf(stderr, "%s: bad number '%s': expected %ld to %ld\n",
			program_invocation_short_name, arg, min, max);
		exit(2);
	}
	return n;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double timeval_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * CPU time used so far, user and system, by all the process's threads and,
 * with @children, by the children it waited for.
 */
static inline double cpu_s(bool children)
{
	struct rusage self, kids = {};

	getrusage(RUSAGE_SELF, &self);
	if (children)
		getrusage(RUSAGE_CHILDREN, &kids);
	return timeval_s(self.ru_utime) + timeval_s(self.ru_stime) + timeval_s(kids.ru_utime) +
	       timeval_s(kids.ru_stime);
}

/* Reads stdin up to the end of a line; false at end of file. */
static inline bool read_line(void)
{
	char c;

	while (read(STDIN_FILENO, &c, 1) == 1)
		if (c == '\n')
			return true;
	return false;
}

/* Held until the harness says go. */
static inline void wait_for_start(void)
{
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	read_line();
}

#endif /* BENCH_WORKLOAD_H */
