// SPDX-License-Identifier: GPL-2.0
/* Go versions, from strings and from .go.buildinfo. */
#include <errno.h>
#include <string.h>
#include "test.h"
#include "go_binary.h"

void test_go_version_parse(void)
{
	static const struct {
		const char *s;
		int err, major, minor;
	} cases[] = {
		{ "go1.22.2", 0, 1, 22 },
		{ "go1.19", 0, 1, 19 },
		{ "go1.21rc2", 0, 1, 21 },
		{ "go1.23.5 X:boringcrypto", 0, 1, 23 },
		{ "devel go1.24-abcdef Tue Nov 1", 0, 1, 24 },
		{ "go1", -EINVAL, 0, 0 },
		{ "1.22.2", -EINVAL, 0, 0 },
		{ "go", -EINVAL, 0, 0 },
		{ "gox.y", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int major = 0, minor = 0;

		if (!ASSERT_EQ(go_version_parse(cases[i].s, &major, &minor), cases[i].err,
			       cases[i].s) ||
		    cases[i].err)
			continue;
		ASSERT_EQ(major, cases[i].major, cases[i].s);
		ASSERT_EQ(minor, cases[i].minor, cases[i].s);
	}
}

/* A .go.buildinfo section in the Go 1.18+ inline form: header, then strings. */
static size_t make_buildinfo(__u8 *buf, size_t size, __u8 flags, const char *version)
{
	size_t len = strlen(version);

	memset(buf, 0, size);
	memcpy(buf, "\xff Go buildinf:", 14);
	buf[14] = 8;	 /* pointer size */
	buf[15] = flags; /* 2: strings inline */
	buf[32] = len;	 /* a one-byte varint */
	memcpy(buf + 33, version, len);
	buf[33 + len] = 0; /* empty module info */
	return 34 + len;
}

void test_go_buildinfo(void)
{
	__u8 buf[128];
	char version[32];
	size_t n;

	n = make_buildinfo(buf, sizeof(buf), 2, "go1.22.2");
	ASSERT_OK(go_buildinfo_version(buf, n, version, sizeof(version)), "inline form");
	ASSERT_STREQ(version, "go1.22.2", "version");
	ASSERT_EQ(go_buildinfo_version(buf, n, version, 8), -EINVAL, "no room");
	ASSERT_EQ(go_buildinfo_version(buf, 38, version, sizeof(version)), -EINVAL, "truncated");
	n = make_buildinfo(buf, sizeof(buf), 0, "go1.22.2");
	ASSERT_EQ(go_buildinfo_version(buf, n, version, sizeof(version)), -ENOTSUP,
		  "pointer form (before Go 1.18)");
	n = make_buildinfo(buf, sizeof(buf), 2, "go1.22.2");
	buf[1] = 'g';
	ASSERT_EQ(go_buildinfo_version(buf, n, version, sizeof(version)), -EINVAL, "bad magic");
	ASSERT_EQ(go_buildinfo_version(buf, 16, version, sizeof(version)), -EINVAL, "too short");
}
