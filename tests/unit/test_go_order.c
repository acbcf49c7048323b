// SPDX-License-Identifier: GPL-2.0
/*
 * Goroutines through the detector in the order a census meets them, not
 * goid order: counted once each (one listed twice too), the one with a
 * stack shown, its creator found, those not seen again gone.
 */
#include "sim.h"
#include "test.h"

#define T0 (1000 * SEC_NS)
#define SITE_PC 0x4a0000
#define FUNC_PC 0x4b0000
#define PARENT_SITE_PC 0x4c0000
#define PARENT_FUNC_PC 0x4d0000
#define N 1200
#define FIRST 100 /* goids FIRST .. FIRST + N - 1 */
#define PARENT 7
#define SHOWN 150 /* the one whose stack is taken */

static void send_goroutine(struct sim *s, __u64 ts, __u64 goid)
{
	bool parent = goid == PARENT;
	struct rec_goroutine g = {
		.hdr = { .type = REC_GOROUTINE, .size = sizeof(g), .tgid = s->tgid, .ts_ns = ts },
		.goid = goid,
		.parent_goid = parent ? 1 : PARENT,
		.status = 4, /* _Gwaiting */
		.flags = RG_WAIT_SINCE,
		.wait_since_ns = T0 - SEC_NS - goid, /* each its own wait */
		.start_pc = parent ? PARENT_FUNC_PC : FUNC_PC,
		.go_pc = parent ? PARENT_SITE_PC : SITE_PC,
	};

	snprintf(g.wait_reason, sizeof(g.wait_reason), parent ? "select" : "chan receive");
	sim_feed(s, &g);
}

static void send_stack(struct sim *s, __u64 ts, __u64 goid)
{
	struct rec_stack r = {
		.hdr = { .type = REC_STACK, .size = sizeof(r), .tgid = s->tgid, .ts_ns = ts },
		.id = goid,
		.kind = CTX_GOROUTINE,
		.nr_pcs = 2,
		.pcs = { FUNC_PC + 4, SITE_PC + 4 },
	};

	sim_feed(s, &r);
}

void test_go_order_any(void)
{
	const struct sim_finding *f;
	unsigned int i, k;
	struct sim s;

	sim_init(&s, 1301, NULL);
	sim_symbol(&s, SITE_PC, "main.spawn", "main.go", 10);
	sim_symbol(&s, FUNC_PC, "main.worker", "main.go", 20);
	sim_symbol(&s, PARENT_SITE_PC, "main.main", "main.go", 5);
	sim_symbol(&s, PARENT_FUNC_PC, "main.spawner", "main.go", 8);
	for (k = 0; k < 2; k++) {
		__u64 ts = T0 + k * 61 * SEC_NS;

		/* a scrambled order (7919 is prime to N); the parent last */
		for (i = 0; i < N; i++) {
			__u64 goid = FIRST + (i * 7919ULL) % N;

			if (k && goid < FIRST + 10)
				continue; /* ended before the second census */
			send_goroutine(&s, ts, goid);
			if (!k && i == N / 2)
				send_goroutine(&s, ts, FIRST + N - 1); /* listed twice */
		}
		send_goroutine(&s, ts, PARENT);
		/* a stack for one met long before: not among the last ones added */
		send_stack(&s, ts, SHOWN);
		sim_go_census(&s, ts, k ? N - 10 + 1 : N + 1, 0);
	}
	ASSERT_EQ(sim_count(&s, FINDING_GOROUTINE_STUCK), 1, "one stuck site");
	f = sim_first(&s, FINDING_GOROUTINE_STUCK);
	if (f) {
		ASSERT_EQ(f->live, N - 10, "each counted once, the ended ones gone");
		ASSERT_EQ(f->exited, 10, "ended");
		ASSERT_EQ(f->sample_id, SHOWN, "the one with a stack shown");
		ASSERT_EQ(f->sample_nr_stack, 2, "its stack");
		ASSERT_EQ(f->max_wait_ns, 62 * SEC_NS + FIRST + N - 1, "the longest wait");
		ASSERT_EQ(f->reason0_count, N - 10, "all in chan receive");
	}
	sim_free(&s);
}
