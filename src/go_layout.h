/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a Go runtime keeps what the goroutine census reads: the offsets of
 * the fields of struct g (and of moduledata.gofunc), and the strings of its
 * wait reasons. From the binary's DWARF when it has some (libdw), else from
 * go_offsets_table.h, generated per Go version by scripts/gen-go-offsets.sh.
 */
#ifndef __THREADLEAK_GO_LAYOUT_H
#define __THREADLEAK_GO_LAYOUT_H

#include <linux/types.h>
#include <stdbool.h>

struct Elf;

#define GO_FIELD_ABSENT 0xffff
/* The largest offset of a field, and size of a struct, a layout holds. */
#define GO_FIELD_MAX_OFFSET 0xfff0

struct go_runtime_layout {
	int major, minor;	/* the Go version it was read for */
	const char *built_with; /* the toolchain of the table's probe; NULL from DWARF */
	__u16 g_size;
	__u16 g_stack_lo, g_stack_hi;		  /* g.stack.lo, g.stack.hi */
	__u16 g_sched_sp, g_sched_pc, g_sched_bp; /* g.sched.sp, .pc, .bp */
	__u16 g_atomicstatus;			  /* u32 */
	__u16 g_goid;				  /* u64 */
	__u16 g_waitsince;			  /* s64, runtime nanotime */
	__u16 g_waitreason;			  /* u8, index of waitReasonStrings */
	__u16 g_gopc, g_startpc;		  /* uintptr */
	__u16 g_parent_goid;			  /* u64; GO_FIELD_ABSENT before Go 1.21 */
	__u16 md_text, md_gofunc;		  /* moduledata.text, .gofunc */
	const char *const *wait_reasons;	  /* NULL from DWARF: read waitReasonStrings */
	__u32 nr_wait_reasons;
};

/* The layout of Go @major.@minor from the generated table; NULL if not in it. */
const struct go_runtime_layout *go_layout__for_version(int major, int minor);

/*
 * Read the layout from the DWARF of @elf (runtime.g, runtime.gobuf,
 * runtime.stack, runtime.moduledata). Leaves wait_reasons NULL.
 * -ENOENT: no DWARF or a type is missing; -EPROTO: a field has an
 * unexpected size, an offset past GO_FIELD_MAX_OFFSET, or does not fit in
 * the g (go_layout__check).
 */
int go_layout__from_dwarf(struct Elf *elf, struct go_runtime_layout *layout);

/* Bytes of a g the census reads: up to the end of the last field it needs. */
__u32 go_layout__g_read_size(const struct go_runtime_layout *layout);

/*
 * Does every field the census reads lie inside the g (g_read_size <=
 * g_size)? 0 or -EPROTO: a layout a reader must refuse.
 */
int go_layout__check(const struct go_runtime_layout *layout);

/* The string of wait reason @index in @layout's table, NULL if out of range. */
const char *go_layout__wait_reason(const struct go_runtime_layout *layout, __u32 index);

/* The versions in the table, as "go1.19 go1.21 ...", for messages. */
const char *go_layout__known_versions(void);

#endif /* __THREADLEAK_GO_LAYOUT_H */
