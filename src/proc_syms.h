/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbols and stacks of another process, read without stopping it: the
 * modules come from /proc/PID/maps, symbols, lines and CFI from their ELF
 * and DWARF through elfutils' libdwfl, memory through process_vm_readv.
 * Nothing here attaches to, signals or stops the target. A proc_syms is
 * used by one thread at a time.
 *
 * proc_syms__open() unsets DEBUGINFOD_URLS in this process: elfutils would
 * otherwise ask the network for every module without local debuginfo.
 */
#ifndef __THREADLEAK_PROC_SYMS_H
#define __THREADLEAK_PROC_SYMS_H

#include <stdbool.h>
#include <linux/types.h>
#include "record.h"

struct sym_info {
	char func[512];	  /* demangled; "" if unknown */
	char file[256];	  /* source file basename, "" if no debug info */
	char module[128]; /* module basename, e.g. "libc.so.6"; "" if none */
	__u64 offset;	  /* pc - start of func */
	__u64 module_offset; /* pc - start of module: stable across runs */
	__u32 line;	  /* 0 if unknown */
	bool found;	  /* func is known */
	/*
	 * The functions inlined at the pc, innermost first, laid out as
	 * rec_symbol carries them (record.h): nr_inline rec_inline_frame,
	 * then their text; inlined_len bytes. NULL and 0 if none. Owned by
	 * the cache that answered: valid until the next call on it.
	 */
	const void *inlined;
	__u16 inlined_len;
	__u16 nr_inline;
	/* Of each inlined frame: where its inlined code starts, from the
	 * address looked up (if bit i of inline_entry_known), and the line its
	 * function is declared at (0: unknown). Not in rec_symbol: for the
	 * inspector's sites. */
	__s32 inline_entry_delta[REC_INLINE_MAX];
	__u32 inline_decl_line[REC_INLINE_MAX];
	__u16 inline_entry_known;
};

struct proc_syms;

/* Report the modules process @pid maps (from @proc_root/PID/maps; files opened through
 * @proc_root/PID/root so containers work). Returns 0, -ESRCH (no such process), or -errno. */
int proc_syms__open(struct proc_syms **ps, const char *proc_root, int pid);
void proc_syms__close(struct proc_syms *ps);
struct module_cache;
/* Take the symbols of regular files from @mc, shared with other processes. */
void proc_syms__use_cache(struct proc_syms *ps, struct module_cache *mc);
/* A new census: one address in no mapping may re-read the maps (dlopen). */
void proc_syms__new_census(struct proc_syms *ps);
/* Heap bytes this process's own symbol and unwind data grew by. */
size_t proc_syms__bytes(const struct proc_syms *ps);
/* Re-read the maps (after dlopen). */
int proc_syms__refresh(struct proc_syms *ps);
/* Is @pc in an executable mapping of the process? */
bool proc_syms__is_exec(struct proc_syms *ps, __u64 pc);
/* Symbolize @pc; @retaddr: pc is a return address, look up pc - 1. 0 or -ENOENT. Cached. */
/* -ENOENT: @pc is in no module (si has nothing); 0: si->module is set, and
 * si->found tells whether the function is known too. func comes from the ELF
 * symbol containing @pc, file and line are where in func @pc is (the call
 * site of the outermost inlined call, when @pc is in inlined code), and the
 * inlined functions are si->inlined, from DWARF, valid until the next call
 * on @ps. */
int proc_syms__lookup(struct proc_syms *ps, __u64 pc, bool retaddr, struct sym_info *si);
/* Unwind thread @tid from @regs, innermost first: pcs[0] = regs->ip, then return addresses.
 * Returns the number of frames or -errno; *flags gets RS_TRUNCATED / RS_INCOMPLETE (record.h). */
/* A frame interrupted by a signal (after a signal trampoline) is stored as
 * is: it is the interrupted pc, not a return address. -ESRCH: the process is
 * gone. The target's stack is read once ([sp, sp + 64 KiB), clipped to its
 * mapping), so a stack changing under the unwind gives a consistent view. */
int proc_syms__unwind(struct proc_syms *ps, int tid, const struct rec_regs *regs, __u64 *pcs,
		      int max, __u16 *flags);

#endif /* __THREADLEAK_PROC_SYMS_H */
