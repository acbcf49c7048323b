// SPDX-License-Identifier: GPL-2.0
/*
 * Thread shapes for the live tests. Commands come from argv (before
 * threadleak attaches) and then from stdin, one per line:
 *
 *   idle N     N threads asleep in pause()
 *   mutex N    N threads blocked on a mutex that main holds
 *   cond N     N threads waiting on a condvar nobody signals
 *   sem N      N threads waiting on a semaphore nobody posts
 *   locks N    N threads, each blocked on a mutex of its own that main holds
 *              (at most 4096: a lock symbol each)
 *   tick N     N threads in 10 ms condvar waits that time out, one after
 *              another: a new futex wait at every census
 *   exit N     N detached threads that return at once
 *   churn N    N threads created and joined, 16 at a time
 *   exec N     a new thread execs "sleep 1000" (N is ignored)
 *   reuse N    N times: a thread exits, and a new one that waits on the
 *              condvar gets its tid (through ns_last_pid; needs root)
 *   quit       exit the process
 *
 * After each command, it checks its own /proc/self/task until every thread
 * is where the command put it (futex waits counted from the syscall file),
 * then prints "ok <threads> <futex waiters>". Main waits in read(), the idle
 * threads in pause(): neither is a futex wait.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static sem_t empty;
static int threads = 1, futex_waiters;
static volatile pid_t reused_tid;

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *mutex_waiter(void *arg)
{
	pthread_mutex_lock(&held);
	pthread_mutex_unlock(&held);
	return NULL;
}

static pthread_mutex_t locks[4096];
static int nr_locks;

static void *lock_waiter(void *arg)
{
	pthread_mutex_t *m = arg;

	pthread_mutex_lock(m);
	pthread_mutex_unlock(m);
	return NULL;
}

static void start_locks(int n)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	while (n-- > 0 && nr_locks < 4096) {
		pthread_mutex_t *m = &locks[nr_locks++];

		pthread_mutex_init(m, NULL);
		pthread_mutex_lock(m);
		if (pthread_create(&t, &attr, lock_waiter, m)) {
			perror("pthread_create");
			exit(1);
		}
		threads++;
		futex_waiters++;
	}
	pthread_attr_destroy(&attr);
}

static void *ticker(void *arg)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	struct timespec ts;

	pthread_mutex_lock(&lock);
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&cond, &lock, &ts);
	}
	return NULL;
}

static void *cond_waiter(void *arg)
{
	pthread_mutex_lock(&cond_lock);
	for (;;)
		pthread_cond_wait(&never, &cond_lock);
	return NULL;
}

static void *sem_waiter(void *arg)
{
	sem_wait(&empty);
	return NULL;
}

static void *exiter(void *arg)
{
	return NULL;
}

static void *tid_reporter(void *arg)
{
	reused_tid = gettid();
	return cond_waiter(arg);
}

static void *tid_exiter(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

/* Make the next thread get @tid: the kernel hands out last_pid + 1. */
static void set_next_tid(pid_t tid)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");

	if (!f || fprintf(f, "%d", tid - 1) < 0 || fclose(f)) {
		perror("ns_last_pid");
		exit(1);
	}
}

static void reuse(int n)
{
	pthread_attr_t attr;
	pthread_t t;
	pid_t old;
	int i, tries;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i < n; i++) {
		pthread_create(&t, &attr, tid_exiter, &old);
		pthread_join(t, NULL);
		/* Another process may take the tid first; try again. */
		for (tries = 0; tries < 100; tries++) {
			reused_tid = 0;
			set_next_tid(old);
			pthread_create(&t, &attr, tid_reporter, NULL);
			while (!reused_tid)
				sched_yield();
			threads++;
			futex_waiters++;
			if (reused_tid == old)
				break;
		}
		if (reused_tid != old) {
			fprintf(stderr, "threads: tid %d was never reused\n", old);
			exit(1);
		}
	}
	pthread_attr_destroy(&attr);
}

