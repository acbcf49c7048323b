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

#endif /* __THREADLEAK_REPORT_WORDS_H */
