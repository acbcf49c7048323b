/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus metrics of `threadleak monitor`, fed from the detector's
 * outputs and rendered in the text exposition format, version 0.0.4: for
 * the HTTP endpoint (metrics_http.c) and for node_exporter's textfile
 * collector.
 *
 * Per process, labelled pid, comm and cgroup:
 *
 *   threadleak_process_threads                    live threads
 *   threadleak_process_futex_blocked_threads      threads asleep in a futex wait
 *   threadleak_process_other_blocked_threads      threads asleep in another syscall
 *   threadleak_process_longest_futex_wait_seconds the longest current futex wait
 *                                                 (deprecated: the next two split it)
 *   threadleak_process_longest_lock_wait_seconds  the longest current wait on a lock
 *                                                 another thread holds
 *   threadleak_process_longest_idle_wait_seconds  the longest current futex wait
 *                                                 that is not (condvar, pool, ...)
 *   threadleak_process_thread_leak                1 once a thread leak was found
 *   threadleak_process_deadlock                   1 once a deadlock was found
 *   threadleak_process_goroutines                 live goroutines (Go processes only)
 *   threadleak_process_goroutine_leak             1 once a goroutine leak was found
 *                                                 (Go processes only)
 *   threadleak_process_goroutines_blocked_long    goroutines in a channel or sync
 *                                                 wait over the wait threshold
 *                                                 (Go processes only)
 *
 * A finding's state stays 1 until the process exits: the detector reports
 * a finding when it is established and has no "resolved" event.
 *
 * Cardinality is bounded by max_series: processes with a leak or deadlock
 * get their own series first, then those with the most threads (ties: the
 * lower pid). The rest are folded into one series per metric labelled
 * pid="", comm="(other)", cgroup="" (in Prometheus, which drops empty
 * labels: {comm="(other)"}): sums of theirs, except the longest waits, which
 * are their maxima (so a leak state there counts processes).
 *
 * The daemon's own: threadleak_processes, threadleak_processes_aggregated,
 * threadleak_censuses_total, threadleak_census_duration_seconds,
 * threadleak_events_total, threadleak_lost_events_total,
 * threadleak_lost_threads_total, threadleak_cpu_seconds_total,
 * threadleak_resident_memory_bytes, threadleak_symbol_cache_bytes,
 * threadleak_symbol_cache_evictions_total and
 * threadleak_last_census_timestamp_seconds (the unix time the last census
 * ended: a census loop that stalls, while the HTTP thread goes on serving
 * the last snapshot, shows at the next scrape as its age). All names carry
 * the threadleak_ prefix, so a textfile never collides with node_exporter's
 * own process_* metrics.
 *
 * Label values are escaped as the format says (backslash, double quote,
 * newline); bytes that are not valid UTF-8 and control characters, which a
 * Prometheus scrape would reject or which are unreadable, become the four
 * characters \xNN.
 *
 * Threads: metrics__sample(), __finding() and __end() are called from one
 * thread (the monitor's loop); metrics__render() and __write_textfile() from
 * any thread, at any time: they read the last published snapshot.
 */
#ifndef __THREADLEAK_METRICS_H
#define __THREADLEAK_METRICS_H

#include <stddef.h>
#include <linux/types.h>
#include "detector.h"

#define METRICS_DEFAULT_MAX_SERIES 100
#define METRICS_TEXTFILE_NAME "threadleak.prom"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_opts {
	/* Processes that get series of their own; 0: METRICS_DEFAULT_MAX_SERIES. */
	unsigned int max_series;
	/*
	 * Where to read the cgroup label of a process sampled without one,
	 * once, when it first gets a series of its own: "/proc", or a test's
	 * directory. NULL: only the cgroups handed to metrics__sample().
	 */
	const char *proc_root;
};

/* The daemon's own state at the end of a census. */
struct metrics_self {
	__u64 cpu_ns;	 /* user + system CPU time, all threads */
	__u64 rss_bytes; /* resident set size now */
	__u64 unix_ns;	 /* wall-clock time of the reading: when the census ended */
	/* the module cache (module_cache.h), filled by the caller */
	__u64 symbol_cache_bytes, symbol_cache_evictions;
};

struct metrics;
struct cgroup_identity;

struct metrics *metrics__new(const struct metrics_opts *opts);
void metrics__free(struct metrics *m);

/*
 * A census is built from the samples and findings handed in after the
 * previous metrics__end(): there is no begin call, because the detector
 * reports a process's findings before its sample and has no census-start
 * callback.
 */

/*
 * One process at the end of a census. @cgroup: its cgroup path, or NULL to
 * keep the one known (read from opts.proc_root when there is none), so the
 * monitor need not read /proc/PID/cgroup of every process every census.
 * 0 or -ENOMEM.
 */
int metrics__sample(struct metrics *m, const struct sample *s, const char *cgroup);

/*
 * The cgroup of @pid, the one its series is labelled with: read from
 * opts.proc_root once when not known yet, so that a finding and the
 * series name the same cgroup for one lookup. NULL if not known (no such
 * process, or no proc_root); else the path, and in *@where what it names,
 * both valid until the next metrics__end(). A process seen only here is
 * forgotten at the end of the census unless it is sampled.
 */
const char *metrics__cgroup(struct metrics *m, __u32 pid, const struct cgroup_identity **where);

/* Latch the leak or deadlock state of f->pid. Long waits and restatements
 * (f->summary) change nothing. 0 or -ENOMEM. */
int metrics__finding(struct metrics *m, const struct finding *f);

/*
 * The census ended: publish its snapshot. Processes it did not sample, and
 * those whose sample was final, are forgotten afterwards (their state is
 * freed). @self may be NULL. 0, or -ENOMEM (the previous snapshot stays).
 */
int metrics__end(struct metrics *m, const struct census_stats *cs, const struct metrics_self *self);

/*
 * A copy of the last published snapshot, NUL-terminated, in *@buf (free()
 * it) and its length in *@len; before the first census it is empty.
 * 0 or -ENOMEM.
 */
int metrics__render(struct metrics *m, char **buf, size_t *len);

/*
 * Write the last snapshot to @dir/threadleak.prom, mode 0644, through a
 * temporary file in @dir and a rename, so node_exporter never reads half
 * of it. 0 or -errno.
 */
int metrics__write_textfile(struct metrics *m, const char *dir);

/* Processes whose state is kept: those the last census sampled. */
size_t metrics__nr_procs(const struct metrics *m);

/* The time now and this process's CPU time and resident memory. 0 or
 * -errno (the time is read in any case). */
int metrics_self__read(struct metrics_self *self);

#endif /* __THREADLEAK_METRICS_H */
