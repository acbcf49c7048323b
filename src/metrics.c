// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics registry: one entry per watched process, kept in a tree by
 * pid while the process is sampled and freed the census it is not, and a
 * snapshot of the text exposition rendered once per census. Scrapes copy
 * the snapshot under a lock and never wait for a census.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "metrics.h"
#include "cgroup_identity.h"
#include "proc_cgroup.h"
#include "utf8.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

/* The per-process metrics, in the order they are rendered. */
enum proc_metric {
	PM_THREADS,
	PM_FUTEX_BLOCKED,
	PM_OTHER_BLOCKED,
	PM_LONGEST_FUTEX_WAIT,
	/* the futex waits split: suspicious, and by design */
	PM_LONGEST_LOCK_WAIT,
	PM_LONGEST_IDLE_WAIT,
	PM_THREAD_LEAK,
	PM_DEADLOCK,
	PM_GOROUTINES,
	PM_GOROUTINE_LEAK,
	PM_GOROUTINES_BLOCKED_LONG,
	PM_INCOMPLETE,
	PM_STUCK_GOROUTINES,
	PM_STUCK_THREADS,
	PM_MAX,
};

static const struct proc_family {
	const char *name;
	const char *help;
	bool in_ns;   /* a longest wait in nanoseconds, rendered as seconds */
	bool go_only; /* only for processes with goroutines */
} proc_families[PM_MAX] = {
	[PM_THREADS] = { "threadleak_process_threads",
			 "Live threads of the process, counted exactly from scheduler events." },
	[PM_FUTEX_BLOCKED] = { "threadleak_process_futex_blocked_threads",
			       "Threads asleep in a futex wait (mutex, condvar, join, semaphore, rwlock)." },
	[PM_OTHER_BLOCKED] = { "threadleak_process_other_blocked_threads",
			       "Threads asleep in a syscall other than futex (read, poll, accept, ...)." },
	[PM_LONGEST_FUTEX_WAIT] = { "threadleak_process_longest_futex_wait_seconds",
				    "Deprecated: use threadleak_process_longest_lock_wait_seconds. "
				    "The longest current futex wait of a thread of the process, "
				    "idle ones included.",
				    true },
	[PM_LONGEST_LOCK_WAIT] = { "threadleak_process_longest_lock_wait_seconds",
				   "The longest current wait of a thread on a lock another thread "
				   "holds (a mutex or rwlock with a live owner, a deadlock, a join "
				   "of a thread itself stuck so).",
				   true },
	[PM_LONGEST_IDLE_WAIT] = { "threadleak_process_longest_idle_wait_seconds",
				   "The longest current futex wait of a thread on no held lock "
				   "(condvar, semaphore, idle pool, a launcher's join): waits by "
				   "design.",
				   true },
	[PM_THREAD_LEAK] = { "threadleak_process_thread_leak",
			     "1 once a thread leak was found in the process, until it exits." },
	[PM_DEADLOCK] = { "threadleak_process_deadlock",
			  "1 once a deadlock was found in the process, until it exits." },
	[PM_GOROUTINES] = { "threadleak_process_goroutines", "Live goroutines of a Go process.",
			    false, true },
	[PM_GOROUTINE_LEAK] = { "threadleak_process_goroutine_leak",
				"1 once a goroutine leak was found in the Go process, until it exits.",
				false, true },
	[PM_GOROUTINES_BLOCKED_LONG] = { "threadleak_process_goroutines_blocked_long",
					 "Goroutines of the Go process in a channel or sync wait "
					 "longer than --wait-threshold (not IO, timers or sleeps).",
					 false, true },
	[PM_INCOMPLETE] = { "threadleak_process_incomplete",
			    "1 once part of the process could not be read (malformed, over a budget, "
			    "stalled), until it exits; the log says why." },
	[PM_STUCK_GOROUTINES] = { "threadleak_process_stuck_goroutines",
				  "Goroutines of one creation site found stuck in one kind of wait "
				  "(a goroutine_stuck finding): the largest such site as last reported, until it exits.",
				  false, true },
	[PM_STUCK_THREADS] = { "threadleak_process_stuck_threads",
			       "Threads of one start routine found stuck in one kind of wait "
			       "(a thread_stuck finding): the largest such site as last reported, until it exits." },
};

