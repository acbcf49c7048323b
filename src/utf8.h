/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict UTF-8 validation, as Go's utf8.ValidString does it: Prometheus
 * rejects a scrape whose label values are not valid by that definition.
 */
#ifndef __THREADLEAK_UTF8_H
#define __THREADLEAK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at @s (at most @left bytes, @left > 0),
 * or 0 if it is not one: a stray continuation byte, a truncated sequence, an
 * overlong encoding, a UTF-16 surrogate or a code point above U+10FFFF.
 */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/*
 * Whether the valid sequence of @n bytes at @s is a C1 control (U+0080 to
 * U+009F): valid UTF-8 that a terminal may still act on (U+009B is CSI).
 */
static inline bool utf8_is_c1(const unsigned char *s, size_t n)
{
	return n == 2 && s[0] == 0xc2 && s[1] <= 0x9f;
}

#endif /* __THREADLEAK_UTF8_H */
