// SPDX-License-Identifier: GPL-2.0
/*
 * The detector's rules (see detector_policy.h). Each is a pure function of
 * its arguments.
 */
#include <string.h>
#include "detector_policy.h"
#include "runtime_frames.h"

/*
 * Still growing: the last rise is more recent than twice the usual time
 * between rises. A pool whose ramp ended a couple of samples ago has stopped;
 * a leak of one thread every 5 s has not.
 */
static bool still_growing(const struct trend_stats *st)
{
	return st->recent_slope > 0 && st->since_rise_ns < 2 * st->rise_gap_ns;
}

/*
 * A leak: at least 5 points over at least min_span_ns, a significant upward
 * trend (Mann-Kendall Z) with a positive slope, still growing, grown by at
 * least min_growth in at least 4 separate rises, and still within a tenth of
 * its top (a burst that came and went is not).
 */
bool policy_leak_trend(const struct trend_stats *st, const struct leak_params *p)
{
	return st->n >= 5 && st->span_ns >= p->min_span_ns && st->z >= p->min_z &&
	       st->slope > 0 && still_growing(st) && st->growth >= (__s64)p->min_growth &&
	       st->rises >= 4 && st->last * 10 >= st->max * 9;
}

bool policy_new_leak(const struct policy_site *s, const struct leak_params *p)
{
	return !s->leaking && !s->is_main && !s->is_runtime_service &&
	       policy_leak_trend(s->stats, p);
}

bool policy_site_growing(const struct trend_stats *st)
{
	return st->n >= 2 && st->growth >= 2 && st->recent_slope > 0;
}

bool policy_site_unsettled(const struct trend_stats *st, __u32 live, const struct leak_params *p)
{
	return live >= p->min_growth && st->span_ns < p->min_span_ns;
}

bool policy_leak_doubled(__u32 live, __u32 reported_live)
{
	return live >= 2 * (__u64)reported_live;
}

bool policy_site_idle(const struct policy_site *s, __u64 window_ns)
{
	return s->is_thread && !s->is_main && !s->live && !s->leaking && !s->stats->max &&
	       s->stats->span_ns >= window_ns / 2;
}

bool policy_idle_by_design(const struct policy_wait *w)
{
	unsigned int i;

	if (!w->is_thread)
		return true; /* goroutines: leaks only */
	if (w->parked)
		return true; /* its runtime parked it */
	if (w->wc.prim == PRIM_SYSCALL)
		return syscall_is_idle_wait(w->syscall_nr);
	if (!w->in_go)
		return false;
	/* The Go runtime parks idle threads on futexes; a stack that reaches
	 * code outside the runtime first is cgo code blocked in C. */
	for (i = 0; i < w->nr_funcs; i++) {
		const char *func = w->funcs[i];

		if (func && !strncmp(func, "runtime.", 8))
			return true;
		if (func && strncmp(func, "runtime", 7))
			return false;
	}
	return true;
}

bool policy_pool_wait(const struct policy_wait *w)
{
	return w->waiting && w->wc.owner_tid < 0 && w->wc.lock_addr && w->wc.prim != PRIM_MUTEX &&
	       w->wc.prim != PRIM_RWLOCK && w->wc.prim != PRIM_JOIN;
}

bool policy_idle_pool(const struct policy_wait *w, unsigned int waiters)
{
	return policy_pool_wait(w) && waiters > 1;
}

bool policy_waits_on_owner(const struct policy_wait *w)
{
	return w->is_thread && w->waiting && w->wc.owner_tid >= 0 &&
	       (w->wc.prim == PRIM_MUTEX || w->wc.prim == PRIM_RWLOCK || w->wc.prim == PRIM_JOIN);
}

/*
 * "chan receive", "chan send", "select", "select (no cases)", the nil-channel
 * forms; "sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.Cond.Wait",
 * "sync.WaitGroup.Wait", "semacquire": what a goroutine blocks in when it
 * waits for another goroutine. "IO wait", "sleep", "GC ..." and the
 * runtime's idlers are not.
 */
bool policy_goroutine_blocked(const char *wait_reason)
{
	return !strncmp(wait_reason, "chan ", 5) || !strncmp(wait_reason, "select", 6) ||
	       !strncmp(wait_reason, "sync.", 5) || !strcmp(wait_reason, "semacquire");
}

bool policy_long_wait(const struct policy_long_wait *lw, __u64 threshold_ns, bool owned_only)
{
	const struct policy_wait *w = &lw->wait;

	if (!w->waiting || w->wait_ns < threshold_ns || lw->reported)
		return false;
	if (lw->deadlocked || lw->site_leaking || lw->site_growing || lw->site_unsettled ||
	    lw->runtime_service || lw->evidence_pending ||
	    policy_idle_by_design(w) || policy_launcher_join(w) || policy_jvm_idle_wait(w))
		return false;
	return !owned_only || w->wc.owner_tid >= 0;
}

#define NSEC_PER_SEC 1000000000ULL