/*
 * A watched process, or the aggregate of those beyond max_series (then the
 * values are sums, the longest wait a maximum, and pid is 0).
 */
struct proc_series {
	__u32 pid;
	char comm[REC_COMM_LEN];
	char *cgroup; /* NULL: not known yet */
	struct cgroup_identity where; /* what the cgroup names */
	__u64 census; /* the census that last sampled it; 0: none yet */
	bool final;   /* its last sample: forget it after this census */
	bool has_goroutines;
	__u64 values[PM_MAX];
};

struct metrics {
	unsigned int max_series;
	char *proc_root;	      /* NULL: no cgroup lookups */
	void *procs;		      /* tsearch tree of struct proc_series, by pid */
	size_t nr_procs;	      /* in the tree */
	__u64 census;		      /* the number of the census being built, from 1 */
	struct proc_series **sampled; /* by the census being built */
	size_t nr_sampled, sampled_cap;
	struct proc_series **stale; /* to forget at the end of a census */
	size_t nr_stale, stale_cap;

	pthread_mutex_t snapshot_lock;
	char *snapshot; /* the last published exposition, NULL before any */
	size_t snapshot_len;
};

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_series *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void free_series(void *p)
{
	struct proc_series *ps = p;

	free(ps->cgroup);
	free(ps);
}

struct metrics *metrics__new(const struct metrics_opts *opts)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->max_series = opts && opts->max_series ? opts->max_series : METRICS_DEFAULT_MAX_SERIES;
	if (opts && opts->proc_root) {
		m->proc_root = strdup(opts->proc_root);
		if (!m->proc_root) {
			free(m);
			return NULL;
		}
	}
	m->census = 1;
	pthread_mutex_init(&m->snapshot_lock, NULL);
	return m;
}

void metrics__free(struct metrics *m)
{
	if (!m)
		return;
	tdestroy(m->procs, free_series);
	free(m->sampled);
	free(m->stale);
	free(m->snapshot);
	free(m->proc_root);
	pthread_mutex_destroy(&m->snapshot_lock);
	free(m);
}

static int grow_array(struct proc_series ***v, size_t *cap, size_t want)
{
	struct proc_series **bigger;
	size_t new_cap = *cap ? *cap : 64;

	if (want <= *cap)
		return 0;
	while (new_cap < want)
		new_cap *= 2;
	bigger = reallocarray(*v, new_cap, sizeof(**v));
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = new_cap;
	return 0;
}

/* The entry of @pid, created if new. */
static struct proc_series *series_of(struct metrics *m, __u32 pid)
{
	struct proc_series key = { .pid = pid }, *ps, **node;

	node = tfind(&key, &m->procs, cmp_pid);
	if (node)
		return *node;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return NULL;
	ps->pid = pid;
	node = tsearch(ps, &m->procs, cmp_pid);
	if (!node) {
		free(ps);
		return NULL;
	}
	m->nr_procs++;
	return ps;
}

