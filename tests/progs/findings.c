// SPDX-License-Identifier: GPL-2.0
/*
 * Shapes of thread bugs, and of healthy programs, for the findings tests.
 * Usage: findings SHAPE, where SHAPE is one of
 *
 *   leak-cond   a thread every 100 ms that waits on a condvar nobody signals
 *   leak-mutex  a thread every 100 ms that blocks on a mutex main holds
 *   leak-read   a thread every 100 ms that blocks reading a pipe nobody writes
 *   join        main joins a worker stuck on a condvar
 *   deadlock    two threads take lock_a and lock_b in opposite orders
 *   healthy     a busy fixed pool, request churn, a warm-up ramp, bursts
 *
 * It prints "ready" and, where tests need them, the tids involved.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held_by_main = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;
pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;
static int silent_pipe[2];

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg)) {
		perror("pthread_create");
		exit(1);
	}
	pthread_detach(t);
}

static void *leak_on_condvar(void *arg)
{
	pthread_mutex_lock(&cond_lock);
	for (;;)
		pthread_cond_wait(&never_signalled, &cond_lock);
	return NULL;
}

static void *leak_on_mutex(void *arg)
{
	pthread_mutex_lock(&held_by_main);
	pthread_mutex_unlock(&held_by_main);
	return NULL;
}

static void *leak_on_read(void *arg)
{
	char c;

	while (read(silent_pipe[0], &c, 1) > 0)
		;
	return NULL;
}

static void leak(void *(*fn)(void *))
{
	int i;

	printf("ready %d\n", getpid());
	fflush(stdout);
	for (i = 0; i < 600; i++) {
		spawn(fn, NULL);
		sleep_ms(100);
	}
	for (;;)
		pause();
}

static void *stuck_worker(void *arg)
{
	printf("worker %d\n", gettid());
	fflush(stdout);
	pthread_mutex_lock(&cond_lock);
	for (;;)
		pthread_cond_wait(&never_signalled, &cond_lock);
	return NULL;
}

static void join_stuck(void)
{
	pthread_t t;

	pthread_create(&t, NULL, stuck_worker, NULL);
	printf("main %d\nready\n", gettid());
	fflush(stdout);
	pthread_join(t, NULL);
}

static void *take_a_then_b(void *arg)
{
	printf("a_then_b %d\n", gettid());
	fflush(stdout);
	pthread_mutex_lock(&lock_a);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_b);
	return NULL;
}

static void *take_b_then_a(void *arg)
{
	printf("b_then_a %d\n", gettid());
	fflush(stdout);
	pthread_mutex_lock(&lock_b);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_a);
	return NULL;
}

static void deadlock(void)
{
	pthread_barrier_init(&both_hold, NULL, 2);
	spawn(take_a_then_b, NULL);
	spawn(take_b_then_a, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* Healthy: work flows through a fixed pool; nothing waits for long. */
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_nonempty = PTHREAD_COND_INITIALIZER;
static int queued;

static void *pool_worker(void *arg)
{
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (!queued)
			pthread_cond_wait(&queue_nonempty, &queue_lock);
		queued--;
		pthread_mutex_unlock(&queue_lock);
		sleep_ms(2);
	}
	return NULL;
}

static void *handle_request(void *arg)
{
	sleep_ms(1 + rand() % 5);
	return NULL;
}

static void *warm_worker(void *arg)
{
	for (;;)
		sleep_ms(50);
	return NULL;
}

static void *burst_worker(void *arg)
{
	sleep_ms(2000);
	return NULL;
}

static void healthy(void)
{
	unsigned long tick;
	int i;

	for (i = 0; i < 8; i++)
		spawn(pool_worker, NULL);
	printf("ready\n");
	fflush(stdout);
	for (tick = 0;; tick++) {
		pthread_t t;

		/* A job every 10 ms for the pool. */
		pthread_mutex_lock(&queue_lock);
		queued++;
		pthread_cond_signal(&queue_nonempty);
		pthread_mutex_unlock(&queue_lock);
		/* 200 short-lived request threads a second, joined. */
		for (i = 0; i < 2; i++)
			if (!pthread_create(&t, NULL, handle_request, NULL))
				pthread_join(t, NULL);
		/* Warm-up: 24 threads over the first ~1.5 s, then no more. */
		if (tick < 96 && tick % 4 == 0)
			spawn(warm_worker, NULL);
		/* A burst of 50 threads every 8 s, gone 2 s later. */
		if (tick % 800 == 400)
			for (i = 0; i < 50; i++)
				spawn(burst_worker, NULL);
		sleep_ms(10);
	}
}

int main(int argc, char **argv)
{
	const char *shape = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(shape, "leak-cond")) {
		leak(leak_on_condvar);
	} else if (!strcmp(shape, "leak-mutex")) {
		pthread_mutex_lock(&held_by_main);
		printf("main %d\n", gettid());
		leak(leak_on_mutex);
	} else if (!strcmp(shape, "leak-read")) {
		if (pipe(silent_pipe))
			return 1;
		leak(leak_on_read);
	} else if (!strcmp(shape, "join")) {
		join_stuck();
	} else if (!strcmp(shape, "deadlock")) {
		deadlock();
	} else if (!strcmp(shape, "healthy")) {
		healthy();
	} else {
		fprintf(stderr, "usage: findings leak-cond|leak-mutex|leak-read|join|deadlock|healthy\n");
		return 2;
	}
	return 0;
}
