// SPDX-License-Identifier: GPL-2.0
/* What every report format shares: dispatch, time, the per-census buffer. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

const char *incomplete_part_name(enum rec_incomplete_part part)
{
	switch (part) {
	case RPI_PART_GOROUTINES:
		return "goroutines";
	case RPI_PART_THREADS:
		return "threads";
	}
	return "?";
}

const char *incomplete_reason_name(enum rec_incomplete_reason reason)
{
	switch (reason) {
	case RPI_MALFORMED:
		return "malformed";
	case RPI_MEMORY_BUDGET:
		return "memory budget";
	case RPI_TIME_BUDGET:
		return "time budget";
	case RPI_STALLED:
		return "stalled";
	case RPI_FILE_REFUSED:
		return "file refused";
	case RPI_READ_FAILED:
		return "read failed";
	}
	return "?";
}

double ns_to_s(__u64 ns)
{
	return ns / 1e9;
}

double report_wall_s(const struct report *r, __u64 ts_ns)
{
	return ((__s64)ts_ns + r->opts.realtime_offset_ns) / 1e9;
}

void report_fmt_time(const struct report *r, __u64 ts_ns, char *buf, size_t len)
{
	time_t t = ((__s64)ts_ns + r->opts.realtime_offset_ns) / 1000000000LL;
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

static void on_sample(void *ctx, const struct sample *s)
{
	struct report *r = ctx;
	struct sample *nv;

	if (!r->first_ns)
		r->first_ns = s->ts_ns;
	r->last_ns = s->ts_ns;
	if (!r->opts.top) {
		if (r->opts.format == REPORT_JSON)
			json_sample(r, s);
		else
			text_sample(r, s);
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
	r->events = cs->events;
	r->censuses++;
	r->census_ns_total += cs->duration_ns;
	if (cs->duration_ns > r->census_ns_max)
		r->census_ns_max = cs->duration_ns;
	r->go_censuses += cs->go_censuses;
	r->go_census_ns_total += cs->go_duration_ns;
	if (cs->go_duration_max_ns > r->go_census_ns_max)
		r->go_census_ns_max = cs->go_duration_max_ns;
	if (cs->lost_events != r->lost_events || cs->lost_threads != r->lost_threads) {
		if (r->opts.format == REPORT_JSON)
			json_lost(r, cs);
		else
			text_lost(r, cs);
		r->lost_events = cs->lost_events;
		r->lost_threads = cs->lost_threads;
	}
}

static void on_census_end(void *ctx, const struct census_stats *cs)
{
	struct report *r = ctx;

	if (r->opts.top) {
		top_table(r, cs);
		r->nr_samples = 0;
	}
	report__census(r, cs);
	fflush(r->opts.out);
}

static void on_finding(void *ctx, const struct finding *f)
{
	struct report *r = ctx;

	if (r->opts.format == REPORT_JSON) {
		json_finding(r, f);
	} else if (r->opts.top) {
		/* Redrawn tables would hide it: keep a line under the table. */
		if (f->summary)
			return;
		if (r->nr_recent == 8) {
			memmove(r->recent[0], r->recent[1], sizeof(r->recent[0]) * 7);
			r->nr_recent--;
		}
		text_finding_line(f, r->recent[r->nr_recent++], sizeof(r->recent[0]));
	} else {
		text_finding(r, f);
	}
	fflush(r->opts.out);
}

static void on_summary(void *ctx, const struct proc_summary *ps)
{
	struct report *r = ctx;

	if (r->opts.top)
		return; /* system-wide, the last table is the summary */
	if (r->opts.format == REPORT_JSON)
		json_summary(r, ps);
	else
		text_summary(r, ps);
}

struct report *report__new(const struct report_opts *opts)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->opts = *opts;
	return r;
}

void report__free(struct report *r)
{
	if (!r)
		return;
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

void report__end(struct report *r, const char *why)
{
	if (r->opts.format == REPORT_JSON)
		json_end(r, why);
	else
		text_end(r, why);
	fflush(r->opts.out);
}