int metrics__sample(struct metrics *m, const struct sample *s, const char *cgroup)
{
	struct proc_series *ps;

	if (grow_array(&m->sampled, &m->sampled_cap, m->nr_sampled + 1))
		return -ENOMEM;
	ps = series_of(m, s->pid);
	if (!ps)
		return -ENOMEM;
	if (cgroup && (!ps->cgroup || strcmp(ps->cgroup, cgroup))) {
		char *copy = strdup(cgroup);

		if (!copy)
			return -ENOMEM;
		free(ps->cgroup);
		ps->cgroup = copy;
		cgroup_identity_parse(copy, &ps->where);
	}
	if (ps->census != m->census)
		m->sampled[m->nr_sampled++] = ps;
	ps->census = m->census;
	ps->final = s->final;
	memcpy(ps->comm, s->comm, sizeof(ps->comm));
	ps->comm[sizeof(ps->comm) - 1] = '\0';
	ps->values[PM_THREADS] = s->threads;
	ps->values[PM_FUTEX_BLOCKED] = s->blocked;
	ps->values[PM_OTHER_BLOCKED] = s->other_blocked;
	ps->values[PM_LONGEST_FUTEX_WAIT] = s->max_wait_ns;
	ps->values[PM_LONGEST_LOCK_WAIT] = s->lock_wait_ns;
	ps->values[PM_LONGEST_IDLE_WAIT] = s->idle_wait_ns;
	ps->values[PM_GOROUTINES_BLOCKED_LONG] = s->goroutines_blocked;
	ps->has_goroutines = s->goroutines >= 0;
	ps->values[PM_GOROUTINES] = ps->has_goroutines ? (__u64)s->goroutines : 0;
	return 0;
}

int metrics__finding(struct metrics *m, const struct finding *f)
{
	struct proc_series *ps;
	enum proc_metric pm;

	switch (f->kind) {
	case FINDING_THREAD_LEAK:
		pm = PM_THREAD_LEAK;
		break;
	case FINDING_DEADLOCK:
		pm = PM_DEADLOCK;
		break;
	case FINDING_GOROUTINE_LEAK:
		pm = PM_GOROUTINE_LEAK;
		break;
	case FINDING_INCOMPLETE:
		pm = PM_INCOMPLETE;
		break;
	case FINDING_GOROUTINE_STUCK:
		pm = PM_STUCK_GOROUTINES;
		break;
	case FINDING_THREAD_STUCK:
		pm = PM_STUCK_THREADS;
		break;
	default:
		return 0;
	}
	if (f->summary)
		return 0;
	ps = series_of(m, f->pid);
	if (!ps)
		return -ENOMEM;
	if (pm == PM_STUCK_GOROUTINES || pm == PM_STUCK_THREADS) {
		if (f->stuck > ps->values[pm])
			ps->values[pm] = f->stuck; /* the largest stuck site, as last reported */
	} else
		ps->values[pm] = 1;
	return 0;
}

static bool has_finding(const struct proc_series *ps)
{
	return ps->values[PM_THREAD_LEAK] || ps->values[PM_DEADLOCK] ||
	       ps->values[PM_GOROUTINE_LEAK] || ps->values[PM_INCOMPLETE] ||
	       ps->values[PM_STUCK_GOROUTINES] || ps->values[PM_STUCK_THREADS];
}

/* Who gets a series of their own: findings first, then most threads. */
static int cmp_rank(const void *a, const void *b)
{
	const struct proc_series *x = *(struct proc_series *const *)a;
	const struct proc_series *y = *(struct proc_series *const *)b;

	if (has_finding(x) != has_finding(y))
		return has_finding(x) ? -1 : 1;
	if (x->values[PM_THREADS] != y->values[PM_THREADS])
		return x->values[PM_THREADS] > y->values[PM_THREADS] ? -1 : 1;
	return cmp_pid(x, y);
}

/* The cgroup of a process that got a series of its own without one. */
static void look_up_cgroup(const struct metrics *m, struct proc_series *ps)
{
	char path[PATH_MAX];

	if (ps->cgroup || !m->proc_root)
		return;
	if (proc_cgroup(m->proc_root, ps->pid, path, sizeof(path)))
		return; /* gone, or no cgroup: an empty label */
	ps->cgroup = strdup(path);
	cgroup_identity_parse(path, &ps->where);
}

const char *metrics__cgroup(struct metrics *m, __u32 pid, const struct cgroup_identity **where)
{
	struct proc_series *ps = series_of(m, pid);

	if (!ps)
		return NULL;
	look_up_cgroup(m, ps);
	*where = &ps->where;
	return ps->cgroup;
}

