/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test harness in the manner of the kernel's test_progs: every
 * `void test_<name>(void)` in tests/unit is found by the build and run; an
 * ASSERT_* macro reports a failure and returns false, so a test reads
 * `if (!ASSERT_OK(err, "feed")) goto out;`. Subtests get their own line.
 * A test that cannot run here (not root, an old kernel) says so with
 * SKIP("why") and returns: it prints `SKIP: name: why`, neither PASS nor FAIL.
 */
#ifndef __THREADLEAK_TEST_H
#define __THREADLEAK_TEST_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void test__fail(void);
void test__skip(const char *why);
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

/* Compare two integers with @op; say what was wanted on failure. */
#define ASSERT_CMP(actual, op, expected, name)                                               \
	({                                                                                   \
		long long ___a = (actual), ___e = (expected);                                \
		bool ___ok = ___a op ___e;                                                   \
		if (!___ok) {                                                                \
			fprintf(stderr, "%s:%d: %s: got %lld, want %s %lld\n", __FILE__,     \
				__LINE__, name, ___a, #op, ___e);                            \
			test__fail();                                                        \
		}                                                                            \
		___ok;                                                                       \
	})

#define ASSERT_EQ(actual, expected, name) ASSERT_CMP(actual, ==, expected, name)
#define ASSERT_NEQ(actual, expected, name) ASSERT_CMP(actual, !=, expected, name)
#define ASSERT_LT(actual, expected, name) ASSERT_CMP(actual, <, expected, name)
#define ASSERT_GT(actual, expected, name) ASSERT_CMP(actual, >, expected, name)

#define ASSERT_OK(err, name) ASSERT_EQ(err, 0, name)

/* A negative errno, and the one expected: ASSERT_ERR(err, -ENOENT, "open"). */
#define ASSERT_ERR(err, expected, name)                                                         \
	({                                                                                      \
		long long ___a = (err), ___e = (expected);                                      \
		bool ___ok = ___e < 0 && ___a == ___e;                                          \
		if (!___ok) {                                                                   \
			fprintf(stderr, "%s:%d: %s: got %lld (%s), want %lld (%s)\n", __FILE__, \
				__LINE__, name, ___a, ___a < 0 ? strerror(-___a) : "no error",  \
				___e, strerror(-___e));                                         \
			test__fail();                                                           \
		}                                                                               \
		___ok;                                                                          \
	})

#define ASSERT_NULL(ptr, name)                                                                   \
	({                                                                                       \
		const void *___p = (ptr);                                                        \
		bool ___ok = ___p == NULL;                                                       \
		if (!___ok) {                                                                    \
			fprintf(stderr, "%s:%d: %s: got %p, want NULL\n", __FILE__, __LINE__,    \
				name, ___p);                                                     \
			test__fail();                                                            \
		}                                                                                \
		___ok;                                                                           \
	})

#define ASSERT_NOT_NULL(ptr, name)                                                             \
	({                                                                                     \
		bool ___ok = (ptr) != NULL;                                                    \
		if (!___ok) {                                                                  \
			fprintf(stderr, "%s:%d: %s: unexpected NULL\n", __FILE__, __LINE__, name); \
			test__fail();                                                          \
		}                                                                              \
		___ok;                                                                         \
	})

/* The rest of this test (or subtest) cannot run here: say why and return. */
#define SKIP(why)                  \
	do {                       \
		test__skip(why);   \
		return;            \
	} while (0)

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
