/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The detector: turns a stream of records into per-process samples, findings
 * and end-of-run summaries. It is pure: no I/O, no clocks, time only from
 * record timestamps, so the same records always give the same output, live
 * or replayed.
 *
 * It keeps every execution context (a thread, or a goroutine: one more kind)
 * grouped by site, the place contexts come from: a thread's start routine, a
 * goroutine's go statement. A site whose count keeps growing is a leak; a
 * context waiting longer than a threshold is a long wait; contexts waiting on
 * each other in a cycle are a deadlock.
 */
#ifndef __THREADLEAK_DETECTOR_H
#define __THREADLEAK_DETECTOR_H

#include <stdbool.h>
#include <linux/types.h>
#include "detector_policy.h"
#include "record.h"
#include "trend.h"
#include "wait.h"

/* One row: a process at the end of a census. */
struct sample {
	__u64 ts_ns;
	__u32 pid;
	char comm[REC_COMM_LEN];
	__u32 threads;	     /* live threads (exact, counted in BPF) */
	__u32 blocked;	     /* threads asleep in a futex wait */
	__u32 other_blocked; /* threads asleep in another syscall */
	__u64 created;	     /* threads created since the previous sample */
	__u64 exited;	     /* threads exited since the previous sample */
	__u64 max_wait_ns;   /* longest current futex wait */
	/* The futex waits split by what they wait for: on a lock another
	 * thread holds (a mutex or rwlock with a live owner, a deadlock, a join
	 * of a thread itself stuck so), or not (condvars, semaphores, pools,
	 * a launcher's join of the program's thread). */
	__u64 lock_wait_ns;  /* longest current wait on a held lock */
	__u64 idle_wait_ns;  /* longest current futex wait of the others */
	/* goroutines in a channel or sync wait longer than the wait threshold */
	__u32 goroutines_blocked;
	__s32 growth;	     /* threads now minus threads at the first sample */
	__s64 goroutines;    /* live goroutines of a Go process, -1 otherwise */
	bool final;	     /* the process exited; no more samples follow */
	/* With detector_opts.list_waits: the waiting threads, for -t. */
	const struct ctx_wait *waits;
	unsigned int nr_waits;
};

/* A waiting context, for -t and for findings. */
struct ctx_wait {
	__u64 id; /* tid */
	char comm[REC_COMM_LEN]; /* its name */
	enum primitive prim;
	int syscall_nr;
	__u32 futex_op;
	__u64 lock_addr;
	__u64 wait_ns;
	__s64 owner_tid;
};

/* The end of one census, with what it saw and what was lost so far. */
struct census_stats {
	__u64 ts_ns;
	__u64 duration_ns;
	__u32 nr_procs, nr_tasks;
	/* Goroutine censuses of this census: how many (one per Go process),
	 * their total and longest time. */
	__u32 go_censuses;
	__u64 go_duration_ns, go_duration_max_ns;
	__u64 events;	    /* ring buffer records delivered, cumulative */
	__u64 lost_events;  /* cumulative */
	__u64 lost_threads; /* cumulative */
};

enum finding_kind {
	FINDING_THREAD_LEAK,
	FINDING_LONG_WAIT,
	FINDING_DEADLOCK,
	FINDING_GOROUTINE_LEAK,
	FINDING_INCOMPLETE, /* part of the process could not be read */
	FINDING_GOROUTINE_STUCK, /* many goroutines of one site in one wait, for long */
	FINDING_THREAD_STUCK,	 /* many threads of one start routine in one wait */
};

/*
 * Where contexts come from, as facts: the report says them in words
 * ("main thread", "unknown start routine").
 */
enum finding_site_kind {
	FSITE_NONE,	       /* no context: it exited */
	FSITE_SYMBOL,	       /* symbol: a start routine, a go statement */
	FSITE_MAIN_THREAD,     /* the process's first thread */
	FSITE_UNKNOWN_ROUTINE, /* a thread whose start routine is unknown */
	FSITE_UNKNOWN_CREATOR, /* a goroutine whose go statement is unknown */
};

struct finding_site {
	enum finding_site_kind kind;
	const char *symbol; /* FSITE_SYMBOL: formatted */
	/* The threads' name pattern ("pool-N-thread-…", see thread_name.h)
	 * when it refines the site: @symbol is a runtime's trampoline, which
	 * all its threads share. NULL otherwise. */
	const char *name_pattern;
};

