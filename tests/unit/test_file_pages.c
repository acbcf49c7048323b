// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "test.h"
#include "../../src/file_pages.h"

#define PAGES 16

/* Pages of [@p, @p + PAGES pages) in our page tables (mincore tells the page cache's). */
static int resident(void *p, long page)
{
	unsigned long long pm[PAGES];
	int fd = open("/proc/self/pagemap", O_RDONLY), i, n = 0;

	if (fd < 0)
		return -1;
	if (pread(fd, pm, sizeof(pm), (unsigned long)p / page * sizeof(pm[0])) != sizeof(pm))
		n = -1;
	close(fd);
	for (i = 0; n >= 0 && i < PAGES; i++)
		n += pm[i] >> 63;
	return n;
}

/* A private mapping of a file: its clean pages go, a written one stays. */
void test_file_pages_drop(void)
{
	char path[] = "/tmp/threadleak-file-pages.XXXXXX";
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p;
	char *buf;
	int fd, i;

	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0, "file_pages/mkstemp");
	buf = malloc(PAGES * page);
	memset(buf, 'a', PAGES * page);
	ASSERT_EQ(write(fd, buf, PAGES * page), PAGES * page, "file_pages/write");
	free(buf);
	p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED, "file_pages/mmap");
	for (i = 0; i < PAGES; i++)
		ASSERT_EQ(p[i * page], 'a', "file_pages/read");
	p[3 * page] = 'b'; /* copied on write: ours, not the file's */
	ASSERT_EQ(resident(p, page), PAGES, "file_pages/resident_before");
	ASSERT_GT(file_pages__drop(), (ssize_t)((PAGES - 2) * page - 1), "file_pages/dropped");
	ASSERT_EQ(resident(p, page), 1, "file_pages/resident_after");
	ASSERT_EQ(p[3 * page], 'b', "file_pages/written_kept");
	ASSERT_EQ(p[5 * page], 'a', "file_pages/read_again");
	munmap(p, PAGES * page);
	close(fd);
	unlink(path);
}
