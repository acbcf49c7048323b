// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: thread churn. Creates and joins THREADS
 * threads, one after the other; each thread returns at once.
 *
 *     churn [THREADS]        (default 20000)
 *
 * Like every workload in bench/, it prints "ready pid=N", then waits for a
 * line (or end of file) on stdin so that a tracer can attach first, does its
 * fixed amount of work, and prints
 * "result workload=churn ops=N elapsed_s=S cpu_s=C": S from CLOCK_MONOTONIC,
 * C the CPU time (user + system) the process used meanwhile.
 */
#include "workload.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void *thread_returns(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? parse_count(argv[1], 1, 100000000) : 20000;
	double start, elapsed, cpu0, cpu;
	pthread_t thread;
	long i;
	int err;

	wait_for_start();
	cpu0 = cpu_s(false);
	start = now_s();
	for (i = 0; i < threads; i++) {
		err = pthread_create(&thread, NULL, thread_returns, NULL);
		if (err) {
			fprintf(stderr, "churn: pthread_create: %s\n", strerror(err));
			return 1;
		}
		pthread_join(thread, NULL);
	}
	elapsed = now_s() - start;
	cpu = cpu_s(false) - cpu0;
	printf("result workload=churn ops=%ld elapsed_s=%.6f cpu_s=%.6f\n", threads, elapsed, cpu);
	return 0;
}