/* What a context is doing. */
enum finding_state {
	FSTATE_EXITED, /* no context: it exited */
	FSTATE_RUNNING,
	FSTATE_STOPPED,
	FSTATE_EXITING,
	FSTATE_RUNNABLE, /* a goroutine not waiting */
	FSTATE_WAITING,	 /* prim, syscall_nr or wait_reason say on what */
};

/* A thread as a finding shows it: strings valid during the callback. */
struct finding_ctx {
	__u64 id; /* tid, or goid */
	bool goroutine;
	const char *thread_name;  /* a thread's name (comm); NULL: not known */
	const char *name_pattern; /* its pattern (thread_name.h), with thread_name */
	struct finding_site site; /* where it comes from */
	enum finding_state state;
	enum primitive prim;
	int syscall_nr;		 /* a thread's, when it waits in PRIM_SYSCALL */
	const char *wait_reason; /* a waiting goroutine's, the runtime's words; a
				  * Python thread's API (py_wait.h), or NULL */
	__u64 wait_ns;
	__u64 lock_addr;
	const char *lock_symbol; /* the symbol at lock_addr, if known */
	__s64 owner_tid;	 /* -1: none or unknown */
	const char *const *stack; /* formatted frames, innermost first */
	unsigned int nr_stack;
};

#define FINDING_MAX_REASONS 8
#define FINDING_MAX_PARENTS 4
#define SUMMARY_MAX_GO_SITES 5

/* How many goroutines wait for one reason (the runtime's words). */
struct reason_count {
	const char *reason;
	__u32 count;
};

/* A goroutine's creator, as far as it is known. */
struct finding_parent {
	__u64 goid;
	bool alive;		  /* still there: site and function are known */
	struct finding_site site; /* created by */
	const char *function;
};

struct finding {
	enum finding_kind kind;
	__u64 ts_ns;  /* when established, or the last census in a summary */
	bool summary; /* restated at the end, with the final numbers */
	bool update;  /* restated because it changed (detector_opts.updates) */
	bool resolved; /* restated because its process exited (updates) */
	__u32 pid;
	char comm[REC_COMM_LEN];
	/* Where the process runs, as its cgroup claims (cgroup_identity.h): set
	 * by the monitor, which reads it; NULL from the detector. */
	const struct cgroup_identity *where;
	const char *cgroup;

	/* Leaks. */
	struct finding_site site; /* threads: the start routine; goroutines: created by */
	const char *function; /* goroutines: the function they run */
	__u32 live;	      /* contexts alive at the site now */
	__s64 growth;	      /* over the window: last count - first count */
	__u64 window_ns;
	__u64 created, exited; /* at the site since tracing began */
	__u32 blocked;	       /* of the live ones, how many wait */
	__u32 by_prim[PRIM_MAX];
	struct reason_count reasons[FINDING_MAX_REASONS]; /* by wait reason; Python threads: by API */
	unsigned int nr_reasons;
	__u64 max_wait_ns;
	struct finding_ctx sample; /* a representative context */

	/* Long waits: the waiting context and the owner of what it waits for. */
	struct finding_ctx waiter;
	bool has_owner;
	struct finding_ctx owner;

	/* Deadlocks: members[i] holds what members[i - 1] waits for. */
	const struct finding_ctx *members;
	unsigned int nr_members;
	enum primitive prim;

	/* Stuck: f->live contexts at the site, f->stuck of them in one class
	 * of wait for at least the minimum (or unknown at first sight). */
	__u32 stuck;
	enum stuck_class wait_class;
	const char *wait_reason; /* goroutines: the most common one of that class */
	enum primitive stuck_prim; /* threads: the most common primitive */
	__u32 waits_known;	   /* of stuck, with a measured wait; the rest unknown */
	__u64 wait_min_ns, wait_median_ns, wait_p90_ns; /* of the known; max_wait_ns */
	struct finding_parent parents[FINDING_MAX_PARENTS]; /* the sample's creators */
	unsigned int nr_parents;

	/* Incomplete: what could not be read (rec_proc_incomplete). */
	enum rec_incomplete_part part;
	enum rec_incomplete_reason reason;
	int err;
	const char *why;
};