static void fold_into(struct proc_series *agg, const struct proc_series *ps)
{
	int i;

	for (i = 0; i < PM_MAX; i++) {
		if (proc_families[i].in_ns) { /* longest waits: the maximum */
			if (ps->values[i] > agg->values[i])
				agg->values[i] = ps->values[i];
		} else {
			agg->values[i] += ps->values[i];
		}
	}
	agg->has_goroutines |= ps->has_goroutines;
}

/* Nanoseconds as exact decimal seconds: 1500000000 -> "1.5". */
static void write_seconds(FILE *out, __u64 ns)
{
	char frac[16];
	int end;

	fprintf(out, "%llu", ns / NSEC_PER_SEC);
	if (!(ns % NSEC_PER_SEC))
		return;
	end = snprintf(frac, sizeof(frac), "%09llu", ns % NSEC_PER_SEC);
	while (end > 0 && frac[end - 1] == '0')
		frac[--end] = '\0';
	fprintf(out, ".%s", frac);
}

/*
 * A label value between its quotes: backslash, double quote and newline as
 * the format escapes them; other control characters (C1 too) and bytes that
 * are not UTF-8 as the literal text \xNN, which every parser accepts.
 */
static void write_label_value(FILE *out, const char *s, size_t max_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strnlen(s, max_len), i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		if (c == '\\' || c == '"') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c < 0x20 || c == 0x7f || !(n = utf8_seq_len(p + i, len - i)) ||
			   utf8_is_c1(p + i, n)) {
			fprintf(out, "\\\\x%02x", c);
		} else {
			fwrite(p + i, 1, n, out);
			i += n;
			continue;
		}
		i++;
	}
}

static void write_labels(FILE *out, const struct proc_series *ps, bool aggregate)
{
	if (aggregate) {
		fputs("{pid=\"\",comm=\"(other)\",cgroup=\"\"}", out);
		return;
	}
	fprintf(out, "{pid=\"%u\",comm=\"", ps->pid);
	write_label_value(out, ps->comm, sizeof(ps->comm));
	fputs("\",cgroup=\"", out);
	write_label_value(out, ps->cgroup ? ps->cgroup : "", SIZE_MAX);
	/* Empty labels are absent to Prometheus: written only when known. */
	if (ps->where.container_id[0]) {
		fputs("\",container_id=\"", out);
		write_label_value(out, ps->where.container_id, sizeof(ps->where.container_id));
	}
	if (ps->where.pod_uid[0]) {
		fputs("\",pod_uid=\"", out);
		write_label_value(out, ps->where.pod_uid, sizeof(ps->where.pod_uid));
	}
	if (ps->where.systemd_unit[0]) {
		fputs("\",systemd_unit=\"", out);
		write_label_value(out, ps->where.systemd_unit, sizeof(ps->where.systemd_unit));
	}
	fputs("\"}", out);
}

static void write_family_header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void write_proc_line(FILE *out, enum proc_metric pm, const struct proc_series *ps,
			    bool aggregate)
{
	fputs(proc_families[pm].name, out);
	write_labels(out, ps, aggregate);
	fputc(' ', out);
	if (proc_families[pm].in_ns)
		write_seconds(out, ps->values[pm]);
	else
		fprintf(out, "%llu", ps->values[pm]);
	fputc('\n', out);
}

static void write_proc_families(FILE *out, struct proc_series *const *own, size_t nr_own,
				const struct proc_series *agg, bool with_agg)
{
	bool any_go = with_agg && agg->has_goroutines;
	int pm;
	size_t i;

	for (i = 0; i < nr_own && !any_go; i++)
		any_go = own[i]->has_goroutines;
	for (pm = 0; pm < PM_MAX; pm++) {
		const struct proc_family *fam = &proc_families[pm];

		if (fam->go_only && !any_go)
			continue;
		write_family_header(out, fam->name, "gauge", fam->help);
		for (i = 0; i < nr_own; i++)
			if (!fam->go_only || own[i]->has_goroutines)
				write_proc_line(out, pm, own[i], false);
		if (with_agg && (!fam->go_only || agg->has_goroutines))
			write_proc_line(out, pm, agg, true);
	}
}

