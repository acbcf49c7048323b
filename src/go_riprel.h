/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RIP-relative loads in x86-64 code: how a stripped Go binary still says
 * where its runtime variables are. runtime.forEachGRace, found by name in
 * the function table, starts with `MOVQ runtime.allglen(SB), CX` and
 * `MOVQ runtime.allgptr(SB), BX` (Go 1.17 and later), each encoded as
 * REX.W 8B /r with a RIP-relative operand: the variable's address is the
 * end of the instruction plus a 32-bit displacement.
 *
 * Pure: a byte scan for that one encoding, not a disassembler; callers
 * check that each address found is in the section they expect.
 */
#ifndef __THREADLEAK_GO_RIPREL_H
#define __THREADLEAK_GO_RIPREL_H

#include <linux/types.h>
#include <stddef.h>

struct go_riprel_load {
	__u64 insn_addr; /* address of the instruction */
	__u64 target;	 /* address it loads from */
	__u8 reg;	 /* destination register, 0 (rax) to 15 (r15) */
};

/*
 * The 64-bit RIP-relative register loads (`mov disp32(%rip), %reg`) in
 * @code, which is at address @addr, in order. Returns how many were found,
 * at most @max. A load whose address would fall below 0 or past 2^64 is
 * none, and code whose end would is not read at all.
 */
int go_riprel_loads(const __u8 *code, size_t len, __u64 addr, struct go_riprel_load *loads,
		    int max);

#endif /* __THREADLEAK_GO_RIPREL_H */
