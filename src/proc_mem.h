/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading another process's memory while it runs: process_vm_readv copies
 * from the target's address space without stopping or attaching to it.
 */
#ifndef __THREADLEAK_PROC_MEM_H
#define __THREADLEAK_PROC_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "target_call.h"

struct iovec;

/* Read @len bytes at @addr of process @pid without stopping it (process_vm_readv).
 * Returns the bytes read (possibly short) or -errno; -ETIMEDOUT if the read
 * did not return within TARGET_CALL_TIMEOUT_MS. */
ssize_t proc_mem_read(int pid, __u64 addr, void *buf, size_t len);

/* The same for @nr ranges, each @remote[i] into @local[i] (of the same
 * length), in one call: the bytes read, in order, or -errno. */
ssize_t proc_mem_readv(int pid, const struct iovec *local, const struct iovec *remote, int nr);

/*
 * Reads that land where the caller wants them with no copy: into a buffer
 * of proc_mem's, which a read abandoned to a stuck reader (-ETIMEDOUT)
 * takes with it. proc_mem_buf_reserve() makes *@buf (NULL at first) at
 * least @size bytes and returns them (NULL if out of memory); the bytes
 * are kept if it was already large enough.
 */
struct proc_mem_buf;
void *proc_mem_buf_reserve(struct proc_mem_buf **buf, size_t size);
void proc_mem_buf_free(struct proc_mem_buf *buf);

/* proc_mem_readv() into @local, every range of which is inside *@buf's
 * bytes (else -EINVAL). On -ETIMEDOUT *@buf is NULL: the buffer is the
 * stuck reader's, and pointers into it must be dropped (reserve again). */
ssize_t proc_mem_readv_buf(struct proc_mem_buf **buf, int pid, const struct iovec *local,
			   const struct iovec *remote, int nr);

/*
 * proc_mem_readv_buf() in two halves: start the read (on a reader of its
 * own: target_call_lend_start()), do other work and other reads, wait for
 * it; the wait returns what proc_mem_readv_buf() would have. Between the
 * two, *@buf and @local's bytes are not the caller's (@local and @remote
 * themselves are read by the start only; @p and @buf are used until the
 * wait). A read of more than one job is done at once by the start. Every
 * start is waited for, before the next start on the same thread.
 */
struct proc_mem_pending {
	struct target_lend lend;
	struct proc_mem_buf **buf;
	ssize_t ret; /* of a read done at once */
	bool started;
};
void proc_mem_readv_buf_start(struct proc_mem_pending *p, struct proc_mem_buf **buf, int pid,
			      const struct iovec *local, const struct iovec *remote, int nr);
ssize_t proc_mem_readv_buf_wait(struct proc_mem_pending *p);

#endif /* __THREADLEAK_PROC_MEM_H */
