/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports: what the detector found, for people (text) or machines (JSON
 * lines). A report is the detector's sink and the only place that writes
 * results. The formats are tables of functions behind it (report_format.h).
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
	/* Findings, lost records and the end line only: no rows, no
	 * summaries; the run's span from the censuses (the monitor). */
	bool findings_only;
};

struct report;

struct report *report__new(const struct report_opts *opts);
void report__free(struct report *r);

/* Point @sink at @r. */
void report__sink(struct report *r, struct detector_sink *sink);

/* Write from now on to @out (after a log rotation); the caller owns it. */
void report__set_out(struct report *r, FILE *out);

/* One finding, as the sink would write it. */
void report__finding(struct report *r, const struct finding *f);

/* A census ended: count it, and say if records were lost since the last. */
void report__census(struct report *r, const struct census_stats *cs);

/* Close the report: totals of what was lost; @why says why tracing ended. */
void report__end(struct report *r, const char *why);

#endif /* __THREADLEAK_REPORT_H */