/* A process over the whole run. */
struct proc_summary {
	__u32 pid;
	char comm[REC_COMM_LEN];
	__u64 first_ns, last_ns;
	__u32 threads_first, threads_last, threads_peak;
	__u64 created, exited;
	__u32 blocked_last, other_blocked_last;
	__u64 max_wait_ns; /* longest futex wait seen at any census */
	bool exited_proc;
	unsigned int long_waits_dropped; /* beyond the per-process cap */
	/* Go processes (goroutines_first >= 0): the program's goroutines. */
	__s64 goroutines_first, goroutines_last, goroutines_peak;
	/* waiting at the last census, by wait reason, most first */
	struct reason_count go_blocked[FINDING_MAX_REASONS];
	unsigned int nr_go_blocked;
	struct {
		struct finding_site site; /* created by */
		const char *function;
		__u32 live;
	} go_sites[SUMMARY_MAX_GO_SITES]; /* the most populous, most first */
	unsigned int nr_go_sites;
};

/*
 * A site at the end of a census, for growth curves: how many of its
 * contexts live and wait now. Strings valid during the callback.
 */
struct site_sample {
	__u64 ts_ns;
	__u32 pid;
	bool goroutine;
	__u64 key, func_pc; /* the site's identity within its process */
	struct finding_site site;
	const char *function; /* goroutines: the function they run */
	__u32 live;
	__u32 blocked;
	__u32 by_prim[PRIM_MAX];
};

struct detector_sink {
	void (*sample)(void *ctx, const struct sample *s);
	void (*census_end)(void *ctx, const struct census_stats *cs);
	void (*summary)(void *ctx, const struct proc_summary *ps);
	void (*finding)(void *ctx, const struct finding *f);
	/* Optional: every site of every process analysed, at each census,
	 * before its process's sample. */
	void (*site)(void *ctx, const struct site_sample *ss);
	void *ctx;
};

struct proc_table;

struct detector_opts {
	/* The process table to keep processes on, fed by its owner before
	 * detector__feed() (a census after); NULL: the detector's own, which
	 * detector__feed() feeds. */
	struct proc_table *procs;
	/* Keep processes that exited, for the end summary (-p, replay). */
	bool keep_exited;
	/* Attach the waiting threads to each sample (-t). */
	bool list_waits;
	/* A wait longer than this is a long wait; 0: the default, 10 s. */
	__u64 wait_threshold_ns;
	/* Leak test parameters; zeroes: leak_params_default(). */
	struct leak_params leak;
	/* Stuck site thresholds; zeroes: stuck_params_default(). */
	struct stuck_params stuck;
	/* Restate a leak when it doubles, and every finding of a process when
	 * it exits (monitor: changes, not a stream). */
	bool updates;
	/* Long waits only where a thread waits for another one (a lock it
	 * holds, a join): a whole host is full of threads waiting for work. */
	bool owned_waits_only;
};

struct detector;

struct detector *detector__new(const struct detector_opts *opts, const struct detector_sink *sink);
void detector__free(struct detector *d);

/* Feed one record that rec_decode() accepted. Returns 0 or -errno. */
int detector__feed(struct detector *d, const struct rec_hdr *rec);

/* Processes seen and not yet exited. */
unsigned int detector__live_procs(const struct detector *d);

/* Has a census seen process @tgid? */
bool detector__saw_proc(const struct detector *d, __u32 tgid);

/* Leak and deadlock findings so far (for --fail-on-leak). */
unsigned int detector__leaks(const struct detector *d);

/* Restate every finding with its final numbers, then a summary for every
 * process kept, in pid order. */
void detector__finish(struct detector *d);

/*
 * A live thread as the last census left it, for profiles: described as a
 * finding shows a thread, with the pcs of its stack (innermost first) when
 * one was taken of its current state, and the symbols of its process.
 */
struct symtab;
struct cgroup_identity;

struct detector_thread {
	__u32 pid;
	const char *comm;
	struct finding_ctx ctx;
	const __u64 *pcs;
	unsigned int nr_pcs;
	const struct symtab *syms;
};

/* Call @fn for every live thread of every process not exited, in pid and
 * tid order; the strings are valid during the call. */
void detector__threads(struct detector *d,
		       void (*fn)(void *arg, const struct detector_thread *t), void *arg);

#endif /* __THREADLEAK_DETECTOR_H */
