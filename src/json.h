/* SPDX-License-Identifier: GPL-2.0 */
/* Writing JSON strings: the one part of JSON output that needs care. */
#ifndef __THREADLEAK_JSON_H
#define __THREADLEAK_JSON_H

#include <stdio.h>
#include <stddef.h>

/* Write @s (at most @len bytes, stopping at NUL) as a quoted JSON string. */
void json_write_str(FILE *out, const char *s, size_t len);

#endif /* __THREADLEAK_JSON_H */
