// SPDX-License-Identifier: GPL-2.0
#include "json.h"

/* Length of the valid UTF-8 sequence at @s (at most @left bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_write_str(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	fputc('"', out);
	while (i < len && p[i]) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if ((n = utf8_seq_len(p + i, len - i))) {
			fwrite(p + i, 1, n, out);
			i += n;
			continue;
		} else {
			/* Not UTF-8 (comm is raw bytes): keep the byte visible. */
			fprintf(out, "\\u%04x", c);
		}
		i++;
	}
	fputc('"', out);
}
