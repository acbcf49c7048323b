// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "go_pclntab.h"
#include "target_addr.h"

/* pcHeader, for 8-byte pointers */
#define HDR_MAGIC 0
#define HDR_MIN_LC 6
#define HDR_PTR_SIZE 7
#define HDR_NFUNC 8
#define HDR_TEXT_START 24
#define HDR_FUNCNAME_OFF 32
#define HDR_CU_OFF 40
#define HDR_FILETAB_OFF 48
#define HDR_PCTAB_OFF 56
#define HDR_PCLN_OFF 64
#define HDR_SIZE 72

/* _func */
#define FUNC_ENTRY_OFF 0
#define FUNC_NAME_OFF 4
#define FUNC_PCSP 16
#define FUNC_PCFILE 20
#define FUNC_PCLN 24
#define FUNC_NPCDATA 28
#define FUNC_CU_OFFSET 32
/* Go 1.20 added startLine after cuOffset: the last fields move by 4. */
#define FUNC_FLAG_118 37
#define FUNC_FLAG_120 41
#define FUNC_NFUNCDATA_118 39
#define FUNC_NFUNCDATA_120 43
#define FUNC_SIZE_118 40
#define FUNC_SIZE_120 44

#define PCDATA_INLTREE_INDEX 2
#define FUNCDATA_INLTREE 3

/* runtime.inlinedCall: Go 1.18-1.19 and Go 1.20+ */
#define INL_SIZE_118 20
#define INL_NAME_118 12
#define INL_PARENT_PC_118 16
#define INL_SIZE_120 16
#define INL_NAME_120 4
#define INL_PARENT_PC_120 8

#define MAX_INLINE_DEPTH 64