static void write_u64_metric(FILE *out, const char *name, const char *type, const char *help,
			     __u64 value)
{
	write_family_header(out, name, type, help);
	fprintf(out, "%s %llu\n", name, value);
}

static void write_seconds_metric(FILE *out, const char *name, const char *type, const char *help,
				 __u64 ns)
{
	write_family_header(out, name, type, help);
	fprintf(out, "%s ", name);
	write_seconds(out, ns);
	fputc('\n', out);
}

/* The sampled processes that had not exited: a final sample is their last. */
static size_t alive_processes(const struct metrics *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nr_sampled; i++)
		n += !m->sampled[i]->final;
	return n;
}

static void write_daemon_families(FILE *out, const struct metrics *m, size_t nr_aggregated,
				  const struct census_stats *cs, const struct metrics_self *self)
{
	write_u64_metric(out, "threadleak_processes", "gauge",
			 "Processes alive at the last census (not those it saw exit).",
			 alive_processes(m));
	write_u64_metric(out, "threadleak_processes_aggregated", "gauge",
			 "Processes beyond --max-series, summed into the series with pid=\"\".",
			 nr_aggregated);
	write_u64_metric(out, "threadleak_censuses_total", "counter",
			 "Censuses taken since threadleak started.", m->census);
	write_seconds_metric(out, "threadleak_census_duration_seconds", "gauge",
			     "How long the last census took (the BPF walk and its reading).",
			     cs->duration_ns);
	write_u64_metric(out, "threadleak_events_total", "counter",
			 "Thread lifecycle records delivered through the BPF ring buffer.",
			 cs->events);
	write_u64_metric(out, "threadleak_lost_events_total", "counter",
			 "Thread lifecycle records lost to a full BPF ring buffer.",
			 cs->lost_events);
	write_u64_metric(out, "threadleak_lost_threads_total", "counter",
			 "Threads not counted because a BPF map was full.", cs->lost_threads);
	if (!self)
		return;
	/* Milliseconds: what a float64 of unix seconds holds exactly enough. */
	write_seconds_metric(out, "threadleak_last_census_timestamp_seconds", "gauge",
			     "Unix time at which the last census ended.",
			     self->unix_ns - self->unix_ns % NSEC_PER_MSEC);
	write_seconds_metric(out, "threadleak_cpu_seconds_total", "counter",
			     "CPU time threadleak itself used, user and system.", self->cpu_ns);
	write_u64_metric(out, "threadleak_resident_memory_bytes", "gauge",
			 "Resident memory of threadleak itself.", self->rss_bytes);
	write_u64_metric(out, "threadleak_symbol_cache_bytes", "gauge",
			 "Heap held by the modules whose symbols are loaded (--symbol-cache).",
			 self->symbol_cache_bytes);
	write_u64_metric(out, "threadleak_symbol_cache_evictions_total", "counter",
			 "Modules whose symbols were dropped to stay under --symbol-cache.",
			 self->symbol_cache_evictions);
}

static int render_census(struct metrics *m, const struct census_stats *cs,
			 const struct metrics_self *self, char **text, size_t *len)
{
	struct proc_series agg = { 0 };
	size_t nr_own, i;
	FILE *out;

	qsort(m->sampled, m->nr_sampled, sizeof(*m->sampled), cmp_rank);
	nr_own = m->nr_sampled < m->max_series ? m->nr_sampled : m->max_series;
	for (i = 0; i < nr_own; i++)
		look_up_cgroup(m, m->sampled[i]);
	for (i = nr_own; i < m->nr_sampled; i++)
		fold_into(&agg, m->sampled[i]);

	out = open_memstream(text, len);
	if (!out)
		return -ENOMEM;
	write_proc_families(out, m->sampled, nr_own, &agg, nr_own < m->nr_sampled);
	write_daemon_families(out, m, m->nr_sampled - nr_own, cs, self);
	if (fclose(out)) {
		free(*text);
		return -ENOMEM;
	}
	return 0;
}

