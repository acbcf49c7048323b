/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a report format implements, and what it is given: for report.c and
 * the formats (report_text.c, report_json.c, report_top.c) only. report.c
 * keeps the run's state and dispatches; a format only writes.
 */
#ifndef __THREADLEAK_REPORT_FORMAT_H
#define __THREADLEAK_REPORT_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include "detector.h"

/* Where and how a format writes. */
struct report_out {
	FILE *out;
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	bool top;		  /* system-wide: rows show their growth */
	bool clear_screen;	  /* top text on a terminal: redraw in place */
	void *state;		  /* the format's own, state_size bytes, zeroed */
};

/* The run so far, for the end line. */
struct report_totals {
	__u64 first_ns, last_ns;
	__u64 events; /* ring buffer records delivered */
	__u64 lost_events, lost_threads;
	__u64 censuses, census_ns_total, census_ns_max;
	__u64 go_censuses, go_census_ns_total, go_census_ns_max;
};

/* The processes of one census, sorted, for the top table. */
struct report_rows {
	const struct sample *samples;
	size_t nr_samples; /* all of them */
	size_t nr_shown;   /* the first nr_shown are shown */
};

struct report_ops {
	size_t state_size;
	void (*sample)(struct report_out *o, const struct sample *s);
	void (*summary)(struct report_out *o, const struct proc_summary *ps);
	void (*lost)(struct report_out *o, const struct census_stats *cs);
	void (*end)(struct report_out *o, const struct report_totals *t, const char *why);
	void (*finding)(struct report_out *o, const struct finding *f);
	/* With top: the census's processes. */
	void (*rows)(struct report_out *o, const struct report_rows *rows,
		     const struct census_stats *cs);
};

extern const struct report_ops report_text;
extern const struct report_ops report_json;
extern const struct report_ops report_top; /* top, in text */

/* Text's, for top too. */
void text_lost(struct report_out *o, const struct census_stats *cs);
void text_end(struct report_out *o, const struct report_totals *t, const char *why);

static inline double ns_to_s(__u64 ns)
{
	return ns / 1e9;
}

/* @ts_ns (CLOCK_MONOTONIC) as seconds since the epoch. */
static inline double report_wall_s(const struct report_out *o, __u64 ts_ns)
{
	return ((__s64)ts_ns + o->realtime_offset_ns) / 1e9;
}

/* @ts_ns (CLOCK_MONOTONIC) as local "HH:MM:SS". */
static inline void report_fmt_time(const struct report_out *o, __u64 ts_ns, char *buf,
				   size_t len)
{
	time_t t = ((__s64)ts_ns + o->realtime_offset_ns) / 1000000000LL;
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

#endif /* __THREADLEAK_REPORT_FORMAT_H */
