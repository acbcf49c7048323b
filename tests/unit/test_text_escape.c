// SPDX-License-Identifier: GPL-2.0
/*
 * Text escaping of target-controlled strings: every control byte, C1
 * controls, invalid UTF-8, long inputs and bounds that cut inside a
 * character; then whole reports rendered from hostile names, text, JSON
 * and Prometheus, with no control byte left raw.
 */
#include <stdlib.h>
#include "json.h"
#include "metrics.h"
#include "report.h"
#include "text_escape.h"
#include "utf8.h"
#include "test.h"

/* @s escaped by the stream form; the caller frees it. */
static char *escaped(const char *s, size_t *columns)
{
	char *text = NULL;
	size_t len, c;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	c = text_escape_write(f, s);
	if (columns)
		*columns = c;
	fclose(f);
	return text;
}

/*
 * Nothing a terminal acts on: no byte below 0x20 but @allowed, no 0x7f, no
 * invalid UTF-8, no C1 control. @len bytes of @s.
 */
static bool terminal_safe(const char *s, size_t len, char allowed)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x20 && p[i] != (unsigned char)allowed)
			return false;
		if (p[i] == 0x7f || !(n = utf8_seq_len(p + i, len - i)))
			return false;
		if (n == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f)
			return false;
		i += n;
	}
	return true;
}

static void check_both(const char *in, const char *want, size_t want_columns, const char *name)
{
	char buf[256];
	size_t columns = 0;
	char *out = escaped(in, &columns);

	ASSERT_STREQ(out, want, name);
	ASSERT_EQ(columns, want_columns, name);
	ASSERT_STREQ(text_escape(buf, sizeof(buf), in), want, name);
	free(out);
}

void test_text_escape_control_bytes(void)
{
	char in[2] = {}, want[8], name[32];
	unsigned int c;

	for (c = 1; c <= 0x7f; c++) {
		in[0] = c;
		if (c == '\n')
			snprintf(want, sizeof(want), "\\n");
		else if (c == '\t')
			snprintf(want, sizeof(want), "\\t");
		else if (c == '\r')
			snprintf(want, sizeof(want), "\\r");
		else if (c == '\\')
			snprintf(want, sizeof(want), "\\\\");
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "\\x%02x", c);
		else
			snprintf(want, sizeof(want), "%c", c);
		snprintf(name, sizeof(name), "byte 0x%02x", c);
		check_both(in, want, strlen(want), name);
	}
	check_both("\x1b]0;pwned\a", "\\x1b]0;pwned\\x07", 16, "title");
	check_both("\x1b[2J", "\\x1b[2J", 7, "clear screen");
	check_both("a\nFAKE LINE", "a\\nFAKE LINE", 12, "forged line");
}

void test_text_escape_c1_and_invalid(void)
{
	char in[4] = {}, want[16], name[32];
	unsigned int c;

	/* C1 controls as UTF-8, and the same bytes alone (not UTF-8). */
	for (c = 0x80; c <= 0x9f; c++) {
		in[0] = 0xc2;
		in[1] = c;
		snprintf(want, sizeof(want), "\\u%04x", c);
		snprintf(name, sizeof(name), "U+%04X", c);
		check_both(in, want, 6, name);
		in[0] = c;
		in[1] = 0;
		snprintf(want, sizeof(want), "\\x%02x", c);
		snprintf(name, sizeof(name), "byte 0x%02x", c);
		check_both(in, want, 4, name);
		memset(in, 0, sizeof(in));
	}
	for (c = 0xa0; c <= 0xff; c++) {
		in[0] = c;
		snprintf(want, sizeof(want), "\\x%02x", c);
		snprintf(name, sizeof(name), "byte 0x%02x", c);
		check_both(in, want, 4, name);
	}
	check_both("\xc2\xa0", "\xc2\xa0", 1, "U+00A0, after C1, kept");
	check_both("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
		   "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 8, "valid UTF-8 kept");
	check_both("ab\xc3", "ab\\xc3", 6, "truncated sequence");
	check_both("\xc3(", "\\xc3(", 5, "bad continuation");
	check_both("\xc0\xaf", "\\xc0\\xaf", 8, "overlong");
	check_both("\xe0\x80\xaf", "\\xe0\\x80\\xaf", 12, "overlong, 3 bytes");
	check_both("\xed\xa0\x80", "\\xed\\xa0\\x80", 12, "surrogate");
	check_both("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", 16, "above U+10FFFF");
	check_both("\xe2\x80\xae" "abc", "\\u202eabc", 9, "right-to-left override");
	check_both("\xe2\x80\xa8", "\\u2028", 6, "line separator");
	check_both("\xe2\x81\xa6", "\\u2066", 6, "isolate");
	check_both("\xd8\x9c", "\\u061c", 6, "arabic letter mark");
	check_both("a\\x1b", "a\\\\x1b", 6, "a backslash cannot forge an escape");
}

/* Every string of two bytes, then one of three: nothing raw comes out. */
void test_text_escape_exhaustive(void)
{
	unsigned int a, b, bad = 0;
	char in[4] = {}, buf[TEXT_ESCAPE_SIZE(3)];

	for (a = 1; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			in[0] = a;
			in[1] = b;
			in[2] = b ? 0x9b : 0;
			text_escape(buf, sizeof(buf), in);
			if (!terminal_safe(buf, strlen(buf), 0) ||
			    strlen(buf) < strlen(in)) /* nothing left out: it fits */
				bad++;
		}
	}
	ASSERT_EQ(bad, 0, "inputs with raw output");
}

