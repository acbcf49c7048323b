// SPDX-License-Identifier: GPL-2.0
/*
 * fifo_libc: a process that makes the file it mapped as "libc.so.6" a FIFO,
 * to test that threadleak never opens it blocking. It maps a file named
 * libc.so.6 from a directory of its own, deletes it, creates a FIFO at the
 * name /proc/PID/maps now shows, first of the libc.so.6 there ("…/libc.so.6 (deleted)"), then starts N
 * threads that wait forever on a condition variable, prints "ready DIR"
 * and sleeps until killed.
 *
 *   fifo_libc N
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Below the real libc: /proc/PID/maps lists it first. */
#define FAKE_LIBC_ADDR ((void *)0x200000000ul)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *wait_forever(void *arg)
{
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/tl-fifo-XXXXXX", path[64], fifo[80];
	static char page[4096];
	int i, n = argc > 1 ? atoi(argv[1]) : 4, fd;
	pthread_t t;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/libc.so.6", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, page, sizeof(page)) != sizeof(page) ||
	    mmap(FAKE_LIBC_ADDR, sizeof(page), PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd,
		 0) == MAP_FAILED) {
		perror(path);
		return 1;
	}
	close(fd);
	unlink(path);
	snprintf(fifo, sizeof(fifo), "%s (deleted)", path);
	if (mkfifo(fifo, 0600)) {
		perror(fifo);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, wait_forever, NULL)) {
			perror("pthread_create");
			return 1;
		}
	printf("ready %s\n", dir);
	fflush(stdout);
	for (;;)
		pause();
}
