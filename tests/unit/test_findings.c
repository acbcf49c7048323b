// SPDX-License-Identifier: GPL-2.0
/*
 * Long waits, owners and deadlocks on synthetic processes, with the stacks
 * and futex words the inspector would have read.
 */
#include "sim.h"
#include "test.h"

#define T0 (100 * SEC_NS)

/* Code addresses in the simulated process, with their names. */
enum {
	PC_LLL_LOCK_WAIT = 0x7f0001000,
	PC_MUTEX_LOCK = 0x7f0002000,
	PC_FUTEX_WAIT = 0x7f0003000,
	PC_COND_WAIT = 0x7f0004000,
	PC_JOIN = 0x7f0005000,
	PC_WORKER = 0x401000,
	PC_MAIN = 0x402000,
	PC_START_THREAD = 0x7f0006000,
	PC_READ = 0x7f0007000,
	PC_JAVA_MAIN = 0x7f0008000,
	LOCK_A = 0x404040,
	LOCK_B = 0x404080,
	LOCK_LONG = 0x4040c0,
};

static void symbols(struct sim *s)
{
	sim_symbol(s, PC_LLL_LOCK_WAIT, "__lll_lock_wait", "", 0);
	sim_symbol(s, PC_MUTEX_LOCK, "___pthread_mutex_lock", "", 0);
	sim_symbol(s, PC_FUTEX_WAIT, "__futex_abstimed_wait_common", "", 0);
	sim_symbol(s, PC_COND_WAIT, "pthread_cond_wait", "", 0);
	sim_symbol(s, PC_JOIN, "__pthread_clockjoin_ex", "", 0);
	sim_symbol(s, PC_WORKER, "worker", "app.c", 10);
	sim_symbol(s, PC_MAIN, "main", "app.c", 40);
	sim_symbol(s, PC_START_THREAD, "start_thread", "", 0);
	sim_symbol(s, PC_READ, "read", "", 0);
	sim_symbol(s, LOCK_A, "lock_a", "", 0);
	sim_symbol(s, LOCK_B, "lock_b", "", 0);
}

static const __u64 mutex_stack[] = { PC_LLL_LOCK_WAIT, PC_MUTEX_LOCK, PC_WORKER, PC_START_THREAD };
static const __u64 cond_stack[] = { PC_FUTEX_WAIT, PC_COND_WAIT, PC_WORKER, PC_START_THREAD };
static const __u64 join_stack[] = { PC_FUTEX_WAIT, PC_JOIN, PC_MAIN };
static const __u64 read_stack[] = { PC_READ, PC_WORKER, PC_START_THREAD };

static void censuses(struct sim *s, int secs)
{
	int i;

	for (i = 0; i <= secs; i++)
		sim_census(s, T0 + i * SEC_NS);
}

void test_long_wait_mutex_owner(void)
{
	const struct sim_finding *f;
	struct sim s;
	__u32 w;

	sim_init(&s, 500, NULL);
	symbols(&s);
	w = sim_spawn(&s, T0, PC_WORKER);
	sim_wait(&s, w, T0, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(&s, w, mutex_stack, 4);
	sim_futex_word(&s, w, 0, 2);   /* locked, with waiters */
	sim_futex_word(&s, w, 8, 500); /* __owner: main */
	censuses(&s, 9);
	ASSERT_EQ(s.nr_findings, 0, "nothing before the threshold");
	censuses(&s, 12);
	f = sim_first(&s, FINDING_LONG_WAIT);
	if (ASSERT_TRUE(f != NULL, "long wait")) {
		ASSERT_EQ(f->waiter_id, w, "waiter");
		ASSERT_EQ(f->waiter_prim, PRIM_MUTEX, "primitive");
		ASSERT_STREQ(f->site, "worker (app.c:10)", "site");
		ASSERT_EQ(f->owner_tid, 500, "owner: main");
		ASSERT_STREQ(f->owner_state, "nanosleep", "owner's state");
	}
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 1, "one finding per wait");
	ASSERT_EQ(detector__leaks(s.d), 0, "a long wait is not a leak");
	sim_free(&s);
}

