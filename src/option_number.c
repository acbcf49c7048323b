// SPDX-License-Identifier: GPL-2.0
/* A number given to a command-line option, within its limits. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "option_number.h"

static int parse_seconds(const char *arg, unsigned long long *ns)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(s) || s <= 0 || s > 1e7)
		return -EINVAL;
	*ns = (unsigned long long)(s * 1e9);
	return *ns ? 0 : -EINVAL;
}

/* A byte count with an optional K, M or G suffix. */
static int parse_bytes(const char *arg, unsigned long long *bytes)
{
	unsigned long long val;
	char *end;
	int shift = 0;

	errno = 0;
	val = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || val > (~0ULL >> shift))
		return -EINVAL;
	*bytes = val << shift;
	return 0;
}

static int parse_count(const char *arg, unsigned long long *count)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(arg, &end, 10);
	if (errno || end == arg || *end || val < 0)
		return -EINVAL;
	*count = val;
	return 0;
}

int option_number_parse(const struct option_number *o, const char *arg, unsigned long long *val)
{
	unsigned long long v;
	int err;

	switch (o->unit) {
	case OPTION_SECONDS:
		err = parse_seconds(arg, &v);
		break;
	case OPTION_BYTES:
		err = parse_bytes(arg, &v);
		break;
	default:
		err = parse_count(arg, &v);
		break;
	}
	if (err || v < o->min || v > o->max || (o->power_of_2 && (v & (v - 1))))
		return -EINVAL;
	*val = v;
	return 0;
}
