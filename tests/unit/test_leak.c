// SPDX-License-Identifier: GPL-2.0
/*
 * Leak detection on synthetic processes, one census a second: leaks at the
 * rates the detector promises to catch in time, and the healthy shapes it
 * must never flag.
 */
#include "sim.h"
#include "test.h"

#define MS (SEC_NS / 1000)
#define T0 (100 * SEC_NS) /* the simulated run starts here */

#define SITE_LEAK 0x401000
#define SITE_POOL 0x402000
#define SITE_REQ 0x403000
#define SITE_BURST 0x404000

/* A deterministic pseudo-random sequence, so every run is the same. */
static __u32 lcg(__u32 *state)
{
	*state = *state * 1664525 + 1013904223;
	return *state >> 8;
}

/* Run a leak of one thread per @period_ms; when was it flagged (0: never)? */
static __u64 leak_detected_after(__u64 period_ms, __u64 limit_s)
{
	struct sim s;
	__u64 t, next_census = T0, next_spawn = T0, found = 0;
	const struct sim_finding *f;

	sim_init(&s, 4242, NULL);
	sim_symbol(&s, SITE_LEAK, "wait_for_config", "leaky.c", 27);
	for (t = T0; t <= T0 + limit_s * SEC_NS && !found; t += MS) {
		if (t >= next_spawn) {
			__u32 tid = sim_spawn(&s, t, SITE_LEAK);

			sim_wait(&s, tid, t, NR_FUTEX, 0x7000 + tid * 64, FUTEX_WAIT_BITSET_PRIVATE_OP);
			next_spawn += period_ms * MS;
		}
		if (t >= next_census) {
			sim_census(&s, t);
			next_census += SEC_NS;
			f = sim_first(&s, FINDING_THREAD_LEAK);
			if (f)
				found = f->ts_ns - T0;
		}
	}
	f = sim_first(&s, FINDING_THREAD_LEAK);
	if (f) {
		ASSERT_STREQ(f->site, "wait_for_config (leaky.c:27)", "site");
		ASSERT_EQ(f->exited, 0, "none exited");
		ASSERT_EQ(f->blocked, f->live, "all blocked");
		ASSERT_EQ(f->by_prim[PRIM_FUTEX], f->live, "in futex waits");
		ASSERT_TRUE(f->growth >= 5, "growth");
	}
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 0, "no long waits for a leak's threads");
	sim_free(&s);
	return found;
}

void test_leak_rates(void)
{
	__u64 after;

	if (test__start_subtest("every_2s_within_30s")) {
		after = leak_detected_after(2000, 60);
		ASSERT_TRUE(after > 0 && after <= 30 * SEC_NS, "flagged within 30 s");
	}
	if (test__start_subtest("every_100ms_within_10s")) {
		after = leak_detected_after(100, 60);
		ASSERT_TRUE(after > 0 && after <= 10 * SEC_NS, "flagged within 10 s");
	}
	if (test__start_subtest("every_500ms")) {
		after = leak_detected_after(500, 60);
		ASSERT_TRUE(after > 0 && after <= 15 * SEC_NS, "flagged within 15 s");
	}
}

/* Thread-per-request churn: @per_s requests a second living 1-20 ms. */
struct churn {
	__u32 rng;
	__u32 tids[4096];
	__u64 ends[4096];
	int n;
};

static void churn_step(struct sim *s, struct churn *c, __u64 t, unsigned int per_ms_x1000,
		       bool lose_exits)
{
	int i;

	for (i = 0; i < c->n;) {
		if (c->ends[i] <= t) {
			sim_exit(s, t, c->tids[i], lose_exits && (lcg(&c->rng) % 4 == 0));
			c->tids[i] = c->tids[c->n - 1];
			c->ends[i] = c->ends[--c->n];
		} else {
			i++;
		}
	}
	/* per_ms_x1000 requests per 1000 ms, spread evenly in expectation. */
	if (lcg(&c->rng) % 1000 < per_ms_x1000 && c->n < 4096) {
		c->tids[c->n] = sim_spawn(s, t, SITE_REQ);
		c->ends[c->n++] = t + (1 + lcg(&c->rng) % 20) * MS;
	}
}