void test_text_escape_long(void)
{
	size_t n = 100000, columns = 0, i;
	char *in = malloc(n + 1), *buf = malloc(TEXT_ESCAPE_SIZE(n)), *out = NULL;
	bool same = true;

	if (!ASSERT_TRUE(in && buf, "alloc"))
		goto out;
	memset(in, 0x1b, n);
	in[n] = 0;
	out = escaped(in, &columns);
	if (!ASSERT_TRUE(out, "escaped"))
		goto out;
	ASSERT_EQ(strlen(out), 4 * n, "stream: every byte");
	ASSERT_EQ(columns, 4 * n, "columns");
	text_escape(buf, TEXT_ESCAPE_SIZE(n), in);
	ASSERT_EQ(strlen(buf), 4 * n, "buffer of TEXT_ESCAPE_SIZE: every byte");
	for (i = 0; i < 4 * n && same; i += 4)
		same = !memcmp(out + i, "\\x1b", 4) && !memcmp(buf + i, "\\x1b", 4);
	ASSERT_TRUE(same, "all \\x1b");
	/* Printable text runs out in one piece. */
	memset(in, 'a', n);
	free(out);
	out = escaped(in, &columns);
	ASSERT_TRUE(out && !strcmp(out, in), "plain text as it is");
	ASSERT_EQ(columns, n, "plain columns");
out:
	free(out);
	free(buf);
	free(in);
}

void test_text_escape_bound(void)
{
	char buf[16];

	memset(buf, 'Z', sizeof(buf));
	ASSERT_STREQ(text_escape(buf, 1, "abc"), "", "size 1: empty");
	ASSERT_STREQ(text_escape(buf, 3, "abc"), "ab", "plain cut");
	/* é is 2 bytes: a cut inside it leaves it out whole. */
	ASSERT_STREQ(text_escape(buf, 4, "ab\xc3\xa9"), "ab", "cut inside a 2-byte character");
	ASSERT_STREQ(text_escape(buf, 5, "ab\xc3\xa9"), "ab\xc3\xa9", "2-byte character fits");
	ASSERT_STREQ(text_escape(buf, 5, "a\xf0\x9f\x98\x80"), "a", "cut inside a 4-byte one");
	ASSERT_STREQ(text_escape(buf, 6, "a\xf0\x9f\x98\x80"), "a\xf0\x9f\x98\x80", "4 bytes fit");
	/* An escape is never cut either. */
	ASSERT_STREQ(text_escape(buf, 5, "a\x1b"), "a", "cut inside \\x1b");
	ASSERT_STREQ(text_escape(buf, 6, "a\x1b"), "a\\x1b", "\\x1b fits");
	ASSERT_STREQ(text_escape(buf, 7, "a\xc2\x9b"), "a", "cut inside \\u009b");
	ASSERT_STREQ(text_escape(buf, 8, "a\xc2\x9b"), "a\\u009b", "\\u009b fits");
	ASSERT_STREQ(text_escape(buf, 3, "a\\"), "a", "cut inside \\\\");
}

