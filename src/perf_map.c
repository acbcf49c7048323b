// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "perf_map.h"
#include "target_file.h"
#include "utf8.h"

struct perf_map_entry {
	__u64 start, size;
	__u32 seq;  /* its line: a later one wins */
	__u32 name; /* offset in names */
};

struct perf_map {
	struct perf_map_entry *entries; /* by start, then seq */
	size_t nr, cap;
	char *names;
	size_t names_len, names_cap;
};

/* How far back from the last entry starting at or before a pc to look. */
#define PERF_MAP_OVERLAP_SCAN 64

/* A hex number as perf writes it, "0x" optional; advances *@p past it. */
static bool parse_hex(const char **p, const char *end, __u64 *val)
{
	const char *s = *p;
	unsigned int digits = 0;
	int d;

	*val = 0;
	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits == 16)
			return false;
		*val = *val << 4 | d;
	}
	*p = s;
	return digits > 0;
}

/* Is @name (@len bytes) printable UTF-8: no C0, DEL or C1 control, no invalid sequence? */
static bool printable_utf8(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
		n = utf8_seq_len(s + i, len - i);
		if (!n || utf8_is_c1(s + i, n))
			return false;
		i += n;
	}
	return len > 0;
}

/* The longest prefix of @len bytes of valid UTF-8 at @s that ends on a whole sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (!n || i + n > max)
			break;
		i += n;
	}
	return i;
}

static int add_entry(struct perf_map *pm, __u64 start, __u64 size, const char *name, size_t len)
{
	struct perf_map_entry *e;
	void *p;

	if (pm->nr == PERF_MAP_MAX_ENTRIES)
		return -E2BIG;
	if (pm->nr == pm->cap) {
		pm->cap = pm->cap ? pm->cap * 2 : 256;
		p = realloc(pm->entries, pm->cap * sizeof(*pm->entries));
		if (!p)
			return -ENOMEM;
		pm->entries = p;
	}
	if (pm->names_len + len + 1 > pm->names_cap) {
		pm->names_cap = (pm->names_len + len + 1) * 2;
		p = realloc(pm->names, pm->names_cap);
		if (!p)
			return -ENOMEM;
		pm->names = p;
	}
	e = &pm->entries[pm->nr];
	e->start = start;
	e->size = size;
	e->seq = pm->nr++;
	e->name = pm->names_len;
	memcpy(pm->names + pm->names_len, name, len);
	pm->names[pm->names_len + len] = '\0';
	pm->names_len += len + 1;
	return 0;
}

/* One line, without its newline: added if it is "START SIZE name". */
static int parse_line(struct perf_map *pm, const char *line, const char *end)
{
	const char *p = line;
	__u64 start, size;
	size_t len;

	if (!parse_hex(&p, end, &start) || p == end || *p != ' ')
		return 0;
	p++;
	if (!parse_hex(&p, end, &size) || p == end || *p != ' ' || !size ||
	    start + size < start)
		return 0;
	p++;
	len = end - p;
	if (!printable_utf8(p, len))
		return 0;
	if (len > PERF_MAP_NAME_MAX)
		len = utf8_cut(p, len, PERF_MAP_NAME_MAX);
	return add_entry(pm, start, size, p, len);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct perf_map_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int perf_map__parse(struct perf_map **pmp, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	struct perf_map *pm;
	int err = 0;

	*pmp = NULL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	while (p < end && !err) {
		nl = memchr(p, '\n', end - p);
		err = parse_line(pm, p, nl ?: end);
		p = nl ? nl + 1 : end;
	}
	if (err) {
		perf_map__free(pm);
		return err;
	}
	if (pm->nr)
		qsort(pm->entries, pm->nr, sizeof(*pm->entries), entry_cmp);
	*pmp = pm;
	return 0;
}

const char *perf_map__find(const struct perf_map *pm, __u64 pc, __u64 *offset)
{
	const struct perf_map_entry *best = NULL, *e;
	size_t lo = 0, hi, mid, i;

	if (!pm)
		return NULL;
	hi = pm->nr;
	/* the first entry starting after pc */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pm->entries[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i > 0 && lo - i < PERF_MAP_OVERLAP_SCAN; i--) {
		e = &pm->entries[i - 1];
		if (pc - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	if (!best)
		return NULL;
	*offset = pc - best->start;
	return pm->names + best->name;
}

size_t perf_map__nr_entries(const struct perf_map *pm)
{
	return pm ? pm->nr : 0;
}

size_t perf_map__bytes(const struct perf_map *pm)
{
	return pm ? sizeof(*pm) + pm->cap * sizeof(*pm->entries) + pm->names_cap : 0;
}

void perf_map__free(struct perf_map *pm)
{
	if (!pm)
		return;
	free(pm->entries);
	free(pm->names);
	free(pm);
}

/* Read all of @fd (@size bytes as fstat said, at most PERF_MAP_MAX_BYTES). */
static char *read_all(int fd, size_t size, size_t *len)
{
	char *buf = malloc(size ?: 1);
	ssize_t n;

	*len = 0;
	if (!buf)
		return NULL;
	while (*len < size) {
		n = read(fd, buf + *len, size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shorter than it was: what is there */
		*len += n;
	}
	return buf;
}

int perf_map__load(struct perf_map **pm, const char *root, int pid, __u32 uid)
{
	char path[64], full[PATH_MAX + 64];
	struct stat lst, st;
	size_t len;
	char *text;
	int fd, err;

	*pm = NULL;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", pid);
	snprintf(full, sizeof(full), "%s%s", root, path);
	/* the name itself must be no symlink: target_file_open follows them in the root */
	if (lstat(full, &lst))
		return -errno;
	if (S_ISLNK(lst.st_mode) || !S_ISREG(lst.st_mode))
		return -EMEDIUMTYPE;
	if (lst.st_uid != uid)
		return -EPERM; /* planted in /tmp by someone else */
	fd = target_file_open(root, path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_ino != lst.st_ino || st.st_dev != lst.st_dev) {
		close(fd);
		return -ESTALE;
	}
	if ((size_t)st.st_size > PERF_MAP_MAX_BYTES) {
		close(fd);
		return -EMEDIUMTYPE;
	}
	text = read_all(fd, st.st_size, &len);
	close(fd);
	if (!text)
		return -ENOMEM;
	err = perf_map__parse(pm, text, len);
	free(text);
	return err;
}
