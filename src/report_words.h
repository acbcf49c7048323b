/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words a report shows a finding's facts with, the same in every format:
 * a finding carries fields (primitive, address, symbol, owner), not text.
 */
#ifndef __THREADLEAK_REPORT_WORDS_H
#define __THREADLEAK_REPORT_WORDS_H

#include <stddef.h>
#include "detector.h"

/* rec_proc_incomplete's part and reason, in words: "goroutines", "malformed" */
const char *incomplete_part_name(enum rec_incomplete_part part);
const char *incomplete_reason_name(enum rec_incomplete_reason reason);

/* Room for any of the words below: a symbol (511 bytes) and more. */
#define FINDING_WORDS_LEN 640

/* Where contexts come from: the symbol, or the name pattern that refines a
 * runtime's trampoline ("pool-N-thread-…"), "main thread", "unknown start
 * routine", "unknown" (a goroutine's creator); NULL with no context. */
const char *finding_site_name(const struct finding_site *site);

/* What @fc is doing: "mutex wait", "read", "running", "exited", a waiting
 * goroutine's wait reason. In @buf if need be. */
const char *finding_state_name(const struct finding_ctx *fc, char *buf, size_t len);

/* The syscall a thread waits in ("read"), in @buf; NULL if it waits in none. */
const char *finding_syscall_name(const struct finding_ctx *fc, char *buf, size_t len);

/* The lock @fc waits on: its symbol, else its address ("0x404040"). */
const char *finding_lock_name(const struct finding_ctx *fc, char *buf, size_t len);

/* What @fc waits for, in @buf: "mutex lock_a (0x404040)", "mutex 0x404040",
 * "join of thread 12". */
const char *finding_wait_target(const struct finding_ctx *fc, char *buf, size_t len);

/* A stuck site's class of wait: "channel", "select", "sync", "leaked", "futex". */
const char *stuck_class_name(enum stuck_class cls);

#endif /* __THREADLEAK_REPORT_WORDS_H */
