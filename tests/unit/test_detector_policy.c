// SPDX-License-Identifier: GPL-2.0
/*
 * The detector's rules on struct literals, one predicate at a time, at the
 * edges of each window and threshold: a case that just passes, then each
 * input moved just past its bound.
 */
#include <stdint.h>
#include "detector_policy.h"
#include "test.h"

#define SEC_NS 1000000000ULL

static const struct leak_params params = {
	.window_ns = 60 * SEC_NS,
	.min_span_ns = 8 * SEC_NS,
	.min_growth = 5,
	.min_z = 3.0,
};

/* A leak on every bound at once: one step less anywhere is none. */
static const struct trend_stats leak_edge = {
	.n = 5,
	.span_ns = 8 * SEC_NS,
	.z = 3.0,
	.slope = 0.5,
	.recent_slope = 0.5,
	.growth = 5,
	.net = 5,
	.rises = 4,
	.rise_gap_ns = 2 * SEC_NS,
	.since_rise_ns = 4 * SEC_NS - 1, /* under twice the gap */
	.last = 9,
	.max = 10, /* last within a tenth of the top */
};

void test_policy_leak_params_default(void)
{
	struct leak_params p;

	leak_params_default(&p);
	ASSERT_EQ(p.window_ns, 60 * SEC_NS, "window");
	ASSERT_EQ(p.min_span_ns, 8 * SEC_NS, "span");
	ASSERT_EQ(p.min_growth, 5, "growth");
	ASSERT_NEAR(p.min_z, 3.0, 0, "z");
}

void test_policy_leak_trend(void)
{
	struct trend_stats st;

	ASSERT_TRUE(policy_leak_trend(&leak_edge, &params), "on every bound");

	st = leak_edge;
	st.n = 4;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "4 points");
	st = leak_edge;
	st.span_ns = 8 * SEC_NS - 1;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "span 1 ns short");
	st = leak_edge;
	st.z = 2.999;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "z under 3");
	st = leak_edge;
	st.slope = 0;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "flat slope");
	st = leak_edge;
	st.recent_slope = 0;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "stopped lately");
	st = leak_edge;
	st.since_rise_ns = 4 * SEC_NS;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "last rise twice the gap ago");
	st = leak_edge;
	st.rise_gap_ns = 0;
	st.since_rise_ns = 0;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "no gap between rises");
	st = leak_edge;
	st.growth = 4;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "grew by 4");
	st = leak_edge;
	st.rises = 3;
	ASSERT_FALSE(policy_leak_trend(&st, &params), "3 rises");
	st = leak_edge;
	st.last = 8;
	st.max = 9; /* 80 < 81: more than a tenth under the top */
	ASSERT_FALSE(policy_leak_trend(&st, &params), "fell from its top");
}

void test_policy_new_leak(void)
{
	struct policy_site s = { .is_thread = true, .live = 9, .stats = &leak_edge };
	struct trend_stats flat = { .n = 60, .span_ns = 59 * SEC_NS, .last = 3, .max = 3 };

	ASSERT_TRUE(policy_new_leak(&s, &params), "a thread site");
	s.is_thread = false;
	ASSERT_TRUE(policy_new_leak(&s, &params), "a goroutine site");
	s.leaking = true;
	ASSERT_FALSE(policy_new_leak(&s, &params), "already a leak");
	s.leaking = false;
	s.is_main = true;
	ASSERT_FALSE(policy_new_leak(&s, &params), "the main thread");
	s.is_main = false;
	s.is_runtime_service = true;
	ASSERT_FALSE(policy_new_leak(&s, &params), "a runtime's own threads");
	s.is_runtime_service = false;
	s.stats = &flat;
	ASSERT_FALSE(policy_new_leak(&s, &params), "flat");
}

void test_policy_site_growing(void)
{
	ASSERT_TRUE(policy_site_growing(&(struct trend_stats){
			    .n = 2, .growth = 2, .recent_slope = 0.01 }),
		    "2 points, +2, rising");
	ASSERT_FALSE(policy_site_growing(&(struct trend_stats){
			     .n = 1, .growth = 2, .recent_slope = 0.01 }),
		     "1 point");
	ASSERT_FALSE(policy_site_growing(&(struct trend_stats){
			     .n = 2, .growth = 1, .recent_slope = 0.01 }),
		     "+1");
	ASSERT_FALSE(policy_site_growing(&(struct trend_stats){
			     .n = 2, .growth = 2, .recent_slope = 0 }),
		     "not rising lately");
	ASSERT_FALSE(policy_site_growing(&(struct trend_stats){
			     .n = 30, .growth = -4, .recent_slope = 0.2 }),
		     "shrunk");
}

