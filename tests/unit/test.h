/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test harness in the manner of the kernel's test_progs: every
 * `void test_<name>(void)` in tests/unit is found by the build and run; an
 * ASSERT_* macro reports a failure and returns false, so a test reads
 * `if (!ASSERT_OK(err, "feed")) goto out;`. Subtests get their own line.
 */
#ifndef __THREADLEAK_TEST_H
#define __THREADLEAK_TEST_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void test__fail(void);
bool test__start_subtest(const char *name);
const char *test__fixture(const char *rel); /* tests/unit/fixtures/<rel> */

#define ASSERT_TRUE(cond, name)                                                              \
	({                                                                                   \
		bool ___ok = (cond);                                                         \
		if (!___ok) {                                                                \
			fprintf(stderr, "%s:%d: %s: unexpected false\n", __FILE__, __LINE__, \
				name);                                                       \
			test__fail();                                                        \
		}                                                                            \
		___ok;                                                                       \
	})

#define ASSERT_FALSE(cond, name) ASSERT_TRUE(!(cond), name)

#define ASSERT_EQ(actual, expected, name)                                                       \
	({                                                                                      \
		long long ___a = (actual), ___e = (expected);                                   \
		bool ___ok = ___a == ___e;                                                      \
		if (!___ok) {                                                                   \
			fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__, __LINE__, \
				name, ___a, ___e);                                              \
			test__fail();                                                           \
		}                                                                               \
		___ok;                                                                          \
	})

#define ASSERT_OK(err, name) ASSERT_EQ(err, 0, name)

#define ASSERT_NEAR(actual, expected, tolerance, name)                                            \
	({                                                                                        \
		double ___a = (actual), ___e = (expected);                                        \
		bool ___ok = fabs(___a - ___e) <= (tolerance);                                    \
		if (!___ok) {                                                                     \
			fprintf(stderr, "%s:%d: %s: got %g, want %g\n", __FILE__, __LINE__, name, \
				___a, ___e);                                                      \
			test__fail();                                                             \
		}                                                                                 \
		___ok;                                                                            \
	})

#define ASSERT_STREQ(actual, expected, name)                                                     \
	({                                                                                       \
		const char *___a = (actual), *___e = (expected);                                 \
		bool ___ok = ___a && ___e && !strcmp(___a, ___e);                                \
		if (!___ok) {                                                                    \
			fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n", __FILE__,        \
				__LINE__, name, ___a ? ___a : "(null)", ___e ? ___e : "(null)"); \
			test__fail();                                                            \
		}                                                                                \
		___ok;                                                                           \
	})

#endif /* __THREADLEAK_TEST_H */
