// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report: the escape helper with hostile strings, a whole page fed
 * hostile names (nothing opens a tag), and its size bounded however long
 * the run (series downsampled, the last point exact); the detector's
 * per-site callback on a recorded leak.
 */
#include <stdlib.h>
#include <string.h>
#include "html_escape.h"
#include "pipeline.h"
#include "report_html.h"
#include "report_words.h"
#include "trace_file.h"
#include "utf8.h"
#include "test.h"

static char *escaped(const char *s, bool target)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (target)
		html_escape_target(f, s);
	else
		html_escape_text(f, s);
	fclose(f);
	return text;
}

static void check_escape(const char *in, bool target, const char *want, const char *name)
{
	char *out = escaped(in, target);

	ASSERT_STREQ(out, want, name);
	free(out);
}

void test_html_escape(void)
{
	check_escape("plain words (file.c:12)", true, "plain words (file.c:12)", "plain");
	check_escape("<script>alert(1)</script>", true,
		     "&lt;script&gt;alert(1)&lt;/script&gt;", "script tag");
	check_escape("a\"b'c&d", true, "a&quot;b&#39;c&amp;d", "quotes and ampersand");
	check_escape("&lt;", true, "&amp;lt;", "an entity stays text");
	check_escape("\" onmouseover=\"x", true, "&quot; onmouseover=&quot;x",
		     "cannot leave an attribute");
	/* Control bytes and invalid UTF-8: visible, as the text report shows them. */
	check_escape("a\nb\x1b[2J\xff", true, "a\\nb\\x1b[2J\\xff", "controls, invalid UTF-8");
	check_escape("\xe2\x80\xae" "evil", true, "\\u202eevil", "bidi override");
	check_escape("caf\xc3\xa9 \xe6\x97\xa5", true, "caf\xc3\xa9 \xe6\x97\xa5", "UTF-8 kept");
	check_escape("\xc3<", true, "\\xc3&lt;", "a cut sequence, then a tag");
	/* Already escaped text: only the five characters. */
	check_escape("x\\n<b>", false, "x\\n&lt;b&gt;", "text");
}

#define HOSTILE "<script>alert('x')</script>\x1b]0;t\a\xff\""
#define HOSTILE_COMM "<i>\"&'\x1b\xff" /* fits REC_COMM_LEN */

/* The page, fed hostile names and @censuses censuses of a growing site. */
static char *render(unsigned int censuses, const char *name, size_t *len)
{
	struct report_html_opts opts = { .source = name };
	struct report_html *h = report_html__new(&opts);
	static const char *const stack[] = { HOSTILE, "ok_frame (x.c:1)" };
	struct detector_sink none = {}, sink;
	struct finding f = {
		.kind = FINDING_THREAD_LEAK,
		.pid = 7,
		.comm = HOSTILE_COMM,
		.site = { FSITE_SYMBOL, HOSTILE },
		.live = 10,
		.sample = { .id = 8, .site = { FSITE_SYMBOL, HOSTILE }, .state = FSTATE_WAITING,
			    .prim = PRIM_MUTEX, .stack = stack, .nr_stack = 2 },
	};
	char *text = NULL;
	unsigned int i;
	FILE *out;

	if (!h)
		return NULL;
	report_html__sink(h, &none, &sink);
	for (i = 0; i < censuses; i++) {
		__u64 ts = 1000000000ULL * (i + 1);
		struct site_sample ss = { .ts_ns = ts, .pid = 7, .key = 0x1234,
					  .site = { FSITE_SYMBOL, HOSTILE }, .live = i + 1,
					  .blocked = i + 1 };
		struct sample s = { .ts_ns = ts, .pid = 7, .comm = HOSTILE_COMM, .threads = i + 2,
				    .blocked = i, .goroutines = -1 };

		ss.by_prim[PRIM_MUTEX] = i + 1;
		sink.site(sink.ctx, &ss);
		sink.sample(sink.ctx, &s);
		if (i == censuses / 2) {
			f.ts_ns = ts;
			sink.finding(sink.ctx, &f);
		}
	}
	out = open_memstream(&text, len);
	if (out) {
		ASSERT_OK(report_html__write(h, out), "write");
		fclose(out);
	}
	report_html__free(h);
	return text;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text++)
		n++;
	return n;
}

