/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uthash (Debian's uthash-dev), set up the one way threadleak uses it:
 * - out of memory is not fatal: a failed HASH_ADD leaves the item out of
 *   the table and its hh.tbl NULL, which the caller checks;
 * - a table starts with 4 buckets, not 32: most are one process's threads
 *   or records, and an idle process should cost little (it doubles as it
 *   grows, as before).
 */
#ifndef __THREADLEAK_HASH_H
#define __THREADLEAK_HASH_H

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#undef HASH_INITIAL_NUM_BUCKETS
#undef HASH_INITIAL_NUM_BUCKETS_LOG2
#define HASH_INITIAL_NUM_BUCKETS 4U
#define HASH_INITIAL_NUM_BUCKETS_LOG2 2U

#endif /* __THREADLEAK_HASH_H */
