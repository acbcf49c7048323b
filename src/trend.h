/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Is a count growing steadily, or just moving? A robust trend test over a
 * sliding window: the Mann-Kendall statistic for a monotonic trend (ranks,
 * so a few outliers do not matter) and the Theil-Sen slope (median of the
 * pairwise slopes), plus what tells a leak from a pool that ramped up and
 * stopped, or a burst that came and went: whether it still rises, how often,
 * how far from its top. The decision on them is policy_leak_trend()
 * (detector_policy.h).
 */
#ifndef __THREADLEAK_TREND_H
#define __THREADLEAK_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define TREND_MAX_POINTS 64

/* A window of (time, value) points, oldest first, at most TREND_MAX_POINTS. */
struct trend_series {
	__u64 t_ns[TREND_MAX_POINTS];
	__u32 v[TREND_MAX_POINTS];
	unsigned int n;
	__u64 bucket_start_ns; /* when the newest point's bucket began */
};

struct leak_params {
	__u64 window_ns;   /* how far back the test looks */
	__u64 min_span_ns; /* growth must have lasted this long */
	__u32 min_growth;  /* and added this many */
	double min_z;	   /* Mann-Kendall significance */
};

struct trend_stats {
	unsigned int n;	  /* points in the window */
	__u64 span_ns;	  /* first to last point */
	double z;	  /* Mann-Kendall Z, with the tie correction */
	double slope;	  /* Theil-Sen, per second */
	double recent_slope; /* Theil-Sen over the last third of the window */
	__s64 growth;	  /* median of the last 3 points - median of the first 3 */
	__s64 net;	  /* last point - first point */
	unsigned int rises; /* points above every earlier one */
	__u64 rise_gap_ns;  /* median time between rises */
	__u64 since_rise_ns; /* from the last rise to the last point */
	__u32 last, max;
};

/* Default parameters: see leak_params_default() in trend.c. */
void leak_params_default(struct leak_params *p);

/* Append a point; drops points older than @window_ns before the newest. */
void trend_add(struct trend_series *s, __u64 t_ns, __u32 v, __u64 window_ns);

/* Compute the statistics of @s. */
void trend_stats(const struct trend_series *s, struct trend_stats *st);

#endif /* __THREADLEAK_TREND_H */
