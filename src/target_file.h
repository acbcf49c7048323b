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

#include <stddef.h>
#include <stdio.h>

/* Larger than any ELF file worth reading */
#define TARGET_FILE_MAX_SIZE (4ull << 30)

/*
 * Open @path for reading. With @root (a directory, "/proc/PID/root"),
 * @path is resolved inside it, symlinks included, as the process sees it;
 * without, @path is opened as is (for /proc's own links, /proc/PID/exe).
 * Returns an fd (O_CLOEXEC, O_NONBLOCK) or -errno: -EMEDIUMTYPE if the
 * file is not a regular file, is larger than TARGET_FILE_MAX_SIZE, or is
 * on FUSE; -ETIMEDOUT if the open did not return in time (a FUSE mount on
 * the way: target_call.h).
 */
int target_file_open(const char *root, const char *path);

/*
 * A /proc file of a target (maps, cmdline), at most @max bytes, read on a
 * reader: the kernel takes the target's mmap lock to write it, which the
 * target can hold. The stream reads it a 64 KB chunk at a time (the maps of
 * 100,000 threads are 10 MB; their reader holds one line at a time), each
 * chunk in TARGET_CALL_TIMEOUT_MS and none started past that time from the
 * open: a target holding its lock chunk by chunk cannot stretch the read
 * much past what one call allowed. It cannot seek. Returns the
 * stream, or NULL with errno (ETIMEDOUT: the open or the first chunk did not
 * return in time); a later chunk that does not is a read error, ETIMEDOUT:
 * a reader that did not find what it looked for asks target_proc_ferror()
 * whether the file ended or was cut short.
 */
FILE *target_proc_fopen(const char *path, size_t max);

/* After fgets() on a target_proc_fopen() stream returned NULL: -errno if the
 * read stopped short (ETIMEDOUT: the target held its lock), 0 at the end. */
int target_proc_ferror(FILE *f);

/* /proc/PID/maps: 65530 mappings (vm.max_map_count) of a few hundred bytes */
#define TARGET_MAPS_MAX (32u << 20)

#endif /* __THREADLEAK_TARGET_FILE_H */
