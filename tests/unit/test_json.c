// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "json.h"
#include "test.h"

static char *json_of(const char *s, size_t len)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	json_write_str(f, s, len);
	fclose(f);
	return buf;
}

void test_json_str(void)
{
	ASSERT_STREQ(json_of("plain", 16), "\"plain\"", "plain");
	ASSERT_STREQ(json_of("a\"b\\c", 16), "\"a\\\"b\\\\c\"", "quote, backslash");
	ASSERT_STREQ(json_of("tab\there\n", 16), "\"tab\\there\\n\"", "tab, newline");
	ASSERT_STREQ(json_of("\x01\x7f", 16), "\"\\u0001\\u007f\"", "control bytes");
	ASSERT_STREQ(json_of("caf\xc3\xa9", 16), "\"caf\xc3\xa9\"", "valid UTF-8 kept");
	ASSERT_STREQ(json_of("bad\xff\xc3", 16), "\"bad\\u00ff\\u00c3\"", "invalid UTF-8 escaped");
	ASSERT_STREQ(json_of("\xed\xa0\x80", 16), "\"\\u00ed\\u00a0\\u0080\"",
		     "a UTF-16 surrogate is not UTF-8");
	ASSERT_STREQ(json_of("\xe0\x80\xaf", 16), "\"\\u00e0\\u0080\\u00af\"", "overlong");
	ASSERT_STREQ(json_of("0123456789abcdefXYZ", 16), "\"0123456789abcdef\"", "length bound");
}
