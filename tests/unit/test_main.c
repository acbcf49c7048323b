// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every test in the generated list (build/tests/unit_list.h), or the
 * ones named on the command line. Prints PASS/FAIL lines for tests/run.sh.
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

static const char *cur_test, *cur_sub;
static int cur_fails, sub_fails, passed, failed;
static bool any_sub;

void test__fail(void)
{
	cur_fails++;
	sub_fails++;
}

static void end_subtest(void)
{
	if (!cur_sub)
		return;
	printf("%s: unit/%s/%s\n", sub_fails ? "FAIL" : "PASS", cur_test, cur_sub);
	if (sub_fails)
		failed++;
	else
		passed++;
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
		tests[i].fn();
		end_subtest();
		if (any_sub)
			continue; /* each subtest had its line */
		printf("%s: unit/%s\n", cur_fails ? "FAIL" : "PASS", cur_test);
		if (cur_fails)
			failed++;
		else
			passed++;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}