void test_text_escape_pad(void)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!ASSERT_TRUE(f, "memstream"))
		return;
	text_escape_pad(f, "caf\xc3\xa9", 6);
	fputc('|', f);
	text_escape_pad(f, "a\x1b", 6);
	fputc('|', f);
	text_escape_pad(f, "\x1b\x1b", 6);
	fputc('|', f);
	fclose(f);
	/* Columns, not bytes: é is one; an escape as many as it has characters. */
	ASSERT_STREQ(text, "caf\xc3\xa9  |a\\x1b |\\x1b\\x1b|", "padded");
	free(text);
}

/* Names a target can choose: its comm, thread names, symbols, file names. */
#define HOSTILE_COMM "\x1b]0;pwned\a" /* sets the terminal's title */
#define HOSTILE_NAME "a\nFAKE LINE\x1b[2J\xc2\x9b\x9b\xff\\"
#define HOSTILE_NAME_ESCAPED "a\\nFAKE LINE\\x1b[2J\\u009b\\x9b\\xff\\\\"

static const char *const hostile_stack[] = { HOSTILE_NAME, "\x1b[31mred\r", "ok" };

/* Its state is a goroutine's wait reason: the runtime's words, the target's. */
static const struct finding_ctx hostile_ctx = {
	.id = 42,
	.goroutine = true,
	.site = { FSITE_SYMBOL, HOSTILE_NAME },
	.state = FSTATE_WAITING,
	.wait_reason = "\x1b[31mstate\t",
	.prim = PRIM_MUTEX,
	.wait_ns = 20000000000ULL,
	.lock_addr = 0x1000,
	.lock_symbol = HOSTILE_NAME,
	.owner_tid = 43,
	.stack = hostile_stack,
	.nr_stack = 3,
};

/* One of each finding, a sample, a summary and a census, into @r. */
static void feed_hostile(struct report *r)
{
	struct finding f = {
		.pid = 7,
		.comm = HOSTILE_COMM,
		.site = { FSITE_SYMBOL, HOSTILE_NAME },
		.function = HOSTILE_NAME,
		.live = 5,
		.growth = 5,
		.window_ns = 10000000000ULL,
		.blocked = 5,
		.by_prim = { [PRIM_MUTEX] = 5 },
		.reasons = { { HOSTILE_NAME, 5 } },
		.nr_reasons = 1,
		.max_wait_ns = 20000000000ULL,
		.sample = hostile_ctx,
		.waiter = hostile_ctx,
		.has_owner = true,
		.owner = hostile_ctx,
		.members = &hostile_ctx,
		.nr_members = 1,
		.prim = PRIM_MUTEX,
	};
	struct sample s = { .ts_ns = 1, .pid = 7, .comm = HOSTILE_COMM, .threads = 6,
			    .goroutines = 5 };
	struct sample plain = { .ts_ns = 1, .pid = 8, .comm = "caf\xc3\xa9", .threads = 7,
				.goroutines = -1 };
	struct proc_summary ps = { .pid = 7, .comm = HOSTILE_COMM, .last_ns = 1 };
	struct census_stats cs = { .ts_ns = 1 };
	static const enum finding_kind kinds[] = { FINDING_THREAD_LEAK, FINDING_GOROUTINE_LEAK,
						   FINDING_LONG_WAIT, FINDING_DEADLOCK };
	struct detector_sink sink;
	unsigned int i;

	report__sink(r, &sink);
	sink.sample(sink.ctx, &s);
	sink.sample(sink.ctx, &plain);
	for (i = 0; i < 4; i++) {
		f.kind = kinds[i];
		sink.finding(sink.ctx, &f);
	}
	sink.census_end(sink.ctx, &cs);
	for (i = 0; i < 4; i++) {
		f.kind = kinds[i];
		f.summary = true;
		sink.finding(sink.ctx, &f);
	}
	sink.summary(sink.ctx, &ps);
	report__end(r, "target exited");
}

static char *render_hostile(enum report_format format, bool top, size_t *len)
{
	struct report_opts opts = { .format = format, .top = top };
	struct report *r;
	char *text = NULL;

	opts.out = open_memstream(&text, len);
	if (!opts.out)
		return NULL;
	r = report__new(&opts);
	if (r)
		feed_hostile(r);
	report__free(r);
	fclose(opts.out);
	return text;
}

/* How many times @needle is in @text. */
static int count(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text++)
		n++;
	return n;
}

