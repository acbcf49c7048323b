// SPDX-License-Identifier: GPL-2.0
/*
 * Churn for the monitor: for SECONDS seconds, RATE short-lived processes a
 * second, each starting THREADS threads that end at once. Prints "done N"
 * with the number of processes it started.
 *
 * Usage: proc_churn SECONDS RATE THREADS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static void *short_lived(void *arg)
{
	return NULL;
}

static void child(int threads)
{
	pthread_t t[64];
	int i;

	for (i = 0; i < threads && i < 64; i++)
		pthread_create(&t[i], NULL, short_lived, NULL);
	for (i = 0; i < threads && i < 64; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs, start, next;
	int rate, threads;
	long started = 0;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: proc_churn SECONDS RATE THREADS\n");
		return 2;
	}
	secs = atof(argv[1]);
	rate = atoi(argv[2]);
	threads = atoi(argv[3]);
	start = next = now();
	while (now() - start < secs) {
		pid = fork();
		if (pid == 0)
			child(threads);
		if (pid > 0)
			started++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		next += 1.0 / rate;
		while (now() < next)
			usleep(200);
	}
	while (wait(NULL) > 0)
		;
	printf("done %ld\n", started);
	return 0;
}
