// SPDX-License-Identifier: GPL-2.0
/*
 * The stuck-site rules on struct literals: a case on every bound, then each
 * input moved just past it.
 */
#include "detector_policy.h"
#include "test.h"

#define SEC_NS 1000000000ULL

static const struct stuck_params stuck = {
	.min_goroutines = 1000,
	.min_threads = 500,
	.min_percent = 90,
	.min_wait_ns = 60 * SEC_NS,
};

void test_stuck_params_default(void)
{
	struct stuck_params p;

	stuck_params_default(&p);
	ASSERT_EQ(p.min_goroutines, 1000, "goroutines");
	ASSERT_EQ(p.min_threads, 500, "threads");
	ASSERT_EQ(p.min_percent, 90, "percent");
	ASSERT_EQ(p.min_wait_ns, 60 * SEC_NS, "wait");
}

void test_stuck_goroutine_class(void)
{
	ASSERT_EQ(policy_goroutine_stuck_class("chan receive"), STUCK_CHANNEL, "chan receive");
	ASSERT_EQ(policy_goroutine_stuck_class("chan send"), STUCK_CHANNEL, "chan send");
	ASSERT_EQ(policy_goroutine_stuck_class("chan receive (nil chan)"), STUCK_CHANNEL, "nil");
	ASSERT_EQ(policy_goroutine_stuck_class("chan send (leaked)"), STUCK_CHANNEL, "leaked");
	ASSERT_EQ(policy_goroutine_stuck_class("select"), STUCK_SELECT, "select");
	ASSERT_EQ(policy_goroutine_stuck_class("select (no cases)"), STUCK_SELECT, "no cases");
	ASSERT_EQ(policy_goroutine_stuck_class("sync.Mutex.Lock"), STUCK_SYNC, "mutex");
	ASSERT_EQ(policy_goroutine_stuck_class("sync.WaitGroup.Wait"), STUCK_SYNC, "waitgroup");
	ASSERT_EQ(policy_goroutine_stuck_class("semacquire"), STUCK_SYNC, "semacquire");
	ASSERT_EQ(policy_goroutine_stuck_class("leaked"), STUCK_LEAKED, "leaked, no reason");
	/* A program's job: never stuck. */
	ASSERT_EQ(policy_goroutine_stuck_class("IO wait"), STUCK_NONE, "IO wait");
	ASSERT_EQ(policy_goroutine_stuck_class("sleep"), STUCK_NONE, "sleep");
	ASSERT_EQ(policy_goroutine_stuck_class("timer goroutine (idle)"), STUCK_NONE, "timer");
	ASSERT_EQ(policy_goroutine_stuck_class("GC worker (idle)"), STUCK_NONE, "GC worker");
	ASSERT_EQ(policy_goroutine_stuck_class("finalizer wait"), STUCK_NONE, "finalizer");
	ASSERT_EQ(policy_goroutine_stuck_class(""), STUCK_NONE, "empty");
	ASSERT_EQ(policy_goroutine_stuck_class("chan"), STUCK_NONE, "a prefix only");
}

void test_stuck_thread_class(void)
{
	struct policy_wait w = {
		.is_thread = true,
		.waiting = true,
		.wc = { .prim = PRIM_CONDVAR, .owner_tid = -1 },
		.syscall_nr = 202,
	};

	ASSERT_EQ(policy_thread_stuck_class(&w), STUCK_FUTEX, "condvar");
	w.wc.prim = PRIM_MUTEX;
	ASSERT_EQ(policy_thread_stuck_class(&w), STUCK_FUTEX, "mutex");
	w.wc.prim = PRIM_SYSCALL;
	w.syscall_nr = 0; /* read */
	ASSERT_EQ(policy_thread_stuck_class(&w), STUCK_NONE, "read: IO");
	w.wc.prim = PRIM_CONDVAR;
	w.waiting = false;
	ASSERT_EQ(policy_thread_stuck_class(&w), STUCK_NONE, "running");
	w.waiting = true;
	w.parked = true;
	ASSERT_EQ(policy_thread_stuck_class(&w), STUCK_NONE, "a parked Go M");
	w.parked = false;
	w.in_go = true; /* no stack: the Go runtime's own futex */
	ASSERT_EQ(policy_thread_stuck_class(&w), STUCK_NONE, "Go runtime futex");
}

void test_stuck_ctx(void)
{
	struct policy_stuck_ctx c = {
		.cls = STUCK_CHANNEL,
		.wait_known = true,
		.wait_ns = 60 * SEC_NS,
	};

	ASSERT_TRUE(policy_ctx_stuck(&c, &stuck), "60 s");
	c.wait_ns = 60 * SEC_NS - 1;
	ASSERT_FALSE(policy_ctx_stuck(&c, &stuck), "1 ns short");
	c.first_sight = true;
	ASSERT_FALSE(policy_ctx_stuck(&c, &stuck), "known and short, at first sight");
	c.wait_known = false;
	c.wait_ns = 0;
	ASSERT_TRUE(policy_ctx_stuck(&c, &stuck), "unknown at first sight: on the count");
	c.first_sight = false;
	ASSERT_FALSE(policy_ctx_stuck(&c, &stuck), "unknown later: seen too briefly");
	c.wait_ns = 60 * SEC_NS;
	ASSERT_TRUE(policy_ctx_stuck(&c, &stuck), "unknown, seen waiting 60 s");
	c.cls = STUCK_NONE;
	ASSERT_FALSE(policy_ctx_stuck(&c, &stuck), "IO wait, however long");
}

void test_stuck_site(void)
{
	struct policy_stuck_site g = { .live = 1111, .stuck = 1000 }, s;

	ASSERT_TRUE(policy_stuck_site(&g, &stuck), "1000 of 1111 (90.0 %)");
	s = g;
	s.stuck = 999;
	s.live = 1110;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "999 goroutines");
	s = g;
	s.live = 1112;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "1000 of 1112 (89.9 %)");
	s = g;
	s.live = 300;
	s.stuck = 300;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "an idle pool of 300");
	s = (struct policy_stuck_site){ .is_thread = true, .live = 500, .stuck = 500 };
	ASSERT_TRUE(policy_stuck_site(&s, &stuck), "500 threads");
	s.stuck = 499;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "499 threads");
	s.stuck = 500;
	s.is_main = true;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "the main thread's site");
	s.is_main = false;
	s.unknown = true;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "an unknown start routine");
	s = g;
	s.stuck = s.live + 1;
	ASSERT_FALSE(policy_stuck_site(&s, &stuck), "more stuck than live: inconsistent");
}

void test_stuck_grew(void)
{
	ASSERT_TRUE(policy_stuck_grew(1100, 1000), "by a tenth");
	ASSERT_FALSE(policy_stuck_grew(1099, 1000), "by less");
	ASSERT_FALSE(policy_stuck_grew(1000, 1000), "same");
	ASSERT_FALSE(policy_stuck_grew(900, 1000), "shrank");
	ASSERT_TRUE(policy_stuck_grew(2, 1), "from 1");
}
