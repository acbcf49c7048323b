// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "proc_mem.h"
#include "target_call.h"

#define MEM_MAX_IOV 1024 /* UIO_MAXIOV */

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

/*
 * The kernel copies page by page and stops at the first page it cannot
 * read, returning what it copied so far: a read that runs off the end of a
 * mapping is short, not an error. Only a read whose first page is unmapped
 * fails (-EFAULT); -ESRCH means the process is gone. The read happens on a
 * reader thread: a process that holds its own mmap lock makes it sleep, and
 * then it is -ETIMEDOUT (target_call.h).
 */
ssize_t proc_mem_readv(int pid, const struct iovec *local, const struct iovec *remote, int nr)
{
	size_t len = 0, head, done;
	struct mem_job *job;
	__u8 *data;
	long n;
	int i;

	if (nr <= 0 || nr > MEM_MAX_IOV)
		return nr ? -EINVAL : 0;
	for (i = 0; i < nr; i++) {
		if (local[i].iov_len != remote[i].iov_len)
			return -EINVAL;
		len += remote[i].iov_len;
	}
	if (!len)
		return 0;
	head = sizeof(*job) + nr * sizeof(*remote);
	job = malloc(head + len);
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
	free(job);
	return n;
}

ssize_t proc_mem_read(int pid, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr, .iov_len = len };

	return proc_mem_readv(pid, &local, &remote, 1);
}
