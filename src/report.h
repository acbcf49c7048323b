/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports: what the detector found, for people (text) or machines (JSON
 * lines). A report is the detector's sink and the only place that writes
 * results.
 */
#ifndef __THREADLEAK_REPORT_H
#define __THREADLEAK_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "detector.h"

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
};

enum top_sort {
	SORT_THREADS,
	SORT_GROWTH,
};

struct report_opts {
	FILE *out;
	enum report_format format;
	bool top;	    /* system-wide: the top processes at each census */
	unsigned int top_n; /* rows per census with top, 0 for all */
	enum top_sort sort;
	bool clear_screen;	  /* top text on a terminal: redraw in place */
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

struct report {
	struct report_opts opts;
	bool header_done;
	bool goroutine_column; /* a Go process was seen: rows show goroutines */
	bool rows_done;
	__u64 first_ns, last_ns;
	__u64 lost_events, lost_threads; /* as last reported */
	__u64 events;			 /* ring buffer records delivered */
	__u64 censuses, census_ns_total, census_ns_max;
	__u64 go_censuses, go_census_ns_total, go_census_ns_max;
	struct sample *samples;		 /* this census's, with top */
	size_t nr_samples, cap_samples;
	bool findings_header_done;
	/* top text: the latest findings, one line each, under the table */
	char recent[8][160];
	unsigned int nr_recent;
};

struct report *report__new(const struct report_opts *opts);
void report__free(struct report *r);

/* Point @sink at @r. */
void report__sink(struct report *r, struct detector_sink *sink);

/* A census ended: count it, and say if records were lost since the last. */
void report__census(struct report *r, const struct census_stats *cs);

/* Close the report: totals of what was lost; @why says why tracing ended. */
void report__end(struct report *r, const char *why);

/* Used by the formats. */
double ns_to_s(__u64 ns);
/* rec_proc_incomplete's part and reason, in words: "goroutines", "malformed" */
const char *incomplete_part_name(enum rec_incomplete_part part);
const char *incomplete_reason_name(enum rec_incomplete_reason reason);
void report_fmt_time(const struct report *r, __u64 ts_ns, char *buf, size_t len);
double report_wall_s(const struct report *r, __u64 ts_ns);

void text_sample(struct report *r, const struct sample *s);
void text_summary(struct report *r, const struct proc_summary *ps);
void text_lost(struct report *r, const struct census_stats *cs);
void text_end(struct report *r, const char *why);
void text_finding(struct report *r, const struct finding *f);
/* A finding in one line, for the top table. */
void text_finding_line(const struct finding *f, char *buf, size_t len);
void json_sample(struct report *r, const struct sample *s);
void json_summary(struct report *r, const struct proc_summary *ps);
void json_lost(struct report *r, const struct census_stats *cs);
void json_end(struct report *r, const char *why);
void json_finding(struct report *r, const struct finding *f);
void top_table(struct report *r, const struct census_stats *cs);

#endif /* __THREADLEAK_REPORT_H */
