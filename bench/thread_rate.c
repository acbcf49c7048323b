// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: thread creation at a set rate. CREATORS
 * threads (2 by default) together start RATE threads a second for SECONDS
 * seconds; each new thread returns at once and is joined. A creator that
 * falls behind creates without pause, so the achieved rate is printed too:
 * it is the machine's limit when it is below RATE. The run lasts SECONDS
 * whatever the rate.
 *
 *     thread_rate RATE SECONDS [CREATORS]
 *
 * Prints "ready pid=N", waits for a line (or end of file) on stdin so that a
 * tracer can attach first, then prints
 * "result workload=thread_rate ops=N elapsed_s=S rate=R target=RATE".
 */
#include "workload.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CREATORS 16
#define BATCH 64

static pthread_barrier_t start_line;
static double rate_per_creator, seconds, start;

static void *thread_returns(void *arg)
{
	return arg;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - (time_t)t) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Starts threads in batches of up to BATCH, keeping to its share of the rate,
 * until SECONDS have passed.
 */
static void *creator(void *arg)
{
	long *nr_created = arg;
	long created = 0, due, batch, i;
	pthread_t thread[BATCH];
	double elapsed, next;
	int err;

	pthread_barrier_wait(&start_line);
	while ((elapsed = now_s() - start) < seconds) {
		due = (long)(elapsed * rate_per_creator) + 1;
		if (created >= due) {
			next = start + created / rate_per_creator;
			sleep_until(next < start + seconds ? next : start + seconds);
			continue;
		}
		batch = due - created < BATCH ? due - created : BATCH;
		for (i = 0; i < batch; i++) {
			err = pthread_create(&thread[i], NULL, thread_returns, NULL);
			if (err) {
				fprintf(stderr, "thread_rate: pthread_create: %s\n", strerror(err));
				exit(1);
			}
		}
		for (i = 0; i < batch; i++)
			pthread_join(thread[i], NULL);
		created += batch;
	}
	*nr_created = created;
	return NULL;
}

int main(int argc, char **argv)
{
	long rate, creators = 2, created = 0, nr_created[MAX_CREATORS], i;
	pthread_t thread[MAX_CREATORS];
	double elapsed;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: thread_rate RATE SECONDS [CREATORS]\n");
		return 2;
	}
	rate = parse_count(argv[1], 1, 100000000);
	seconds = parse_count(argv[2], 1, 3600);
	if (argc > 3)
		creators = parse_count(argv[3], 1, MAX_CREATORS);
	rate_per_creator = (double)rate / creators;

	pthread_barrier_init(&start_line, NULL, creators + 1);
	for (i = 0; i < creators; i++) {
		err = pthread_create(&thread[i], NULL, creator, &nr_created[i]);
		if (err) {
			fprintf(stderr, "thread_rate: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	wait_for_start();
	start = now_s();
	pthread_barrier_wait(&start_line);
	for (i = 0; i < creators; i++) {
		pthread_join(thread[i], NULL);
		created += nr_created[i];
	}
	elapsed = now_s() - start;
	printf("result workload=thread_rate ops=%ld elapsed_s=%.6f rate=%.0f target=%ld\n", created,
	       elapsed, created / elapsed, rate);
	return 0;
}
