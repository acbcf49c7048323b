// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include "go_layout.h"
#include "go_offsets_table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const struct go_runtime_layout *go_layout__for_version(int major, int minor)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(go_layout_table); i++)
		if (go_layout_table[i]->major == major && go_layout_table[i]->minor == minor)
			return go_layout_table[i];
	return NULL;
}

const char *go_layout__known_versions(void)
{
	static char known[256];
	size_t i, len = 0;

	if (known[0])
		return known;
	for (i = 0; i < ARRAY_SIZE(go_layout_table) && len < sizeof(known); i++)
		len += snprintf(known + len, sizeof(known) - len, "%sgo%d.%d", i ? " " : "",
				go_layout_table[i]->major, go_layout_table[i]->minor);
	return known;
}

const char *go_layout__wait_reason(const struct go_runtime_layout *layout, __u32 index)
{
	if (!layout->wait_reasons || index >= layout->nr_wait_reasons)
		return NULL;
	return layout->wait_reasons[index];
}

__u32 go_layout__g_read_size(const struct go_runtime_layout *layout)
{
	/* in 32 bits: each offset is below 2^16, so no sum wraps */
	const __u32 ends[] = {
		layout->g_stack_lo + 8,
		layout->g_stack_hi + 8,
		layout->g_sched_sp + 8,
		layout->g_sched_pc + 8,
		layout->g_sched_bp + 8,
		layout->g_atomicstatus + 4,
		layout->g_goid + 8,
		layout->g_waitsince + 8,
		layout->g_waitreason + 1,
		layout->g_gopc + 8,
		layout->g_startpc + 8,
		layout->g_parent_goid == GO_FIELD_ABSENT ? 0 : layout->g_parent_goid + 8,
	};
	__u32 end = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ends); i++)
		if (ends[i] > end)
			end = ends[i];
	return (end + 7) & ~7u;
}

int go_layout__check(const struct go_runtime_layout *layout)
{
	return go_layout__g_read_size(layout) <= layout->g_size ? 0 : -EPROTO;
}

/* A member of a DWARF structure the census needs. */
struct member_want {
	const char *name;
	int size;     /* expected size in bytes, 0: any */
	__s64 offset; /* out; -1 if not found */
};

static void read_members(Dwarf_Die *st, struct member_want *want, size_t nr_want)
{
	Dwarf_Die member, type;
	Dwarf_Attribute attr;
	Dwarf_Word off, size;
	const char *name;
	size_t i;

	if (dwarf_child(st, &member) != 0)
		return;
	do {
		if (dwarf_tag(&member) != DW_TAG_member || !(name = dwarf_diename(&member)))
			continue;
		for (i = 0; i < nr_want; i++) {
			if (strcmp(name, want[i].name))
				continue;
			if (!dwarf_attr(&member, DW_AT_data_member_location, &attr) ||
			    dwarf_formudata(&attr, &off))
				break;
			/* an offset no struct of the runtime has: not the field we know */
			want[i].offset = off <= GO_FIELD_MAX_OFFSET ? (__s64)off : -2;
			if (want[i].size && (!dwarf_attr(&member, DW_AT_type, &attr) ||
					     !dwarf_formref_die(&attr, &type) ||
					     dwarf_aggregate_size(&type, &size) ||
					     size != (Dwarf_Word)want[i].size))
				want[i].offset = -2; /* wrong size: not the field we know */
			break;
		}
	} while (dwarf_siblingof(&member, &member) == 0);
}

enum { ST_G, ST_GOBUF, ST_STACK, ST_MODULEDATA, NR_ST };

