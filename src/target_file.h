/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Opening a file because a target names it (in /proc/PID/maps, its exe, its
 * ELF's debug link): the target chose the name and what is there. A FIFO
 * would block an open or a read forever, a device could act on open, a
 * symlink could lead out of its root, a FUSE file answers when its owner
 * likes, a huge file costs what it likes. So: open without blocking,
 * resolve within the process's root, and keep only regular files of sane
 * size on a file system the kernel serves itself.
 */
#ifndef __THREADLEAK_TARGET_FILE_H
#define __THREADLEAK_TARGET_FILE_H

/* Larger than any ELF file worth reading */
#define TARGET_FILE_MAX_SIZE (4ull << 30)

/*
 * Open @path for reading. With @root (a directory, "/proc/PID/root"),
 * @path is resolved inside it, symlinks included, as the process sees it;
 * without, @path is opened as is (for /proc's own links, /proc/PID/exe).
 * Returns an fd (O_CLOEXEC, O_NONBLOCK) or -errno: -EMEDIUMTYPE if the
 * file is not a regular file, is larger than TARGET_FILE_MAX_SIZE, or is
 * on FUSE.
 */
int target_file_open(const char *root, const char *path);

#endif /* __THREADLEAK_TARGET_FILE_H */
