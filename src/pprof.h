/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profiles in pprof's format (profile.proto, gzip-compressed), which `go
 * tool pprof` and pprof read: samples of stacks, their locations, lines and
 * functions, and a string table.
 *
 * Six small messages of varints and length-delimited fields: encoded here
 * directly, rather than through a protobuf library and a code generator run
 * at build time.
 */
#ifndef __THREADLEAK_PPROF_H
#define __THREADLEAK_PPROF_H

#include <stdint.h>

struct pprof_line {
	const char *func;
	const char *file;
	int64_t line;
};

/* A sample's label: a string, or a number when @str is NULL. */
struct pprof_label {
	const char *key;
	const char *str;
	int64_t num;
};

struct pprof;

/* A profile whose samples count @sample_type in @unit ("goroutine", "count"). */
struct pprof *pprof__new(const char *sample_type, const char *unit, int64_t time_ns);
void pprof__free(struct pprof *pp);

/*
 * The location of @addr, with its lines innermost first (inlined code, then
 * the function it is in). Returns its id (> 0), the same for the same @addr.
 */
int64_t pprof__location(struct pprof *pp, uint64_t addr, const struct pprof_line *lines,
			int nr_lines);

/* The same, for @addr in address space @space (a process: one profile can
 * hold several, whose addresses mean different things). */
int64_t pprof__location_in(struct pprof *pp, uint64_t space, uint64_t addr,
			   const struct pprof_line *lines, int nr_lines);

/* A sample: a stack of location ids, innermost first, and its value. */
int pprof__sample(struct pprof *pp, const int64_t *locations, int nr, int64_t value);

/* The same, with labels (`pprof -tags` shows them; -tagfocus filters). */
int pprof__sample_labels(struct pprof *pp, const int64_t *locations, int nr, int64_t value,
			 const struct pprof_label *labels, int nr_labels);

/* A free-form comment on the whole profile (`pprof -comments`). */
int pprof__comment(struct pprof *pp, const char *text);

/* Encode, gzip and write to @path (0644, not through a symlink). */
int pprof__write(struct pprof *pp, const char *path);

/* The same, to an open file (opened before privileges were dropped). */
int pprof__write_fd(struct pprof *pp, int fd);

/* Encode into a malloc()ed buffer, not compressed (for tests). */
int pprof__encode(struct pprof *pp, unsigned char **buf, size_t *len);

#endif /* __THREADLEAK_PPROF_H */
