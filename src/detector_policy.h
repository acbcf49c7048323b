/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The detector's rules, as pure predicates: what is a leak, which waits are
 * long waits worth a finding, which are a pool waiting for work or a thread
 * whose job is to wait, and which waits are edges of the wait-for graph that
 * deadlocks are cycles of. Their inputs are plain values the detector fills
 * from its per-process state; they keep nothing, read no clock and do no
 * I/O, so each is tested on struct literals (tests/unit/test_detector_policy.c).
 */
#ifndef __THREADLEAK_DETECTOR_POLICY_H
#define __THREADLEAK_DETECTOR_POLICY_H

#include <stdbool.h>
#include <linux/types.h>
#include "trend.h"
#include "wait.h"

/* A site (where contexts come from) at the close of a census. */
struct policy_site {
	bool is_thread;	/* threads; false: goroutines */
	bool is_main;	/* the main thread's site: never a leak */
	bool is_runtime_service; /* a runtime's own threads (policy_runtime_service) */
	__u32 live;	/* contexts alive there now */
	bool leaking;	/* a leak finding was made for it */
	const struct trend_stats *stats; /* its count over the window */
};

/* One context's current wait. */
struct policy_wait {
	bool is_thread; /* a thread; false: a goroutine */
	bool waiting;
	__u64 wait_ns;
	struct wait_class wc; /* primitive, owner, futex word */
	int syscall_nr;	      /* a thread's syscall, for a PRIM_SYSCALL wait */
	bool parked;	      /* its stack of this wait says its runtime parked it */
	bool in_go;	      /* its process is a Go program */
	/* The functions of its stack of this wait, innermost first (NULL: not
	 * known); nr_funcs 0: no stack for this wait. */
	const char *const *funcs;
	/* Their modules' file names, NULL if not known or not filled. */
	const char *const *modules;
	unsigned int nr_funcs;
};

/* What the long-wait rule needs beyond the wait itself. */
struct policy_long_wait {
	struct policy_wait wait;
	bool reported;	  /* a long-wait finding was made for this very wait */
	bool deadlocked;  /* it is in a deadlock found during this wait */
	bool site_leaking; /* its site is a leak: the leak finding shows it */
	bool site_growing; /* its site might be one: wait for the verdict */
	bool site_unsettled; /* its site is too new to tell (policy_site_unsettled) */
	bool runtime_service; /* a runtime's own thread (policy_runtime_service) */
	/* First seen by this census, without a stack of it yet: the
	 * inspector's evidence (stack, site) comes with the next census. */
	bool evidence_pending;
};

/* The language runtime a thread trampoline belongs to. */
enum thread_runtime {
	RUNTIME_NONE,  /* not a trampoline: the start routine is the program's */
	RUNTIME_JVM,   /* HotSpot's thread_native_entry (libjvm.so) */
	RUNTIME_OTHER, /* CPython, Rust std, glib, libstdc++, Qt, boost, libuv */
};

/*
 * Is @func (demangled) in @module (file name, may be NULL) a runtime's thread
 * trampoline, that every thread the runtime starts shares? Such a site is
 * refined by the thread's name pattern (thread_name.h): an executor's
 * threads are one site, the runtime's own others.
 */
enum thread_runtime policy_thread_trampoline(const char *func, const char *module);

/*
 * Is a thread of runtime @rt named @comm one of the runtime's own service
 * threads, which wait by design (the JVM's GC, compiler, VM thread, signal
 * dispatcher, Reference Handler, Finalizer, Common-Cleaner): never a finding?
 */
bool policy_runtime_service(enum thread_runtime rt, const char *comm);

/*
 * Is @w the java launcher's main thread joining the Java main thread, for the
 * JVM's whole life: a join whose first caller outside libc is in libjli?
 * Needs @w's funcs and modules.
 */
bool policy_launcher_join(const struct policy_wait *w);

/*
 * Is @w a Java thread's idle wait: parked by java.util.concurrent
 * (Parker::park: an idle executor's worker waiting in its queue), in
 * Object.wait or Thread.sleep? Each Java thread parks on a condvar of its
 * own, and without its Java frames nobody is known to hold what it waits
 * for: the JVM's way of waiting for work. A thread blocked entering a
 * synchronized block (ObjectMonitor::enter) is not idle. Needs @w's funcs
 * and modules.
 */
bool policy_jvm_idle_wait(const struct policy_wait *w);

/* Does a count over a window, @st, show a leak under @p? */
bool policy_leak_trend(const struct trend_stats *st, const struct leak_params *p);

/* Is @s a new leak: not the main thread, not one already, and its trend? */
bool policy_new_leak(const struct policy_site *s, const struct leak_params *p);

/* Might @s become a leak? Its long waits wait for the verdict. */
bool policy_site_growing(const struct trend_stats *st);

