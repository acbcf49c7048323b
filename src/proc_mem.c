// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "proc_mem.h"
#include "target_call.h"

#define MEM_MAX_IOV 1024 /* UIO_MAXIOV */
#define MEM_JOB_MAX (1u << 20)	      /* bytes a job copied to its caller */
#define MEM_DIRECT_JOB_MAX (8u << 20) /* bytes a job reads into a proc_mem_buf */

/*
 * A buffer reads land in, with the process_vm_readv each read is (filled
 * in for it): a reader runs it on the buffer itself (target_call_lend), and
 * one abandoned keeps the buffer, so that nothing it writes later can land
 * in memory its caller reuses.
 */
struct proc_mem_buf {
	int pid;
	int nr;
	size_t size; /* of data */
	struct iovec local[MEM_MAX_IOV];
	struct iovec remote[MEM_MAX_IOV];
	__u8 data[] __attribute__((aligned(16)));
};

static long mem_job_run(void *io)
{
	struct proc_mem_buf *buf = io;
	ssize_t n = process_vm_readv(buf->pid, buf->local, buf->nr, buf->remote, buf->nr, 0);

	return n < 0 ? -errno : n;
}

static void mem_job_release(void *io, long ret)
{
	(void)ret;
	free(io);
}

void *proc_mem_buf_reserve(struct proc_mem_buf **buf, size_t size)
{
	if (*buf && (*buf)->size >= size)
		return (*buf)->data;
	free(*buf);
	*buf = size <= SIZE_MAX - sizeof(**buf) ? malloc(sizeof(**buf) + size) : NULL;
	if (!*buf)
		return NULL;
	(*buf)->size = size;
	return (*buf)->data;
}

void proc_mem_buf_free(struct proc_mem_buf *buf)
{
	free(buf);
}

/* Is every range of @local inside @buf's bytes? */
static bool inside(const struct proc_mem_buf *buf, const struct iovec *local, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		__u8 *base = local[i].iov_base;

		if (base < buf->data || local[i].iov_len > buf->size ||
		    (size_t)(base - buf->data) > buf->size - local[i].iov_len)
			return false;
	}
	return true;
}

/*
 * The kernel copies page by page and stops at the first page it cannot
 * read, returning what it copied so far: a read that runs off the end of a
 * mapping is short, not an error. Only a read whose first page is unmapped
 * fails (-EFAULT); -ESRCH means the process is gone. The read happens on a
 * reader thread (a process that holds its own mmap lock makes it sleep,
 * and then it is -ETIMEDOUT: target_call.h), in jobs of at most @job_max
 * bytes. A job reads into *@bufp: straight to @local if @direct (which is
 * inside it), else to its start, copied to @local after. A job abandoned
 * keeps *@bufp (it is NULL after): the read is -ETIMEDOUT however much
 * came before, as no more can be read into it.
 */
static ssize_t readv_jobs(struct proc_mem_buf **bufp, int pid, const struct iovec *local,
			  const struct iovec *remote, int nr, bool direct, size_t job_max)
{
	struct iovec l[MEM_MAX_IOV];
	struct proc_mem_buf *buf = *bufp;
	size_t total = 0, len, off = 0, done;
	long n;
	int i = 0, k, j;

	if (nr < 0 || nr > MEM_MAX_IOV)
		return -EINVAL;
	for (k = 0; k < nr; k++)
		if (local[k].iov_len != remote[k].iov_len)
			return -EINVAL;
	buf->pid = pid;
	while (i < nr) {
		/* a job: the next ranges, the last one maybe a piece of one */
		for (k = 0, len = 0; i < nr && len < job_max; k++) {
			size_t part = remote[i].iov_len - off;

			if (part > job_max - len)
				part = job_max - len;
			l[k].iov_base = (__u8 *)local[i].iov_base + off;
			buf->local[k].iov_base = direct ? l[k].iov_base : buf->data + len;
			buf->remote[k].iov_base = (__u8 *)remote[i].iov_base + off;
			l[k].iov_len = buf->local[k].iov_len = buf->remote[k].iov_len = part;
			len += part;
			off += part;
			if (off == remote[i].iov_len) {
				i++;
				off = 0;
			}
		}
		if (!len)
			continue;
		buf->nr = k;
		n = target_call_lend(mem_job_run, mem_job_release, buf);
		if (n == -ETIMEDOUT) {
			*bufp = NULL;
			return n;
		}
		if (n < 0)
			return total ? (ssize_t)total : n;
		/* what was read is in order: the first ranges, the last one maybe cut */
		for (j = 0, done = 0; !direct && j < k && done < (size_t)n; j++) {
			size_t part = l[j].iov_len < n - done ? l[j].iov_len : n - done;

			memcpy(l[j].iov_base, buf->data + done, part);
			done += part;
		}
		total += n;
		if ((size_t)n < len)
			break;
	}
	return total;
}

ssize_t proc_mem_readv_buf(struct proc_mem_buf **buf, int pid, const struct iovec *local,
			   const struct iovec *remote, int nr)
{
	if (!*buf || nr < 0 || nr > MEM_MAX_IOV || !inside(*buf, local, nr))
		return -EINVAL;
	return readv_jobs(buf, pid, local, remote, nr, true, MEM_DIRECT_JOB_MAX);
}

void proc_mem_readv_buf_start(struct proc_mem_pending *p, struct proc_mem_buf **buf, int pid,
			      const struct iovec *local, const struct iovec *remote, int nr)
{
	size_t len = 0;
	int i;

	p->buf = buf;
	p->started = false;
	for (i = 0; *buf && nr > 0 && nr <= MEM_MAX_IOV && i < nr; i++) {
		if (local[i].iov_len != remote[i].iov_len || remote[i].iov_len > MEM_DIRECT_JOB_MAX)
			break;
		len += remote[i].iov_len;
	}
	if (i < nr || !nr || len > MEM_DIRECT_JOB_MAX || !inside(*buf, local, nr)) {
		/* not one job: at once (or -EINVAL) */
		p->ret = proc_mem_readv_buf(buf, pid, local, remote, nr);
		return;
	}
	(*buf)->pid = pid;
	(*buf)->nr = nr;
	memcpy((*buf)->local, local, nr * sizeof(*local));
	memcpy((*buf)->remote, remote, nr * sizeof(*remote));
	target_call_lend_start(&p->lend, mem_job_run, mem_job_release, *buf);
	p->started = true;
}

ssize_t proc_mem_readv_buf_wait(struct proc_mem_pending *p)
{
	long n;

	if (!p->started)
		return p->ret;
	p->started = false;
	n = target_call_lend_wait(&p->lend);
	if (n == -ETIMEDOUT)
		*p->buf = NULL;
	return n;
}

/* The buffer reads into memory of the caller's go through, kept from one read to the next. */
static __thread struct proc_mem_buf *spare;

ssize_t proc_mem_readv(int pid, const struct iovec *local, const struct iovec *remote, int nr)
{
	size_t len = 0;
	int i;

	for (i = 0; i < nr && len < MEM_JOB_MAX; i++)
		len += remote[i].iov_len < MEM_JOB_MAX ? remote[i].iov_len : MEM_JOB_MAX;
	if (!proc_mem_buf_reserve(&spare, len < MEM_JOB_MAX ? len : MEM_JOB_MAX))
		return -ENOMEM;
	return readv_jobs(&spare, pid, local, remote, nr, false, MEM_JOB_MAX);
}

ssize_t proc_mem_read(int pid, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr, .iov_len = len };

	return proc_mem_readv(pid, &local, &remote, 1);
}
