/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls that can sleep in the kernel for as long as a target likes: a read
 * of its memory while it holds its own mmap lock, an open or a read on a
 * FUSE file system its owner serves. No signal or timer of ours ends such a
 * sleep, so the caller never makes the call itself: a reader thread does,
 * and the caller waits at most TARGET_CALL_TIMEOUT_MS for it.
 *
 * A reader that has not returned by then is abandoned with its call, which
 * owns everything it touches (@io is copied in, and out only on time, or
 * lent and then given up: target_call_lend()): it releases what it got
 * (closes an fd, frees what it was lent) and exits when the kernel lets it
 * go. Nothing it writes after that can land in memory its caller uses.
 * The next call starts a new reader. At most TARGET_CALL_MAX_STUCK readers
 * are left stuck at once; beyond that, calls fail at once.
 *
 * One caller at a time (the inspector's thread); others wait their turn.
 */
#ifndef __THREADLEAK_TARGET_CALL_H
#define __THREADLEAK_TARGET_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#define TARGET_CALL_TIMEOUT_MS 1000
#define TARGET_CALL_MAX_STUCK 8

/* The call, on the reader: @io is its own copy. Returns >= 0 or -errno. */
typedef long (*target_fn)(void *io);
/* After an abandoned call returned: release what it got (@ret is its return). */
typedef void (*target_release_fn)(void *io, long ret);

/*
 * Run @fn on a reader with a copy of @io (@io_size bytes, of which the
 * first @in_size are its input), copied back when it returns in time.
 * Returns what @fn returned, -ETIMEDOUT if it did not return in time (or
 * too many readers are stuck), or -errno.
 */
long target_call(target_fn fn, target_release_fn release, void *io, size_t in_size,
		 size_t io_size);

/*
 * The same without copies, for calls that write much (a read of a million
 * goroutines): @fn runs on @io itself, which must be memory the caller
 * owns whole (from malloc, with whatever @fn writes to). On -ETIMEDOUT @io
 * is no longer the caller's, even to free: @release (required) frees it,
 * now or when the abandoned reader returns. On any other return the
 * caller has it back, written as @fn left it.
 */
long target_call_lend(target_fn fn, target_release_fn release, void *io);

/*
 * target_call_lend() in two halves, so that the caller works (and makes
 * other calls) while the reader runs: start gives @fn and @io to a reader
 * of their own, wait waits for it until TARGET_CALL_TIMEOUT_MS after the
 * start, and returns as target_call_lend() would (with the same hold on
 * @io: not the caller's from the start until the wait returns, never again
 * if that is -ETIMEDOUT). Every start is waited for, before the next start
 * on the same thread. @t is the caller's, its fields target_call.c's.
 */
struct target_lend {
	void *job;
	void *io;
	target_release_fn release;
	long ret;
};
void target_call_lend_start(struct target_lend *t, target_fn fn, target_release_fn release,
			    void *io);
long target_call_lend_wait(struct target_lend *t);

/* Calls that timed out since the program started, and readers stuck now. */
__u64 target_call_timeouts(void);
unsigned int target_call_stuck(void);

/* Is @tid a reader left stuck in the kernel? It takes no signal until it
 * wakes, and then only finishes its call and exits. */
bool target_call_is_stuck(pid_t tid);

#endif /* __THREADLEAK_TARGET_CALL_H */
