// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "target_call.h"
#include "target_file.h"

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/* @path inside @root: symlinks, "..", absolute names all stay in it. */
static int open_in_root(const char *root, const char *path)
{
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int dir, fd;

	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	fd = syscall(SYS_openat2, dir, path, &how, sizeof(how));
	fd = fd < 0 ? -errno : fd;
	close(dir);
	return fd;
}

static int check_file(int fd)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) || fstatfs(fd, &sfs))
		return -errno;
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > TARGET_FILE_MAX_SIZE ||
	    sfs.f_type == FUSE_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	return 0;
}

struct open_job {
	bool in_root;
	char root[PATH_MAX];
	char path[PATH_MAX];
};

static long open_job_run(void *io)
{
	struct open_job *job = io;
	int fd, err;

	fd = job->in_root ? open_in_root(job->root, job->path) : open(job->path, OPEN_FLAGS);
	if (fd < 0)
		return job->in_root ? fd : -errno;
	err = check_file(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static void open_job_release(void *io, long fd)
{
	if (fd >= 0)
		close(fd);
}

/* On a reader: an open on a FUSE mount waits for its server (target_call.h). */
int target_file_open(const char *root, const char *path)
{
	struct open_job job = { .in_root = root != NULL };

	if ((root && strlen(root) >= sizeof(job.root)) || strlen(path) >= sizeof(job.path))
		return -ENAMETOOLONG;
	if (root)
		strcpy(job.root, root);
	strcpy(job.path, path);
	return target_call(open_job_run, open_job_release, &job, sizeof(job), sizeof(job));
}

/* A target's /proc file, read a chunk at a time on a reader (lent to it). */
#define PROC_CHUNK (64u << 10)

struct proc_chunk_job {
	char path[PATH_MAX];
	int fd;	     /* -1: open path first */
	size_t want; /* at most PROC_CHUNK */
	char data[PROC_CHUNK];
};

static long proc_chunk_run(void *io)
{
	struct proc_chunk_job *job = io;
	ssize_t n;

	if (job->fd < 0) {
		job->fd = open(job->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (job->fd < 0)
			return -errno;
	}
	if (!job->want)
		return 0;
	n = read(job->fd, job->data, job->want);
	return n < 0 ? 0 : n; /* an error ends the file, as it always did */
}

static void proc_chunk_release(void *io, long ret)
{
	struct proc_chunk_job *job = io;

	if (job->fd >= 0)
		close(job->fd);
	free(job);
}

/* The stream's state: a stream's own; fclose() closes and frees it. */
struct proc_stream {
	struct proc_chunk_job *job; /* NULL once lost to a stuck reader */
	size_t left;		    /* bytes the maximum still allows */
	size_t len, pos;	    /* of job->data */
	bool eof;
	struct timespec start;
};

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* The next chunk: 0, -ETIMEDOUT (the job is then the reader's) or -errno. */
static int proc_stream_fill(struct proc_stream *s)
{
	long n;

	s->job->want = s->left < PROC_CHUNK ? s->left : PROC_CHUNK;
	n = target_call_lend(proc_chunk_run, proc_chunk_release, s->job);
	if (n == -ETIMEDOUT)
		s->job = NULL;
	if (n < 0)
		return n;
	s->len = n;
	s->pos = 0;
	s->left -= n;
	s->eof = !n;
	return 0;
}

static ssize_t proc_stream_read(void *cookie, char *buf, size_t size)
{
	struct proc_stream *s = cookie;
	size_t n;
	int err;

	if (s->pos == s->len && !s->eof) {
		/* no chunk started past one reader's time from the open, as
		 * when the file was read in one call */
		err = !s->job ? -ETIMEDOUT :
		      elapsed_ms(&s->start) > TARGET_CALL_TIMEOUT_MS ? -ETIMEDOUT :
								       proc_stream_fill(s);
		if (err) {
			errno = -err;
			return -1;
		}
	}
	n = s->len - s->pos < size ? s->len - s->pos : size;
	memcpy(buf, s->job->data + s->pos, n);
	s->pos += n;
	return n;
}

static int proc_stream_close(void *cookie)
{
	struct proc_stream *s = cookie;

	if (s->job)
		proc_chunk_release(s->job, 0);
	free(s);
	return 0;
}

int target_proc_ferror(FILE *f)
{
	return ferror(f) ? (errno ? -errno : -EIO) : 0;
}

FILE *target_proc_fopen(const char *path, size_t max)
{
	static const cookie_io_functions_t io = {
		.read = proc_stream_read,
		.close = proc_stream_close,
	};
	struct proc_stream *s;
	FILE *f;
	int err;

	if (strlen(path) >= sizeof(s->job->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->job = malloc(sizeof(*s->job)))) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	strcpy(s->job->path, path);
	s->job->fd = -1;
	s->left = max;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	/* open and the first chunk in one call: a target holding its mmap
	 * lock from the start fails the open, as before */
	err = proc_stream_fill(s);
	f = err ? NULL : fopencookie(s, "r", io);
	if (!f) {
		proc_stream_close(s);
		errno = err ? -err : ENOMEM;
		return NULL;
	}
	return f;
}
