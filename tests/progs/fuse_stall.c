// SPDX-License-Identifier: GPL-2.0
/*
 * fuse_stall: a process whose "libc.so.6" is served by a FUSE file system
 * that stops answering, to test that a read of a target that sleeps in the
 * kernel costs threadleak one line and nothing else.
 *
 *   fuse_stall MOUNTPOINT N
 *
 * As root (only root may use /dev/fuse here), it mounts a file system with
 * one file, libc.so.6, on MOUNTPOINT; a child, as nobody, maps that file
 * below the real libc (so /proc/PID/maps names it first), starts N threads
 * that wait forever on a condition variable and prints "ready PID". The file
 * system answers that process alone: any other's request (an open of the
 * file, a lookup, a read) waits forever. Kill the parent to end it.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define FAKE_LIBC_ADDR ((void *)0x200000000ul)
#define FILE_SIZE 4096

static pid_t target_pid;
static const char *mountpoint;
static int nr_threads;

/* Answer the target alone: anyone else waits forever. */
static void stall_if_asked(void)
{
	struct fuse_context *ctx = fuse_get_context();

	while (target_pid && ctx->pid != target_pid)
		pause();
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	stall_if_asked();
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/libc.so.6"))
		return -ENOENT;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = FILE_SIZE;
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	stall_if_asked();
	return strcmp(path, "/libc.so.6") ? -ENOENT : 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	stall_if_asked();
	if (off >= FILE_SIZE)
		return 0;
	if (size > (size_t)(FILE_SIZE - off))
		size = FILE_SIZE - off;
	memset(buf, 0, size);
	return size;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *wait_forever(void *arg)
{
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

/* The target: as nobody, map the file, fault it in, start the threads. */
static void target(void)
{
	char path[4096];
	struct passwd *pw = getpwnam("nobody");
	volatile const char *map;
	pthread_t t;
	int fd, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	closefrom(3); /* not /dev/fuse: the connection ends with the server */
	if (!pw || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		perror("fuse_stall: nobody");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/libc.so.6", mountpoint);
	fd = open(path, O_RDONLY);
	map = fd < 0 ? MAP_FAILED :
		       mmap(FAKE_LIBC_ADDR, FILE_SIZE, PROT_READ,
			    MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	if (map == MAP_FAILED) {
		perror(path);
		exit(1);
	}
	(void)map[0];
	for (i = 0; i < nr_threads; i++)
		pthread_create(&t, NULL, wait_forever, NULL);
	printf("ready %d\n", getpid());
	fflush(stdout);
	for (;;)
		pause();
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	pid_t pid;

	/* nothing cached: every open asks the server */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	pid = fork();
	if (pid == 0)
		target();
	target_pid = pid;
	return NULL;
}

static const struct fuse_operations ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.open = fs_open,
	.read = fs_read,
};

int main(int argc, char **argv)
{
	char *args[] = { argv[0], "-f", "-s", "-o", "allow_other", NULL, NULL };

	if (argc < 3) {
		fprintf(stderr, "usage: fuse_stall MOUNTPOINT N\n");
		return 2;
	}
	mountpoint = argv[1];
	nr_threads = atoi(argv[2]);
	args[5] = argv[1];
	return fuse_main(6, args, &ops, NULL);
}
