// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "goid_table.h"
#include "test.h"

#define RANGE 20000

/* Random adds and deletes against a plain array: the table agrees at each step. */
void test_goid_table_random(void)
{
	static unsigned char present[RANGE];
	struct goid_table t = { 0 };
	unsigned int seed = 1, bad = 0, i;
	size_t n = 0;

	for (i = 0; i < 400000; i++) {
		__u64 goid = rand_r(&seed) % RANGE;
		void *want = (void *)(unsigned long)(goid + 1);

		if (present[goid]) {
			bad += goid_table__find(&t, goid) != want;
			goid_table__del(&t, goid);
			present[goid] = 0;
			n--;
		} else {
			bad += goid_table__find(&t, goid) != NULL;
			if (goid_table__add(&t, goid, want))
				bad++;
			present[goid] = 1;
			n++;
		}
	}
	for (i = 0; i < RANGE; i++)
		bad += !goid_table__find(&t, i) != !present[i];
	ASSERT_EQ(bad, 0u, "every find agrees with the array");
	ASSERT_EQ(t.n + (t.zero != NULL), n, "count");
	ASSERT_LT(t.n * 2, t.mask + 2, "at most half full");
	goid_table__clear(&t);
	ASSERT_NULL(goid_table__find(&t, 5), "cleared");
}
