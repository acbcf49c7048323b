// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <string.h>
#include "text_escape.h"
#include "utf8.h"

/* Longest escape of one character: "\u202e". */
#define ESCAPE_MAX 6

/* Code points that are valid UTF-8 and still move or reorder what is shown. */
static bool control_code_point(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||	 /* C1: 0x9b is CSI, 0x9d OSC */
	       cp == 0x61c ||			 /* arabic letter mark */
	       cp == 0x200e || cp == 0x200f ||	 /* left-to-right, right-to-left marks */
	       (cp >= 0x2028 && cp <= 0x202e) || /* line, paragraph separators; embeddings */
	       (cp >= 0x2066 && cp <= 0x2069);	 /* isolates */
}

static unsigned int code_point(const unsigned char *p, size_t n)
{
	if (n == 2)
		return (p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	if (n == 3)
		return (p[0] & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	return 0x10000; /* 4 bytes: above every control */
}

/*
 * The character at @p (@left > 0 bytes): how many bytes it takes, and in
 * @esc its escape, of *@esc_len bytes, or 0 if it is printed as it is.
 */
static size_t escape_char(const unsigned char *p, size_t left, char esc[ESCAPE_MAX + 1],
			  size_t *esc_len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = p[0];
	unsigned int cp;
	size_t n;

	*esc_len = 2;
	esc[0] = '\\';
	switch (c) {
	case '\n':
		esc[1] = 'n';
		return 1;
	case '\t':
		esc[1] = 't';
		return 1;
	case '\r':
		esc[1] = 'r';
		return 1;
	case '\\':
		esc[1] = '\\';
		return 1;
	}
	n = c < 0x20 || c == 0x7f ? 0 : utf8_seq_len(p, left);
	if (!n) {
		esc[1] = 'x';
		esc[2] = hex[c >> 4];
		esc[3] = hex[c & 0xf];
		*esc_len = 4;
		return 1;
	}
	cp = code_point(p, n);
	if (n > 1 && control_code_point(cp)) {
		esc[1] = 'u';
		esc[2] = hex[cp >> 12];
		esc[3] = hex[(cp >> 8) & 0xf];
		esc[4] = hex[(cp >> 4) & 0xf];
		esc[5] = hex[cp & 0xf];
		*esc_len = 6;
		return n;
	}
	*esc_len = 0;
	return n;
}

char *text_escape(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), used = 0, n, esc_len;
	char esc[ESCAPE_MAX + 1];

	while (left) {
		n = escape_char(p, left, esc, &esc_len);
		if (used + (esc_len ? esc_len : n) >= size)
			break;
		if (esc_len) {
			memcpy(buf + used, esc, esc_len);
			used += esc_len;
		} else {
			memcpy(buf + used, p, n);
			used += n;
		}
		p += n;
		left -= n;
	}
	buf[used] = '\0';
	return buf;
}

size_t text_escape_write(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *raw = p;
	size_t left = strlen(s), columns = 0, n, esc_len;
	char esc[ESCAPE_MAX + 1];

	/* Runs of characters kept as they are go out in one write. */
	while (left) {
		n = escape_char(p, left, esc, &esc_len);
		if (esc_len) {
			fwrite(raw, 1, p - raw, out);
			fwrite(esc, 1, esc_len, out);
			raw = p + n;
			columns += esc_len;
		} else {
			columns++;
		}
		p += n;
		left -= n;
	}
	fwrite(raw, 1, p - raw, out);
	return columns;
}

void text_escape_pad(FILE *out, const char *s, size_t width)
{
	size_t columns = text_escape_write(out, s);

	for (; columns < width; columns++)
		fputc(' ', out);
}
