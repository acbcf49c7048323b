/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inspector's Go side: a goroutine census of one Go process as records
 * (rec_goroutine for each goroutine the program runs, a stack per creation
 * site, the symbols of both from .gopclntab, then rec_go_census), and which
 * of its threads the runtime parked.
 */
#ifndef __THREADLEAK_GO_INSPECT_H
#define __THREADLEAK_GO_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "go_runtime.h"

struct go_inspect_ops {
	int (*emit)(void *ctx, const void *rec, size_t len);
	/* Has @addr been named in this process? Marks it named. */
	bool (*named)(void *ctx, __u64 addr);
	void *ctx;
};

struct go_inspect;

struct go_inspect *go_inspect__new(struct go_proc *gp, __u32 tgid);
void go_inspect__free(struct go_inspect *gi);

/*
 * One census at @ts. Returns 0 or -errno: -ESRCH, the process is gone;
 * -EPROTO, -E2BIG, -ETIME, -EFAULT, -EIO: the process could not be read
 * (go_inspect__why() says why), its goroutines so far and a census record
 * marked incomplete were emitted; anything else: @ops->emit failed.
 */
int go_inspect__census(struct go_inspect *gi, __u64 ts, const struct go_inspect_ops *ops);

/* Why the last census could not read the process, in a few words. */
const char *go_inspect__why(const struct go_inspect *gi);

/* Name @pc from .gopclntab: a rec_symbol unless named before. -ENOENT: not Go code. */
int go_inspect__symbol(struct go_inspect *gi, __u64 pc, bool retaddr, __u64 ts,
		       const struct go_inspect_ops *ops);

#endif /* __THREADLEAK_GO_INSPECT_H */
