// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "proc_mem.h"
#include "target_call.h"

#define MEM_MAX_IOV 1024 /* UIO_MAXIOV */
#define MEM_JOB_MAX (1u << 20)

/*
 * One process_vm_readv, as a reader runs it (target_call): the remote
 * ranges, then room for what they hold.
 */
struct mem_job {
	int pid;
	int nr;
	size_t len; /* sum of the ranges */
	struct iovec remote[];
	/* then len bytes of data */
};

static long mem_job_run(void *io)
{
	struct mem_job *job = io;
	struct iovec local[MEM_MAX_IOV];
	__u8 *data = (__u8 *)(job->remote + job->nr);
	ssize_t n;
	int i;

	for (i = 0; i < job->nr; i++) {
		local[i].iov_base = data;
		local[i].iov_len = job->remote[i].iov_len;
		data += job->remote[i].iov_len;
	}
	n = process_vm_readv(job->pid, local, job->nr, job->remote, job->nr, 0);
	return n < 0 ? -errno : n;
}

/* A job's buffer, kept from one read to the next (a census makes hundreds). */
static __thread struct mem_job *spare;
static __thread size_t spare_size;

static struct mem_job *job_buffer(size_t size)
{
	if (size > spare_size) {
		free(spare);
		spare = malloc(size);
		spare_size = spare ? size : 0;
	}
	return spare;
}

/* One job: @nr ranges, @len bytes in all. */
static ssize_t readv_job(int pid, const struct iovec *local, const struct iovec *remote, int nr,
			 size_t len)
{
	size_t head = sizeof(struct mem_job) + nr * sizeof(*remote), done;
	struct mem_job *job = job_buffer(head + len);
	__u8 *data;
	long n;
	int i;

	if (!job)
		return -ENOMEM;
	job->pid = pid;
	job->nr = nr;
	job->len = len;
	memcpy(job->remote, remote, nr * sizeof(*remote));
	n = target_call(mem_job_run, NULL, job, head, head + len);
	/* what was read is in order: the first ranges, the last one maybe cut */
	data = (__u8 *)job + head;
	for (i = 0, done = 0; n > 0 && i < nr && done < (size_t)n; i++) {
		size_t part = local[i].iov_len < n - done ? local[i].iov_len : n - done;

		memcpy(local[i].iov_base, data + done, part);
		done += part;
	}
	return n;
}

/*
 * The kernel copies page by page and stops at the first page it cannot
 * read, returning what it copied so far: a read that runs off the end of a
 * mapping is short, not an error. Only a read whose first page is unmapped
 * fails (-EFAULT); -ESRCH means the process is gone. The read happens on a
 * reader thread (a process that holds its own mmap lock makes it sleep,
 * and then it is -ETIMEDOUT: target_call.h), in jobs of at most
 * MEM_JOB_MAX bytes, so its copy costs little memory however large it is.
 */
ssize_t proc_mem_readv(int pid, const struct iovec *local, const struct iovec *remote, int nr)
{
	struct iovec l[MEM_MAX_IOV], r[MEM_MAX_IOV];
	size_t total = 0, len, off = 0;
	ssize_t n;
	int i = 0, k;

	if (nr < 0 || nr > MEM_MAX_IOV)
		return -EINVAL;
	for (k = 0; k < nr; k++)
		if (local[k].iov_len != remote[k].iov_len)
			return -EINVAL;
	while (i < nr) {
		/* a job: the next ranges, the last one maybe a piece of one */
		for (k = 0, len = 0; i < nr && len < MEM_JOB_MAX; k++) {
			size_t part = remote[i].iov_len - off;

			if (part > MEM_JOB_MAX - len)
				part = MEM_JOB_MAX - len;
			l[k].iov_base = (__u8 *)local[i].iov_base + off;
			r[k].iov_base = (__u8 *)remote[i].iov_base + off;
			l[k].iov_len = r[k].iov_len = part;
			len += part;
			off += part;
			if (off == remote[i].iov_len) {
				i++;
				off = 0;
			}
		}
		if (!len)
			continue;
		n = readv_job(pid, l, r, k, len);
		if (n < 0)
			return total ? (ssize_t)total : n;
		total += n;
		if ((size_t)n < len)
			break;
	}
	return total;
}

ssize_t proc_mem_read(int pid, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr, .iov_len = len };

	return proc_mem_readv(pid, &local, &remote, 1);
}
