/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The perf map a JIT publishes for its code (/tmp/perf-PID.map: the JVM
 * writes one on `jcmd PID Compiler.perfmap`, or with
 * -XX:+DumpPerfMapAtExit), one "START SIZE name" line per piece of code,
 * START and SIZE in hex. The target writes the file, and anyone who can
 * write /tmp can plant one before it: it is read as hostile input, owned
 * by the target's user, a regular file and no symlink, with caps on its
 * size, its lines and its names, and only names of printable UTF-8 kept.
 */
#ifndef __THREADLEAK_PERF_MAP_H
#define __THREADLEAK_PERF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PERF_MAP_MAX_BYTES (64u << 20)
#define PERF_MAP_MAX_ENTRIES (1u << 20)
#define PERF_MAP_NAME_MAX 512 /* longer names are cut */

struct perf_map;

/*
 * Parse @len bytes of perf map text. Lines that are not "START SIZE name"
 * with a name of printable UTF-8 are skipped; a later line for the same
 * code wins, as in perf. Returns 0 and *@pm (which may hold no entry), or
 * -ENOMEM, or -E2BIG past PERF_MAP_MAX_ENTRIES.
 */
int perf_map__parse(struct perf_map **pm, const char *text, size_t len);

/*
 * Read @root/tmp/perf-@pid.map (@root: "/proc/PID/root") if it is a
 * regular file owned by @uid, no symlink, at most PERF_MAP_MAX_BYTES.
 * Returns 0, -ENOENT if there is none, -EPERM if it is not the target's,
 * -EMEDIUMTYPE if not a regular file of sane size, or -errno.
 */
int perf_map__load(struct perf_map **pm, const char *root, int pid, __u32 uid);

/* The name of the code holding @pc, and @pc's offset in it; NULL if none. */
const char *perf_map__find(const struct perf_map *pm, __u64 pc, __u64 *offset);

size_t perf_map__nr_entries(const struct perf_map *pm);
/* Heap bytes it holds. */
size_t perf_map__bytes(const struct perf_map *pm);
void perf_map__free(struct perf_map *pm);

#endif /* __THREADLEAK_PERF_MAP_H */
