// SPDX-License-Identifier: GPL-2.0
/*
 * The program `make demo` traces: a small service with a healthy worker
 * pool and short-lived request threads, and a bug: every 100 ms it starts a
 * thread that waits for a configuration update nobody ever sends.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_LEAKED 1000

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t config_changed = PTHREAD_COND_INITIALIZER;
static int config_version;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The leak: waits for a config change that never comes. */
static void *wait_for_config(void *arg)
{
	int seen;

	pthread_mutex_lock(&config_lock);
	seen = config_version;
	while (config_version == seen)
		pthread_cond_wait(&config_changed, &config_lock);
	pthread_mutex_unlock(&config_lock);
	return NULL;
}

/* The pool: healthy, fixed size. */
static void *pool_worker(void *arg)
{
	for (;;)
		sleep_ms(50);
	return NULL;
}

/* Requests: one short-lived thread each, joined. Healthy churn. */
static void *handle_request(void *arg)
{
	sleep_ms(5);
	return NULL;
}

int main(void)
{
	pthread_t t;
	int i, leaked = 0;

	for (i = 0; i < 4; i++)
		pthread_create(&t, NULL, pool_worker, NULL);
	for (;;) {
		if (pthread_create(&t, NULL, handle_request, NULL) == 0)
			pthread_join(t, NULL);
		if (leaked < MAX_LEAKED && pthread_create(&t, NULL, wait_for_config, NULL) == 0) {
			pthread_detach(t);
			leaked++;
		}
		sleep_ms(95);
	}
	return 0;
}