void test_report_html_hostile(void)
{
	size_t len, i, n;
	char *page = render(10, HOSTILE, &len);
	const unsigned char *p = (const unsigned char *)page;

	if (!ASSERT_TRUE(page != NULL, "render"))
		return;
	ASSERT_EQ(count(page, "<script"), 0, "no script tag");
	ASSERT_GT(count(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\\x1b]0;t\\x07\\xff&quot;"),
		  5, "escaped: title, site, legend, finding");
	ASSERT_GT(count(page, "&lt;i&gt;&quot;&amp;&#39;\\x1b\\xff"), 1, "escaped comm");
	ASSERT_EQ(count(page, "<polyline"), 4, "threads, futex, other, one site");
	ASSERT_EQ(count(page, "data-points=\"10\" data-last=\"10\""), 1, "site's series");
	ASSERT_EQ(count(page, "<g class=\"marker\" data-kind=\"thread leak\""), 2,
		  "a marker on each chart");
	ASSERT_EQ(count(page, "<tr data-primitive=\"mutex\"><td>mutex</td><td>10</td><td>10</td>"),
		  1, "blocked by primitive");
	/* Nothing raw: no control byte but newlines, all valid UTF-8. */
	for (i = 0; i < len; i += n) {
		if (!ASSERT_TRUE(p[i] >= 0x20 || p[i] == '\n', "no control byte"))
			break;
		n = utf8_seq_len(p + i, len - i);
		if (!ASSERT_GT(n, 0, "valid UTF-8"))
			break;
	}
	free(page);
}

void test_report_html_bounded(void)
{
	size_t short_len, long_len;
	char *short_page = render(500, "t", &short_len);
	char *long_page = render(200000, "t", &long_len);
	const char *s;

	if (!ASSERT_TRUE(short_page && long_page, "render"))
		goto out;
	ASSERT_EQ(count(short_page, "data-points=\"500\" data-last=\"500\""), 1, "500 kept");
	/* 200000 censuses: at most HTML_MAX_POINTS drawn, the last exact. */
	s = strstr(long_page, "data-kind=\"thread site\"");
	if (ASSERT_TRUE(s != NULL, "site series")) {
		unsigned int points = 0;
		long long last = 0;

		ASSERT_EQ(sscanf(strstr(s, "data-points"), "data-points=\"%u\" data-last=\"%lld\"",
				 &points, &last),
			  2, "parse");
		ASSERT_TRUE(points <= HTML_MAX_POINTS && points > HTML_MAX_POINTS / 2, "points");
		ASSERT_EQ(last, 200000, "last value exact");
	}
	ASSERT_LT(long_len, short_len * 3 / 2, "no bigger than 500 censuses' page by much");
out:
	free(short_page);
	free(long_page);
}

/* The detector's per-site callback, on a recorded leak (tests/golden/leak.tl). */
struct site_tally {
	unsigned int calls, leak_calls;
	__u32 leak_live, leak_blocked, leak_condvar;
	__u32 live_when_found;
	__u64 last_ts;
	bool before_sample; /* every site of a census came before its sample */
};

static void tally_site(void *ctx, const struct site_sample *ss)
{
	struct site_tally *t = ctx;
	const char *name = finding_site_name(&ss->site);

	t->calls++;
	t->last_ts = ss->ts_ns;
	if (ss->goroutine || !name || strcmp(name, "leak_on_condvar (findings.c:50)"))
		return;
	t->leak_calls++;
	t->leak_live = ss->live;
	t->leak_blocked = ss->blocked;
	t->leak_condvar = ss->by_prim[PRIM_CONDVAR];
}

