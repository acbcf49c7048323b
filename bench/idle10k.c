// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: a process with many idle threads. Starts
 * IDLE threads (10000 by default) that wait on a condition variable, as the
 * idle workers of a large pool do, and times a fixed amount of CPU work done
 * by WORKERS threads (2 by default) while they exist: what a tracer that
 * walks every thread costs a big process.
 *
 *     idle10k [IDLE [ITERATIONS [WORKERS]]]    (default 10000 400000000 2)
 *
 * Prints "ready pid=N" once every idle thread waits, waits for a line on
 * stdin so that a tracer can attach first, prints
 * "result workload=idle10k ops=N elapsed_s=S cpu_s=C" (S from CLOCK_MONOTONIC,
 * C the CPU time, user + system, the process used meanwhile), and then
 * stays alive, its idle threads still waiting, until a second line or end of
 * file on stdin, so that censuses can be timed on it.
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

#define MAX_WORKERS 64
#define IDLE_STACK_SIZE (64 * 1024)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_available = PTHREAD_COND_INITIALIZER;
static pthread_cond_t all_parked = PTHREAD_COND_INITIALIZER;
static long nr_idle = 10000, nr_parked;
static pthread_barrier_t start_line;
static long iterations = 400000000;
static unsigned long work_result;

/* An idle pool worker: waits for work that never comes. */
static void *idle_worker(void *arg)
{
	pthread_mutex_lock(&pool_lock);
	if (++nr_parked == nr_idle)
		pthread_cond_signal(&all_parked);
	for (;;)
		pthread_cond_wait(&work_available, &pool_lock);
	return arg;
}

/* The timed work: a xorshift generator, ITERATIONS steps. */
static void *cpu_worker(void *arg)
{
	unsigned long x = (unsigned long)arg * 2 + 1;
	long i;

	pthread_barrier_wait(&start_line);
	for (i = 0; i < iterations; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	__atomic_fetch_add(&work_result, x, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	long workers = 2, i;
	pthread_t thread, worker[MAX_WORKERS];
	double start, elapsed, cpu0, cpu;
	pthread_attr_t attr;
	int err;

	if (argc > 1)
		nr_idle = parse_count(argv[1], 0, 1000000);
	if (argc > 2)
		iterations = parse_count(argv[2], 1, 100000000000L);
	if (argc > 3)
		workers = parse_count(argv[3], 1, MAX_WORKERS);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, IDLE_STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < nr_idle; i++) {
		err = pthread_create(&thread, &attr, idle_worker, NULL);
		if (err) {
			fprintf(stderr, "idle10k: pthread_create of idle thread %ld: %s\n", i,
				strerror(err));
			return 1;
		}
	}
	pthread_mutex_lock(&pool_lock);
	while (nr_parked < nr_idle)
		pthread_cond_wait(&all_parked, &pool_lock);
	pthread_mutex_unlock(&pool_lock);

	pthread_barrier_init(&start_line, NULL, workers + 1);
	for (i = 0; i < workers; i++) {
		err = pthread_create(&worker[i], NULL, cpu_worker, (void *)i);
		if (err) {
			fprintf(stderr, "idle10k: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}

	wait_for_start();
	cpu0 = cpu_s(false);
	start = now_s();
	pthread_barrier_wait(&start_line);
	for (i = 0; i < workers; i++)
		pthread_join(worker[i], NULL);
	elapsed = now_s() - start;
	cpu = cpu_s(false) - cpu0;
	printf("result workload=idle10k ops=%ld elapsed_s=%.6f cpu_s=%.6f check=%lx\n",
	       iterations * workers, elapsed, cpu, work_result);
	fflush(stdout);

	/* Stay alive with the idle threads until the harness is done. */
	read_line();
	return 0;
}
