// SPDX-License-Identifier: GPL-2.0
/* The perf map parser on what a JVM writes and on what a hostile target could. */
#include <errno.h>
#include <string.h>
#include "perf_map.h"
#include "test.h"

void test_perf_map_parse(void)
{
	static const char text[] = "0x00007f3c6d0a1000 0x0000000000000140 Interpreter\n"
				   "1000 100 first\n"
				   "1000 100 later wins\n"
				   "1080 10 inner\n"
				   "zz 10 bad hex\n"
				   "2000 0 empty code\n"
				   "ffffffffffffffff 2 wraps\n"
				   "3000 10 \x1b[31mescape\n"
				   "3000 10 \xc2\x9b" "c1 control\n"
				   "3000 10 \xff invalid\n"
				   "4000 10 caf\xc3\xa9\n"
				   "5000 10 no newline";
	struct perf_map *pm;
	__u64 off;

	if (!ASSERT_OK(perf_map__parse(&pm, text, sizeof(text) - 1), "parse"))
		return;
	ASSERT_EQ(perf_map__nr_entries(pm), 6, "good lines only");
	ASSERT_STREQ(perf_map__find(pm, 0x7f3c6d0a1010, &off), "Interpreter", "JVM line");
	ASSERT_EQ(off, 0x10, "offset");
	ASSERT_STREQ(perf_map__find(pm, 0x1010, &off), "later wins", "a later line wins");
	ASSERT_STREQ(perf_map__find(pm, 0x1084, &off), "inner", "the later, inner code");
	ASSERT_TRUE(perf_map__find(pm, 0x1100, &off) == NULL, "past the end");
	ASSERT_TRUE(perf_map__find(pm, 0x3000, &off) == NULL, "controls and bad UTF-8 dropped");
	ASSERT_STREQ(perf_map__find(pm, 0x4000, &off), "caf\xc3\xa9", "UTF-8 kept");
	ASSERT_STREQ(perf_map__find(pm, 0x5001, &off), "no newline", "last line");
	perf_map__free(pm);
}
