/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where glibc keeps the fields of struct pthread that threadleak reads, from
 * the _thread_db_pthread_* descriptors glibc exports for libthread_db (and
 * gdb): each is { size in bits, count, offset }.
 */
#ifndef __THREADLEAK_LIBC_LAYOUT_H
#define __THREADLEAK_LIBC_LAYOUT_H

#include <linux/types.h>

struct pthread_layout {
	__u32 start_routine_off; /* offsetof(struct pthread, start_routine) */
	__u32 tid_off;		 /* offsetof(struct pthread, tid) */
};

/* Read the layout from the glibc at @path. Returns 0 or -errno. */
int libc_layout_read(const char *path, struct pthread_layout *layout);

/*
 * Find the glibc process @pid maps (through @proc_root/PID/root, so it works
 * for containers) and read its layout. -ENOENT: not a glibc process.
 */
int libc_layout_of_pid(const char *proc_root, int pid, struct pthread_layout *layout);

/* The path (through @proc_root/PID/root) of the glibc process @pid maps. */
int libc_path_of_pid(const char *proc_root, int pid, char *path, size_t len);

#endif /* __THREADLEAK_LIBC_LAYOUT_H */
