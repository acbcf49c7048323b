/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading another process's memory while it runs: process_vm_readv copies
 * from the target's address space without stopping or attaching to it.
 */
#ifndef __THREADLEAK_PROC_MEM_H
#define __THREADLEAK_PROC_MEM_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* Read @len bytes at @addr of process @pid without stopping it (process_vm_readv).
 * Returns the bytes read (possibly short) or -errno. */
ssize_t proc_mem_read(int pid, __u64 addr, void *buf, size_t len);

#endif /* __THREADLEAK_PROC_MEM_H */