void test_text_escape_reports(void)
{
	static const struct {
		const char *name;
		enum report_format format;
		bool top;
		int comms, names; /* escaped forms expected */
	} cases[] = {
		/*
		 * comm: the sample row, 4 findings, 4 restated, the summary;
		 * names, per finding: the thread leak's site, its Python wait
		 * reason and its sample's site and stack (4); the goroutine leak's site, reason,
		 * function and its sample's (5); the long wait's lock, its
		 * waiter's and owner's (5); the deadlock's member site, holds,
		 * waits for and stack (4); twice. JSON has its own fields (a wait
		 * reason cut at 32 bytes, no lock name).
		 */
		{ "text", REPORT_TEXT, false, 10, 36 },
		{ "top", REPORT_TEXT, true, 5, 2 },
		{ "json", REPORT_JSON, false, 10, 30 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0;
		char *text;

		if (!test__start_subtest(cases[i].name))
			continue;
		text = render_hostile(cases[i].format, cases[i].top, &len);
		if (!ASSERT_TRUE(text && len, "rendered"))
			continue;
		if (!ASSERT_TRUE(terminal_safe(text, len, '\n'), "nothing raw but line ends"))
			fprintf(stderr, "%s", text);
		if (cases[i].format == REPORT_TEXT) {
			ASSERT_EQ(count(text, "\\x1b]0;pwned\\x07"), cases[i].comms, "comm escaped");
			ASSERT_EQ(count(text, HOSTILE_NAME_ESCAPED), cases[i].names, "names escaped");
		} else {
			ASSERT_EQ(count(text, "\\u001b]0;pwned\\u0007"), cases[i].comms,
				  "comm escaped");
			ASSERT_EQ(count(text, "a\\nFAKE LINE\\u001b[2J\\u009b\\u009b\\u00ff\\\\"),
				  cases[i].names, "names escaped");
		}
		free(text);
	}
}

/* Columns line up whatever the comm: padded by its escaped width. */
void test_text_escape_columns(void)
{
	size_t len = 0;
	char *text = render_hostile(REPORT_TEXT, true, &len);

	if (!ASSERT_TRUE(text, "rendered"))
		return;
	/* The 16 characters of the escaped comm fill the column exactly. */
	ASSERT_TRUE(strstr(text, "      7 \\x1b]0;pwned\\x07       6 "), "hostile row");
	/* café: 4 columns and 12 spaces, though 5 bytes. */
	ASSERT_TRUE(strstr(text, "      8 caf\xc3\xa9             " "      7 "), "UTF-8 row");
	ASSERT_TRUE(strstr(text, "    PID COMM             THREADS "), "header");
	free(text);
}

void test_prometheus_labels_escaped(void)
{
	struct census_stats cs = { .ts_ns = 1 };
	struct sample s = { .ts_ns = 1, .pid = 7, .comm = HOSTILE_COMM, .threads = 1,
			    .goroutines = -1 };
	struct metrics *m = metrics__new(NULL);
	char *text = NULL;
	size_t len;

	if (!ASSERT_TRUE(m, "new"))
		return;
	if (ASSERT_OK(metrics__sample(m, &s, "/" HOSTILE_NAME), "sample") &&
	    ASSERT_OK(metrics__end(m, &cs, NULL), "end") &&
	    ASSERT_OK(metrics__render(m, &text, &len), "render")) {
		if (!ASSERT_TRUE(terminal_safe(text, len, '\n'), "nothing raw but line ends"))
			fprintf(stderr, "%s", text);
		ASSERT_TRUE(strstr(text, "comm=\"\\\\x1b]0;pwned\\\\x07\""), "comm");
		ASSERT_TRUE(strstr(text, "cgroup=\"/a\\nFAKE LINE\\\\x1b[2J\\\\xc2\\\\x9b\\\\x9b"
					 "\\\\xff\\\\\""),
			    "cgroup");
	}
	free(text);
	metrics__free(m);
}

void test_json_str_terminal_safe(void)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!ASSERT_TRUE(f, "memstream"))
		return;
	json_write_str(f, HOSTILE_COMM HOSTILE_NAME, 64);
	fclose(f);
	ASSERT_STREQ(text, "\"\\u001b]0;pwned\\u0007a\\nFAKE LINE\\u001b[2J\\u009b\\u009b\\u00ff\\\\\"",
		     "escaped");
	ASSERT_TRUE(terminal_safe(text, len, 0), "nothing raw");
	free(text);
}
