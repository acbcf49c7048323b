// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: a contended mutex. THREADS threads (4 by
 * default, on a 2-CPU machine) each take one pthread mutex ITERATIONS times
 * to update a shared counter, so the lock is contended and waiters sleep in
 * FUTEX_WAIT.
 *
 *     mutex [ITERATIONS [THREADS]]     (default 250000 4)
 *
 * Prints "ready pid=N", waits for a line (or end of file) on stdin so that a
 * tracer can attach first, then prints
 * "result workload=mutex ops=N elapsed_s=S cpu_s=C", N being the total
 * number of lock acquisitions, S from CLOCK_MONOTONIC, C the CPU time (user +
 * system) the process used meanwhile.
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

#define MAX_THREADS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start_line;
static long iterations = 250000;
static volatile unsigned long counter;

static void *locker(void *arg)
{
	long i;

	pthread_barrier_wait(&start_line);
	for (i = 0; i < iterations; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	long threads = 4, i;
	pthread_t thread[MAX_THREADS];
	double start, elapsed, cpu0, cpu;
	int err;

	if (argc > 1)
		iterations = parse_count(argv[1], 1, 1000000000);
	if (argc > 2)
		threads = parse_count(argv[2], 1, MAX_THREADS);
	/* The lockers start together, when main joins them at the barrier. */
	pthread_barrier_init(&start_line, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		err = pthread_create(&thread[i], NULL, locker, NULL);
		if (err) {
			fprintf(stderr, "mutex: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	wait_for_start();
	cpu0 = cpu_s(false);
	start = now_s();
	pthread_barrier_wait(&start_line);
	for (i = 0; i < threads; i++)
		pthread_join(thread[i], NULL);
	elapsed = now_s() - start;
	cpu = cpu_s(false) - cpu0;
	if (counter != (unsigned long)(iterations * threads)) {
		fprintf(stderr, "mutex: counter is %lu, expected %ld\n", counter,
			iterations * threads);
		return 1;
	}
	printf("result workload=mutex ops=%ld elapsed_s=%.6f cpu_s=%.6f\n", iterations * threads,
	       elapsed, cpu);
	return 0;
}
