// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers given to command-line options, at their bounds: the limits are
 * those of env.c's options (--interval, --ringbuf-size, --census-slots...).
 */
#include <errno.h>
#include <limits.h>
#include "option_number.h"
#include "test.h"

#define SEC_NS 1000000000ULL
#define MAX_SECONDS_NS (10000000ULL * SEC_NS)

static const struct option_number interval = { OPTION_SECONDS, SEC_NS / 100, MAX_SECONDS_NS };
static const struct option_number positive = { OPTION_SECONDS, 1, MAX_SECONDS_NS };
static const struct option_number window = { OPTION_SECONDS, 10 * SEC_NS, MAX_SECONDS_NS };
static const struct option_number rows = { OPTION_COUNT, 0, 1000000 };
static const struct option_number stuck = { OPTION_COUNT, 1, UINT_MAX };
static const struct option_number pid = { OPTION_COUNT, 1, INT_MAX };
static const struct option_number debug = { OPTION_COUNT, 1, 2 };
static const struct option_number ringbuf = { OPTION_BYTES, 4096, 1ULL << 30, true };
static const struct option_number cache = { OPTION_BYTES, 1ULL << 20, 1ULL << 32 };
static const struct option_number size = { OPTION_BYTES, 1ULL << 20, ~0ULL };

#define OK(v) true, (v)
#define REFUSED false, 0

static const struct {
	const struct option_number *o;
	const char *arg;
	bool ok;
	unsigned long long want;
	const char *name;
} cases[] = {
	{ &interval, "0.01", OK(SEC_NS / 100), "interval: 0.01 s, the least" },
	{ &interval, "0.009", REFUSED, "interval: below 0.01 s" },
	{ &interval, "1e7", OK(MAX_SECONDS_NS), "interval: 1e7 s, the most" },
	{ &interval, "1.0000001e7", REFUSED, "interval: past 1e7 s" },
	{ &positive, "1e-9", OK(1), "seconds: 1 ns" },
	{ &positive, "1e-10", REFUSED, "seconds: under 1 ns, 0" },
	{ &positive, "0", REFUSED, "seconds: 0" },
	{ &positive, "-1", REFUSED, "seconds: negative" },
	{ &positive, "nan", REFUSED, "seconds: nan" },
	{ &positive, "inf", REFUSED, "seconds: inf" },
	{ &positive, "", REFUSED, "seconds: empty" },
	{ &positive, "1s", REFUSED, "seconds: a unit" },
	{ &positive, "0.5", OK(SEC_NS / 2), "seconds: 0.5" },
	{ &window, "10", OK(10 * SEC_NS), "leak window: 10 s, the least" },
	{ &window, "9.99", REFUSED, "leak window: below 10 s" },
	{ &rows, "0", OK(0), "rows: 0, the least" },
	{ &rows, "1000000", OK(1000000), "rows: the most" },
	{ &rows, "1000001", REFUSED, "rows: one past" },
	{ &rows, "-1", REFUSED, "count: negative" },
	{ &rows, "5x", REFUSED, "count: trailing text" },
	{ &rows, "", REFUSED, "count: empty" },
	{ &rows, "99999999999999999999", REFUSED, "count: out of range" },
	{ &stuck, "0", REFUSED, "stuck: 0" },
	{ &stuck, "4294967295", OK(UINT_MAX), "stuck: UINT_MAX" },
	{ &stuck, "4294967296", REFUSED, "stuck: past UINT_MAX" },
	{ &pid, "2147483647", OK(INT_MAX), "pid: INT_MAX" },
	{ &pid, "2147483648", REFUSED, "pid: past INT_MAX" },
	{ &debug, "0", REFUSED, "debug: 0" },
	{ &debug, "2", OK(2), "debug: 2" },
	{ &debug, "3", REFUSED, "debug: 3" },
	{ &ringbuf, "4K", OK(4096), "ringbuf: 4K, the least" },
	{ &ringbuf, "4k", OK(4096), "bytes: lower-case suffix" },
	{ &ringbuf, "2K", REFUSED, "ringbuf: below 4K" },
	{ &ringbuf, "1024M", OK(1ULL << 30), "ringbuf: 1024M, the most" },
	{ &ringbuf, "1G", OK(1ULL << 30), "ringbuf: 1G" },
	{ &ringbuf, "2G", REFUSED, "ringbuf: past 1G" },
	{ &ringbuf, "12K", REFUSED, "ringbuf: not a power of 2" },
	{ &ringbuf, "-4K", REFUSED, "bytes: negative" },
	{ &ringbuf, "4KB", REFUSED, "bytes: trailing text" },
	{ &ringbuf, "K", REFUSED, "bytes: no digits" },
	{ &cache, "1M", OK(1ULL << 20), "cache: 1M, the least" },
	{ &cache, "1048575", REFUSED, "cache: a byte below 1M" },
	{ &cache, "4096M", OK(1ULL << 32), "cache: 4096M, the most" },
	{ &cache, "4097M", REFUSED, "cache: past 4096M" },
	{ &size, "17179869183G", OK(17179869183ULL << 30), "size: the most G that fits" },
	{ &size, "17179869184G", REFUSED, "size: overflows" },
	{ &size, "18446744073709551615", OK(~0ULL), "size: ULLONG_MAX" },
	{ &size, "18446744073709551616", REFUSED, "size: past ULLONG_MAX" },
};

void test_option_number_bounds(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long val = 12345;
		int err = option_number_parse(cases[i].o, cases[i].arg, &val);

		if (cases[i].ok) {
			ASSERT_OK(err, cases[i].name);
			ASSERT_EQ(val, cases[i].want, cases[i].name);
		} else {
			ASSERT_ERR(err, -EINVAL, cases[i].name);
			ASSERT_EQ(val, 12345, cases[i].name); /* nothing written */
		}
	}
}
