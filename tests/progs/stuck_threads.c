// SPDX-License-Identifier: GPL-2.0
/*
 * Threads that leaked before threadleak came, for tests/live/stuck.sh:
 * `stuck_threads N` starts N threads of stuck_worker, each waiting for ever
 * on one condition variable nobody signals; once all wait, it prints
 * "ready" and sleeps until killed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int waiting;

static void *stuck_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	waiting++;
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	int i, n, done;

	n = argc == 2 ? atoi(argv[1]) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: stuck_threads N\n");
		return 2;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, &attr, stuck_worker, NULL)) {
			perror("stuck_threads: pthread_create");
			return 1;
		}
	}
	do {
		usleep(10000);
		pthread_mutex_lock(&lock);
		done = waiting == n;
		pthread_mutex_unlock(&lock);
	} while (!done);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