void test_long_wait_join(void)
{
	const struct sim_finding *f;
	struct sim s;
	int i, joins = 0, conds = 0;
	__u32 w;

	sim_init(&s, 600, NULL);
	symbols(&s);
	w = sim_spawn(&s, T0, PC_WORKER);
	sim_wait(&s, w, T0, NR_FUTEX, 0x5000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, w, cond_stack, 4);
	/* main joins the worker: it sleeps on the worker's tid field. */
	sim_wait(&s, 600, T0, NR_FUTEX, 0x7f00000002d0, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, 600, join_stack, 3);
	sim_futex_word(&s, 600, 0, w);
	censuses(&s, 11);
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 2, "two long waits");
	for (i = 0; i < s.nr_findings; i++) {
		f = &s.findings[i];
		if (f->waiter_prim == PRIM_JOIN) {
			joins++;
			ASSERT_EQ(f->waiter_id, 600, "main joins");
			ASSERT_STREQ(f->site, "main thread", "site");
			ASSERT_EQ(f->owner_tid, w, "owner: the joined worker");
			ASSERT_STREQ(f->owner_state, "condvar wait", "owner's state");
		} else if (f->waiter_prim == PRIM_CONDVAR) {
			conds++;
			ASSERT_EQ(f->waiter_id, w, "the worker");
			ASSERT_EQ(f->owner_tid, -1, "a condvar has no owner");
		}
	}
	ASSERT_EQ(joins, 1, "join");
	ASSERT_EQ(conds, 1, "condvar");
	sim_free(&s);
}

void test_deadlock_ab_ba(void)
{
	const struct sim_finding *f;
	struct sim s;
	__u32 t1, t2;

	sim_init(&s, 700, NULL);
	symbols(&s);
	t1 = sim_spawn(&s, T0, PC_WORKER);
	t2 = sim_spawn(&s, T0, PC_WORKER);
	/* t1 holds A and waits for B; t2 holds B and waits for A. */
	sim_wait(&s, t1, T0, NR_FUTEX, LOCK_B, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(&s, t1, mutex_stack, 4);
	sim_futex_word(&s, t1, 0, 2);
	sim_futex_word(&s, t1, 8, t2);
	sim_wait(&s, t2, T0, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(&s, t2, mutex_stack, 4);
	sim_futex_word(&s, t2, 0, 2);
	sim_futex_word(&s, t2, 8, t1);
	censuses(&s, 15);
	ASSERT_EQ(sim_count(&s, FINDING_DEADLOCK), 1, "one deadlock");
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 0, "no long waits for its threads");
	f = sim_first(&s, FINDING_DEADLOCK);
	if (ASSERT_TRUE(f != NULL, "deadlock")) {
		ASSERT_EQ(f->ts_ns, T0, "found at the first census");
		ASSERT_EQ(f->nr_members, 2, "two threads");
		ASSERT_EQ(f->member_ids[0], t1, "lowest tid first");
		ASSERT_EQ(f->member_ids[1], t2, "then the owner");
		ASSERT_STREQ(f->member_waits[0], "mutex lock_b (0x404080)", "t1 waits for B");
		ASSERT_STREQ(f->member_holds[0], "mutex lock_a (0x404040)", "t1 holds A");
		ASSERT_STREQ(f->member_waits[1], "mutex lock_a (0x404040)", "t2 waits for A");
		ASSERT_STREQ(f->member_holds[1], "mutex lock_b (0x404080)", "t2 holds B");
	}
	ASSERT_EQ(detector__leaks(s.d), 1, "counts for --fail-on-leak");
	sim_free(&s);
}

void test_long_wait_syscalls(void)
{
	const struct sim_finding *f;
	struct sim s;
	__u32 r, n;

	sim_init(&s, 800, NULL);
	symbols(&s);
	r = sim_spawn(&s, T0, PC_WORKER);
	sim_wait(&s, r, T0, 0 /* read */, 0, 0);
	sim_stack(&s, r, read_stack, 3);
	n = sim_spawn(&s, T0, PC_MAIN);
	sim_wait(&s, n, T0, 230 /* clock_nanosleep */, 0, 0);
	censuses(&s, 11);
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 1, "read only, not sleep");
	f = sim_first(&s, FINDING_LONG_WAIT);
	if (ASSERT_TRUE(f != NULL, "long wait")) {
		ASSERT_EQ(f->waiter_prim, PRIM_SYSCALL, "a syscall");
		ASSERT_STREQ(f->waiter_syscall, "read", "read");
	}
	sim_free(&s);
}

void test_long_wait_cap(void)
{
	struct sim s;
	int i;

	sim_init(&s, 900, NULL);
	/* 30 threads at 30 different sites, each stuck on its own mutex. */
	for (i = 0; i < 30; i++) {
		__u32 t = sim_spawn(&s, T0, 0x500000 + i * 16);

		sim_wait(&s, t, T0, NR_FUTEX, 0x9000 + i * 64, FUTEX_WAIT_PRIVATE_OP);
	}
	censuses(&s, 11);
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 20, "capped per process");
	sim_free(&s);
}