/*
 * Is a site of @live contexts, its count over the window @st, too new to
 * tell a leak from a steady group: as many contexts as a leak must grow by
 * (min_growth), counted for less than the leak rule's min_span_ns? A late
 * attach finds a leak's old waiters so, each already waiting long: their
 * long waits wait for the verdict, as a growing site's do. A thread alone
 * at its site, or a few, are no leak's backlog: reported as they come.
 */
bool policy_site_unsettled(const struct trend_stats *st, __u32 live, const struct leak_params *p);

/* With updates: has a leak of @live doubled since it was reported at @reported_live? */
bool policy_leak_doubled(__u32 live, __u32 reported_live);

/* Has thread site @s had nothing alive for half of @window_ns: forget it? */
bool policy_site_idle(const struct policy_site *s, __u64 window_ns);

/* Is waiting @w's job: a goroutine, a parked runtime thread, a poll or sleep? */
bool policy_idle_by_design(const struct policy_wait *w);

/* Could @w be one of a pool's waiters: on a condvar, semaphore or futex
 * word nobody holds (not a mutex, rwlock or join)? */
bool policy_pool_wait(const struct policy_wait *w);

/* Is @w a pool waiting for work: @waiters pool waits (itself included) of
 * its site on its futex word? */
bool policy_idle_pool(const struct policy_wait *w, unsigned int waiters);

/* Does thread @w wait for a thread that holds what it wants (a mutex, an
 * rwlock, a join): an edge of the wait-for graph? */
bool policy_waits_on_owner(const struct policy_wait *w);

/* Goroutine wait reasons (the runtime's words) worth counting when they
 * last: a channel or sync wait, not IO, a timer, a sleep or the runtime's
 * own idling. */
bool policy_goroutine_blocked(const char *wait_reason);

/* Is @lw a long wait under @threshold_ns worth a finding, pools aside
 * (policy_idle_pool)? @owned_only: only waits for an owner. */
bool policy_long_wait(const struct policy_long_wait *lw, __u64 threshold_ns, bool owned_only);

/*
 * Stuck sites: a leak that happened before threadleak came, told from one
 * census. Many contexts of one site, nearly all in the same class of wait,
 * each for long: never the waits that are a program's job (network IO,
 * timers, sleeps, a runtime's idle threads).
 */
enum stuck_class {
	STUCK_NONE,    /* running, or a wait that is a program's job */
	STUCK_CHANNEL, /* goroutines: chan send, chan receive */
	STUCK_SELECT,  /* goroutines: select, select (no cases) */
	STUCK_SYNC,    /* goroutines: sync.Mutex, RWMutex, Cond, WaitGroup, semacquire */
	STUCK_LEAKED,  /* goroutines: marked leaked by the runtime, reason unknown */
	STUCK_FUTEX,   /* threads: a futex wait (mutex, condvar, rwlock, semaphore, join) */
	STUCK_CLASS_MAX,
};

/* The thresholds of policy_stuck_site(); zeroes: stuck_params_default(). */
struct stuck_params {
	__u32 min_goroutines; /* at one site: 1000 */
	__u32 min_threads;    /* at one site: 500 */
	__u32 min_percent;    /* of the site's contexts in one class: 90 */
	__u64 min_wait_ns;    /* each waiting at least: 60 s */
};

void stuck_params_default(struct stuck_params *p);

/* The class of a goroutine's wait, from the runtime's wait reason. */
enum stuck_class policy_goroutine_stuck_class(const char *wait_reason);

/* The class of a thread's wait: futex waits that are not its runtime's idling. */
enum stuck_class policy_thread_stuck_class(const struct policy_wait *w);

/* One context's wait, as the stuck rule sees it. */
struct policy_stuck_ctx {
	enum stuck_class cls;
	bool wait_known; /* wait_ns is the runtime's or the kernel's measurement */
	__u64 wait_ns;	 /* known, or since threadleak first saw the wait */
	bool first_sight; /* the first census of the process: its history is unknown */
};

/* Does @c count toward a stuck site: in a stuck class for at least the
 * minimum, or, its wait unknown, at first sight (decided on the count)? */
bool policy_ctx_stuck(const struct policy_stuck_ctx *c, const struct stuck_params *p);

/* A site at the close of a census, for the stuck rule. */
struct policy_stuck_site {
	bool is_thread;
	bool is_main; /* the main thread's site: never stuck */
	bool unknown; /* where its contexts come from is not known: never stuck */
	__u32 live;   /* contexts at the site */
	__u32 stuck;  /* of them, counted by policy_ctx_stuck() in its most common class */
};

/* Is @s stuck: at least the minimum count, at least min_percent of it? */
bool policy_stuck_site(const struct policy_stuck_site *s, const struct stuck_params *p);

/* With updates: has a stuck site grown by a tenth since it was reported? */
bool policy_stuck_grew(__u32 stuck, __u32 reported_stuck);

#endif /* __THREADLEAK_DETECTOR_POLICY_H */
