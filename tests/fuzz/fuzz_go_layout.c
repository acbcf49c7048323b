// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the runtime layout read from DWARF (go_layout.c,
 * through libdw) of an arbitrary ELF file, as a target's binary gives it,
 * handed to libelf in memory. A layout it accepts must keep every field
 * the census reads inside the bytes it reads of a g, and those inside g.
 *
 * Seeds: small ELF files with DWARF of the runtime's structures
 * (seed_go_layout.sh).
 */
/* fuzz-srcs: src/go_layout.c
 * fuzz-libs: -ldw -lelf
 * fuzz-flags: -max_len=65536 -malloc_limit_mb=256 */
#include <string.h>
#include <gelf.h>
#include "fuzz.h"
#include "go_layout.h"

static void check_inside(__u32 offset, __u32 width, __u32 read_size)
{
	fuzz_check(offset + width <= read_size, "a field past the bytes read of a g");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_runtime_layout layout;
	__u32 read_size;
	char *image;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return 0;
	image = malloc(size ? size : 1);
	fuzz_check(image != NULL, "malloc");
	memcpy(image, data, size);
	elf = elf_memory(image, size);
	if (elf && !go_layout__from_dwarf(elf, &layout)) {
		read_size = go_layout__g_read_size(&layout);
		fuzz_check(read_size <= layout.g_size, "a read past the g");
		check_inside(layout.g_stack_lo, 8, read_size);
		check_inside(layout.g_stack_hi, 8, read_size);
		check_inside(layout.g_sched_sp, 8, read_size);
		check_inside(layout.g_sched_pc, 8, read_size);
		check_inside(layout.g_sched_bp, 8, read_size);
		check_inside(layout.g_atomicstatus, 4, read_size);
		check_inside(layout.g_goid, 8, read_size);
		check_inside(layout.g_waitsince, 8, read_size);
		check_inside(layout.g_waitreason, 1, read_size);
		check_inside(layout.g_gopc, 8, read_size);
		check_inside(layout.g_startpc, 8, read_size);
		if (layout.g_parent_goid != GO_FIELD_ABSENT)
			check_inside(layout.g_parent_goid, 8, read_size);
		fuzz_check(layout.md_text <= GO_FIELD_MAX_OFFSET &&
				   layout.md_gofunc <= GO_FIELD_MAX_OFFSET,
			   "a module data offset out of range");
	}
	if (elf)
		elf_end(elf);
	free(image);
	return 0;
}
