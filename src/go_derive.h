/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime layout of a Go binary derived from the binary itself, for a
 * Go with neither DWARF in the binary nor an entry in go_offsets_table.h
 * (the next release, stripped). Stripping keeps .gopclntab, so the
 * runtime's functions are still found by name; their machine code says
 * where the fields of struct g are, as the compiler wrote each access:
 *
 *   runtime.printcreatedby   gp.gopc, gp.goid (`cmpq $1`), gp.parentGoid
 *   runtime.isSystemGoroutine gp.startpc
 *   runtime.goroutineheader  gp.atomicstatus (32-bit load), gp.waitreason
 *                            (byte load, then `cmp $len(waitReasonStrings)`),
 *                            gp.waitsince (`cmpq $0`), and the address of
 *                            runtime.waitReasonStrings (a LEA into .data)
 *   runtime.mcall            g.sched.pc, .sp, .bp: its first three stores
 *                            through R14, the current g
 *   any function's prologue  g.stackguard0 (`cmp 0x10(%r14), %rsp`): the
 *                            two words of g.stack come right before it
 *   runtime.malg             the type descriptor of g (its LEA before
 *                            runtime.newobject), whose first word is the size
 *
 * and moduledata's text and gofunc come from the module data's words (text
 * two words after minpc, the first word pointing into the code; gofunc
 * after its last pointer at the start of .rodata). The wait reason strings
 * are read through the string headers of waitReasonStrings; without the
 * code's LEA, the array is found by its content: string headers for "",
 * "GC assist marking", "IO wait" in a row.
 *
 * Only the forms the Go compilers since 1.19 emit on amd64 are recognised;
 * anything else is "not found" with the name of what was looked for.
 */
#ifndef __THREADLEAK_GO_DERIVE_H
#define __THREADLEAK_GO_DERIVE_H

#include "go_layout.h"

struct go_binary;

/*
 * Derive @layout (every field go_layout__from_dwarf fills, and the wait
 * reason strings) from @bin. 0; or -ENOENT with *@missing naming the first
 * thing not found ("runtime.mcall's stores of g.sched"), or -EPROTO when
 * what was found does not hold together (a field outside the g). The
 * strings are allocated: go_derive__free() releases them.
 */
int go_derive__layout(const struct go_binary *bin, struct go_runtime_layout *layout,
		      const char **missing);

/*
 * For a reader that gives up when derivation fails: remember @missing as
 * the last thing not found (per thread) and return -ENOTSUP.
 */
int go_derive__failed(const char *missing);

/* What the last failed derivation of this thread did not find; "" if none. */
const char *go_derive__last_missing(void);

/* Free the wait reason strings of a derived layout (and only those). */
void go_derive__free(struct go_runtime_layout *layout);

#endif /* __THREADLEAK_GO_DERIVE_H */
