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

/* Read the layout from the glibc at @path, or open as @fd. Returns 0 or -errno. */
int libc_layout_read(const char *path, struct pthread_layout *layout);
int libc_layout_read_fd(int fd, struct pthread_layout *layout);

/*
 * Find the glibc process @pid maps (through @proc_root/PID/root, so it works
 * for containers) and read its layout. -ENOENT: not a glibc process.
 */
int libc_layout_of_pid(const char *proc_root, int pid, struct pthread_layout *layout);

/*
 * Open the glibc process @pid maps, by the name in its maps, inside its
 * root (target_file_open()). Returns an fd or -errno: -ENOENT, not a glibc
 * process; -EMEDIUMTYPE, what is at that name is not a regular file.
 */
int libc_open_of_pid(const char *proc_root, int pid);

#endif /* __THREADLEAK_LIBC_LAYOUT_H */
