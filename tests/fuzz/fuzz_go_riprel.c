// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the scan for RIP-relative loads (go_riprel.c) on
 * arbitrary code, as a target's ELF file gives it, at a fixed address and
 * at an address the input's first 8 bytes choose. Every load found must be
 * inside the code, in order, and point where its displacement says.
 *
 * Seeds: pieces of .text of a small program built with every Go on this
 * machine (seed_go_riprel.sh).
 */
/* fuzz-srcs: src/go_riprel.c
 * fuzz-flags: -max_len=4096 */
#include <string.h>
#include "fuzz.h"
#include "go_riprel.h"

#define MAX_LOADS 64

static void scan(const uint8_t *code, size_t len, __u64 addr)
{
	struct go_riprel_load loads[MAX_LOADS];
	__s32 disp;
	__u64 at;
	int n, i;

	n = go_riprel_loads(code, len, addr, loads, MAX_LOADS);
	fuzz_check(n >= 0 && n <= MAX_LOADS, "more loads than room");
	for (i = 0; i < n; i++) {
		fuzz_check(loads[i].insn_addr >= addr && loads[i].insn_addr - addr + 7 <= len,
			   "a load outside the code");
		fuzz_check(!i || loads[i].insn_addr >= loads[i - 1].insn_addr + 7,
			   "loads overlap or out of order");
		at = loads[i].insn_addr - addr;
		memcpy(&disp, code + at + 3, sizeof(disp));
		fuzz_check(loads[i].target == loads[i].insn_addr + 7 + (__s64)disp,
			   "a target its displacement does not say");
		fuzz_check(loads[i].reg < 16, "a register past r15");
	}
	fuzz_check(go_riprel_loads(code, len, addr, loads, 0) == 0, "loads with no room");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 addr;

	scan(data, size, 0x401000);
	if (size >= sizeof(addr)) {
		memcpy(&addr, data, sizeof(addr));
		scan(data + sizeof(addr), size - sizeof(addr), addr);
	}
	return 0;
}