static __u32 get_u32(const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static __u64 get_u64(const __u8 *p)
{
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

bool go_pclntab__is_header(const void *data, size_t size)
{
	const __u8 *p = data;
	__u32 magic;

	if (size < HDR_SIZE)
		return false;
	magic = get_u32(p + HDR_MAGIC);
	if (magic != GO_PCLNTAB_MAGIC_118 && magic != GO_PCLNTAB_MAGIC_120)
		return false;
	return p[4] == 0 && p[5] == 0 && p[HDR_MIN_LC] == 1 && p[HDR_PTR_SIZE] == 8;
}

int go_pclntab__init(struct go_pclntab *tab, const void *data, size_t size)
{
	const __u8 *p = data;
	__u64 nfunc, off[5];
	size_t ftab_bytes;
	int i;

	memset(tab, 0, sizeof(*tab));
	if (size < HDR_SIZE)
		return -EINVAL;
	/* Go 1.2-1.17 magics: a different layout this reader does not know */
	if (get_u32(p) == 0xfffffffb || get_u32(p) == 0xfffffffa)
		return -ENOTSUP;
	if (!go_pclntab__is_header(data, size))
		return -EINVAL;
	nfunc = get_u64(p + HDR_NFUNC);
	off[0] = get_u64(p + HDR_FUNCNAME_OFF);
	off[1] = get_u64(p + HDR_CU_OFF);
	off[2] = get_u64(p + HDR_FILETAB_OFF);
	off[3] = get_u64(p + HDR_PCTAB_OFF);
	off[4] = get_u64(p + HDR_PCLN_OFF);
	for (i = 0; i < 5; i++)
		if (off[i] < HDR_SIZE || off[i] >= size)
			return -EINVAL;
	ftab_bytes = (nfunc + 1) * 8;
	if (nfunc == 0 || nfunc > size / 8 || off[4] + ftab_bytes > size)
		return -EINVAL;

	tab->data = p;
	tab->size = size;
	tab->magic = get_u32(p);
	tab->nfunc = nfunc;
	tab->text_start = get_u64(p + HDR_TEXT_START);
	tab->funcname_off = off[0];
	tab->cu_off = off[1];
	tab->filetab_off = off[2];
	tab->pctab_off = off[3];
	tab->functab_off = off[4];
	tab->func_size = tab->magic == GO_PCLNTAB_MAGIC_118 ? FUNC_SIZE_118 : FUNC_SIZE_120;
	return 0;
}

void go_pclntab__set_gofunc(struct go_pclntab *tab, const void *gofunc, size_t size)
{
	tab->gofunc = gofunc;
	tab->gofunc_size = size;
}

/* Entry offset (from text_start) of function @i; i == nfunc is the end. */
static __u32 ftab_entry(const struct go_pclntab *tab, __u32 i)
{
	return get_u32(tab->data + tab->functab_off + (size_t)i * 8);
}

/*
 * Function @i: its _func must lie in the table, and its pcs [entry, end)
 * must be a range that does not wrap.
 */
static int func_at(const struct go_pclntab *tab, __u32 i, struct go_func *fn)
{
	__u32 func_off = get_u32(tab->data + tab->functab_off + (size_t)i * 8 + 4);
	size_t at = tab->functab_off + func_off;
	__u64 entry, end;

	if (at + tab->func_size > tab->size ||
	    target_addr_add(tab->text_start, ftab_entry(tab, i), &entry) ||
	    target_addr_add(tab->text_start, ftab_entry(tab, i + 1), &end) || end < entry)
		return -EINVAL;
	fn->raw = tab->data + at;
	fn->index = i;
	fn->entry = entry;
	fn->end = end;
	return 0;
}

int go_pclntab__find_func(const struct go_pclntab *tab, __u64 pc, struct go_func *fn)
{
	__u32 lo = 0, hi = tab->nfunc, mid;
	__u64 off;

	if (pc < tab->text_start)
		return -ENOENT;
	off = pc - tab->text_start;
	if (off >= ftab_entry(tab, tab->nfunc) || off < ftab_entry(tab, 0))
		return -ENOENT;
	/* the last i with entry(i) <= off */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (ftab_entry(tab, mid) <= off)
			lo = mid;
		else
			hi = mid;
	}
	/* a table not sorted by pc can leave @off past the function found */
	if (off >= ftab_entry(tab, lo + 1))
		return -ENOENT;
	return func_at(tab, lo, fn);
}

/* A NUL-terminated string at @off of the table, or NULL if it runs out. */
static const char *table_string(const struct go_pclntab *tab, size_t off)
{
	if (off >= tab->size || !memchr(tab->data + off, '\0', tab->size - off))
		return NULL;
	return (const char *)tab->data + off;
}

static const char *name_at(const struct go_pclntab *tab, __s32 name_off)
{
	const char *name;

	if (name_off < 0)
		return NULL;
	name = table_string(tab, tab->funcname_off + (size_t)name_off);
	return name;
}

const char *go_pclntab__func_name(const struct go_pclntab *tab, const struct go_func *fn)
{
	const char *name = name_at(tab, (__s32)get_u32(fn->raw + FUNC_NAME_OFF));

	return name ? name : "?";
}

__u8 go_pclntab__func_flags(const struct go_pclntab *tab, const struct go_func *fn)
{
	return fn->raw[tab->magic == GO_PCLNTAB_MAGIC_118 ? FUNC_FLAG_118 : FUNC_FLAG_120];
}

int go_pclntab__func_by_name(const struct go_pclntab *tab, const char *name, struct go_func *fn)
{
	struct go_func cand;
	const char *cand_name;
	__u32 i;

	for (i = 0; i < tab->nfunc; i++) {
		if (func_at(tab, i, &cand))
			continue;
		cand_name = name_at(tab, (__s32)get_u32(cand.raw + FUNC_NAME_OFF));
		if (cand_name && !strcmp(cand_name, name)) {
			*fn = cand;
			return 0;
		}
	}
	return -ENOENT;
}

/* An unsigned LEB128 number; false if it runs past @end. */
static bool read_uvarint(const __u8 **p, const __u8 *end, __u32 *v)
{
	__u32 result = 0;
	int shift;

	for (shift = 0; *p < end && shift < 35; shift += 7) {
		__u8 b = *(*p)++;

		result |= (__u32)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = result;
			return true;
		}
	}
	return false;
}

int go_pclntab__pcvalue(const struct go_pclntab *tab, __u32 table_off, __u64 entry, __u64 pc,
			__s32 *value)
{
	const __u8 *p, *end = tab->data + tab->size;
	__u32 uvdelta, pcdelta;
	__u64 cur_pc = entry;
	__s64 val = -1;
	bool first = true;

	if (!table_off || tab->pctab_off + (size_t)table_off >= tab->size)
		return -ENOENT;
	p = tab->data + tab->pctab_off + table_off;
	/*
	 * Pairs of (value delta, zig-zag encoded; pc delta, in units of the
	 * minimum instruction size, 1 on x86); a zero value delta after the
	 * first pair ends the table.
	 */
	for (;;) {
		if (!read_uvarint(&p, end, &uvdelta))
			return -EINVAL;
		if (!uvdelta && !first)
			return -ENOENT;
		first = false;
		/* a value no 32-bit field holds, or a pc that wraps: a damaged table */
		val += uvdelta & 1 ? -(__s64)(uvdelta >> 1) - 1 : (__s64)(uvdelta >> 1);
		if (val < INT32_MIN || val > INT32_MAX)
			return -EINVAL;
		if (!read_uvarint(&p, end, &pcdelta) || target_addr_add(cur_pc, pcdelta, &cur_pc))
			return -EINVAL;
		if (pc < cur_pc) {
			*value = val;
			return 0;
		}
	}
}

