/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Go runtime's function table (.gopclntab), which every Go binary keeps,
 * stripped or not, because the runtime needs it for tracebacks and the
 * garbage collector: function names, files, lines, stack frame sizes and
 * inlining, each as a table compressed against the pc.
 *
 * Layout (Go 1.18 and later; runtime/symtab.go, cmd/link/internal/ld/pcln.go):
 * a pcHeader (magic, nfunc, textStart and the offsets of the sub-tables),
 * the function name table, the compilation unit table (file indexes), the
 * file name table, the pc-value tables and the function table: nfunc + 1
 * {entry offset, _func offset} pairs sorted by pc, each _func holding the
 * offsets of its pc-value tables. Magic 0xfffffff0 is Go 1.18-1.19,
 * 0xfffffff1 Go 1.20 and later (_func gained startLine).
 *
 * Pure: works on bytes the caller provides (a section of the file, or a
 * test's buffer). All pcs here are link-time addresses; callers subtract
 * the load bias of a PIE first.
 */
#ifndef __THREADLEAK_GO_PCLNTAB_H
#define __THREADLEAK_GO_PCLNTAB_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define GO_PCLNTAB_MAGIC_118 0xfffffff0u /* Go 1.18, 1.19 */
#define GO_PCLNTAB_MAGIC_120 0xfffffff1u /* Go 1.20 and later */

struct go_pclntab {
	const __u8 *data;
	size_t size;
	__u32 magic;
	__u32 nfunc;
	__u64 text_start; /* link-time address of the first Go function */
	size_t funcname_off, cu_off, filetab_off, pctab_off, functab_off;
	__u32 func_size; /* bytes of a _func before its pcdata offsets */
	/*
	 * Funcdata (inlining trees) lives in go:func.*, at moduledata.gofunc:
	 * not in the pclntab. Optional: without it, no inlined frames.
	 */
	const __u8 *gofunc;
	size_t gofunc_size;
};

/* One function of the table. */
struct go_func {
	const __u8 *raw; /* its _func */
	__u64 entry;	 /* link-time address of its first instruction */
	__u64 end;	 /* entry of the next function */
	__u32 index;
};

/* One frame of a pc, with inlining: a pc can be in several functions. */
struct go_frame {
	const char *func; /* points into the table */
	const char *file; /* NULL if unknown */
	__u32 line;	  /* 0 if unknown */
	bool inlined;	  /* inlined into the frame that follows */
};

/* Does @data look like a pcHeader? Only the first 8 bytes are checked. */
bool go_pclntab__is_header(const void *data, size_t size);

/*
 * Check the header of the table in @data (which must stay mapped) and fill
 * @tab. -ENOTSUP: a pclntab of Go before 1.18; -EINVAL: not a pclntab.
 */
int go_pclntab__init(struct go_pclntab *tab, const void *data, size_t size);

/* Where funcdata lives: @size bytes of go:func.* from moduledata.gofunc. */
void go_pclntab__set_gofunc(struct go_pclntab *tab, const void *gofunc, size_t size);

/* The function containing @pc. -ENOENT: not in Go code. */
int go_pclntab__find_func(const struct go_pclntab *tab, __u64 pc, struct go_func *fn);

/* The function named @name (a linear search). -ENOENT if none. */
int go_pclntab__func_by_name(const struct go_pclntab *tab, const char *name, struct go_func *fn);

/* _func.flag bits (runtime/symtab.go funcFlag, internal/abi FuncFlag) */
#define GO_FUNC_FLAG_TOPFRAME 0x1 /* the base of a stack: goexit, mstart, rt0_go */
#define GO_FUNC_FLAG_SPWRITE 0x2  /* writes SP (switches stacks): cannot unwind through */

/* Function @fn's flags, GO_FUNC_FLAG_*. */
__u8 go_pclntab__func_flags(const struct go_pclntab *tab, const struct go_func *fn);

/* Function @fn's name; "?" if the table is damaged. */
const char *go_pclntab__func_name(const struct go_pclntab *tab, const struct go_func *fn);

/* File and line of @pc in @fn (not looking into inlined calls). */
int go_pclntab__file_line(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
			  const char **file, __u32 *line);

/*
 * The frame size at @pc in @fn: bytes from SP to the return address.
 * -ENOENT if the table has no value there.
 */
int go_pclntab__sp_delta(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
			 __s32 *delta);

/*
 * The frames of @pc in @fn, innermost first: the functions inlined there,
 * then @fn itself. Returns how many were written (at least 1 if @max >= 1).
 */
int go_pclntab__frames(const struct go_pclntab *tab, const struct go_func *fn, __u64 pc,
		       struct go_frame *frames, int max);

/*
 * Value of the pc-value table at @table_off (an offset into the pctab) at
 * @pc, for a function entered at @entry. Exposed for the tests. -ENOENT if
 * @pc is past the table.
 */
int go_pclntab__pcvalue(const struct go_pclntab *tab, __u32 table_off, __u64 entry, __u64 pc,
			__s32 *value);

#endif /* __THREADLEAK_GO_PCLNTAB_H */
