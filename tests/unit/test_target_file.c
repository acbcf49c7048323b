// SPDX-License-Identifier: GPL-2.0
/*
 * target_proc_fopen(): a stream over the file, read in chunks (several
 * here), whole, then cut at its maximum; a missing file fails the open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/target_file.h"
#include "test.h"

#define BIG (300 * 1000) /* past the first buffers: read in several */

void test_target_proc_fopen_stream(void)
{
	char path[] = "/tmp/threadleak-unit-slurp.XXXXXX";
	char *want = malloc(BIG), *got = malloc(BIG + 16);
	size_t i, n;
	FILE *f;
	int fd;

	ASSERT_TRUE(want && got, "buffers");
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0, "a temp file");
	if (!want || !got || fd < 0)
		goto out;
	for (i = 0; i < BIG; i++)
		want[i] = 'a' + i % 26;
	ASSERT_EQ(write(fd, want, BIG), BIG, "written");
	close(fd);

	f = target_proc_fopen(path, 1 << 20);
	ASSERT_TRUE(f != NULL, "opened");
	if (!f)
		goto out;
	n = fread(got, 1, BIG + 16, f);
	ASSERT_EQ(n, BIG, "every byte, then the end");
	ASSERT_TRUE(!memcmp(got, want, BIG), "the same bytes");
	ASSERT_EQ(fgetc(f), EOF, "then the end");
	ASSERT_TRUE(!ferror(f), "no error");
	fclose(f);

	f = target_proc_fopen(path, 4096);
	ASSERT_TRUE(f != NULL, "opened with a smaller maximum");
	if (f) {
		ASSERT_EQ(fread(got, 1, BIG, f), 4096, "cut at the maximum");
		fclose(f);
	}
	f = target_proc_fopen(path, 100000);
	ASSERT_TRUE(f != NULL, "opened with a maximum inside a chunk's worth");
	if (f) {
		ASSERT_EQ(fread(got, 1, BIG, f), 100000, "cut at the maximum, past one chunk");
		ASSERT_TRUE(!memcmp(got, want, 100000), "the same bytes, across chunks");
		fclose(f);
	}
	unlink(path);
	errno = 0;
	ASSERT_TRUE(target_proc_fopen(path, 4096) == NULL, "no file, no stream");
	ASSERT_EQ(errno, ENOENT, "the open's error");
out:
	unlink(path);
	free(want);
	free(got);
}
