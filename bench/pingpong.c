// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: a futex ping-pong. Two threads hand a
 * token back and forth ROUNDS times through two semaphores (sem_post and
 * sem_wait: FUTEX_WAKE and FUTEX_WAIT_BITSET), so nearly every round trip is
 * two futex waits and two wake-ups.
 *
 *     pingpong [ROUNDS]      (default 20000)
 *
 * Prints "ready pid=N", waits for a line (or end of file) on stdin so that a
 * tracer can attach first, then prints
 * "result workload=pingpong ops=N elapsed_s=S cpu_s=C": S from CLOCK_MONOTONIC,
 * C the CPU time (user + system) the process used meanwhile.
 */
#include "workload.h"
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static sem_t ping, pong;
static long rounds = 20000;

static void *partner(void *arg)
{
	long i;

	for (i = 0; i < rounds; i++) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	return arg;
}

int main(int argc, char **argv)
{
	double start, elapsed, cpu0, cpu;
	pthread_t thread;
	long i;
	int err;

	if (argc > 1)
		rounds = parse_count(argv[1], 1, 1000000000);
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	err = pthread_create(&thread, NULL, partner, NULL);
	if (err) {
		fprintf(stderr, "pingpong: pthread_create: %s\n", strerror(err));
		return 1;
	}
	wait_for_start();
	cpu0 = cpu_s(false);
	start = now_s();
	for (i = 0; i < rounds; i++) {
		sem_post(&ping);
		sem_wait(&pong);
	}
	elapsed = now_s() - start;
	cpu = cpu_s(false) - cpu0;
	pthread_join(thread, NULL);
	printf("result workload=pingpong ops=%ld elapsed_s=%.6f cpu_s=%.6f\n", rounds, elapsed,
	       cpu);
	return 0;
}
