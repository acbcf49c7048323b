// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: a hundred thousand threads (issue 15), in
 * one process or spread over several. Each process starts its share of
 * THREADS threads (16 KB stacks), which then either
 *  - idle: wait forever, the even ones in a futex (a condition variable that
 *    is never signalled), the odd ones in read() on a pipe never written,
 *    as leaked threads do; or
 *  - waking: sleep 1 to 4 s in nanosleep() and wake again, over and over, so
 *    that every census finds most of them in a new wait.
 *
 *     threads100k THREADS [PROCS [idle|waking]]    (default 100000 1 idle)
 *
 * With PROCS 1 the threads are the main process's own; with more, PROCS
 * children (forked first) hold THREADS / PROCS threads each. Prints
 * "ready pid=N threads=T pids=P1,P2,..." (the processes that hold the
 * threads, T their threads in all, main threads included) once every thread
 * waits (the waking ones start waking then, all at once, to be created
 * fast), then holds them until a line or end of file on stdin. A child ends
 * when the parent dies (PR_SET_PDEATHSIG), so none outlives a killed harness.
 */
#include "workload.h"
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (16 * 1024)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int never_written[2];
static bool waking;
static int started; /* futex word: waking threads begin once all exist */

static void *idle_thread(void *arg)
{
	char c;

	if (waking) {
		unsigned int seed = (unsigned long)arg;

		while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
			syscall(SYS_futex, &started, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		for (;;) {
			struct timespec ts = { 1 + rand_r(&seed) % 3, rand_r(&seed) % 1000000000 };

			nanosleep(&ts, NULL);
		}
	}
	if ((unsigned long)arg % 2) {
		while (read(never_written[0], &c, 1) < 0)
			;
		return NULL;
	}
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

/* Start @n threads in this process; exits on failure. */
static void start_threads(long n)
{
	pthread_attr_t attr;
	pthread_t th;
	long i;
	int err;

	if (pipe(never_written)) {
		perror("threads100k: pipe");
		exit(1);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	for (i = 0; i < n; i++) {
		err = pthread_create(&th, &attr, idle_thread, (void *)i);
		if (err) {
			fprintf(stderr, "threads100k: thread %ld of %ld: %s (raise kernel.pid_max, "
					"kernel.threads-max, vm.max_map_count)\n",
				i, n, strerror(err));
			exit(1);
		}
	}
	pthread_attr_destroy(&attr);
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &started, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void hold(void)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin))
		return;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? parse_count(argv[1], 1, 1000000) : 100000;
	long procs = argc > 2 ? parse_count(argv[2], 1, 10000) : 1;
	pid_t parent = getpid(), *pids;
	int ready[2];
	long i;
	char c;

	waking = argc > 3 && !strcmp(argv[3], "waking");
	if (argc > 3 && !waking && strcmp(argv[3], "idle")) {
		fprintf(stderr, "usage: threads100k [THREADS [PROCS [idle|waking]]]\n");
		return 2;
	}
	if (procs == 1) {
		start_threads(threads - 1);
		printf("ready pid=%d threads=%ld pids=%d\n", parent, threads, parent);
		fflush(stdout);
		hold();
		return 0;
	}
	pids = calloc(procs, sizeof(*pids));
	if (!pids || pipe(ready)) {
		perror("threads100k");
		return 1;
	}
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("threads100k: fork");
			return 1;
		}
		if (!pids[i]) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(1);
			close(ready[0]);
			start_threads(threads / procs - 1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	for (i = 0; i < procs; i++)
		if (read(ready[0], &c, 1) != 1) {
			fprintf(stderr, "threads100k: a child did not start its threads\n");
			return 1;
		}
	printf("ready pid=%d threads=%ld pids=", parent, threads / procs * procs);
	for (i = 0; i < procs; i++)
		printf("%s%d", i ? "," : "", pids[i]);
	printf("\n");
	fflush(stdout);
	hold();
	for (i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