int go_layout__from_dwarf(struct Elf *elf, struct go_runtime_layout *layout)
{
	static const char *const struct_names[NR_ST] = { "runtime.g", "runtime.gobuf",
							 "runtime.stack", "runtime.moduledata" };
	struct member_want g[] = {
		{ "stack", 0, -1 }, { "sched", 0, -1 },	    { "atomicstatus", 4, -1 },
		{ "goid", 8, -1 },  { "waitsince", 8, -1 }, { "waitreason", 1, -1 },
		{ "gopc", 8, -1 },  { "startpc", 8, -1 },   { "parentGoid", 8, -1 },
	};
	struct member_want gobuf[] = { { "sp", 8, -1 }, { "pc", 8, -1 }, { "bp", 8, -1 } };
	struct member_want stack[] = { { "lo", 8, -1 }, { "hi", 8, -1 } };
	struct member_want md[] = { { "text", 8, -1 }, { "gofunc", 8, -1 } };
	struct {
		struct member_want *want;
		size_t nr;
	} members[NR_ST] = {
		{ g, ARRAY_SIZE(g) },
		{ gobuf, ARRAY_SIZE(gobuf) },
		{ stack, ARRAY_SIZE(stack) },
		{ md, ARRAY_SIZE(md) },
	};
	Dwarf_Off off = 0, next_off;
	bool found[NR_ST] = { 0 };
	Dwarf_Word g_size = 0;
	__s64 sums[5];
	int nr_found = 0, err = 0;
	size_t hsize, i, j;
	Dwarf *dbg;

	dbg = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dbg)
		return -ENOENT;
	while (nr_found < NR_ST &&
	       dwarf_nextcu(dbg, off, &next_off, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;

		if (dwarf_offdie(dbg, off + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
			do {
				const char *name;

				if (dwarf_tag(&die) != DW_TAG_structure_type ||
				    !(name = dwarf_diename(&die)))
					continue;
				for (i = 0; i < NR_ST; i++) {
					if (found[i] || strcmp(name, struct_names[i]))
						continue;
					read_members(&die, members[i].want, members[i].nr);
					if (i == ST_G)
						dwarf_aggregate_size(&die, &g_size);
					found[i] = true;
					nr_found++;
				}
			} while (nr_found < NR_ST && dwarf_siblingof(&die, &die) == 0);
		}
		off = next_off;
	}
	dwarf_end(dbg);
	if (nr_found < NR_ST)
		return -ENOENT;
	for (i = 0; i < NR_ST; i++) {
		for (j = 0; j < members[i].nr; j++) {
			/* parentGoid is Go 1.21+ only */
			if (members[i].want[j].offset == -1 && !(i == ST_G && j == 8))
				return -ENOENT;
			if (members[i].want[j].offset == -2)
				err = -EPROTO;
		}
	}
	if (err)
		return err;

	/*
	 * A field of a struct inside g is at the sum of two offsets, each at
	 * most GO_FIELD_MAX_OFFSET: the sum is formed in 64 bits and checked
	 * before it goes in 16.
	 */
	sums[0] = g[0].offset + stack[0].offset;
	sums[1] = g[0].offset + stack[1].offset;
	sums[2] = g[1].offset + gobuf[0].offset;
	sums[3] = g[1].offset + gobuf[1].offset;
	sums[4] = g[1].offset + gobuf[2].offset;
	for (i = 0; i < ARRAY_SIZE(sums); i++)
		if (sums[i] > GO_FIELD_MAX_OFFSET)
			return -EPROTO;
	if (g_size > GO_FIELD_MAX_OFFSET)
		return -EPROTO;

	memset(layout, 0, sizeof(*layout));
	layout->g_size = g_size;
	layout->g_stack_lo = sums[0];
	layout->g_stack_hi = sums[1];
	layout->g_sched_sp = sums[2];
	layout->g_sched_pc = sums[3];
	layout->g_sched_bp = sums[4];
	layout->g_atomicstatus = g[2].offset;
	layout->g_goid = g[3].offset;
	layout->g_waitsince = g[4].offset;
	layout->g_waitreason = g[5].offset;
	layout->g_gopc = g[6].offset;
	layout->g_startpc = g[7].offset;
	layout->g_parent_goid = g[8].offset < 0 ? GO_FIELD_ABSENT : g[8].offset;
	layout->md_text = md[0].offset;
	layout->md_gofunc = md[1].offset;
	/* every field the census reads inside the g it reads */
	return go_layout__check(layout);
}