static __u32 func_field(const struct go_func *fn, size_t off)
{
	return get_u32(fn->raw + off);
}

int go_pclntab__file_line(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
			  const char **file, __u32 *line)
{
	__s32 fileno, lineno;
	size_t cu_index;
	__u32 file_off;
	int err;

	*file = NULL;
	*line = 0;
	err = go_pclntab__pcvalue(tab, func_field(fn, FUNC_PCLN), fn->entry, pc, &lineno);
	if (err)
		return err;
	if (lineno > 0)
		*line = lineno;
	err = go_pclntab__pcvalue(tab, func_field(fn, FUNC_PCFILE), fn->entry, pc, &fileno);
	if (err || fileno < 0)
		return 0; /* a line without a file: keep the line */
	cu_index = (size_t)func_field(fn, FUNC_CU_OFFSET) + fileno;
	if (tab->cu_off + cu_index * 4 + 4 > tab->size)
		return 0;
	file_off = get_u32(tab->data + tab->cu_off + cu_index * 4);
	if (file_off != ~0u)
		*file = table_string(tab, tab->filetab_off + file_off);
	return 0;
}

int go_pclntab__sp_delta(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
			 __s32 *delta)
{
	return go_pclntab__pcvalue(tab, func_field(fn, FUNC_PCSP), fn->entry, pc, delta);
}

/* The pcdata table @index of @fn, 0 if it has none. */
static __u32 func_pcdata(const struct go_pclntab *tab, const struct go_func *fn, __u32 index)
{
	size_t at = (fn->raw - tab->data) + tab->func_size + (size_t)index * 4;

	if (index >= func_field(fn, FUNC_NPCDATA) || at + 4 > tab->size)
		return 0;
	return get_u32(tab->data + at);
}

/* The funcdata @index of @fn as an offset into gofunc; false if none. */
static bool func_funcdata(const struct go_pclntab *tab, const struct go_func *fn, __u32 index,
			  __u32 *off)
{
	bool v118 = tab->magic == GO_PCLNTAB_MAGIC_118;
	__u8 nfuncdata = fn->raw[v118 ? FUNC_NFUNCDATA_118 : FUNC_NFUNCDATA_120];
	size_t at = (fn->raw - tab->data) + tab->func_size +
		    ((size_t)func_field(fn, FUNC_NPCDATA) + index) * 4;

	if (index >= nfuncdata || at + 4 > tab->size)
		return false;
	*off = get_u32(tab->data + at);
	return *off != ~0u;
}

static void set_frame(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
		      const char *func, bool inlined, struct go_frame *frame)
{
	frame->func = func ? func : "?";
	frame->inlined = inlined;
	go_pclntab__file_line(tab, fn, pc, &frame->file, &frame->line);
}

int go_pclntab__frames(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
		       struct go_frame *frames, int max)
{
	bool v118 = tab->magic == GO_PCLNTAB_MAGIC_118;
	size_t ent_size = v118 ? INL_SIZE_118 : INL_SIZE_120;
	__u32 inl_index_table, tree_off;
	const __u8 *entry;
	__s32 ix;
	int n = 0;

	if (max < 1)
		return 0;
	inl_index_table = func_pcdata(tab, fn, PCDATA_INLTREE_INDEX);
	if (tab->gofunc && inl_index_table && func_funcdata(tab, fn, FUNCDATA_INLTREE, &tree_off)) {
		/*
		 * The inlining tree: at each pc, the index of the innermost
		 * inlined call there (-1: none); each entry names the inlined
		 * function and a pc in its caller whose position is the call.
		 */
		while (n < max - 1 && n < MAX_INLINE_DEPTH) {
			if (go_pclntab__pcvalue(tab, inl_index_table, fn->entry, pc, &ix) || ix < 0)
				break;
			if (tree_off + ((size_t)ix + 1) * ent_size > tab->gofunc_size)
				break;
			entry = tab->gofunc + tree_off + (size_t)ix * ent_size;
			set_frame(tab, fn, pc,
				  name_at(tab, (__s32)get_u32(entry + (v118 ? INL_NAME_118 :
									      INL_NAME_120))),
				  true, &frames[n++]);
			pc = fn->entry +
			     (__s32)get_u32(entry + (v118 ? INL_PARENT_PC_118 : INL_PARENT_PC_120));
		}
	}
	set_frame(tab, fn, pc, go_pclntab__func_name(tab, fn), false, &frames[n++]);
	return n;
}
