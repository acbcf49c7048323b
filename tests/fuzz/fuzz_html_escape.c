// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HTML report's escape (html_escape.c) on arbitrary
 * bytes, as a target's comm, thread names and symbols give them. What comes
 * out must be safe in an HTML text node and in a quoted attribute value:
 * no '<', '>', '"' or '\'' raw, every '&' one of the five references, no
 * control byte, valid UTF-8 with no C1 control.
 *
 * Seeds: hand-made hostile names (corpus/html_escape/).
 */
/* fuzz-srcs: src/html_escape.c src/text_escape.c src/utf8.c
 * fuzz-flags: -max_len=4096 -malloc_limit_mb=64 */
#include <string.h>
#include "html_escape.h"
#include "utf8.h"
#include "fuzz.h"

static const char *const refs[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out = NULL;
	size_t len = 0, i, n, r;
	FILE *f;

	in = malloc(size + 1);
	fuzz_check(in != NULL, "malloc");
	memcpy(in, data, size);
	in[size] = '\0'; /* a C string: up to the first NUL */
	f = open_memstream(&out, &len);
	fuzz_check(f != NULL, "open_memstream");
	fuzz_check(html_escape_target(f, in) == 0, "escape failed");
	fuzz_check(fclose(f) == 0, "fclose");
	for (i = 0; i < len; i += n) {
		const unsigned char *p = (const unsigned char *)out + i;

		fuzz_check(*p >= 0x20 && *p != 0x7f, "a control byte");
		fuzz_check(!strchr("<>\"'", *p), "a raw markup character");
		if (*p == '&') {
			for (r = 0; r < sizeof(refs) / sizeof(refs[0]); r++)
				if (!strncmp((const char *)p, refs[r], strlen(refs[r])))
					break;
			fuzz_check(r < sizeof(refs) / sizeof(refs[0]), "a raw '&'");
		}
		n = utf8_seq_len(p, len - i);
		fuzz_check(n > 0, "invalid UTF-8");
		fuzz_check(!utf8_is_c1(p, n), "a C1 control");
	}
	free(out);
	free(in);
	return 0;
}
