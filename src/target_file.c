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

struct slurp_job {
	char path[PATH_MAX];
	size_t max;
	char *data; /* the reader's, handed over on time */
	size_t len;
};

static long slurp_job_run(void *io)
{
	struct slurp_job *job = io;
	size_t cap = 4096;
	ssize_t n;
	int fd;

	fd = open(job->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	job->data = malloc(cap + 1);
	job->len = 0;
	while (job->data) {
		if (job->len == cap) {
			char *more = cap < job->max ? realloc(job->data, 2 * cap + 1) : NULL;

			if (!more)
				break; /* cut at max */
			job->data = more;
			cap *= 2;
		}
		n = read(fd, job->data + job->len, (cap < job->max ? cap : job->max) - job->len);
		if (n <= 0)
			break;
		job->len += n;
	}
	close(fd);
	if (!job->data)
		return -ENOMEM;
	job->data[job->len] = '\0';
	return job->len;
}

static void slurp_job_release(void *io, long ret)
{
	free(((struct slurp_job *)io)->data);
}

/* The bytes of a target's file, a stream's own: fclose() frees them. */
struct slurped {
	char *data;
	size_t len, pos;
};

static ssize_t slurped_read(void *cookie, char *buf, size_t size)
{
	struct slurped *s = cookie;
	size_t n = s->len - s->pos < size ? s->len - s->pos : size;

	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return n;
}

static int slurped_seek(void *cookie, off64_t *off, int whence)
{
	struct slurped *s = cookie;
	off64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (off64_t)s->pos : (off64_t)s->len;

	if (*off < -base || *off > (off64_t)s->len - base) {
		errno = EINVAL;
		return -1;
	}
	s->pos = base + *off;
	*off = s->pos;
	return 0;
}

static int slurped_close(void *cookie)
{
	struct slurped *s = cookie;

	free(s->data);
	free(s);
	return 0;
}

FILE *target_proc_fopen(const char *path, size_t max)
{
	static const cookie_io_functions_t io = {
		.read = slurped_read,
		.seek = slurped_seek,
		.close = slurped_close,
	};
	struct slurp_job job = { .max = max };
	struct slurped *s;
	char *fit;
	FILE *f;
	long n;

	if (strlen(path) >= sizeof(job.path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(job.path, path);
	n = target_call(slurp_job_run, slurp_job_release, &job, sizeof(job), sizeof(job));
	if (n < 0) {
		errno = -n;
		return NULL;
	}
	/* a stream over the bytes read, not a copy of them (the maps of
	 * 100,000 threads are 10 MB) */
	fit = realloc(job.data, job.len + 1);
	if (fit)
		job.data = fit;
	s = malloc(sizeof(*s));
	f = s ? fopencookie(s, "r", io) : NULL;
	if (!f) {
		free(s);
		free(job.data);
		return NULL;
	}
	*s = (struct slurped){ .data = job.data, .len = job.len };
	return f;
}