void test_classify_wait(void)
{
	struct rec_task t = rec_task_futex(1, 2, 10, 0x1000, FUTEX_WAIT_PRIVATE_OP, 5);
	struct rec_futex fx = { .flags = RF_READ_OK };
	struct wait_evidence ev = { .task = &t };
	const char *funcs[4];
	struct wait_class wc;

	if (test__start_subtest("by_stack")) {
		static const struct {
			const char *func;
			enum primitive prim;
		} cases[] = {
			{ "__pthread_cond_wait_common", PRIM_CONDVAR },
			{ "pthread_rwlock_wrlock", PRIM_RWLOCK },
			{ "__new_sem_wait_slow64", PRIM_SEMAPHORE },
			{ "__pthread_clockjoin_ex", PRIM_JOIN },
			{ "___pthread_mutex_lock", PRIM_MUTEX },
			{ "std::sys::sync::mutex::futex::Mutex::lock_contended", PRIM_MUTEX },
			{ "std::sys::sync::condvar::futex::Condvar::wait_optional_timeout",
			  PRIM_CONDVAR },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			funcs[0] = "__futex_abstimed_wait_common";
			funcs[1] = cases[i].func;
			ev.funcs = funcs;
			ev.nr_funcs = 2;
			classify_wait(&ev, &wc);
			ASSERT_EQ(wc.prim, cases[i].prim, cases[i].func);
			ASSERT_STREQ(wc.via, cases[i].func, "via");
		}
		ev.nr_funcs = 0;
	}
	if (test__start_subtest("by_futex_op")) {
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_MUTEX, "FUTEX_WAIT: a contended mutex");
		ASSERT_EQ(wc.lock_addr, 0x1000, "lock address");
		t.args[1] = FUTEX_WAIT_BITSET_PRIVATE_OP;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_FUTEX, "FUTEX_WAIT_BITSET: unknown");
	}
	if (test__start_subtest("same_word")) {
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_FUTEX, "no stack, no sibling: unknown");
		ev.same_word = PRIM_CONDVAR;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_CONDVAR, "a sibling on the word waits in a condvar");
		ASSERT_TRUE(wc.via == NULL, "not told by its own stack");
		funcs[0] = "__new_sem_wait_slow64";
		ev.funcs = funcs;
		ev.nr_funcs = 1;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_SEMAPHORE, "its own stack wins");
		ev.nr_funcs = 0;
		ev.same_word = PRIM_NONE;
	}
	if (test__start_subtest("pi_owner")) {
		t.args[1] = 6 | 128; /* FUTEX_LOCK_PI_PRIVATE */
		fx.words[REC_FUTEX_BEFORE / 4] = 0x80000000 | 4321; /* FUTEX_WAITERS | owner */
		ev.futex = &fx;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_MUTEX, "PI mutex");
		ASSERT_EQ(wc.owner_tid, -1, "a guess names only live owners");
		funcs[0] = "__pthread_mutex_lock_full";
		ev.funcs = funcs;
		ev.nr_funcs = 1;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.owner_tid, 4321, "owner from the futex word");
		ev.nr_funcs = 0;
		ev.futex = NULL;
	}
	if (test__start_subtest("rwlock_writer")) {
		/* A reader waits on __wrphase_futex (lock + 8); the writer's
		 * tid is at lock + 24, 16 bytes after the word. */
		memset(&fx, 0, sizeof(fx));
		fx.flags = RF_READ_OK;
		fx.words[(REC_FUTEX_BEFORE + 16) / 4] = 77;
		t.args[1] = FUTEX_WAIT_BITSET_PRIVATE_OP;
		funcs[0] = "pthread_rwlock_rdlock";
		ev.funcs = funcs;
		ev.nr_funcs = 1;
		ev.futex = &fx;
		ev.is_thread = NULL;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_RWLOCK, "rwlock");
		ASSERT_EQ(wc.owner_tid, -1, "no live-thread check: no guess");
	}
	if (test__start_subtest("syscall")) {
		t = rec_task_syscall(1, 2, 10, 43 /* accept */, 5);
		ev.task = &t;
		ev.futex = NULL;
		classify_wait(&ev, &wc);
		ASSERT_EQ(wc.prim, PRIM_SYSCALL, "accept");
		ASSERT_FALSE(syscall_is_idle_wait(43), "accept is a long wait");
		ASSERT_TRUE(syscall_is_idle_wait(232), "epoll_wait is not");
	}
}

