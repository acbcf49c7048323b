// SPDX-License-Identifier: GPL-2.0
/*
 * Stuck sites through the detector: one Go census of a process met with its
 * goroutines already parked, on each side of every threshold.
 */
#include "sim.h"
#include "test.h"

#define T0 (1000 * SEC_NS)
#define WORKERS_PC 0x4a0000
#define JOB_PC 0x4b0000

/* @n goroutines of one site, waiting for @reason since @since (0: unknown),
 * in a Go census at @ts and a census. */
static void feed_goroutines(struct sim *s, __u64 ts, unsigned int first, unsigned int n,
			    const char *reason, __u64 since)
{
	struct rec_goroutine g;
	unsigned int i;

	for (i = first; i < first + n; i++) {
		memset(&g, 0, sizeof(g));
		g.hdr.type = REC_GOROUTINE;
		g.hdr.size = sizeof(g);
		g.hdr.tgid = s->tgid;
		g.hdr.ts_ns = ts;
		g.goid = 100 + i;
		g.parent_goid = 1;
		g.status = 4; /* _Gwaiting */
		g.flags = since ? RG_WAIT_SINCE : 0;
		g.wait_since_ns = since;
		g.start_pc = JOB_PC;
		g.go_pc = WORKERS_PC;
		snprintf(g.wait_reason, sizeof(g.wait_reason), "%s", reason);
		sim_feed(s, &g);
	}
}

/* How many stuck findings one census of @n goroutines in @reason for @wait_s
 * seconds (0: unknown) makes; @f: the first one. */
static int stuck_once(unsigned int n, const char *reason, __u64 wait_ns, struct sim_finding *f)
{
	struct sim s;
	int count;

	sim_init(&s, 1200, NULL);
	sim_symbol(&s, WORKERS_PC, "main.startWorkers", "job.go", 18);
	sim_symbol(&s, JOB_PC, "main.processJob", "job.go", 30);
	feed_goroutines(&s, T0, 0, n, reason, wait_ns ? T0 - wait_ns : 0);
	sim_go_census(&s, T0, n, 0);
	count = sim_count(&s, FINDING_GOROUTINE_STUCK);
	if (count && f)
		*f = *sim_first(&s, FINDING_GOROUTINE_STUCK);
	sim_free(&s);
	return count;
}

void test_stuck_detector_goroutines(void)
{
	struct sim_finding f;

	if (ASSERT_EQ(stuck_once(1000, "chan receive", 60 * SEC_NS, &f), 1, "1000 for 60 s")) {
		ASSERT_STREQ(f.site, "main.startWorkers (job.go:18)", "created by");
		ASSERT_EQ(f.live, 1000, "live");
		ASSERT_STREQ(f.reason0, "chan receive", "reason");
		ASSERT_EQ(f.max_wait_ns, 60 * SEC_NS, "oldest");
	}
	ASSERT_EQ(stuck_once(999, "chan receive", 60 * SEC_NS, NULL), 0, "999");
	ASSERT_EQ(stuck_once(1000, "chan receive", 60 * SEC_NS - 1, NULL), 0, "1 ns short");
	ASSERT_EQ(stuck_once(1000, "select", 3600 * SEC_NS, NULL), 1, "select");
	ASSERT_EQ(stuck_once(1000, "sync.WaitGroup.Wait", 3600 * SEC_NS, NULL), 1, "sync");
	ASSERT_EQ(stuck_once(5000, "IO wait", 3600 * SEC_NS, NULL), 0, "IO wait");
	ASSERT_EQ(stuck_once(5000, "sleep", 3600 * SEC_NS, NULL), 0, "sleep");
	/* No GC yet: waitsince 0; at first sight, the count decides. */
	ASSERT_EQ(stuck_once(1000, "chan receive", 0, NULL), 1, "wait unknown");
}

/* Goroutines Go 1.26 marked leaked count toward their class; 90 % decides. */
void test_stuck_detector_mixed(void)
{
	struct sim s;

	sim_init(&s, 1200, NULL);
	feed_goroutines(&s, T0, 0, 600, "chan receive", T0 - 90 * SEC_NS);
	feed_goroutines(&s, T0, 600, 400, "chan send (leaked)", T0 - 90 * SEC_NS);
	feed_goroutines(&s, T0, 1000, 112, "IO wait", T0 - 90 * SEC_NS);
	sim_go_census(&s, T0, 1112, 0);
	ASSERT_EQ(sim_count(&s, FINDING_GOROUTINE_STUCK), 0, "1000 of 1112 (89.9 %)");
	sim_free(&s);

	sim_init(&s, 1200, NULL);
	feed_goroutines(&s, T0, 0, 600, "chan receive", T0 - 90 * SEC_NS);
	feed_goroutines(&s, T0, 600, 400, "chan send (leaked)", T0 - 90 * SEC_NS);
	feed_goroutines(&s, T0, 1000, 111, "IO wait", T0 - 90 * SEC_NS);
	sim_go_census(&s, T0, 1111, 0);
	ASSERT_EQ(sim_count(&s, FINDING_GOROUTINE_STUCK), 1, "1000 of 1111 in channel waits");
	sim_free(&s);
}

/* Known waits too short at first sight; later censuses do not lower the bar. */
void test_stuck_detector_later(void)
{
	struct sim s;
	int sec;

	sim_init(&s, 1200, NULL);
	for (sec = 0; sec <= 30; sec++) {
		feed_goroutines(&s, T0 + sec * SEC_NS, 0, 1000, "chan receive", T0 - 30 * SEC_NS);
		sim_go_census(&s, T0 + sec * SEC_NS, 1000, 0);
		if (sec == 29)
			ASSERT_EQ(sim_count(&s, FINDING_GOROUTINE_STUCK), 0, "59 s");
	}
	ASSERT_EQ(sim_count(&s, FINDING_GOROUTINE_STUCK), 1, "60 s: once");
	sim_free(&s);
}
