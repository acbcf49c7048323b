// SPDX-License-Identifier: GPL-2.0
/*
 * Long-lived threads under thread churn on every CPU, for the census walk's
 * resume test (tests/live/census_resume_churn.sh):
 *
 *     census_churn KEEP LATE
 *
 * Starts KEEP threads asleep in pause(), named "keep", prints
 * "ready pid=N" and waits for a line on stdin. Then, until a second line or
 * end of file, one creator thread per CPU (pinned) creates detached threads
 * that live 0-1 ms and exit; the creator on the last CPU also creates a
 * "keep" thread every 10 ms, LATE of them in all, so that long-lived threads
 * are created at the same moments as short-lived ones on the other CPUs (the
 * kernel may then link them into the thread list out of start-time order).
 * Prints "done created=N keep=M" at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#define MAX_CPUS 64
#define KEEP_EVERY_NS 10000000ULL

static atomic_bool stopping;
static atomic_long created, keep_started;
static long late_left;

static void *keep_thread(void *arg)
{
	prctl(PR_SET_NAME, "keep");
	atomic_fetch_add(&keep_started, 1);
	for (;;)
		pause();
	return NULL;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *short_thread(void *arg)
{
	struct timespec ts = { 0, (long)(unsigned long)arg % 1000 * 1000 };

	nanosleep(&ts, NULL);
	return NULL;
}

static int start_detached(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 << 10);
	err = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

static void *creator(void *arg)
{
	long cpu = (long)arg;
	__u64 next_keep = 0, now;
	bool last = cpu + 1 == sysconf(_SC_NPROCESSORS_ONLN) || cpu + 1 == MAX_CPUS;
	unsigned int seed = cpu;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!atomic_load(&stopping)) {
		now = last && late_left > 0 ? now_ns() : 0;
		if (now && now >= next_keep) {
			if (!start_detached(keep_thread, NULL))
				late_left--;
			next_keep = now + KEEP_EVERY_NS;
			continue;
		}
		if (!start_detached(short_thread, (void *)(unsigned long)rand_r(&seed)))
			atomic_fetch_add(&created, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long keep, i, cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t creators[MAX_CPUS];
	char line[64];

	if (argc != 3) {
		fprintf(stderr, "usage: census_churn KEEP LATE\n");
		return 2;
	}
	keep = atol(argv[1]);
	late_left = atol(argv[2]);
	if (cpus > MAX_CPUS)
		cpus = MAX_CPUS;
	for (i = 0; i < keep; i++) {
		if (start_detached(keep_thread, NULL)) {
			fprintf(stderr, "census_churn: thread %ld of %ld: cannot create\n", i, keep);
			return 1;
		}
	}
	while (atomic_load(&keep_started) < keep)
		usleep(1000);
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	for (i = 0; i < cpus; i++)
		pthread_create(&creators[i], NULL, creator, (void *)i);
	fgets(line, sizeof(line), stdin);
	atomic_store(&stopping, true);
	for (i = 0; i < cpus; i++)
		pthread_join(creators[i], NULL);
	printf("done created=%ld keep=%ld\n", atomic_load(&created),
	       atomic_load(&keep_started));
	fflush(stdout);
	return 0;
}