/* At the end every finding is restated, leaks with their final numbers. */
/* A thread leak at PC_WORKER: 40 threads in 20 s, all waiting; found. */
static void leak_40(struct sim *s)
{
	int i;

	sim_init(s, 1000, NULL);
	for (i = 0; i < 40; i++) {
		__u32 t = sim_spawn(s, T0 + i * SEC_NS / 2, PC_WORKER);

		sim_wait(s, t, T0 + i * SEC_NS / 2, NR_FUTEX, 0x3000, FUTEX_WAIT_BITSET_PRIVATE_OP);
		if (i % 2)
			sim_census(s, T0 + (i / 2) * SEC_NS);
	}
	ASSERT_EQ(sim_count(s, FINDING_THREAD_LEAK), 1, "leak");
}

void test_findings_restated(void)
{
	const struct sim_finding *f = NULL;
	struct sim s;
	int i;

	leak_40(&s);
	detector__finish(s.d);
	for (i = 0; i < s.nr_findings; i++)
		if (s.findings[i].summary)
			f = &s.findings[i];
	if (ASSERT_TRUE(f != NULL, "restated")) {
		ASSERT_EQ(f->kind, FINDING_THREAD_LEAK, "kind");
		ASSERT_EQ(f->live, 40, "final live count");
		ASSERT_EQ(f->ts_ns, sim_first(&s, FINDING_THREAD_LEAK)->ts_ns, "established when");
	}
	sim_free(&s);
}

/*
 * exec replaces the program: its sites go, and a leak found in it is
 * restated at the end with its numbers as of the exec (this read a freed
 * site before).
 */
void test_findings_after_exec(void)
{
	const struct sim_finding *f = NULL, *first;
	struct rec_proc_exec e = {
		.hdr = { .type = REC_PROC_EXEC, .size = sizeof(e), .tgid = 1000 },
		.tid = 1000,
		.old_tid = 1000,
		.comm = "next",
	};
	struct sim s;
	int i;

	leak_40(&s);
	e.hdr.ts_ns = T0 + 21 * SEC_NS;
	sim_feed(&s, &e);
	detector__finish(s.d);
	for (i = 0; i < s.nr_findings; i++)
		if (s.findings[i].summary)
			f = &s.findings[i];
	first = sim_first(&s, FINDING_THREAD_LEAK);
	if (ASSERT_TRUE(f && first, "restated")) {
		ASSERT_EQ(f->kind, FINDING_THREAD_LEAK, "kind");
		ASSERT_EQ(f->live, 40, "live at the exec");
		ASSERT_STREQ(f->site, first->site, "the old program's site");
		ASSERT_EQ(f->ts_ns, first->ts_ns, "established when");
	}
	sim_free(&s);
}

/* Goroutines are one more kind of context: the same leak test applies. */
void test_goroutine_leak(void)
{
	const struct sim_finding *f;
	struct rec_go_census gc;
	struct rec_goroutine g;
	__u64 goid = 1;
	struct sim s;
	int sec, i;

	sim_init(&s, 1100, NULL);
	sim_symbol(&s, 0x4a0000, "main.startWorkers", "job.go", 18);
	sim_symbol(&s, 0x4b0000, "main.processJob", "job.go", 30);
	for (sec = 0; sec <= 20; sec++) {
		__u64 ts = T0 + sec * SEC_NS;

		/* 5 new goroutines a second, all blocked for good on chan receive. */
		for (i = 0; i < 5 * (sec + 1); i++) {
			memset(&g, 0, sizeof(g));
			g.hdr.type = REC_GOROUTINE;
			g.hdr.size = sizeof(g);
			g.hdr.tgid = s.tgid;
			g.hdr.ts_ns = ts;
			g.goid = 100 + i;
			g.status = 4; /* _Gwaiting */
			g.flags = RG_WAIT_SINCE;
			g.wait_since_ns = T0 + (i / 5) * SEC_NS;
			g.start_pc = 0x4b0000;
			g.go_pc = 0x4a0000;
			strcpy(g.wait_reason, "chan receive");
			sim_feed(&s, &g);
		}
		(void)goid;
		memset(&gc, 0, sizeof(gc));
		gc.hdr.type = REC_GO_CENSUS;
		gc.hdr.size = sizeof(gc);
		gc.hdr.tgid = s.tgid;
		gc.hdr.ts_ns = ts;
		gc.nr_goroutines = 5 * (sec + 1);
		sim_feed(&s, &gc);
		sim_census(&s, ts);
	}
	f = sim_first(&s, FINDING_GOROUTINE_LEAK);
	if (ASSERT_TRUE(f != NULL, "goroutine leak")) {
		ASSERT_STREQ(f->site, "main.startWorkers (job.go:18)", "created by");
		ASSERT_STREQ(f->reason0, "chan receive", "wait reason");
		ASSERT_EQ(f->reason0_count, f->live, "all on chan receive");
		ASSERT_EQ(f->sample_owner_tid, -1, "a goroutine has no owner thread");
		ASSERT_TRUE(f->ts_ns - T0 <= 10 * SEC_NS, "within 10 s");
	}
	ASSERT_EQ(s.last_sample.goroutines, 105, "goroutines in the sample");
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 0, "goroutines: leaks only");
	sim_free(&s);
}

