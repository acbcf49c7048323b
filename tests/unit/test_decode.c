// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "record.h"
#include "records.h"
#include "test.h"

void test_decode(void)
{
	struct rec_census c = rec_census(5, 0);
	struct rec_task t = rec_task_running(1, 1, 1);
	unsigned char buf[sizeof(t) + 8];
	const char *why = NULL;

	if (test__start_subtest("whole_records")) {
		ASSERT_EQ(rec_decode(&c, sizeof(c), &why), sizeof(c), "census");
		ASSERT_EQ(rec_decode(&t, sizeof(t), &why), sizeof(t), "task");
		memcpy(buf, &t, sizeof(t));
		ASSERT_EQ(rec_decode(buf, sizeof(buf), &why), sizeof(t), "task with bytes after");
	}
	if (test__start_subtest("short")) {
		ASSERT_EQ(rec_decode(&t, 4, &why), -ENODATA, "header cut");
		ASSERT_EQ(rec_decode(&t, sizeof(t) - 1, &why), -ENODATA, "body cut");
		ASSERT_STREQ(why, "record cut short", "why");
	}
	if (test__start_subtest("bad_type")) {
		t.hdr.type = REC_TYPE_MAX;
		ASSERT_EQ(rec_decode(&t, sizeof(t), &why), -EINVAL, "type max");
		t.hdr.type = 0;
		ASSERT_EQ(rec_decode(&t, sizeof(t), &why), -EINVAL, "type 0");
		ASSERT_STREQ(why, "unknown record type", "why");
	}
	if (test__start_subtest("bad_size")) {
		c.hdr.size = sizeof(c) + 8;
		ASSERT_EQ(rec_decode(&c, sizeof(c) + 8, &why), -EINVAL, "census too big");
		ASSERT_STREQ(why, "record size does not match its type", "why");
	}
	if (test__start_subtest("names")) {
		ASSERT_STREQ(rec_type_name(REC_TASK), "task", "task");
		ASSERT_STREQ(rec_type_name(999), "unknown", "unknown");
	}
}
