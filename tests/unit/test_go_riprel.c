// SPDX-License-Identifier: GPL-2.0
/*
 * Finding runtime.allglen and runtime.allgptr without symbols: the
 * RIP-relative loads of runtime.forEachGRace must be where the symbol table
 * says, and in stripped binaries in the sections those variables live in.
 * (-s -w moves data: a stripped build's addresses differ from a normal
 * build's. The live tests check the stripped ones in a running process.)
 */
#include <string.h>
#include "test.h"
#include "go_binary.h"
#include "go_riprel.h"
#include "go_test_binaries.h"

void test_go_riprel_synthetic(void)
{
	static const __u8 code[] = {
		0x64, 0x4c, 0x8b, 0x34, 0x25, 0xf8, 0xff, 0xff, 0xff, /* mov %fs:-8, %r14 */
		0x48, 0x8b, 0x0d, 0x10, 0x00, 0x00, 0x00,	      /* mov 0x10(%rip), %rcx */
		0x48, 0x8b, 0x44, 0x24, 0x08,			      /* mov 8(%rsp), %rax */
		0x4c, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff,	      /* mov -0x10(%rip), %r8 */
		0x48, 0x8d, 0x05, 0x00, 0x01, 0x00, 0x00,	      /* lea: not a load */
		0x8b, 0x05, 0x00, 0x01, 0x00, 0x00,		      /* 32-bit mov: no REX.W */
		0x48, 0x8b, 0x1d, 0x00,				      /* cut short */
	};
	struct go_riprel_load loads[4];
	int n;

	n = go_riprel_loads(code, sizeof(code), 0x1000, loads, 4);
	if (!ASSERT_EQ(n, 2, "loads"))
		return;
	ASSERT_EQ(loads[0].insn_addr, 0x1009, "first at");
	ASSERT_EQ(loads[0].target, 0x1009 + 7 + 0x10, "first target");
	ASSERT_EQ(loads[0].reg, 1, "rcx");
	ASSERT_EQ(loads[1].insn_addr, 0x1015, "second at");
	ASSERT_EQ(loads[1].target, 0x1015 + 7 - 0x10, "second target, backwards");
	ASSERT_EQ(loads[1].reg, 8, "r8");
	ASSERT_EQ(go_riprel_loads(code, sizeof(code), 0x1000, loads, 1), 1, "max");
	/* addresses a target's file can make wrap */
	ASSERT_EQ(go_riprel_loads(code, sizeof(code), ~0ull - 16, loads, 4), 0, "code past the top");
	ASSERT_EQ(go_riprel_loads(code + 0x15, 7, 0, loads, 4), 0, "a target below 0 is none");
	n = go_riprel_loads(code + 9, 7, ~0ull - 7 - 0x10 + 1, loads, 4);
	ASSERT_EQ(n, 0, "a target past the top is none");
}

/* The two loads of runtime.forEachGRace in @bin; false if not found. */
static bool for_each_g_race_loads(struct go_binary *bin, struct go_riprel_load *loads)
{
	struct go_func fn;
	__u8 code[256];
	size_t len;

	if (!ASSERT_OK(go_pclntab__func_by_name(go_binary__pclntab(bin), "runtime.forEachGRace",
						&fn),
		       "forEachGRace in the function table"))
		return false;
	len = fn.end - fn.entry < sizeof(code) ? fn.end - fn.entry : sizeof(code);
	return ASSERT_OK(go_binary__read(bin, fn.entry, code, len), "code") &&
	       ASSERT_EQ(go_riprel_loads(code, len, fn.entry, loads, 2), 2, "loads");
}

void test_go_riprel_for_each_g_race(void)
{
	static const char *const modes[] = { "normal", "stripped", "pie", "pie-stripped" };
	const char *versions[GO_TEST_MAX_VERSIONS];
	int nr, i, m;

	nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);
	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	for (i = 0; i < nr; i++) {
		for (m = 0; m < (int)(sizeof(modes) / sizeof(modes[0])); m++) {
			struct go_riprel_load loads[2];
			__u64 allglen, allgptr;
			struct go_binary *bin;
			const char *path;

			test__start_subtest(go_test_name(versions[i], modes[m]));
			path = go_test_binary(versions[i], modes[m]);
			if (!ASSERT_TRUE(path != NULL, "go build") ||
			    !ASSERT_OK(go_binary__open(&bin, path), "open"))
				continue;
			if (for_each_g_race_loads(bin, loads)) {
				/* allglen holds no pointer, allgptr does: the GC needs to know */
				ASSERT_STREQ(go_binary__section_of(bin, loads[0].target),
					     ".noptrbss", "allglen section");
				ASSERT_STREQ(go_binary__section_of(bin, loads[1].target), ".bss",
					     "allgptr section");
				/* where the symbols say, when there are symbols */
				if (go_binary__has_symbols(bin) &&
				    ASSERT_OK(go_binary__symbol(bin, "runtime.allglen", &allglen,
								NULL),
					      "allglen symbol") &&
				    ASSERT_OK(go_binary__symbol(bin, "runtime.allgptr", &allgptr,
								NULL),
					      "allgptr symbol")) {
					ASSERT_EQ(loads[0].target, allglen, "allglen");
					ASSERT_EQ(loads[1].target, allgptr, "allgptr");
				}
			}
			go_binary__close(bin);
		}
	}
}
