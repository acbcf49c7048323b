/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a CPython interpreter's threads and their Python frames out of
 * its memory, through a reader the caller gives (process_vm_readv live, a
 * fake address space in tests and the fuzzer). Everything read is hostile:
 * lists are walked to a bound, lengths are clipped, strings are checked,
 * address sums are overflow-checked (target_addr.h), and the number of
 * reads is bounded by py_target.reads_left.
 */
#ifndef __THREADLEAK_PY_FRAMES_H
#define __THREADLEAK_PY_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "py_layout.h"
#include "record.h"

#define PY_MAX_INTERPS 64
#define PY_MAX_THREADS 4096
#define PY_MAX_FRAMES 256
#define PY_NAME_MAX 256
#define PY_LINETABLE_MAX (64u << 10)

/* Reads @len bytes at @addr: the bytes read, or -errno, as process_vm_readv. */
typedef ssize_t (*py_read_fn)(void *ctx, __u64 addr, void *buf, size_t len);

struct py_target {
	const struct py_layout *layout;
	__u64 runtime; /* the address of _PyRuntime */
	py_read_fn read;
	void *ctx;
	unsigned int reads_left; /* a budget: at 0, reads fail with -E2BIG */
};

struct py_frame {
	__u64 code;    /* the PyCodeObject's address */
	__u32 line;    /* the line it runs, 0 if unknown */
	bool is_entry; /* the first frame of its C eval call (3.11) */
};

struct py_code {
	char qualname[PY_NAME_MAX]; /* "Queue.get", valid UTF-8, no NUL inside */
	char filename[PY_NAME_MAX];
	__u32 firstlineno;
};

/*
 * The PyThreadState of thread @tid (its native_thread_id) in any
 * interpreter. 0 or -ENOENT (not a Python thread), -EPROTO (lists
 * longer than any interpreter makes), -EFAULT/-E2BIG/-errno from reads.
 */
int py_find_tstate(struct py_target *t, __u32 tid, __u64 *tstate);

/*
 * The Python frames of @tstate, innermost first, at most @max; *truncated
 * if there were more. Returns how many, or -errno.
 */
int py_read_frames(struct py_target *t, __u64 tstate, struct py_frame *frames, int max,
		   bool *truncated);

/* The names and first line of the code object at @code. */
int py_read_code(struct py_target *t, __u64 code, struct py_code *pc);

/*
 * The line of code unit @lasti (-1: not started) from a 3.11 location
 * table (@table, @len bytes), the function starting at @firstlineno. 0 if
 * the table does not say.
 */
__u32 py_linetable_line(const __u8 *table, size_t len, __u32 firstlineno, __s64 lasti);

/*
 * A Python frame as a pc of a rec_stack (REC_PC_PYTHON): its code object
 * and line. Line 0 names the function itself (a site).
 */
static inline __u64 py_frame_pc(__u64 code, __u32 line)
{
	return REC_PC_PYTHON | (__u64)(line & 0x3ffff) << 44 | (code >> 3 & ((1ull << 44) - 1));
}

#endif /* __THREADLEAK_PY_FRAMES_H */
