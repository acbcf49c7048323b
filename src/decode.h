/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of records coming from BPF or from a trace file: a record is
 * handed to the detector only once its type and size are known to be right.
 */
#ifndef __THREADLEAK_DECODE_H
#define __THREADLEAK_DECODE_H

#include <stddef.h>
#include <linux/types.h>
#include "record.h"

/*
 * Check that @buf holds one whole, well-formed record of at most @len bytes.
 * On success, returns its size; on failure, -EINVAL (or -ENODATA if @len is
 * too short to tell) and points @why at the reason.
 */
int rec_decode(const void *buf, size_t len, const char **why);

const char *rec_type_name(unsigned int type);

#endif /* __THREADLEAK_DECODE_H */
