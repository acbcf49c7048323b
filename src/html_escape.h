/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text in an HTML page: '&', '<', '>', '"' and '\'' as character
 * references, so nothing in the text can open a tag, close an attribute
 * value (quoted either way) or start an entity. Strings a target controls
 * (comm, thread names, symbols, file names) are first made terminal-safe
 * (text_escape.h: control bytes, invalid UTF-8 and bidirectional controls
 * as \xNN and \uNNNN), so the page shows them as the text report does.
 */
#ifndef __THREADLEAK_HTML_ESCAPE_H
#define __THREADLEAK_HTML_ESCAPE_H

#include <stdio.h>

/* @s, threadleak's own text or text already escaped, with the five
 * characters as references. */
void html_escape_text(FILE *out, const char *s);

/* @s, a target-controlled string: text_escape(), then html_escape_text().
 * Returns 0 or -ENOMEM. */
int html_escape_target(FILE *out, const char *s);

#endif /* __THREADLEAK_HTML_ESCAPE_H */
