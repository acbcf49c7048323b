// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the Go function table (.gopclntab) reader on arbitrary
 * bytes, as a target's ELF file gives them. Every lookup a census and an
 * unwind make (function of a pc, name, flags, file and line, frame size,
 * inlined frames, function by name) must stay inside the bytes and give
 * answers that agree with each other. The input is also its own go:func
 * data, so the inlining trees are read from it too.
 *
 * Seeds: the .gopclntab of a small program built with every Go on this
 * machine (seed_go_pclntab.sh), and a hand-made table
 * (corpus/go_pclntab/).
 */
/* fuzz-srcs: src/go_pclntab.c
 * fuzz-flags: -max_len=1048576 -malloc_limit_mb=64 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "go_pclntab.h"

#define MAX_FUNCS_VISITED 64
#define MAX_FRAMES 8

/* Every lookup at @pc, which is in @fn or not. */
static void lookup_pc(const struct go_pclntab *tab, __u64 pc)
{
	struct go_frame frames[MAX_FRAMES];
	const char *file, *name;
	struct go_func fn;
	__s32 delta;
	__u32 line;
	size_t len = 0;
	int n, i;

	if (go_pclntab__find_func(tab, pc, &fn))
		return;
	fuzz_check(fn.entry <= pc && pc < fn.end, "a function that does not hold the pc");
	name = go_pclntab__func_name(tab, &fn);
	fuzz_check(name != NULL, "no name");
	len += strlen(name);
	(void)go_pclntab__func_flags(tab, &fn);
	if (!go_pclntab__file_line(tab, &fn, pc, &file, &line) && file)
		len += strlen(file);
	(void)go_pclntab__sp_delta(tab, &fn, pc, &delta);
	n = go_pclntab__frames(tab, &fn, pc, frames, MAX_FRAMES);
	fuzz_check(n >= 1 && n <= MAX_FRAMES, "frames out of range");
	for (i = 0; i < n; i++) {
		fuzz_check(frames[i].func != NULL, "a frame without a name");
		len += strlen(frames[i].func);
		if (frames[i].file)
			len += strlen(frames[i].file);
		fuzz_check(frames[i].inlined == (i < n - 1), "only the last frame is not inlined");
	}
	fuzz_check(go_pclntab__frames(tab, &fn, pc, frames, 0) == 0, "frames with no room");
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_pclntab tab;
	struct go_func fn, by_name;
	__u32 i, step;
	char name[256];

	(void)go_pclntab__is_header(data, size);
	if (go_pclntab__init(&tab, data, size))
		return 0;
	fuzz_check(tab.nfunc > 0 && tab.functab_off + ((size_t)tab.nfunc + 1) * 8 <= size,
		   "a function table past the end");
	go_pclntab__set_gofunc(&tab, data, size);

	lookup_pc(&tab, tab.text_start);
	lookup_pc(&tab, ~0ull);
	step = tab.nfunc / MAX_FUNCS_VISITED + 1;
	for (i = 0; i < tab.nfunc; i += step) {
		if (go_pclntab__find_func(&tab, tab.text_start + i, &fn) == 0)
			lookup_pc(&tab, fn.entry);
		/* the entry of function i, as the table lists it */
		if (size >= tab.functab_off + (size_t)i * 8 + 4) {
			__u32 off;

			memcpy(&off, data + tab.functab_off + (size_t)i * 8, sizeof(off));
			lookup_pc(&tab, tab.text_start + off);
			lookup_pc(&tab, tab.text_start + off + 1);
			lookup_pc(&tab, tab.text_start + off + 17);
		}
	}
	/* the name of the function at text_start, found again by name */
	if (!go_pclntab__find_func(&tab, tab.text_start, &fn)) {
		snprintf(name, sizeof(name), "%s", go_pclntab__func_name(&tab, &fn));
		if (strcmp(name, "?") && strlen(name) < sizeof(name) - 1)
			fuzz_check(!go_pclntab__func_by_name(&tab, name, &by_name),
				   "a name not found again");
	}
	return 0;
}