/* A late attach: 50 old waiters at a site counted for one census. */
void test_policy_site_unsettled(void)
{
	const struct trend_stats first_census = { .n = 1, .last = 50, .max = 50 };
	const struct trend_stats short_history = { .n = 8, .span_ns = 8 * SEC_NS - 1 };
	const struct trend_stats long_enough = { .n = 9, .span_ns = 8 * SEC_NS };

	ASSERT_TRUE(policy_site_unsettled(&first_census, 50, &params), "50 waiters, first census");
	ASSERT_TRUE(policy_site_unsettled(&first_census, 5, &params), "min_growth waiters");
	ASSERT_FALSE(policy_site_unsettled(&first_census, 4, &params), "one fewer: no backlog");
	ASSERT_FALSE(policy_site_unsettled(&first_census, 1, &params), "one thread alone");
	ASSERT_TRUE(policy_site_unsettled(&short_history, 50, &params), "1 ns under min_span");
	ASSERT_FALSE(policy_site_unsettled(&long_enough, 50, &params),
		     "min_span counted: the trend decides");
}

void test_policy_leak_doubled(void)
{
	ASSERT_TRUE(policy_leak_doubled(10, 5), "10 of 5");
	ASSERT_FALSE(policy_leak_doubled(9, 5), "9 of 5");
	ASSERT_TRUE(policy_leak_doubled(0, 0), "0 of 0");
	/* 2 * reported does not wrap in 32 bits. */
	ASSERT_FALSE(policy_leak_doubled(UINT32_MAX, 0x80000000u), "no overflow");
	ASSERT_TRUE(policy_leak_doubled(UINT32_MAX, 0x7fffffffu), "just doubled");
}

void test_policy_site_idle(void)
{
	struct trend_stats empty = { .n = 31, .span_ns = 30 * SEC_NS, .max = 0 };
	struct policy_site s = { .is_thread = true, .stats = &empty };
	__u64 window = 60 * SEC_NS;

	ASSERT_TRUE(policy_site_idle(&s, window), "empty for half the window");
	empty.span_ns = 30 * SEC_NS - 1;
	ASSERT_FALSE(policy_site_idle(&s, window), "1 ns short of half");
	empty.span_ns = 30 * SEC_NS;
	empty.max = 1;
	ASSERT_FALSE(policy_site_idle(&s, window), "had one in the window");
	empty.max = 0;
	s.live = 1;
	ASSERT_FALSE(policy_site_idle(&s, window), "one alive now");
	s.live = 0;
	s.leaking = true;
	ASSERT_FALSE(policy_site_idle(&s, window), "a leak is kept");
	s.leaking = false;
	s.is_main = true;
	ASSERT_FALSE(policy_site_idle(&s, window), "the main thread is kept");
	s.is_main = false;
	s.is_thread = false;
	ASSERT_FALSE(policy_site_idle(&s, window), "goroutine sites are kept");
}

