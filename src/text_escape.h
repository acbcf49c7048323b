/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text for a terminal from strings a target controls (comm, thread names,
 * symbols, file names, Go wait reasons): nothing a terminal would act on is
 * written raw. A byte below 0x20 or 0x7f becomes \n, \t, \r or \xNN; a
 * backslash \\; a byte that is not part of valid UTF-8 \xNN; a C1 control
 * (U+0080..U+009F), a bidirectional formatting control or a line or
 * paragraph separator \uNNNN. Valid printable UTF-8 is kept as it is.
 */
#ifndef __THREADLEAK_TEXT_ESCAPE_H
#define __THREADLEAK_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* The most an escape makes of one input byte ("\xNN"). */
#define TEXT_ESCAPE_GROWTH 4
/* A buffer that holds @len input bytes escaped, whatever they are. */
#define TEXT_ESCAPE_SIZE(len) ((len) * TEXT_ESCAPE_GROWTH + 1)

/*
 * Escape @s into @buf (@size > 0 bytes), always NUL-terminated. What does not
 * fit is left out from the first character or escape that does not fit whole:
 * a cut never splits a UTF-8 sequence or an escape. Returns @buf.
 */
char *text_escape(char *buf, size_t size, const char *s);

/*
 * Write @s escaped to @out. Returns how many columns it takes, counting a
 * code point as one.
 */
size_t text_escape_write(FILE *out, const char *s);

/* Write @s escaped to @out, then spaces up to @width columns, as "%-*s". */
void text_escape_pad(FILE *out, const char *s, size_t width);

#endif /* __THREADLEAK_TEXT_ESCAPE_H */
