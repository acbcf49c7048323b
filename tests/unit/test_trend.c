// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "test.h"
#include "trend.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Theil-Sen by the book: every pairwise slope, sorted, the middle one(s). */
static double theil_sen_sorted(const struct trend_series *s, unsigned int from, unsigned int to)
{
	static double slopes[TREND_MAX_POINTS * TREND_MAX_POINTS];
	unsigned int i, j, m = 0;

	for (i = from; i < to; i++)
		for (j = i + 1; j < to; j++)
			if (s->t_ns[j] > s->t_ns[i])
				slopes[m++] = ((double)s->v[j] - (double)s->v[i]) /
					      ((s->t_ns[j] - s->t_ns[i]) / 1e9);
	if (!m)
		return 0;
	qsort(slopes, m, sizeof(slopes[0]), cmp_double);
	return m % 2 ? slopes[m / 2] : (slopes[m / 2 - 1] + slopes[m / 2]) / 2;
}

void test_trend_theil_sen(void)
{
	struct trend_series s;
	struct trend_stats st;
	unsigned int round, i, recent, bad = 0;

	srand(1);
	/* Series of every length, with ties (few values), equal times and
	 * outliers: the slope is exactly the sorted median's. */
	for (round = 0; round < 2000; round++) {
		s.n = 2 + round % (TREND_MAX_POINTS - 1);
		s.t_ns[0] = 1000000000ULL;
		s.v[0] = 100;
		for (i = 1; i < s.n; i++) {
			s.t_ns[i] = s.t_ns[i - 1] + (rand() % 8 ? 1 + rand() % 2000000000 : 0);
			if (round % 3) /* four values: many ties */
				s.v[i] = 100 + rand() % 4;
			else /* growing, an outlier now and then */
				s.v[i] = 100 + i * (rand() % 5) + (rand() % 16 ? 0 : rand() % 1000);
		}
		s.v[s.n - 1] = 1000; /* not flat */
		trend_stats(&s, &st);
		recent = s.n / 3 < 4 ? 4 : s.n / 3;
		if (recent > s.n)
			recent = s.n;
		bad += st.slope != theil_sen_sorted(&s, 0, s.n);
		bad += st.recent_slope != theil_sen_sorted(&s, s.n - recent, s.n);
	}
	ASSERT_EQ(bad, 0, "slopes equal to the sorted median's");
}