/* A thread in a condvar wait nobody holds: the shape most tests start from;
 * the arguments override its fields (hence no -Woverride-init here). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define CONDVAR_WAIT(...)                                                          \
	((struct policy_wait){ .is_thread = true,                                  \
			       .waiting = true,                                    \
			       .wait_ns = 30 * SEC_NS,                             \
			       .wc = { .prim = PRIM_CONDVAR,                       \
				       .owner_tid = -1,                            \
				       .lock_addr = 0x7f0000001000 },             \
			       .syscall_nr = 202,                                  \
			       __VA_ARGS__ })

void test_policy_idle_by_design(void)
{
	static const char *const go_idle[] = { "runtime.futex", "runtime.notesleep",
					       "runtime.mPark" };
	static const char *const go_unknown_first[] = { NULL, "runtime.futexsleep" };
	static const char *const go_asm_first[] = { "runtime·futex", "runtime.stopm" };
	static const char *const cgo[] = { "pthread_cond_wait", "runtime.asmcgocall" };
	static const char *const runtime_prefixed[] = { "runtime_cgo_wait", "runtime.park_m" };
	struct policy_wait w;

	ASSERT_FALSE(policy_idle_by_design(&CONDVAR_WAIT()), "a C thread on a condvar");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.is_thread = false)), "a goroutine");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.parked = true)), "parked by its runtime");

	w = CONDVAR_WAIT(.syscall_nr = 7);
	w.wc.prim = PRIM_SYSCALL;
	ASSERT_TRUE(policy_idle_by_design(&w), "poll");
	w.syscall_nr = 232;
	ASSERT_TRUE(policy_idle_by_design(&w), "epoll_wait");
	w.syscall_nr = 0;
	ASSERT_FALSE(policy_idle_by_design(&w), "read");
	w.in_go = true;
	ASSERT_FALSE(policy_idle_by_design(&w), "read, in Go too");

	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true)), "Go, no stack");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true, .funcs = go_idle,
							.nr_funcs = 3)),
		    "Go, runtime.futex");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true, .funcs = go_unknown_first,
							.nr_funcs = 2)),
		    "Go, unknown frame then runtime.");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true, .funcs = go_asm_first,
							.nr_funcs = 2)),
		    "Go, runtime· assembly then runtime.");
	ASSERT_FALSE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true, .funcs = cgo,
							 .nr_funcs = 2)),
		     "Go, C code first: cgo blocked in C");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true, .funcs = runtime_prefixed,
							.nr_funcs = 2)),
		    "Go, runtime-prefixed frames (runtime_cgo...) passed over");
	ASSERT_TRUE(policy_idle_by_design(&CONDVAR_WAIT(.in_go = true, .funcs = cgo,
							.nr_funcs = 0)),
		    "Go, frames not of this wait");
}

void test_policy_pools(void)
{
	struct policy_wait w = CONDVAR_WAIT();

	ASSERT_TRUE(policy_pool_wait(&w), "condvar");
	ASSERT_FALSE(policy_idle_pool(&w, 1), "alone on its condvar");
	ASSERT_TRUE(policy_idle_pool(&w, 2), "two of a site on it");
	w.wc.prim = PRIM_SEMAPHORE;
	ASSERT_TRUE(policy_idle_pool(&w, 2), "semaphore");
	w.wc.prim = PRIM_FUTEX;
	ASSERT_TRUE(policy_idle_pool(&w, 2), "futex of no known kind");
	w.wc.prim = PRIM_MUTEX;
	ASSERT_FALSE(policy_pool_wait(&w), "mutex");
	ASSERT_FALSE(policy_idle_pool(&w, 50), "50 on a mutex: contention, not a pool");
	w.wc.prim = PRIM_RWLOCK;
	ASSERT_FALSE(policy_pool_wait(&w), "rwlock");
	w.wc.prim = PRIM_JOIN;
	ASSERT_FALSE(policy_pool_wait(&w), "join");

	w = CONDVAR_WAIT();
	w.wc.owner_tid = 0;
	ASSERT_FALSE(policy_idle_pool(&w, 2), "an owner (tid 0)");
	w = CONDVAR_WAIT();
	w.wc.lock_addr = 0;
	ASSERT_FALSE(policy_idle_pool(&w, 2), "no futex word");
	ASSERT_FALSE(policy_idle_pool(&CONDVAR_WAIT(.waiting = false), 2), "not waiting");
}

void test_policy_waits_on_owner(void)
{
	struct policy_wait w = CONDVAR_WAIT();

	w.wc.owner_tid = 1234;
	ASSERT_FALSE(policy_waits_on_owner(&w), "condvar: no owner edge");
	w.wc.prim = PRIM_MUTEX;
	ASSERT_TRUE(policy_waits_on_owner(&w), "mutex held by 1234");
	w.wc.prim = PRIM_RWLOCK;
	ASSERT_TRUE(policy_waits_on_owner(&w), "rwlock");
	w.wc.prim = PRIM_JOIN;
	ASSERT_TRUE(policy_waits_on_owner(&w), "join");
	w.wc.owner_tid = 0;
	ASSERT_TRUE(policy_waits_on_owner(&w), "owner tid 0 is an owner");
	w.wc.owner_tid = -1;
	ASSERT_FALSE(policy_waits_on_owner(&w), "owner unknown");
	w.wc.owner_tid = 1234;
	w.waiting = false;
	ASSERT_FALSE(policy_waits_on_owner(&w), "not waiting");
	w.waiting = true;
	w.is_thread = false;
	ASSERT_FALSE(policy_waits_on_owner(&w), "a goroutine");
}

void test_policy_long_wait(void)
{
	const __u64 threshold = 10 * SEC_NS;
	struct policy_long_wait lw = { .wait = CONDVAR_WAIT(.wait_ns = threshold) };
	struct policy_long_wait v;

	ASSERT_TRUE(policy_long_wait(&lw, threshold, false), "at the threshold");
	v = lw;
	v.wait.wait_ns = threshold - 1;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "1 ns under it");
	v = lw;
	v.wait.waiting = false;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "not waiting");
	v = lw;
	v.reported = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "reported already");
	v = lw;
	v.deadlocked = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "in a deadlock");
	v = lw;
	v.site_leaking = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "its site leaks");
	v = lw;
	v.site_growing = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "its site grows");
	v = lw;
	v.site_unsettled = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "its site too new to tell");
	v = lw;
	v.wait.parked = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "idle by design");
	v = lw;
	v.runtime_service = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "a runtime's own thread");
	v = lw;
	v.evidence_pending = true;
	ASSERT_FALSE(policy_long_wait(&v, threshold, false), "first seen, no stack yet");

	ASSERT_FALSE(policy_long_wait(&lw, threshold, true), "owned only, no owner");
	v = lw;
	v.wait.wc.prim = PRIM_MUTEX;
	v.wait.wc.owner_tid = 77;
	ASSERT_TRUE(policy_long_wait(&v, threshold, true), "owned only, held by 77");
	ASSERT_TRUE(policy_long_wait(&v, 0, false), "threshold 0");
}

void test_policy_thread_trampoline(void)
{
	ASSERT_EQ(policy_thread_trampoline("thread_native_entry(Thread*)", "libjvm.so"), RUNTIME_JVM,
		  "HotSpot");
	ASSERT_EQ(policy_thread_trampoline("thread_native_entry(Thread*)", NULL), RUNTIME_JVM,
		  "HotSpot, module unknown");
	ASSERT_EQ(policy_thread_trampoline("thread_native_entry", "libfoo.so"), RUNTIME_NONE,
		  "a program's own function of that name");
	ASSERT_EQ(policy_thread_trampoline("pythread_wrapper", "python3.11"), RUNTIME_OTHER,
		  "CPython");
	ASSERT_EQ(policy_thread_trampoline("thread_run", "libpython3.13.so.1.0"), RUNTIME_OTHER,
		  "CPython 3.12+");
	ASSERT_EQ(policy_thread_trampoline("thread_runner", "app"), RUNTIME_NONE, "a prefix only");
	ASSERT_EQ(policy_thread_trampoline("g_thread_proxy", "libglib-2.0.so.0"), RUNTIME_OTHER,
		  "glib");
	ASSERT_EQ(policy_thread_trampoline("std::sys::unix::thread::Thread::new::thread_start",
					   "app"),
		  RUNTIME_OTHER, "Rust std, old path");
	ASSERT_EQ(policy_thread_trampoline("<std::sys::thread::unix::Thread>::new::thread_start",
					   "app"),
		  RUNTIME_OTHER, "Rust std, current path");
	ASSERT_EQ(policy_thread_trampoline("worker", "app"), RUNTIME_NONE, "a program's");
	ASSERT_EQ(policy_thread_trampoline("", "app"), RUNTIME_NONE, "no name");
	ASSERT_EQ(policy_thread_trampoline(NULL, NULL), RUNTIME_NONE, "nothing known");
}

void test_policy_runtime_service(void)
{
	static const char *const jvm[] = { "GC Thread#3",     "G1 Conc#0",	 "VM Thread",
					   "C2 CompilerThre", "C1 CompilerThre", "Signal Dispatch",
					   "Reference Handl", "Finalizer",	 "Common-Cleaner" };
	size_t i;

	for (i = 0; i < sizeof(jvm) / sizeof(jvm[0]); i++) {
		ASSERT_TRUE(policy_runtime_service(RUNTIME_JVM, jvm[i]), jvm[i]);
		ASSERT_FALSE(policy_runtime_service(RUNTIME_OTHER, jvm[i]), "only in a JVM");
		ASSERT_FALSE(policy_runtime_service(RUNTIME_NONE, jvm[i]), "only in a JVM");
	}
	ASSERT_FALSE(policy_runtime_service(RUNTIME_JVM, "pool-3-thread-1"), "an executor's");
	ASSERT_FALSE(policy_runtime_service(RUNTIME_JVM, "java"), "not named yet");
	ASSERT_FALSE(policy_runtime_service(RUNTIME_JVM, NULL), "no name");
}

void test_policy_launcher_join(void)
{
	static const char *const funcs[] = { "__futex_abstimed_wait_common",
					     "__pthread_clockjoin_ex", "CallJavaMainInNewThread",
					     "JLI_Launch" };
	static const char *const jli[] = { "libc.so.6", "libc.so.6", "libjli.so", "libjli.so" };
	static const char *const app[] = { "libc.so.6", "libc.so.6", "app", "app" };
	static const char *const unknown[] = { "libc.so.6", "", "libjli.so", NULL };
	struct policy_wait w = CONDVAR_WAIT(.wc = { .prim = PRIM_JOIN, .owner_tid = 12 },
					    .funcs = funcs, .modules = jli, .nr_funcs = 4);
	struct policy_wait v;
	struct policy_long_wait lw = { .wait = w };

	ASSERT_TRUE(policy_launcher_join(&w), "the java launcher's join");
	ASSERT_FALSE(policy_long_wait(&lw, 10 * SEC_NS, false), "never a long wait");
	ASSERT_FALSE(policy_long_wait(&lw, 10 * SEC_NS, true), "not even owned");
	v = w;
	v.modules = app;
	ASSERT_TRUE(!policy_launcher_join(&v), "a program's join");
	v = w;
	v.modules = unknown;
	ASSERT_TRUE(policy_launcher_join(&v), "unknown modules skipped");
	v = w;
	v.wc.prim = PRIM_MUTEX;
	ASSERT_FALSE(policy_launcher_join(&v), "a mutex wait");
	v = w;
	v.modules = NULL;
	ASSERT_FALSE(policy_launcher_join(&v), "no modules");
	v = w;
	v.nr_funcs = 2;
	ASSERT_FALSE(policy_launcher_join(&v), "only libc frames");
	v = w;
	v.is_thread = false;
	ASSERT_FALSE(policy_launcher_join(&v), "a goroutine");
}

void test_policy_jvm_idle_wait(void)
{
	static const char *const park[] = { "__futex_abstimed_wait_common", "pthread_cond_wait",
					    "Parker::park(bool, long)", "Unsafe_Park" };
	static const char *const enter[] = { "__futex_abstimed_wait_common", "pthread_cond_wait",
					     "os::PlatformEvent::park()", "ObjectMonitor::EnterI(JavaThread*)" };
	static const char *const jvm[] = { "libc.so.6", "libc.so.6", "libjvm.so", "libjvm.so" };
	static const char *const app[] = { "libc.so.6", "libc.so.6", "app", "app" };
	struct policy_wait w = CONDVAR_WAIT(.funcs = park, .modules = jvm, .nr_funcs = 4);
	struct policy_wait v;
	struct policy_long_wait lw = { .wait = w };

	ASSERT_TRUE(policy_jvm_idle_wait(&w), "LockSupport.park");
	ASSERT_FALSE(policy_long_wait(&lw, 10 * SEC_NS, false), "no long wait");
	v = w;
	v.funcs = enter;
	ASSERT_FALSE(policy_jvm_idle_wait(&v), "entering a synchronized block");
	v = w;
	v.modules = app;
	ASSERT_FALSE(policy_jvm_idle_wait(&v), "a program's Parker");
	v = w;
	v.wc.owner_tid = 42;
	ASSERT_FALSE(policy_jvm_idle_wait(&v), "an owner is known");
	v = w;
	v.nr_funcs = 2;
	ASSERT_FALSE(policy_jvm_idle_wait(&v), "libc frames only");
}

void test_policy_goroutine_blocked(void)
{
	static const char *const blocked[] = { "chan receive", "chan send", "chan receive (nil chan)",
					       "select", "select (no cases)", "sync.Mutex.Lock",
					       "sync.RWMutex.RLock", "sync.Cond.Wait",
					       "sync.WaitGroup.Wait", "semacquire" };
	static const char *const idle[] = { "IO wait", "sleep", "GC worker (idle)",
					    "timer goroutine (idle)", "finalizer wait", "",
					    "semacquire2", "chan" };
	unsigned int i;

	for (i = 0; i < sizeof(blocked) / sizeof(*blocked); i++)
		ASSERT_TRUE(policy_goroutine_blocked(blocked[i]), blocked[i]);
	for (i = 0; i < sizeof(idle) / sizeof(*idle); i++)
		ASSERT_FALSE(policy_goroutine_blocked(idle[i]), idle[i]);
}