static void tally_sample(void *ctx, const struct sample *s)
{
	struct site_tally *t = ctx;

	if (t->last_ts != s->ts_ns)
		t->before_sample = false;
}

static void tally_finding(void *ctx, const struct finding *f)
{
	struct site_tally *t = ctx;

	if (f->kind == FINDING_THREAD_LEAK && !f->summary)
		t->live_when_found = t->leak_live;
}

void test_detector_site_samples(void)
{
	struct site_tally t = { .before_sample = true };
	struct detector_sink sink = { .sample = tally_sample, .finding = tally_finding,
				      .site = tally_site, .ctx = &t };
	struct detector_opts dopts = { .keep_exited = true };
	struct trace_reader *r = NULL;
	struct trace_info info;
	struct pipeline pl;
	const void *rec;
	size_t len;
	int err;

	if (!ASSERT_OK(pipeline_init(&pl, &dopts, 0, &sink), "pipeline"))
		return;
	err = trace_reader__open(&r, test__fixture("../../golden/leak.tl"), &info);
	if (ASSERT_OK(err, "open tests/golden/leak.tl")) {
		while ((err = trace_reader__next(r, &rec, &len)) > 0)
			if (!ASSERT_OK(pipeline_record(&pl, rec, len), "feed"))
				break;
		ASSERT_OK(err, "read");
	}
	trace_reader__close(r);
	detector__finish(pl.det);
	pipeline_free(&pl);
	/* golden/leak.txt: 26 censuses; the leak found at 111 live, 281 at the end. */
	ASSERT_EQ(t.leak_calls, 26, "one per census");
	ASSERT_EQ(t.calls, 52, "and the main thread's site");
	ASSERT_EQ(t.live_when_found, 111, "live when found");
	ASSERT_EQ(t.leak_live, 281, "live at the end");
	ASSERT_EQ(t.leak_blocked, 281, "blocked");
	ASSERT_EQ(t.leak_condvar, 281, "on a condvar");
	ASSERT_TRUE(t.before_sample, "sites before their sample");
}

/* More sites than are drawn, and than are followed: the page says so. */
void test_report_html_caps(void)
{
	struct report_html_opts opts = { .source = "caps" };
	struct report_html *h = report_html__new(&opts);
	struct detector_sink none = {}, sink;
	struct sample s = { .ts_ns = 1, .pid = 9, .comm = "many", .threads = 1,
			    .goroutines = -1 };
	char *text = NULL, want[128];
	unsigned int i;
	size_t len;
	FILE *out;

	if (!ASSERT_TRUE(h != NULL, "new"))
		return;
	report_html__sink(h, &none, &sink);
	for (i = 0; i < HTML_MAX_SITES + 10; i++) {
		struct site_sample ss = { .ts_ns = 1, .pid = 9, .key = 0x1000 + i,
					  .site = { FSITE_SYMBOL, "routine" }, .live = i };

		sink.site(sink.ctx, &ss);
	}
	sink.sample(sink.ctx, &s);
	out = open_memstream(&text, &len);
	if (out) {
		ASSERT_OK(report_html__write(h, out), "write");
		fclose(out);
	}
	report_html__free(h);
	if (!ASSERT_TRUE(text != NULL, "page"))
		return;
	ASSERT_EQ(count(text, "data-kind=\"thread site\""), HTML_SHOWN_SITES, "drawn");
	ASSERT_EQ(count(text, "data-last=\"265\""), 0, "past the cap: not followed");
	ASSERT_EQ(count(text, "data-last=\"255\""), 1, "the largest followed, drawn");
	snprintf(want, sizeof(want), "%u more sites not drawn", HTML_MAX_SITES - HTML_SHOWN_SITES);
	ASSERT_EQ(count(text, want), 1, "says how many not drawn");
	ASSERT_EQ(count(text, "More sites not followed"), 1, "says some not followed");
	free(text);
}
