// SPDX-License-Identifier: GPL-2.0
/*
 * Delta goroutine censuses (RGC_DELTA) through the detector: a goroutine
 * not sent is as it was, one said gone is gone, and the findings are those
 * full censuses of the same goroutines make.
 */
#include "sim.h"
#include "test.h"

#define T0 (1000 * SEC_NS)
#define SITE_PC 0x4a0000
#define FUNC_PC 0x4b0000
#define N 1001

static void send_goroutine(struct sim *s, __u64 ts, __u64 goid)
{
	struct rec_goroutine g = {
		.hdr = { .type = REC_GOROUTINE, .size = sizeof(g), .tgid = s->tgid, .ts_ns = ts },
		.goid = goid,
		.parent_goid = 1,
		.status = 4, /* _Gwaiting */
		.flags = RG_WAIT_SINCE,
		.wait_since_ns = T0 - SEC_NS,
		.start_pc = FUNC_PC,
		.go_pc = SITE_PC,
	};

	snprintf(g.wait_reason, sizeof(g.wait_reason), "chan receive");
	sim_feed(s, &g);
}

static void send_gone(struct sim *s, __u64 ts, __u64 goid)
{
	struct rec_goroutine_gone r = {
		.hdr = { .type = REC_GOROUTINE_GONE, .size = sizeof(r), .tgid = s->tgid, .ts_ns = ts },
		.goid = goid,
	};

	sim_feed(s, &r);
}

/*
 * N goroutines parked at one site a second before T0; goroutine 100 ends
 * before the census at T0 + 30 s; the last census is at T0 + 61 s. @delta:
 * the censuses after the first send only what changed.
 */
static void run(bool delta, struct sim_finding *f, int *nr, __s64 *goroutines)
{
	static const __u64 at[] = { T0, T0 + 30 * SEC_NS, T0 + 61 * SEC_NS };
	struct sim s;
	unsigned int i, k, live = N;

	sim_init(&s, 1300, NULL);
	sim_symbol(&s, SITE_PC, "main.spawn", "main.go", 10);
	sim_symbol(&s, FUNC_PC, "main.worker", "main.go", 20);
	for (k = 0; k < 3; k++) {
		if (k == 1)
			live--;
		if (!delta || !k) {
			for (i = 0; i < N; i++)
				if (k == 0 || i != 0)
					send_goroutine(&s, at[k], 100 + i);
		} else if (k == 1) {
			send_gone(&s, at[k], 100);
		}
		sim_go_census(&s, at[k], live, delta && k ? RGC_DELTA : 0);
	}
	*nr = sim_count(&s, FINDING_GOROUTINE_STUCK);
	if (*nr)
		*f = *sim_first(&s, FINDING_GOROUTINE_STUCK);
	*goroutines = s.last_sample.goroutines;
	sim_free(&s);
}

void test_go_delta_same_as_full(void)
{
	struct sim_finding full, delta;
	int nr_full, nr_delta;
	__s64 g_full, g_delta;

	run(false, &full, &nr_full, &g_full);
	run(true, &delta, &nr_delta, &g_delta);
	ASSERT_EQ(nr_full, 1, "full censuses: one stuck site");
	ASSERT_EQ(nr_delta, 1, "delta censuses: one stuck site");
	ASSERT_EQ(g_delta, N - 1, "goroutines after one gone");
	ASSERT_EQ(g_full, N - 1, "goroutines, full");
	if (nr_full != 1 || nr_delta != 1)
		return;
	ASSERT_EQ(delta.live, N - 1, "the gone one left its site");
	ASSERT_EQ(delta.live, full.live, "live");
	ASSERT_EQ(delta.ts_ns, full.ts_ns, "found at the same census");
	ASSERT_EQ(delta.max_wait_ns, 62 * SEC_NS, "waits grew with no record sent");
	ASSERT_EQ(delta.max_wait_ns, full.max_wait_ns, "oldest");
	ASSERT_STREQ(delta.reason0, full.reason0, "reason");
}
