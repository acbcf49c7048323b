// SPDX-License-Identifier: GPL-2.0
/*
 * The report: the run's state (totals, the census's rows for top) and the
 * dispatch to its format's table of functions. Nothing here writes.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "report_format.h"

struct report {
	const struct report_ops *ops;
	struct report_out out;
	bool top;
	unsigned int top_n;
	enum top_sort sort;
	bool findings_only;
	struct report_totals totals;
	struct sample *samples; /* this census's, with top */
	size_t nr_samples, cap_samples;
};

/* Time spans: from the rows, or without them (findings_only) the censuses. */
static void report_saw(struct report *r, __u64 ts_ns)
{
	if (!r->totals.first_ns)
		r->totals.first_ns = ts_ns;
	r->totals.last_ns = ts_ns;
}

static void on_sample(void *ctx, const struct sample *s)
{
	struct report *r = ctx;
	struct sample *nv;

	if (r->findings_only)
		return;
	report_saw(r, s->ts_ns);
	if (!r->top) {
		r->ops->sample(&r->out, s);
		return;
	}
	if (r->nr_samples == r->cap_samples) {
		size_t cap = r->cap_samples ? r->cap_samples * 2 : 256;

		nv = realloc(r->samples, cap * sizeof(*nv));
		if (!nv)
			return; /* the table misses a row; nothing else does */
		r->samples = nv;
		r->cap_samples = cap;
	}
	r->samples[r->nr_samples++] = *s;
}

void report__census(struct report *r, const struct census_stats *cs)
{
	struct report_totals *t = &r->totals;

	if (r->findings_only)
		report_saw(r, cs->ts_ns);
	t->events = cs->events;
	t->censuses++;
	t->census_ns_total += cs->duration_ns;
	if (cs->duration_ns > t->census_ns_max)
		t->census_ns_max = cs->duration_ns;
	t->go_censuses += cs->go_censuses;
	t->go_census_ns_total += cs->go_duration_ns;
	if (cs->go_duration_max_ns > t->go_census_ns_max)
		t->go_census_ns_max = cs->go_duration_max_ns;
	if (cs->lost_events != t->lost_events || cs->lost_threads != t->lost_threads) {
		r->ops->lost(&r->out, cs);
		t->lost_events = cs->lost_events;
		t->lost_threads = cs->lost_threads;
	}
}

static int by_threads(const void *a, const void *b)
{
	const struct sample *sa = a, *sb = b;

	if (sa->threads != sb->threads)
		return sa->threads < sb->threads ? 1 : -1;
	return sa->pid < sb->pid ? -1 : sa->pid > sb->pid;
}

static int by_growth(const void *a, const void *b)
{
	const struct sample *sa = a, *sb = b;

	if (sa->growth != sb->growth)
		return sa->growth < sb->growth ? 1 : -1;
	return by_threads(a, b);
}

/* Top: the census's processes, sorted, the first top_n shown. */
static void top_rows(struct report *r, const struct census_stats *cs)
{
	struct report_rows rows = {
		.samples = r->samples,
		.nr_samples = r->nr_samples,
		.nr_shown = r->nr_samples,
	};

	qsort(r->samples, r->nr_samples, sizeof(*r->samples),
	      r->sort == SORT_GROWTH ? by_growth : by_threads);
	if (r->top_n && rows.nr_shown > r->top_n)
		rows.nr_shown = r->top_n;
	r->ops->rows(&r->out, &rows, cs);
	r->nr_samples = 0;
}

static void on_census_end(void *ctx, const struct census_stats *cs)
{
	struct report *r = ctx;

	if (r->top && !r->findings_only)
		top_rows(r, cs);
	report__census(r, cs);
	fflush(r->out.out);
}

void report__finding(struct report *r, const struct finding *f)
{
	r->ops->finding(&r->out, f);
	fflush(r->out.out);
}

static void on_finding(void *ctx, const struct finding *f)
{
	report__finding(ctx, f);
}

static void on_summary(void *ctx, const struct proc_summary *ps)
{
	struct report *r = ctx;

	if (r->top || r->findings_only)
		return; /* system-wide, the last table is the summary */
	r->ops->summary(&r->out, ps);
}

struct report *report__new(const struct report_opts *opts)
{
	static const struct report_ops *const formats[] = {
		[REPORT_TEXT] = &report_text,
		[REPORT_JSON] = &report_json,
	};
	/* The top table is text's; JSON's rows are its samples. */
	static const struct report_ops *const top_formats[] = {
		[REPORT_TEXT] = &report_top,
		[REPORT_JSON] = &report_json,
	};
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->ops = opts->top ? top_formats[opts->format] : formats[opts->format];
	r->out = (struct report_out){
		.out = opts->out,
		.realtime_offset_ns = opts->realtime_offset_ns,
		.top = opts->top,
		.clear_screen = opts->clear_screen,
	};
	r->top = opts->top;
	r->top_n = opts->top_n;
	r->sort = opts->sort;
	r->findings_only = opts->findings_only;
	if (r->ops->state_size) {
		r->out.state = calloc(1, r->ops->state_size);
		if (!r->out.state) {
			free(r);
			return NULL;
		}
	}
	return r;
}

void report__free(struct report *r)
{
	if (!r)
		return;
	free(r->out.state);
	free(r->samples);
	free(r);
}

void report__sink(struct report *r, struct detector_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->sample = on_sample;
	sink->census_end = on_census_end;
	sink->summary = on_summary;
	sink->finding = on_finding;
	sink->ctx = r;
}

void report__set_out(struct report *r, FILE *out)
{
	r->out.out = out;
}

void report__end(struct report *r, const char *why)
{
	r->ops->end(&r->out, &r->totals, why);
	fflush(r->out.out);
}