static void *execer(void *arg)
{
	execl("/bin/sleep", "sleep", "1000", (char *)NULL);
	perror("execl");
	exit(1);
}

static void start(void *(*fn)(void *), int n, int detached)
{
	pthread_attr_t attr;
	pthread_t t;
	int i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, &attr, fn, NULL)) {
			perror("pthread_create");
			exit(1);
		}
	}
	pthread_attr_destroy(&attr);
}

static void churn(int n)
{
	pthread_t t[16];
	int i, j, batch;

	for (i = 0; i < n; i += batch) {
		batch = n - i < 16 ? n - i : 16;
		for (j = 0; j < batch; j++)
			if (pthread_create(&t[j], NULL, exiter, NULL)) {
				perror("pthread_create");
				exit(1);
			}
		for (j = 0; j < batch; j++)
			pthread_join(t[j], NULL);
	}
}

/* Count our threads, and those asleep in futex (syscall 202). */
static void census(int *nr_threads, int *nr_futex)
{
	char path[300], buf[256];
	struct dirent *de;
	DIR *dir;
	FILE *f;

	*nr_threads = *nr_futex = 0;
	dir = opendir("/proc/self/task");
	if (!dir)
		exit(1);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		(*nr_threads)++;
		snprintf(path, sizeof(path), "/proc/self/task/%s/syscall", de->d_name);
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f) && !strncmp(buf, "202 ", 4))
			(*nr_futex)++;
		if (f)
			fclose(f);
	}
	closedir(dir);
}

static void settle(void)
{
	struct timespec ms = { 0, 1000000 };
	int nt, nf, tries;

	for (tries = 0; tries < 20000; tries++) {
		census(&nt, &nf);
		if (nt == threads && nf == futex_waiters) {
			printf("ok %d %d\n", nt, nf);
			fflush(stdout);
			return;
		}
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "threads: never settled: %d threads (want %d), %d futex (want %d)\n", nt,
		threads, nf, futex_waiters);
	exit(1);
}

static void run(const char *cmd)
{
	char what[16];
	int n;

	if (!strncmp(cmd, "quit", 4))
		exit(0);
	if (sscanf(cmd, "%15s %d", what, &n) != 2 || n < 0) {
		fprintf(stderr, "threads: bad command: %s\n", cmd);
		exit(2);
	}
	if (!strcmp(what, "idle")) {
		start(idle_thread, n, 0);
		threads += n;
	} else if (!strcmp(what, "mutex")) {
		start(mutex_waiter, n, 0);
		threads += n;
		futex_waiters += n;
	} else if (!strcmp(what, "cond")) {
		start(cond_waiter, n, 0);
		threads += n;
		futex_waiters += n;
	} else if (!strcmp(what, "locks")) {
		start_locks(n);
	} else if (!strcmp(what, "tick")) {
		start(ticker, n, 0);
		threads += n;
		futex_waiters += n;
	} else if (!strcmp(what, "sem")) {
		start(sem_waiter, n, 0);
		threads += n;
		futex_waiters += n;
	} else if (!strcmp(what, "exit")) {
		start(exiter, n, 1);
	} else if (!strcmp(what, "churn")) {
		churn(n);
	} else if (!strcmp(what, "reuse")) {
		reuse(n);
	} else if (!strcmp(what, "exec")) {
		start(execer, 1, 1);
		for (;;)
			pause(); /* until exec kills this thread */
	} else {
		fprintf(stderr, "threads: unknown command: %s\n", what);
		exit(2);
	}
	settle();
}

int main(int argc, char **argv)
{
	char line[128];
	int i;

	sem_init(&empty, 0, 0);
	pthread_mutex_lock(&held);
	for (i = 1; i < argc; i++)
		run(argv[i]);
	if (argc == 1)
		settle();
	while (fgets(line, sizeof(line), stdin))
		run(line);
	return 0;
}
