// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "go_unwind.h"
#include "target_addr.h"

#define RETADDR_SIZE 8

int go_unwind(const struct go_pclntab *tab, const struct go_unwind_start *start,
	      go_unwind_read_fn read, void *ctx, __u64 *pcs, int max, __u32 *flags)
{
	__u64 pc = start->pc, sp = start->sp, fp, retaddr;
	struct go_func fn;
	__s32 delta;
	__u8 fflags;
	int n = 0;

	*flags = 0;
	for (;;) {
		if (n == max) {
			*flags |= GO_UNWIND_TRUNCATED;
			break;
		}
		pcs[n++] = pc;
		if (pc < start->bias || go_pclntab__find_func(tab, pc - start->bias, &fn)) {
			*flags |= GO_UNWIND_INCOMPLETE; /* not Go code */
			break;
		}
		fflags = go_pclntab__func_flags(tab, &fn);
		if (fflags & GO_FUNC_FLAG_TOPFRAME)
			break; /* the base: goexit, mstart */
		/* A function that switched stacks: its caller is on another stack. */
		if ((fflags & GO_FUNC_FLAG_SPWRITE) && n > 1) {
			*flags |= GO_UNWIND_INCOMPLETE;
			break;
		}
		if (go_pclntab__sp_delta(tab, &fn, pc - start->bias, &delta) || delta < 0) {
			*flags |= GO_UNWIND_INCOMPLETE;
			break;
		}
		/*
		 * The return address is above the frame; the caller's SP above
		 * it, inside the stack. sp, the stack bounds and the frame size
		 * all come from the target: a sum that wraps ends the walk.
		 */
		if (target_addr_add(sp, delta, &fp) || target_addr_add(fp, RETADDR_SIZE, &sp) ||
		    (start->stack_hi && !target_range_within(fp, RETADDR_SIZE, start->stack_lo,
							     start->stack_hi)) ||
		    read(ctx, fp, &retaddr, sizeof(retaddr))) {
			*flags |= GO_UNWIND_INCOMPLETE;
			break;
		}
		pc = retaddr;
	}
	return n;
}