void stuck_params_default(struct stuck_params *p)
{
	*p = (struct stuck_params){
		.min_goroutines = 1000,
		.min_threads = 500,
		.min_percent = 90,
		.min_wait_ns = 60 * NSEC_PER_SEC,
	};
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/*
 * Go's wait reasons (runtime/runtime2.go waitReasonStrings). "IO wait",
 * "sleep", timers, GC and runtime-internal waits are a program's job; so
 * is a chan receive on a nil channel only in name: it is forever. A " (leaked)"
 * suffix (Go 1.26's detector) keeps the class.
 */
enum stuck_class policy_goroutine_stuck_class(const char *wait_reason)
{
	if (has_prefix(wait_reason, "chan send") || has_prefix(wait_reason, "chan receive"))
		return STUCK_CHANNEL;
	if (has_prefix(wait_reason, "select"))
		return STUCK_SELECT;
	if (has_prefix(wait_reason, "sync.") || has_prefix(wait_reason, "semacquire"))
		return STUCK_SYNC;
	if (!strcmp(wait_reason, "leaked"))
		return STUCK_LEAKED;
	return STUCK_NONE;
}

enum stuck_class policy_thread_stuck_class(const struct policy_wait *w)
{
	if (!w->waiting || w->wc.prim == PRIM_NONE || w->wc.prim == PRIM_SYSCALL)
		return STUCK_NONE;
	/* A parked Go M, or a thread in the Go runtime's own futexes. */
	if (policy_idle_by_design(w))
		return STUCK_NONE;
	return STUCK_FUTEX;
}

bool policy_ctx_stuck(const struct policy_stuck_ctx *c, const struct stuck_params *p)
{
	if (c->cls == STUCK_NONE)
		return false;
	if (c->wait_ns >= p->min_wait_ns)
		return true;
	return !c->wait_known && c->first_sight;
}

bool policy_stuck_site(const struct policy_stuck_site *s, const struct stuck_params *p)
{
	__u32 min = s->is_thread ? p->min_threads : p->min_goroutines;

	return !s->is_main && !s->unknown && s->stuck >= min && s->stuck <= s->live &&
	       (__u64)s->stuck * 100 >= (__u64)s->live * p->min_percent;
}

bool policy_stuck_grew(__u32 stuck, __u32 reported_stuck)
{
	return (__u64)stuck * 10 >= (__u64)reported_stuck * 11 && stuck > reported_stuck;
}

enum thread_runtime policy_thread_trampoline(const char *func, const char *module)
{
	static const char *const others[] = {
		"pythread_wrapper", /* CPython 3.x: PyThread_start_new_thread */
		"thread_run",	    /* CPython 3.12+: _thread's thread entry */
		"t_bootstrap",	    /* CPython up to 3.11: _thread's thread entry */
		"g_thread_proxy",   /* glib */
		"uv__thread_start", /* libuv */
	};
	size_t i;

	if (!func || !*func)
		return RUNTIME_NONE;
	/* HotSpot: "thread_native_entry(Thread*)"; before JDK 10, java_start. */
	if ((has_prefix(func, "thread_native_entry") || has_prefix(func, "java_start")) &&
	    (!module || has_prefix(module, "libjvm")))
		return RUNTIME_JVM;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		size_t n = strlen(others[i]);

		if (!strncmp(func, others[i], n) && (!func[n] || func[n] == '('))
			return RUNTIME_OTHER;
	}
	/* Rust std, current paths: "<std::sys::thread::unix::Thread>::new::thread_start". */
	if (has_prefix(func, "<std::sys::") && strstr(func, "::thread_start"))
		return RUNTIME_OTHER;
	return frame_is_thread_trampoline(func) ? RUNTIME_OTHER : RUNTIME_NONE;
}

bool policy_runtime_service(enum thread_runtime rt, const char *comm)
{
	/* HotSpot's own threads, as the kernel keeps their names (15 bytes). */
	static const char *const jvm[] = {
		"GC Thread#", "G1 ", "VM Thread", "VM Periodic Tas", "C1 CompilerThre",
		"C2 CompilerThre", "Signal Dispatch", "Reference Handl", "Finalizer",
		"Common-Cleaner", "Service Thread", "Sweeper thread", "Monitor Deflati",
		"Notification Th", "Attach Listener", "ZWorker", "ZDriver", "ZDirector",
		"ZStat", "ZUncommit", "ZUnmapper", "Shenandoah", "JFR ", "process reaper",
	};
	size_t i;

	if (rt != RUNTIME_JVM || !comm)
		return false;
	for (i = 0; i < sizeof(jvm) / sizeof(jvm[0]); i++)
		if (has_prefix(comm, jvm[i]))
			return true;
	return false;
}

static bool libc_module(const char *module)
{
	return has_prefix(module, "libc.so") || has_prefix(module, "libc-") ||
	       has_prefix(module, "libpthread");
}

bool policy_launcher_join(const struct policy_wait *w)
{
	unsigned int i;

	if (!w->is_thread || !w->waiting || w->wc.prim != PRIM_JOIN || !w->modules)
		return false;
	for (i = 0; i < w->nr_funcs; i++) {
		const char *module = w->modules[i];

		if (!module || !*module || libc_module(module))
			continue;
		return has_prefix(module, "libjli");
	}
	return false;
}

bool policy_jvm_idle_wait(const struct policy_wait *w)
{
	static const char *const idle[] = { "Parker::park(", "ObjectMonitor::wait(", "JVM_Sleep" };
	unsigned int i, j;

	if (!w->is_thread || !w->waiting || w->wc.owner_tid >= 0 || !w->funcs || !w->modules)
		return false;
	for (i = 0; i < w->nr_funcs; i++) {
		if (!has_prefix(w->modules[i], "libjvm"))
			continue;
		for (j = 0; j < sizeof(idle) / sizeof(idle[0]); j++)
			if (has_prefix(w->funcs[i], idle[j]))
				return true;
	}
	return false;
}
