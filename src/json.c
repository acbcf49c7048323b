// SPDX-License-Identifier: GPL-2.0
#include "json.h"
#include "utf8.h"

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
		} else if ((n = utf8_seq_len(p + i, len - i)) && utf8_is_c1(p + i, n)) {
			/* Valid JSON raw, but not for a terminal showing it. */
			fprintf(out, "\\u%04x", p[i + 1]);
			i += n;
			continue;
		} else if (n) {
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