/* Reused tids: an exit and a start for the same tid, and a lost exit. */
void test_tid_reuse(void)
{
	struct sim s;
	__u32 a, b;

	sim_init(&s, 1200, NULL);
	a = sim_spawn(&s, T0, PC_WORKER);
	sim_census(&s, T0);
	sim_exit(&s, T0 + 1, a, true); /* its exit record is lost */
	s.next_tid = a;		      /* the kernel hands the tid out again */
	b = sim_spawn(&s, T0 + 2, PC_MAIN);
	ASSERT_EQ(b, a, "same tid");
	sim_census(&s, T0 + SEC_NS);
	ASSERT_EQ(s.last_sample.threads, 2, "main + the new thread");
	ASSERT_EQ(s.nr_findings, 0, "no finding");
	sim_free(&s);
}

/* A pool waiting for work on one condvar is not a set of stuck threads. */
void test_long_wait_idle_pool(void)
{
	const struct sim_finding *f;
	struct sim s;
	int i;

	sim_init(&s, 1300, NULL);
	symbols(&s);
	for (i = 0; i < 5; i++) {
		__u32 t = sim_spawn(&s, T0, PC_WORKER);

		sim_wait(&s, t, T0, NR_FUTEX, 0x6000, FUTEX_WAIT_BITSET_PRIVATE_OP);
		sim_stack(&s, t, cond_stack, 4);
	}
	/* One thread of another site, alone on its condvar: stuck. */
	i = sim_spawn(&s, T0, PC_MAIN);
	sim_wait(&s, i, T0, NR_FUTEX, 0x7000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, i, cond_stack, 4);
	censuses(&s, 11);
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 1, "only the lone waiter");
	f = sim_first(&s, FINDING_LONG_WAIT);
	if (f)
		ASSERT_EQ(f->waiter_id, (__u64)i, "the lone waiter");
	sim_free(&s);
}

/*
 * Threads on one condvar, one unwound and the rest not (yet): they all count
 * as condvar waits, not as waits on an unknown futex.
 */