/* Healthy shapes over @secs: there must be no finding at all. */
static void run_healthy(const char *shape, int secs)
{
	__u64 t, next_census = T0;
	struct churn churn = { .rng = 7 };
	__u32 pool[64], burst[128];
	int npool = 0, nburst = 0, i;
	struct sim s;

	sim_init(&s, 777, NULL);
	if (!strcmp(shape, "pool")) {
		for (i = 0; i < 16; i++)
			pool[npool++] = sim_spawn(&s, T0, SITE_POOL);
	}
	for (t = T0; t <= T0 + secs * SEC_NS; t += MS) {
		__u64 rel = t - T0;

		if (!strcmp(shape, "churn"))
			churn_step(&s, &churn, t, 500, false); /* ~500 a second */
		if (!strcmp(shape, "churn_lost_exits"))
			churn_step(&s, &churn, t, 300, true);
		if (!strcmp(shape, "rampup") && rel % (125 * MS) == 0 && npool < 32)
			pool[npool++] = sim_spawn(&s, t, SITE_POOL); /* 8/s for 4 s */
		if (!strcmp(shape, "bursts")) {
			/* 100 threads come every 30 s and leave 3 s later. */
			if (rel % (30 * SEC_NS) == 10 * SEC_NS)
				for (nburst = 0; nburst < 100; nburst++)
					burst[nburst] = sim_spawn(&s, t, SITE_BURST);
			if (rel % (30 * SEC_NS) == 13 * SEC_NS)
				while (nburst)
					sim_exit(&s, t, burst[--nburst], false);
		}
		/* Pool threads wait for work in turns, never for long. */
		if (rel % (200 * MS) == 0)
			for (i = 0; i < npool; i++)
				sim_wait(&s, pool[i], t, NR_FUTEX, 0x9000, FUTEX_WAIT_BITSET_PRIVATE_OP);
		if (t >= next_census) {
			sim_census(&s, t);
			next_census += SEC_NS;
		}
	}
	if (!ASSERT_EQ(s.nr_findings, 0, shape))
		fprintf(stderr, "  first finding: kind %d at %llu ms, site %s\n", s.findings[0].kind,
			(unsigned long long)((s.findings[0].ts_ns - T0) / MS), s.findings[0].site);
	ASSERT_EQ(s.last_sample.threads, s.live, "threads counted");
	sim_free(&s);
}

void test_leak_healthy(void)
{
	if (test__start_subtest("fixed_pool"))
		run_healthy("pool", 300);
	if (test__start_subtest("churn_500_per_s"))
		run_healthy("churn", 180);
	if (test__start_subtest("rampup_then_flat"))
		run_healthy("rampup", 300);
	if (test__start_subtest("bursts"))
		run_healthy("bursts", 300);
	if (test__start_subtest("churn_with_lost_exits"))
		run_healthy("churn_lost_exits", 120);
}

/*
 * Lost records: a leak whose start records were all lost is still found at
 * the right site when the inspector names it (rec_site), and threads whose
 * exits were lost leave the count at the next census.
 */
void test_leak_lost_records(void)
{
	__u64 t, next_census = T0;
	const struct sim_finding *f;
	struct rec_site site;
	struct sim s;
	__u32 tid;

	sim_init(&s, 99, NULL);
	sim_symbol(&s, SITE_LEAK, "stuck_worker", "w.c", 3);
	for (t = T0; t <= T0 + 30 * SEC_NS; t += 100 * MS) {
		/* Like sim_spawn, without the start record reaching the detector. */
		struct sim_thread *th;

		if (s.n == s.cap) {
			s.cap *= 2;
			s.th = realloc(s.th, s.cap * sizeof(*s.th));
		}
		th = &s.th[s.n++];
		memset(th, 0, sizeof(*th));
		th->tid = tid = s.next_tid++;
		th->start_ns = t;
		th->alive = true;
		s.created++;
		s.live++;
		sim_wait(&s, tid, t, 0 /* read */, 0, 0);
		memset(&site, 0, sizeof(site));
		site.hdr.type = REC_SITE;
		site.hdr.size = sizeof(site);
		site.hdr.tgid = s.tgid;
		site.hdr.ts_ns = t;
		site.id = tid;
		site.start_ns = t;
		site.pc = SITE_LEAK;
		site.source = SITE_START_ROUTINE;
		sim_feed(&s, &site);
		if (t >= next_census) {
			sim_census(&s, t);
			next_census += SEC_NS;
		}
	}
	f = sim_first(&s, FINDING_THREAD_LEAK);
	if (ASSERT_TRUE(f != NULL, "leak found")) {
		ASSERT_STREQ(f->site, "stuck_worker (w.c:3)", "site");
		ASSERT_EQ(f->by_prim[PRIM_SYSCALL], f->live, "all in read");
	}
	sim_free(&s);
}
