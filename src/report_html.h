/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTML report: one self-contained page (inline CSS, inline SVG, no
 * script, a Content-Security-Policy that fetches nothing) with, per process,
 * its live threads and goroutines over time, the live contexts of each site
 * over time with a marker where each finding was established, the findings
 * with their stacks, and its blocked threads by primitive.
 *
 * Its size is bounded however long the run: every series is downsampled to
 * at most HTML_MAX_POINTS points (the last point always kept exact), and the
 * processes, sites and findings shown are capped; the page says what it
 * left out. Every string a target controls is escaped (html_escape.h).
 */
#ifndef __THREADLEAK_REPORT_HTML_H
#define __THREADLEAK_REPORT_HTML_H

#include <stdio.h>
#include <linux/types.h>
#include "detector.h"

/*
 * What it holds is bounded too: a series at most 598 points of 8 + 4 bytes a
 * value, so about 14 KB a process and 7 KB a site, 2048 processes and 4096
 * sites at most (some 60 MB at the very worst, far less on most hosts).
 */
#define HTML_MAX_POINTS 600   /* per series drawn */
#define HTML_MAX_PROCS 2048   /* processes followed; more are counted */
#define HTML_SHOWN_PROCS 20   /* processes drawn */
#define HTML_MAX_SITES 256    /* sites followed per process */
#define HTML_MAX_ALL_SITES 4096 /* sites followed in all */
#define HTML_SHOWN_SITES 8    /* site curves drawn per process */
#define HTML_MAX_FINDINGS 64  /* findings kept per process */
#define HTML_SHOWN_FINDINGS 12 /* findings shown per process */

struct report_html_opts {
	const char *source;	  /* what was read: a trace file; NULL: a live run */
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

struct report_html;

struct report_html *report_html__new(const struct report_html_opts *opts);
void report_html__free(struct report_html *h);

/*
 * Make @sink a tee: @h collects what the detector says, then passes it on
 * to @next (which may be @sink itself, copied first).
 */
void report_html__sink(struct report_html *h, const struct detector_sink *next,
		       struct detector_sink *sink);

/* The page, to @out. Returns 0 or -errno. */
int report_html__write(struct report_html *h, FILE *out);

#endif /* __THREADLEAK_REPORT_HTML_H */
