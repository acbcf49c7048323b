/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pages of others' files (ELF and debug files libelf mapped) that this
 * process holds: given back after a census, read again from the page cache
 * when needed.
 */
#ifndef __THREADLEAK_FILE_PAGES_H
#define __THREADLEAK_FILE_PAGES_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Drop the clean pages of every private file mapping of this process but
 * those of files with code mapped (the program and its libraries). Written
 * pages are kept. Returns the bytes dropped or -errno. Call from the thread
 * that uses those files, when it does not.
 */
ssize_t file_pages__drop(void);

/*
 * Drop them if this process's file-backed RSS is over @max bytes (our own
 * code counts too): cheap enough to call after each stack or module load,
 * which bounds the RSS a census adds, not only what it leaves.
 */
int file_pages__cap(size_t max);

/* What file_pages__cap is called with: our code, the BPF maps and 8 MB of targets' files. */
#define FILE_PAGES_CAP (24u << 20)

#endif /* __THREADLEAK_FILE_PAGES_H */
