// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/uio.h>
#include "proc_mem.h"

/*
 * The kernel copies page by page and stops at the first page it cannot
 * read, returning what it copied so far: a read that runs off the end of a
 * mapping is short, not an error. Only a read whose first page is unmapped
 * fails (-EFAULT); -ESRCH means the process is gone.
 */
ssize_t proc_mem_read(int pid, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr, .iov_len = len };
	ssize_t n;

	if (!len)
		return 0;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	return n < 0 ? -errno : n;
}
