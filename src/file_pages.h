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

#endif /* __THREADLEAK_FILE_PAGES_H */
