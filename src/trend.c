// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "trend.h"

#define NSEC_PER_SEC 1000000000ULL

/*
 * A site is leaking when, over the last minute, its count grew with a
 * Mann-Kendall Z of at least 3 (one-sided p ~ 0.001), for at least 8 s, by at
 * least 5, in at least 4 separate rises, is still growing (over the last third
 * of the window, and its last rise is recent for its pace) and is still at
 * its top. A leak of one thread per 100 ms is
 * flagged after 8 s, one every 2 s after about 12 s; a pool that ramps up in
 * less than 8 s, churn, and bursts are not.
 */
void leak_params_default(struct leak_params *p)
{
	p->window_ns = 60 * NSEC_PER_SEC;
	p->min_span_ns = 8 * NSEC_PER_SEC;
	p->min_growth = 5;
	p->min_z = 3.0;
}

static void drop_oldest(struct trend_series *s)
{
	memmove(s->t_ns, s->t_ns + 1, (s->n - 1) * sizeof(s->t_ns[0]));
	memmove(s->v, s->v + 1, (s->n - 1) * sizeof(s->v[0]));
	s->n--;
}

void trend_add(struct trend_series *s, __u64 t_ns, __u32 v, __u64 window_ns)
{
	/* Points of one bucket merge, keeping the floor, so a window of any
	 * length fits in TREND_MAX_POINTS. */
	__u64 bucket_ns = window_ns / (TREND_MAX_POINTS - 1);

	if (s->n && t_ns - s->bucket_start_ns < bucket_ns) {
		s->t_ns[s->n - 1] = t_ns;
		if (v < s->v[s->n - 1])
			s->v[s->n - 1] = v;
	} else {
		if (s->n == TREND_MAX_POINTS)
			drop_oldest(s);
		s->t_ns[s->n] = t_ns;
		s->v[s->n] = v;
		s->n++;
		s->bucket_start_ns = t_ns;
	}
	while (s->n > 1 && t_ns - s->t_ns[0] > window_ns)
		drop_oldest(s);
}

/*
 * The @k-th smallest of @v[0..n) (quickselect, Hoare's partition): what a
 * sort would put at @k, in O(n); @v is left with none larger before @k.
 */
static double select_nth(double *v, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2], t;
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break; /* between j and i: equal to the pivot */
	}
	return v[k];
}

/* Theil-Sen slope of points [from, to), per second. */
static double theil_sen(const struct trend_series *s, unsigned int from, unsigned int to)
{
	double slopes[TREND_MAX_POINTS * (TREND_MAX_POINTS - 1) / 2], lo, hi;
	unsigned int i, j, m = 0;

	for (i = from; i < to; i++) {
		for (j = i + 1; j < to; j++) {
			double dt = (s->t_ns[j] - s->t_ns[i]) / 1e9;

			if (dt <= 0)
				continue;
			slopes[m++] = ((double)s->v[j] - (double)s->v[i]) / dt;
		}
	}
	if (!m)
		return 0;
	hi = select_nth(slopes, (int)m, (int)(m / 2));
	if (m % 2)
		return hi;
	lo = slopes[0];
	for (i = 1; i < m / 2; i++)
		if (slopes[i] > lo)
			lo = slopes[i];
	return (lo + hi) / 2;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static __u32 median3(const __u32 *v, unsigned int n)
{
	__u32 tmp[3];

	if (n > 3)
		n = 3;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_u32);
	return tmp[n / 2];
}

/* Mann-Kendall Z with the correction for tied values. */
static double mann_kendall_z(const struct trend_series *s)
{
	__u32 sorted[TREND_MAX_POINTS];
	unsigned int i, j, n = s->n;
	double var, ties = 0;
	long S = 0;

	if (n < 3)
		return 0;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			S += (s->v[j] > s->v[i]) - (s->v[j] < s->v[i]);
	memcpy(sorted, s->v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && sorted[j] == sorted[i]; j++)
			;
		t = j - i;
		ties += t * (t - 1) * (2 * t + 5);
	}
	var = ((double)n * (n - 1) * (2 * n + 5) - ties) / 18;
	if (var <= 0)
		return 0;
	if (S > 0)
		return (S - 1) / sqrt(var);
	if (S < 0)
		return (S + 1) / sqrt(var);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

void trend_stats(const struct trend_series *s, struct trend_stats *st)
{
	__u64 rise_t[TREND_MAX_POINTS], gaps[TREND_MAX_POINTS];
	unsigned int i, recent;
	__u32 top = 0, min;

	memset(st, 0, sizeof(*st));
	st->n = s->n;
	if (!s->n)
		return;
	st->span_ns = s->t_ns[s->n - 1] - s->t_ns[0];
	st->last = s->v[s->n - 1];
	min = s->v[0];
	for (i = 0; i < s->n; i++) {
		if (i && s->v[i] > top)
			rise_t[st->rises++] = s->t_ns[i];
		if (s->v[i] > top || !i)
			top = s->v[i];
		if (s->v[i] < min)
			min = s->v[i];
	}
	st->max = top;
	/* Flat, as most sites are at most censuses: no rise, no slope, Z 0.
	 * Skip the sorts (the rest of this function). */
	if (min == top)
		return;
	if (st->rises) {
		st->since_rise_ns = s->t_ns[s->n - 1] - rise_t[st->rises - 1];
		for (i = 1; i < st->rises; i++)
			gaps[i - 1] = rise_t[i] - rise_t[i - 1];
		if (st->rises > 1) {
			qsort(gaps, st->rises - 1, sizeof(gaps[0]), cmp_u64);
			st->rise_gap_ns = gaps[(st->rises - 1) / 2];
		}
	}
	st->z = mann_kendall_z(s);
	st->slope = theil_sen(s, 0, s->n);
	recent = s->n / 3 < 4 ? 4 : s->n / 3;
	if (recent > s->n)
		recent = s->n;
	st->recent_slope = theil_sen(s, s->n - recent, s->n);
	st->net = (__s64)s->v[s->n - 1] - (__s64)s->v[0];
	st->growth = (__s64)median3(s->v + (s->n > 3 ? s->n - 3 : 0), s->n) -
		     (__s64)median3(s->v, s->n);
}
