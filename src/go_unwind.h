/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walking a Go stack the way the Go runtime's own traceback does: from a pc
 * and sp, the function table gives each frame's size at that pc (the pcsp
 * table), hence where its return address is, up to a function flagged as
 * the base of a stack (runtime.goexit for a goroutine, runtime.mstart for
 * an OS thread's system stack).
 *
 * This needs no frame pointers, so it also walks frames whose prologue has
 * not yet run and assembly functions without a frame (runtime.futex,
 * runtime.mcall's callers), where a frame pointer walk skips a caller. The
 * memory comes through a callback: a process's, or a test's buffer.
 */
#ifndef __THREADLEAK_GO_UNWIND_H
#define __THREADLEAK_GO_UNWIND_H

#include <linux/types.h>
#include "go_pclntab.h"

/* Read @len bytes at @addr of the stack's address space; 0 or -errno. */
typedef int (*go_unwind_read_fn)(void *ctx, __u64 addr, void *buf, size_t len);

struct go_unwind_start {
	__u64 pc, sp;		  /* where the walk starts */
	__u64 stack_lo, stack_hi; /* bounds of the stack, 0 if unknown */
	__u64 bias;		  /* load bias: runtime pc = link-time pc + bias */
};

/* go_unwind() flags */
#define GO_UNWIND_TRUNCATED 0x1	 /* more frames than fitted */
#define GO_UNWIND_INCOMPLETE 0x2 /* stopped before the base of the stack */

/*
 * Walk the stack: pcs[0] is @start->pc, the others are return addresses
 * (runtime addresses). Returns the number of pcs; *flags says whether the
 * walk reached the base (runtime.goexit+1 is then the last pc, as in Go's
 * own goroutine profiles).
 */
int go_unwind(const struct go_pclntab *tab, const struct go_unwind_start *start,
	      go_unwind_read_fn read, void *ctx, __u64 *pcs, int max, __u32 *flags);

#endif /* __THREADLEAK_GO_UNWIND_H */
