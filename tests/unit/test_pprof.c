// SPDX-License-Identifier: GPL-2.0
/* The pprof encoder, checked by decoding what it writes. */
#include <stdint.h>
#include <stdlib.h>
#include "pprof.h"
#include "test.h"

struct field {
	int num, wire;
	uint64_t v;
	const unsigned char *p;
	size_t len;
};

static size_t varint(const unsigned char *b, size_t len, size_t i, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (i < len) {
		*v |= (uint64_t)(b[i] & 0x7f) << shift;
		shift += 7;
		if (!(b[i++] & 0x80))
			return i;
	}
	return 0;
}

/* The fields of message @b, at most @max. */
static int fields(const unsigned char *b, size_t len, struct field *f, int max)
{
	size_t i = 0;
	uint64_t key;
	int n = 0;

	while (i < len && n < max) {
		i = varint(b, len, i, &key);
		if (!i)
			return -1;
		f[n].num = key >> 3;
		f[n].wire = key & 7;
		if (f[n].wire == 0) {
			i = varint(b, len, i, &f[n].v);
		} else if (f[n].wire == 2) {
			i = varint(b, len, i, &f[n].v);
			f[n].p = b + i;
			f[n].len = f[n].v;
			i += f[n].len;
		} else {
			return -1;
		}
		if (!i || i > len)
			return -1;
		n++;
	}
	return n;
}

void test_pprof_encode(void)
{
	struct pprof_line inlined[] = { { "sync.(*Mutex).Lock", "mutex.go", 90 },
					 { "main.locker", "main.go", 12 } };
	struct pprof_line one[] = { { "runtime.gopark", "proc.go", 364 } };
	struct field top[256], sub[16], line[4];
	int64_t locs[2], l1, l2;
	const char *strings[64];
	unsigned char *buf;
	int n, i, j, nstr = 0, nsamples = 0, nlocs = 0, nfuncs = 0;
	size_t len;
	struct pprof *pp = pprof__new("goroutine", "count", 1);

	if (!ASSERT_TRUE(pp != NULL, "new"))
		return;
	l1 = pprof__location(pp, 0x1000, one, 1);
	l2 = pprof__location(pp, 0x2000, inlined, 2);
	ASSERT_EQ(pprof__location(pp, 0x1000, one, 1), l1, "same address, same location");
	locs[0] = l1;
	locs[1] = l2;
	ASSERT_OK(pprof__sample(pp, locs, 2, 25), "sample");
	ASSERT_OK(pprof__sample(pp, locs, 1, 3), "sample");
	if (!ASSERT_OK(pprof__encode(pp, &buf, &len), "encode"))
		goto out;
	n = fields(buf, len, top, 256);
	if (!ASSERT_TRUE(n > 0, "decodes"))
		goto free_buf;
	for (i = 0; i < n; i++)
		if (top[i].num == 6 && nstr < 64)
			strings[nstr++] = strndup((const char *)top[i].p, top[i].len);
	ASSERT_STREQ(strings[0], "", "string 0 is empty");
	for (i = 0; i < n; i++) {
		if (top[i].num == 1) { /* sample_type */
			int m = fields(top[i].p, top[i].len, sub, 16);

			ASSERT_EQ(m, 2, "type and unit");
			ASSERT_STREQ(strings[sub[0].v], "goroutine", "type");
			ASSERT_STREQ(strings[sub[1].v], "count", "unit");
		} else if (top[i].num == 2) { /* sample */
			int m = fields(top[i].p, top[i].len, sub, 16);
			uint64_t v;

			nsamples++;
			ASSERT_EQ(m, 2, "locations and value");
			varint(sub[1].p, sub[1].len, 0, &v);
			ASSERT_EQ(v, nsamples == 1 ? 25 : 3, "value");
			ASSERT_EQ(sub[0].len, nsamples == 1 ? 2 : 1, "packed location ids");
		} else if (top[i].num == 4) { /* location */
			int m = fields(top[i].p, top[i].len, sub, 16), lines = 0;

			nlocs++;
			for (j = 0; j < m; j++)
				if (sub[j].num == 4 && fields(sub[j].p, sub[j].len, line, 4) == 2)
					lines++;
			ASSERT_EQ(lines, sub[0].v == (uint64_t)l2 ? 2 : 1, "inlined lines");
		} else if (top[i].num == 5) { /* function */
			int m = fields(top[i].p, top[i].len, sub, 16);

			nfuncs++;
			ASSERT_EQ(m, 4, "id, name, system name, file");
		}
	}
	ASSERT_EQ(nsamples, 2, "samples");
	ASSERT_EQ(nlocs, 2, "locations");
	ASSERT_EQ(nfuncs, 3, "functions");
	for (i = 0; i < nstr; i++)
		free((char *)strings[i]);
free_buf:
	free(buf);
out:
	pprof__free(pp);
}
