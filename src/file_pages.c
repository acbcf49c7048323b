// SPDX-License-Identifier: GPL-2.0
/*
 * Give back the pages of the targets' ELF files that libelf mapped.
 *
 * libelf maps a whole file (ELF_C_READ_MMAP, ELF_C_READ_MMAP_PRIVATE) and
 * every page a lookup reads stays in our RSS until the file is closed: on a
 * host with PostgreSQL, a JVM, CPython and Prometheus, 30 MB of others'
 * libraries and debug files, and one copy per process's own Dwfl. After a
 * census they are dropped (MADV_DONTNEED); the next read of one faults it
 * in again from the page cache, unchanged.
 *
 * Only clean pages of the file are dropped: a private mapping's page that
 * was written (copied on write) would be lost, so /proc/self/pagemap is read
 * first and only present pages that are the file's own are given back. Files
 * with code mapped (our program and its libraries) are left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/types.h>
#include "file_pages.h"

#define PM_PRESENT (1ull << 63)
#define PM_FILE (1ull << 61) /* a page of the file or shared memory, not a private copy */
#define PM_BATCH 512	     /* pagemap entries read at once */

struct file_mapping {
	unsigned long start, end;
	unsigned long long dev_ino[2];
	bool exec;
};

/* Is a file of @maps[0..@nr) with @m's device and inode mapped executable? */
static bool has_code(const struct file_mapping *maps, size_t nr, const struct file_mapping *m)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (maps[i].exec && maps[i].dev_ino[0] == m->dev_ino[0] &&
		    maps[i].dev_ino[1] == m->dev_ino[1])
			return true;
	return false;
}

/* Drop the clean file pages of [@start, @end); returns the bytes dropped. */
static size_t drop_range(int pagemap, unsigned long start, unsigned long end, long page)
{
	__u64 pm[PM_BATCH];
	unsigned long addr = start, run = 0;
	size_t dropped = 0, i, n;
	ssize_t got;

	while (addr < end) {
		n = (end - addr) / page;
		if (n > PM_BATCH)
			n = PM_BATCH;
		got = pread(pagemap, pm, n * sizeof(pm[0]), addr / page * sizeof(pm[0]));
		if (got <= 0)
			break;
		n = got / sizeof(pm[0]);
		for (i = 0; i < n; i++, addr += page) {
			bool clean = (pm[i] & (PM_PRESENT | PM_FILE)) == (PM_PRESENT | PM_FILE);

			if (clean && !run)
				run = addr;
			if (!clean && run) {
				if (!madvise((void *)run, addr - run, MADV_DONTNEED))
					dropped += addr - run;
				run = 0;
			}
		}
	}
	if (run && !madvise((void *)run, addr - run, MADV_DONTNEED))
		dropped += addr - run;
	return dropped;
}

static int read_maps(struct file_mapping **mapsp, size_t *nrp)
{
	struct file_mapping *maps = NULL, *m, *grown;
	size_t nr = 0, cap = 0;
	unsigned int major, minor;
	unsigned long long ino;
	char *line = NULL, perms[8];
	size_t line_cap = 0;
	int path_at;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (getline(&line, &line_cap, f) > 0) {
		unsigned long start, end;

		path_at = 0;
		if (sscanf(line, "%lx-%lx %7s %*x %x:%x %llu %n", &start, &end, perms, &major,
			   &minor, &ino, &path_at) < 6 || !path_at || line[path_at] != '/' ||
		    !ino || perms[3] != 'p')
			continue;
		if (nr == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(maps, cap * sizeof(*maps));
			if (!grown) {
				free(maps);
				free(line);
				fclose(f);
				return -ENOMEM;
			}
			maps = grown;
		}
		m = &maps[nr++];
		m->start = start;
		m->end = end;
		m->dev_ino[0] = (unsigned long long)major << 32 | minor;
		m->dev_ino[1] = ino;
		m->exec = perms[2] == 'x';
	}
	free(line);
	fclose(f);
	*mapsp = maps;
	*nrp = nr;
	return 0;
}

ssize_t file_pages__drop(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct file_mapping *maps = NULL;
	size_t nr = 0, i, dropped = 0;
	int pagemap, err;

	err = read_maps(&maps, &nr);
	if (err)
		return err;
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0) {
		err = -errno;
		free(maps);
		return err;
	}
	for (i = 0; i < nr; i++)
		if (!maps[i].exec && !has_code(maps, nr, &maps[i]))
			dropped += drop_range(pagemap, maps[i].start, maps[i].end, page);
	close(pagemap);
	free(maps);
	return dropped;
}

int file_pages__cap(size_t max)
{
	unsigned long size, resident, shared;
	ssize_t n;
	FILE *f;

	f = fopen("/proc/self/statm", "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%lu %lu %lu", &size, &resident, &shared);
	fclose(f);
	if (n != 3)
		return -EIO;
	/* shared: RssFile and RssShmem, in pages */
	if (shared * (size_t)sysconf(_SC_PAGESIZE) <= max)
		return 0;
	n = file_pages__drop();
	return n < 0 ? n : 0;
}
