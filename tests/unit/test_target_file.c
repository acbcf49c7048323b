// SPDX-License-Identifier: GPL-2.0
/*
 * target_proc_fopen(): a stream over the bytes read (no copy of them),
 * whole, cut at its maximum, rewound.
 */
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
	ASSERT_EQ(fseek(f, 0, SEEK_SET), 0, "rewound");
	ASSERT_EQ(fgetc(f), 'a', "from the start again");
	ASSERT_EQ(fseek(f, -1, SEEK_END), 0, "to the last byte");
	ASSERT_EQ(fgetc(f), want[BIG - 1], "the last byte");
	ASSERT_EQ(fgetc(f), EOF, "then the end");
	ASSERT_TRUE(fseek(f, 1, SEEK_END) != 0, "not past the end");
	fclose(f);

	f = target_proc_fopen(path, 4096);
	ASSERT_TRUE(f != NULL, "opened with a smaller maximum");
	if (f) {
		ASSERT_EQ(fread(got, 1, BIG, f), 4096, "cut at the maximum");
		fclose(f);
	}
out:
	unlink(path);
	free(want);
	free(got);
}