static void collect_stale(const void *node, VISIT which, void *closure)
{
	struct proc_series *ps = *(struct proc_series *const *)node;
	struct metrics *m = closure;

	if (which != postorder && which != leaf)
		return;
	if (ps->census != m->census || ps->final)
		m->stale[m->nr_stale++] = ps; /* room made before the walk */
}

/* Forget processes this census did not sample, and those that exited. */
static void forget_stale(struct metrics *m)
{
	size_t i;

	if (grow_array(&m->stale, &m->stale_cap, m->nr_procs))
		return; /* try again at the next census */
	m->nr_stale = 0;
	twalk_r(m->procs, collect_stale, m);
	for (i = 0; i < m->nr_stale; i++) {
		tdelete(m->stale[i], &m->procs, cmp_pid);
		free_series(m->stale[i]);
	}
	m->nr_procs -= m->nr_stale;
}

int metrics__end(struct metrics *m, const struct census_stats *cs, const struct metrics_self *self)
{
	char *text = NULL, *old;
	size_t len = 0;
	int err;

	err = render_census(m, cs, self, &text, &len);
	if (!err) {
		pthread_mutex_lock(&m->snapshot_lock);
		old = m->snapshot;
		m->snapshot = text;
		m->snapshot_len = len;
		pthread_mutex_unlock(&m->snapshot_lock);
		free(old);
	}
	forget_stale(m);
	m->nr_sampled = 0;
	m->census++;
	return err;
}

int metrics__render(struct metrics *m, char **buf, size_t *len)
{
	char *copy;
	size_t n;

	pthread_mutex_lock(&m->snapshot_lock);
	n = m->snapshot ? m->snapshot_len : 0;
	copy = malloc(n + 1);
	if (copy) {
		if (n)
			memcpy(copy, m->snapshot, n);
		copy[n] = '\0';
	}
	pthread_mutex_unlock(&m->snapshot_lock);
	if (!copy)
		return -ENOMEM;
	*buf = copy;
	*len = n;
	return 0;
}

size_t metrics__nr_procs(const struct metrics *m)
{
	return m->nr_procs;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int metrics__write_textfile(struct metrics *m, const char *dir)
{
	char path[PATH_MAX], tmp_path[PATH_MAX];
	size_t len;
	char *text;
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, METRICS_TEXTFILE_NAME) >=
		    (int)sizeof(path) ||
	    snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.XXXXXX", dir, METRICS_TEXTFILE_NAME) >=
		    (int)sizeof(tmp_path))
		return -ENAMETOOLONG;
	err = metrics__render(m, &text, &len);
	if (err)
		return err;
	/* Not *.prom until renamed: node_exporter ignores it meanwhile. */
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fchmod(fd, 0644))
		err = -errno;
	if (!err)
		err = write_all(fd, text, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp_path, path))
		err = -errno;
	if (err)
		unlink(tmp_path);
out:
	free(text);
	return err;
}

int metrics_self__read(struct metrics_self *self)
{
	unsigned long long resident_pages;
	struct timespec now;
	struct rusage ru;
	FILE *f;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	self->unix_ns = now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	self->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NSEC_PER_SEC +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * NSEC_PER_USEC;
	/* statm: size resident shared text lib data dt, in pages */
	f = fopen("/proc/self/statm", "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%*u %llu", &resident_pages);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	self->rss_bytes = resident_pages * sysconf(_SC_PAGESIZE);
	return 0;
}
