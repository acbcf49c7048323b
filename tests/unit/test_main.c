// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every test in the generated list (build/tests/unit_list.h), or the
 * ones named on the command line. Prints PASS/FAIL/SKIP lines for
 * tests/run.sh.
 */
#include <stdlib.h>
#include "test.h"

#define DEFINE_TEST(name) void test_##name(void);
#include "unit_list.h"
#undef DEFINE_TEST

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define DEFINE_TEST(name) { #name, test_##name },
#include "unit_list.h"
#undef DEFINE_TEST
};

static const char *cur_test, *cur_sub, *skip_why;
static int cur_fails, sub_fails, passed, failed, skipped;
static bool any_sub;

void test__fail(void)
{
	cur_fails++;
	sub_fails++;
}

void test__skip(const char *why)
{
	skip_why = why;
}

/* The line of a test or subtest @name that has ended with @fails failures. */
static void report(const char *name, const char *sub, int fails)
{
	const char *sep = sub ? "/" : "";

	if (!sub)
		sub = "";
	if (fails) {
		printf("FAIL: unit/%s%s%s\n", name, sep, sub);
		failed++;
	} else if (skip_why) {
		printf("SKIP: unit/%s%s%s: %s\n", name, sep, sub, skip_why);
		skipped++;
	} else {
		printf("PASS: unit/%s%s%s\n", name, sep, sub);
		passed++;
	}
	skip_why = NULL;
}

static void end_subtest(void)
{
	if (!cur_sub)
		return;
	report(cur_test, cur_sub, sub_fails);
	cur_sub = NULL;
}

bool test__start_subtest(const char *name)
{
	end_subtest();
	any_sub = true;
	cur_sub = name;
	sub_fails = 0;
	return true;
}

const char *test__fixture(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("TEST_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/unit/fixtures", rel);
	return path;
}

int main(int argc, char **argv)
{
	size_t i;
	int j;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1) {
			for (j = 1; j < argc && strcmp(argv[j], tests[i].name); j++)
				;
			if (j == argc)
				continue;
		}
		cur_test = tests[i].name;
		cur_fails = 0;
		sub_fails = 0;
		cur_sub = NULL;
		any_sub = false;
		skip_why = NULL;
		tests[i].fn();
		end_subtest();
		if (any_sub)
			continue; /* each subtest had its line */
		report(cur_test, NULL, cur_fails);
	}
	fflush(stdout);
	return failed ? 1 : 0;
}
