// SPDX-License-Identifier: GPL-2.0
/*
 * A library loaded after the program started, whose threads leak: for the
 * test that threadleak names a start routine in a module mapped after it
 * first read the process's maps (tests/live/dlopen.sh).
 *
 * Built twice from this file: as the program (tests/progs' rule), and by
 * the test with -DDLOPEN_LIB -shared -fPIC as the library.
 *
 *   dlopen_threads LIBRARY   prints "ready PID", waits for a line on stdin,
 *                            then dlopens LIBRARY and calls its
 *                            dlopened_leak(): a thread every 100 ms that
 *                            waits on a condvar nobody signals
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifdef DLOPEN_LIB
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;

static void *dlopened_worker(void *arg)
{
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never_signalled, &lock);
	return NULL;
}

void dlopened_leak(void);
void dlopened_leak(void)
{
	struct timespec ms100 = { .tv_nsec = 100 * 1000 * 1000 };
	pthread_t t;
	int i;

	for (i = 0; i < 600; i++) {
		if (pthread_create(&t, NULL, dlopened_worker, NULL)) {
			perror("pthread_create");
			exit(1);
		}
		pthread_detach(t);
		nanosleep(&ms100, NULL);
	}
}
#else
int main(int argc, char **argv)
{
	void (*leak)(void);
	char line[16];
	void *lib;

	if (argc != 2) {
		fprintf(stderr, "usage: dlopen_threads LIBRARY\n");
		return 2;
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "dlopen_threads: %s\n", dlerror());
		return 1;
	}
	leak = (void (*)(void))dlsym(lib, "dlopened_leak");
	if (!leak) {
		fprintf(stderr, "dlopen_threads: %s\n", dlerror());
		return 1;
	}
	printf("loaded\n");
	fflush(stdout);
	leak();
	for (;;)
		pause();
}
#endif