void test_classify_same_word(void)
{
	struct detector_opts opts = { .list_waits = true };
	const struct sim_finding *f;
	struct sim s;
	__u32 t[4], other;
	int i;

	sim_init(&s, 1500, &opts);
	symbols(&s);
	for (i = 0; i < 4; i++) {
		t[i] = sim_spawn(&s, T0, PC_WORKER);
		sim_wait(&s, t[i], T0, NR_FUTEX, 0x6000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	}
	sim_stack(&s, t[0], cond_stack, 4);
	/* Not unwound either, on another word: stays unknown. */
	other = sim_spawn(&s, T0, PC_MAIN);
	sim_wait(&s, other, T0, NR_FUTEX, 0x7000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	censuses(&s, 11);
	f = sim_first(&s, FINDING_LONG_WAIT);
	if (ASSERT_TRUE(f != NULL, "the lone waiter's long wait")) {
		ASSERT_EQ(f->waiter_id, (__u64)other, "on the other word");
		ASSERT_EQ(f->waiter_prim, PRIM_FUTEX, "nothing tells its primitive");
	}
	ASSERT_EQ(s.last_sample.blocked, 5, "five futex waits");
	ASSERT_EQ(s.last_waits_by_prim[PRIM_CONDVAR], 4, "four condvar waits");
	ASSERT_EQ(s.last_waits_by_prim[PRIM_FUTEX], 1, "one unknown");
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 1, "the four are an idle pool");
	sim_free(&s);
}

/* The monitor's policy: only waits for another thread. */
void test_long_wait_owned_only(void)
{
	struct detector_opts opts = { .owned_waits_only = true };
	const struct sim_finding *f;
	struct sim s;
	__u32 m, c;

	sim_init(&s, 1400, &opts);
	symbols(&s);
	m = sim_spawn(&s, T0, PC_WORKER);
	sim_wait(&s, m, T0, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(&s, m, mutex_stack, 4);
	sim_futex_word(&s, m, 0, 2);
	sim_futex_word(&s, m, 8, 1400);
	c = sim_spawn(&s, T0, PC_MAIN);
	sim_wait(&s, c, T0, NR_FUTEX, 0x7000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, c, cond_stack, 4);
	censuses(&s, 11);
	ASSERT_EQ(sim_count(&s, FINDING_LONG_WAIT), 1, "the mutex wait only");
	f = sim_first(&s, FINDING_LONG_WAIT);
	if (f)
		ASSERT_EQ(f->owner_tid, 1400, "held by main");
	sim_free(&s);
}

/* With updates: a leak is said again when it doubles, and when its process exits. */
void test_findings_updates(void)
{
	struct detector_opts opts = { .keep_exited = false, .updates = true };
	struct rec_proc p;
	int updates = 0, resolved = 0, established = 0, i;
	struct sim s;

	sim_init(&s, 1500, &opts);
	for (i = 0; i < 400; i++) {
		__u32 t = sim_spawn(&s, T0 + i * SEC_NS / 10, PC_WORKER);

		sim_wait(&s, t, T0 + i * SEC_NS / 10, NR_FUTEX, 0x3000,
			 FUTEX_WAIT_BITSET_PRIVATE_OP);
		if (i % 10 == 9)
			sim_census(&s, T0 + (i / 10) * SEC_NS + SEC_NS - 1);
	}
	p = rec_proc(1500, 1, T0 + 41 * SEC_NS, 0, 400, 401, "sim");
	p.flags = RP_EXITED;
	sim_feed(&s, &p);
	{
		struct rec_census c = rec_census(T0 + 41 * SEC_NS, 0);

		sim_feed(&s, &c);
	}
	for (i = 0; i < s.nr_findings; i++) {
		established += !s.findings[i].summary && !s.findings[i].update &&
			       !s.findings[i].resolved;
		updates += s.findings[i].update;
		resolved += s.findings[i].resolved;
	}
	ASSERT_EQ(established, 1, "one leak");
	/* Found at ~80 threads: said again at 160 and 320, not every census. */
	ASSERT_EQ(updates, 2, "updates when it doubled");
	ASSERT_EQ(resolved, 1, "resolved when the process exited");
	sim_free(&s);
}

/*
 * The waits of a sample split by what they wait for: on a lock another
 * thread holds (the metrics' suspicious waits), or by design (condvars,
 * pools, a launcher's join); and the goroutines blocked long in a channel or
 * sync wait.
 */

#define TID_WORD 0x7f00000002d0
#define PC_LIBC_FUTEX 0x7f0009000
#define PC_LIBC_JOIN 0x7f000a000
static const __u64 launcher_stack[] = { PC_LIBC_FUTEX, PC_LIBC_JOIN, PC_JAVA_MAIN, PC_MAIN };

/* @func at @pc in @module (sim_symbol's are all in libsim.so). */
static void module_symbol(struct sim *s, __u64 pc, const char *func, const char *module)
{
	char buf[sizeof(struct rec_symbol) + 512] __attribute__((aligned(8)));

	rec_symbol_make(buf, sizeof(buf), s->tgid, 0, pc, 0, 0, RSYM_FOUND, func, "", module);
	sim_feed(s, buf);
}

/* @tid waits on mutex LOCK_A, held by @owner, since @ts. */
static void wait_mutex(struct sim *s, __u32 tid, __u64 ts, __u32 owner)
{
	sim_wait(s, tid, ts, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(s, tid, mutex_stack, 4);
	sim_futex_word(s, tid, 0, 2);
	sim_futex_word(s, tid, 8, owner);
}

/* @tid joins @joined since @ts, with @stack. */
static void wait_join(struct sim *s, __u32 tid, __u64 ts, __u32 joined, const __u64 *stack, int n)
{
	sim_wait(s, tid, ts, NR_FUTEX, TID_WORD, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(s, tid, stack, n);
	sim_futex_word(s, tid, 0, joined);
}

/* A mutex held by a live thread is a lock wait; a lone condvar is not. */
void test_waits_lock_and_idle(void)
{
	struct sim s;
	__u32 m, c;

	sim_init(&s, 800, NULL);
	symbols(&s);
	m = sim_spawn(&s, T0, PC_WORKER);
	c = sim_spawn(&s, T0, PC_WORKER);
	wait_mutex(&s, m, T0 + 2 * SEC_NS, 800);
	sim_wait(&s, c, T0, NR_FUTEX, 0x7000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, c, cond_stack, 4);
	sim_census(&s, T0 + 12 * SEC_NS);
	ASSERT_EQ(s.last_sample.lock_wait_ns, 10 * SEC_NS, "the mutex wait");
	ASSERT_EQ(s.last_sample.idle_wait_ns, 12 * SEC_NS, "the condvar wait");
	ASSERT_EQ(s.last_sample.max_wait_ns, 12 * SEC_NS, "the futex metric: both");

	/* The owner is gone (its tid not live): not a lock another holds. */
	wait_mutex(&s, m, T0 + 13 * SEC_NS, 9999);
	sim_census(&s, T0 + 14 * SEC_NS);
	ASSERT_EQ(s.last_sample.lock_wait_ns, 0, "no live owner");
	ASSERT_EQ(s.last_sample.idle_wait_ns, 14 * SEC_NS, "idle: the condvar");
	sim_free(&s);
}

/* A join is a lock wait only when the joined thread is itself stuck so. */
void test_waits_join_of_stuck(void)
{
	struct sim s;
	__u32 w, holder;

	sim_init(&s, 810, NULL);
	symbols(&s);
	w = sim_spawn(&s, T0, PC_WORKER);
	holder = sim_spawn(&s, T0, PC_WORKER); /* runs, holding LOCK_A */
	sim_wait(&s, w, T0, NR_FUTEX, 0x7000, FUTEX_WAIT_BITSET_PRIVATE_OP);
	sim_stack(&s, w, cond_stack, 4);
	wait_join(&s, 810, T0, w, join_stack, 3);
	sim_census(&s, T0 + 20 * SEC_NS);
	ASSERT_EQ(s.last_sample.lock_wait_ns, 0, "joins a worker waiting for work");
	ASSERT_EQ(s.last_sample.idle_wait_ns, 20 * SEC_NS, "both idle");

	wait_mutex(&s, w, T0 + 25 * SEC_NS, holder);
	sim_census(&s, T0 + 30 * SEC_NS);
	ASSERT_EQ(s.last_sample.lock_wait_ns, 30 * SEC_NS, "joins a thread stuck on a mutex");
	ASSERT_EQ(s.last_sample.idle_wait_ns, 0, "nothing idle");
	sim_free(&s);
}

/* The java launcher's main thread joins the Java main thread for good. */
void test_waits_launcher_join(void)
{
	struct sim s;
	__u32 jmain, holder;

	sim_init(&s, 820, NULL);
	symbols(&s);
	module_symbol(&s, PC_LIBC_FUTEX, "__futex_abstimed_wait_common", "libc.so.6");
	module_symbol(&s, PC_LIBC_JOIN, "__pthread_clockjoin_ex", "libc.so.6");
	module_symbol(&s, PC_JAVA_MAIN, "CallJavaMainInNewThread", "libjli.so");
	jmain = sim_spawn(&s, T0, PC_WORKER);
	holder = sim_spawn(&s, T0, PC_WORKER);
	wait_mutex(&s, jmain, T0 + 5 * SEC_NS, holder);
	wait_join(&s, 820, T0, jmain, launcher_stack, 4);
	sim_census(&s, T0 + 40 * SEC_NS);
	ASSERT_EQ(s.last_sample.lock_wait_ns, 35 * SEC_NS, "the Java main thread's own wait");
	ASSERT_EQ(s.last_sample.idle_wait_ns, 40 * SEC_NS, "the launcher's join is idle");
	ASSERT_EQ(sim_count(&s, FINDING_DEADLOCK), 0, "no deadlock");
	sim_free(&s);
}

static void feed_goroutine(struct sim *s, __u64 ts, __u64 goid, __u64 since, const char *reason,
			   __u32 flags)
{
	struct rec_goroutine g;

	memset(&g, 0, sizeof(g));
	g.hdr.type = REC_GOROUTINE;
	g.hdr.size = sizeof(g);
	g.hdr.tgid = s->tgid;
	g.hdr.ts_ns = ts;
	g.goid = goid;
	g.status = 4; /* _Gwaiting */
	g.flags = RG_WAIT_SINCE | flags;
	g.wait_since_ns = since;
	g.start_pc = 0x4b0000;
	g.go_pc = 0x4a0000;
	strcpy(g.wait_reason, reason);
	sim_feed(s, &g);
}

/* Channel and sync waits over the threshold count; IO, sleeps, the
 * runtime's own goroutines and short waits do not. */
void test_waits_goroutines_blocked(void)
{
	__u64 ts = T0 + 60 * SEC_NS, long_ago = T0, recent = ts - 5 * SEC_NS;
	struct rec_go_census gc;
	struct sim s;

	sim_init(&s, 830, NULL);
	feed_goroutine(&s, ts, 1, long_ago, "chan receive", 0);
	feed_goroutine(&s, ts, 2, long_ago, "chan send", 0);
	feed_goroutine(&s, ts, 3, long_ago, "select", 0);
	feed_goroutine(&s, ts, 4, long_ago, "sync.Mutex.Lock", 0);
	feed_goroutine(&s, ts, 5, long_ago, "semacquire", 0);
	feed_goroutine(&s, ts, 6, long_ago, "IO wait", 0);
	feed_goroutine(&s, ts, 7, long_ago, "sleep", 0);
	feed_goroutine(&s, ts, 8, long_ago, "chan receive", RG_SYSTEM);
	feed_goroutine(&s, ts, 9, recent, "chan receive", 0);
	feed_goroutine(&s, ts, 10, long_ago, "GC worker (idle)", 0);
	memset(&gc, 0, sizeof(gc));
	gc.hdr.type = REC_GO_CENSUS;
	gc.hdr.size = sizeof(gc);
	gc.hdr.tgid = s.tgid;
	gc.hdr.ts_ns = ts;
	gc.nr_goroutines = 10;
	sim_feed(&s, &gc);
	sim_census(&s, ts);
	ASSERT_EQ(s.last_sample.goroutines, 10, "goroutines");
	ASSERT_EQ(s.last_sample.goroutines_blocked, 5, "channel and sync waits over 10 s");
	ASSERT_EQ(s.last_sample.lock_wait_ns, 0, "goroutines are not thread waits");
	sim_free(&s);
}

/*
 * A thread waiting on a mutex it holds itself is a deadlock once its wait
 * has lasted into a second census; a thread the census saw waiting, which
 * then woke and took the lock before its owner was read, is not.
 */
void test_deadlock_self(void)
{
	const struct sim_finding *f;
	struct sim s;
	__u32 w, r;

	sim_init(&s, 800, NULL);
	symbols(&s);
	sim_symbol(&s, LOCK_LONG, "registry_mutex", "", 0); /* named in full */
	w = sim_spawn(&s, T0, PC_WORKER);
	sim_wait(&s, w, T0, NR_FUTEX, LOCK_LONG, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(&s, w, mutex_stack, 4);
	sim_futex_word(&s, w, 0, 2);
	sim_futex_word(&s, w, 8, w); /* __owner: itself */
	sim_census(&s, T0);
	ASSERT_EQ(sim_count(&s, FINDING_DEADLOCK), 0, "not at the census that first saw the wait");
	sim_census(&s, T0 + SEC_NS);
	ASSERT_EQ(sim_count(&s, FINDING_DEADLOCK), 1, "at the next, the same wait");
	f = sim_first(&s, FINDING_DEADLOCK);
	if (ASSERT_TRUE(f != NULL, "deadlock")) {
		ASSERT_EQ(f->ts_ns, T0 + SEC_NS, "found at the second census");
		ASSERT_EQ(f->nr_members, 1, "one thread");
		ASSERT_EQ(f->member_ids[0], w, "the thread");
		ASSERT_STREQ(f->member_waits[0], "mutex registry_mutex (0x4040c0)", "waits");
		ASSERT_STREQ(f->member_holds[0], "mutex registry_mutex (0x4040c0)", "holds");
	}
	sim_free(&s);

	sim_init(&s, 900, NULL);
	symbols(&s);
	r = sim_spawn(&s, T0, PC_WORKER);
	sim_wait(&s, r, T0, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
	sim_stack(&s, r, mutex_stack, 4);
	sim_futex_word(&s, r, 0, 2);
	sim_futex_word(&s, r, 8, r); /* read after it woke and took the lock */
	sim_census(&s, T0);
	/* it ran: a new wait, on a lock main holds */
	sim_wait(&s, r, T0 + SEC_NS / 2, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
	sim_futex_word(&s, r, 8, 900);
	censuses(&s, 3);
	ASSERT_EQ(sim_count(&s, FINDING_DEADLOCK), 0, "no deadlock");
	sim_free(&s);
}
