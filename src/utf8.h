/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict UTF-8 validation, as Go's utf8.ValidString does it: Prometheus
 * rejects a scrape whose label values are not valid by that definition.
 */
#ifndef __THREADLEAK_UTF8_H
#define __THREADLEAK_UTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at @s (at most @left bytes, @left > 0),
 * or 0 if it is not one: a stray continuation byte, a truncated sequence, an
 * overlong encoding, a UTF-16 surrogate or a code point above U+10FFFF.
 */
size_t utf8_seq_len(const unsigned char *s, size_t left);

#endif /* __THREADLEAK_UTF8_H */
