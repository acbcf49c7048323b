/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A CPython process read from outside, without stopping it: where its
 * interpreter is (_PyRuntime, by symbol in the executable or libpython),
 * which version it is (Py_Version) and so which layout, and each thread's
 * Python frames merged into its native stack as rec_stack pcs
 * (REC_PC_PYTHON), each named by a rec_symbol: "Queue.get (queue.py:171)".
 */
#ifndef __THREADLEAK_PY_INSPECT_H
#define __THREADLEAK_PY_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "py_frames.h"

struct py_proc;

/*
 * Open process @pid's interpreter. -ENOENT: no CPython in it;
 * -ENOTSUP: a CPython version without a layout; -ESRCH: it is gone.
 */
int py_proc__open(struct py_proc **pp, const char *proc_root, int pid);
void py_proc__close(struct py_proc *pp);

/* Its version, "3.11". */
const char *py_proc__version(const struct py_proc *pp);

/* What the stack merge sends and what it asks, as go_inspect_ops. */
struct py_stack_ops {
	int (*emit)(void *ctx, const void *rec, size_t len);
	/* Is @pc named already? Marks it named if not. */
	bool (*named)(void *ctx, __u64 pc);
	void *ctx;
};

/*
 * Put thread @tid's Python frames into its native stack @pcs (@*n of
 * @cap, innermost first): each native frame i of the eval loop
 * (@is_eval[i]) becomes the Python frames it runs, down to the one its C
 * call entered; if no native frame is the eval loop, the Python frames come
 * first. Names each Python pc not named yet (rec_symbol at @ts), sets
 * RS_TRUNCATED in @flags if frames did not fit, and *site to the Python
 * function the thread runs (py_site_frame), 0 if none. Returns 0 (with no
 * Python frames: not a Python thread, *n unchanged) or -errno.
 */
int py_proc__merge_stack(struct py_proc *pp, __u32 tid, __u64 ts, __u64 *pcs, int *n, int cap,
			 const bool *is_eval, __u16 *flags, __u64 *site,
			 const struct py_stack_ops *ops);

/*
 * Of a thread's Python frames @codes (outermost first, @nr), the one that
 * is its site: the outermost outside threading.py (Thread._bootstrap,
 * _bootstrap_inner, run); for a concurrent.futures worker, the submitted
 * callable under _WorkItem.run, or _worker itself when it is idle. -1 if
 * none.
 */
int py_site_frame(const struct py_code *const *codes, int nr);

/* Is @func CPython's thread start routine (pythread_wrapper, 3.11)? */
bool py_thread_start_routine(const char *func);

/* The reads a stack merge may make: frames, code objects, line tables. */
#define PY_READS_PER_STACK 4096

#endif /* __THREADLEAK_PY_INSPECT_H */
