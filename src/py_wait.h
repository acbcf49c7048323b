/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a CPython thread waits on, in Python's words (Queue.get,
 * Lock.acquire, Thread.join, time.sleep, ...), from its stack's frames as
 * the rec_symbols named them and the wait the census saw. Pure: the
 * detector calls it, live and on replay alike.
 */
#ifndef __THREADLEAK_PY_WAIT_H
#define __THREADLEAK_PY_WAIT_H

#include <linux/types.h>
#include "symtab.h"
#include "wait.h"

/*
 * The Python API a thread waiting with @prim (@syscall_nr for
 * PRIM_SYSCALL) waits in, from its stack @pcs (@n, innermost first): the
 * outermost of the known standard library waits around its innermost
 * Python frame (Condition.wait called by Queue.get is Queue.get), else
 * what the wait itself says from Python code (a semaphore: Lock.acquire).
 * NULL if the stack has no Python frame or says nothing known.
 */
const char *py_wait_name(const struct symtab *st, const __u64 *pcs, unsigned int n,
			 enum primitive prim, int syscall_nr);

#endif /* __THREADLEAK_PY_WAIT_H */
