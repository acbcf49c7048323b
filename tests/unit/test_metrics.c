// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics registry on synthetic samples and findings: the exact
 * exposition text, label escaping, the cap on series with its aggregate,
 * forgetting exited processes, the textfile, and scrapes racing censuses.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup_identity.h"
#include "metrics.h"
#include "fake_proc.h"
#include "test.h"

static struct sample make_sample(__u32 pid, const char *comm, __u32 threads, __u32 blocked,
				 __u32 other_blocked, __u64 max_wait_ns)
{
	struct sample s = {
		.pid = pid,
		.threads = threads,
		.blocked = blocked,
		.other_blocked = other_blocked,
		.max_wait_ns = max_wait_ns,
		.goroutines = -1,
	};

	strncpy(s.comm, comm, sizeof(s.comm) - 1);
	return s;
}

static struct finding make_finding(enum finding_kind kind, __u32 pid, bool summary)
{
	struct finding f = { .kind = kind, .pid = pid, .summary = summary };

	return f;
}

static const struct census_stats census = {
	.duration_ns = 512000,
	.events = 141,
	.lost_events = 2,
	.lost_threads = 1,
};

static char *render(struct metrics *m)
{
	size_t len;
	char *text;

	if (metrics__render(m, &text, &len))
		return NULL;
	if (strlen(text) != len) {
		free(text);
		return NULL;
	}
	return text;
}

/* The value (after the line's last space) of the first line starting with
 * @series_prefix, or -1. */
static double value_of(const char *text, const char *series_prefix)
{
	const char *line = text, *eol, *space;
	size_t n = strlen(series_prefix);

	while (line && *line) {
		eol = strchrnul(line, '\n');
		if (!strncmp(line, series_prefix, n)) {
			space = memrchr(line, ' ', eol - line);
			return space ? strtod(space + 1, NULL) : -1;
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -1;
}

static int count_lines_starting(const char *text, const char *prefix)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		if (!strncmp(line, prefix, strlen(prefix)))
			n++;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return n;
}

#define LEAKY "{pid=\"42\",comm=\"a\\\\b\\\"c\\nd\",cgroup=\"/system.slice/leaky.service\",systemd_unit=\"leaky.service\"} "
#define WORKER "{pid=\"7\",comm=\"worker\",cgroup=\"/\"} "

static const char expected_exposition[] =
	"# HELP threadleak_process_threads Live threads of the process, counted exactly from scheduler events.\n"
	"# TYPE threadleak_process_threads gauge\n"
	"threadleak_process_threads" LEAKY "80\n"
	"threadleak_process_threads" WORKER "3\n"
	"# HELP threadleak_process_futex_blocked_threads Threads asleep in a futex wait (mutex, condvar, join, semaphore, rwlock).\n"
	"# TYPE threadleak_process_futex_blocked_threads gauge\n"
	"threadleak_process_futex_blocked_threads" LEAKY "70\n"
	"threadleak_process_futex_blocked_threads" WORKER "1\n"
	"# HELP threadleak_process_other_blocked_threads Threads asleep in a syscall other than futex (read, poll, accept, ...).\n"
	"# TYPE threadleak_process_other_blocked_threads gauge\n"
	"threadleak_process_other_blocked_threads" LEAKY "5\n"
	"threadleak_process_other_blocked_threads" WORKER "2\n"
	"# HELP threadleak_process_longest_futex_wait_seconds Deprecated: use threadleak_process_longest_lock_wait_seconds. The longest current futex wait of a thread of the process, idle ones included.\n"
	"# TYPE threadleak_process_longest_futex_wait_seconds gauge\n"
	"threadleak_process_longest_futex_wait_seconds" LEAKY "8.5\n"
	"threadleak_process_longest_futex_wait_seconds" WORKER "0.000001234\n"
	"# HELP threadleak_process_longest_lock_wait_seconds The longest current wait of a thread on a lock another thread holds (a mutex or rwlock with a live owner, a deadlock, a join of a thread itself stuck so).\n"
	"# TYPE threadleak_process_longest_lock_wait_seconds gauge\n"
	"threadleak_process_longest_lock_wait_seconds" LEAKY "2.5\n"
	"threadleak_process_longest_lock_wait_seconds" WORKER "0\n"
	"# HELP threadleak_process_longest_idle_wait_seconds The longest current futex wait of a thread on no held lock (condvar, semaphore, idle pool, a launcher's join): waits by design.\n"
	"# TYPE threadleak_process_longest_idle_wait_seconds gauge\n"
	"threadleak_process_longest_idle_wait_seconds" LEAKY "8.5\n"
	"threadleak_process_longest_idle_wait_seconds" WORKER "0.000001234\n"
	"# HELP threadleak_process_thread_leak 1 once a thread leak was found in the process, until it exits.\n"
	"# TYPE threadleak_process_thread_leak gauge\n"
	"threadleak_process_thread_leak" LEAKY "1\n"
	"threadleak_process_thread_leak" WORKER "0\n"
	"# HELP threadleak_process_deadlock 1 once a deadlock was found in the process, until it exits.\n"
	"# TYPE threadleak_process_deadlock gauge\n"
	"threadleak_process_deadlock" LEAKY "0\n"
	"threadleak_process_deadlock" WORKER "0\n"
	"# HELP threadleak_process_incomplete 1 once part of the process could not be read (malformed, over a budget, stalled), until it exits; the log says why.\n"
	"# TYPE threadleak_process_incomplete gauge\n"
	"threadleak_process_incomplete" LEAKY "0\n"
	"threadleak_process_incomplete" WORKER "0\n"
	"# HELP threadleak_process_stuck_threads Threads of one start routine found stuck in one kind of wait (a thread_stuck finding): the largest such site as last reported, until it exits.\n"
	"# TYPE threadleak_process_stuck_threads gauge\n"
	"threadleak_process_stuck_threads" LEAKY "0\n"
	"threadleak_process_stuck_threads" WORKER "0\n"
	"# HELP threadleak_processes Processes alive at the last census (not those it saw exit).\n"
	"# TYPE threadleak_processes gauge\n"
	"threadleak_processes 2\n"
	"# HELP threadleak_processes_aggregated Processes beyond --max-series, summed into the series with pid=\"\".\n"
	"# TYPE threadleak_processes_aggregated gauge\n"
	"threadleak_processes_aggregated 0\n"
	"# HELP threadleak_censuses_total Censuses taken since threadleak started.\n"
	"# TYPE threadleak_censuses_total counter\n"
	"threadleak_censuses_total 1\n"
	"# HELP threadleak_census_duration_seconds How long the last census took (the BPF walk and its reading).\n"
	"# TYPE threadleak_census_duration_seconds gauge\n"
	"threadleak_census_duration_seconds 0.000512\n"
	"# HELP threadleak_events_total Thread lifecycle records delivered through the BPF ring buffer.\n"
	"# TYPE threadleak_events_total counter\n"
	"threadleak_events_total 141\n"
	"# HELP threadleak_lost_events_total Thread lifecycle records lost to a full BPF ring buffer.\n"
	"# TYPE threadleak_lost_events_total counter\n"
	"threadleak_lost_events_total 2\n"
	"# HELP threadleak_lost_threads_total Threads not counted because a BPF map was full.\n"
	"# TYPE threadleak_lost_threads_total counter\n"
	"threadleak_lost_threads_total 1\n"
	"# HELP threadleak_last_census_timestamp_seconds Unix time at which the last census ended.\n"
	"# TYPE threadleak_last_census_timestamp_seconds gauge\n"
	"threadleak_last_census_timestamp_seconds 1795687518.397\n"
	"# HELP threadleak_cpu_seconds_total CPU time threadleak itself used, user and system.\n"
	"# TYPE threadleak_cpu_seconds_total counter\n"
	"threadleak_cpu_seconds_total 1.25\n"
	"# HELP threadleak_resident_memory_bytes Resident memory of threadleak itself.\n"
	"# TYPE threadleak_resident_memory_bytes gauge\n"
	"threadleak_resident_memory_bytes 4096\n"
	"# HELP threadleak_symbol_cache_bytes Heap held by the modules whose symbols are loaded (--symbol-cache).\n"
	"# TYPE threadleak_symbol_cache_bytes gauge\n"
	"threadleak_symbol_cache_bytes 65536\n"
	"# HELP threadleak_symbol_cache_evictions_total Modules whose symbols were dropped to stay under --symbol-cache.\n"
	"# TYPE threadleak_symbol_cache_evictions_total counter\n"
	"threadleak_symbol_cache_evictions_total 3\n";

/* Two processes, one with a leak, in the order the detector reports them:
 * a process's findings, then its sample. */
static int feed_two_processes(struct metrics *m)
{
	struct sample leaky = make_sample(42, "a\\b\"c\nd", 80, 70, 5, 8500000000ULL);
	struct sample worker = make_sample(7, "worker", 3, 1, 2, 1234);
	struct finding leak = make_finding(FINDING_THREAD_LEAK, 42, false);
	struct finding long_wait = make_finding(FINDING_LONG_WAIT, 7, false);
	struct finding restated = make_finding(FINDING_DEADLOCK, 7, true);
	int err = 0;

	leaky.lock_wait_ns = 2500000000ULL;
	leaky.idle_wait_ns = 8500000000ULL;
	worker.idle_wait_ns = 1234;
	err = err ?: metrics__finding(m, &leak);
	err = err ?: metrics__sample(m, &leaky, "/system.slice/leaky.service");
	err = err ?: metrics__finding(m, &long_wait);
	err = err ?: metrics__sample(m, &worker, "/");
	err = err ?: metrics__finding(m, &restated); /* summaries change nothing */
	return err;
}

void test_metrics_exposition(void)
{
	struct metrics_self self = {
		.cpu_ns = 1250000000,
		.rss_bytes = 4096,
		.symbol_cache_bytes = 65536,
		.symbol_cache_evictions = 3,
		.unix_ns = 1795687518397654321ULL, /* to the millisecond */
	};
	struct metrics *m = metrics__new(NULL);
	char *text = NULL;

	if (!ASSERT_TRUE(m, "new"))
		return;
	text = render(m);
	if (!ASSERT_STREQ(text, "", "empty before the first census"))
		goto out;
	free(text);
	if (!ASSERT_OK(feed_two_processes(m), "feed"))
		goto out;
	if (!ASSERT_OK(metrics__end(m, &census, &self), "end"))
		goto out;
	text = render(m);
	ASSERT_STREQ(text, expected_exposition, "exposition");
out:
	free(text);
	metrics__free(m);
}

void test_metrics_label_escaping(void)
{
	static const struct {
		const char *name, *comm, *want;
	} cases[] = {
		{ "backslash_quote_newline", "a\\b\"c\nd", "comm=\"a\\\\b\\\"c\\nd\"" },
		{ "utf8_kept", "caf\xc3\xa9 \xe2\x82\xac", "comm=\"caf\xc3\xa9 \xe2\x82\xac\"" },
		{ "invalid_byte", "x\xffy", "comm=\"x\\\\xffy\"" },
		{ "truncated_sequence", "ab\xc3", "comm=\"ab\\\\xc3\"" },
		{ "surrogate", "\xed\xa0\x80", "comm=\"\\\\xed\\\\xa0\\\\x80\"" },
		{ "overlong", "\xc0\xaf", "comm=\"\\\\xc0\\\\xaf\"" },
		{ "control", "t\tx\x7f", "comm=\"t\\\\x09x\\\\x7f\"" },
		{ "full_length", "123456789012345", "comm=\"123456789012345\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics *m = metrics__new(NULL);
		struct sample s = make_sample(1, cases[i].comm, 1, 0, 0, 0);
		char *text = NULL;

		test__start_subtest(cases[i].name);
		if (!ASSERT_TRUE(m, "new"))
			return;
		if (ASSERT_OK(metrics__sample(m, &s, "/a\"b\\c"), "sample") &&
		    ASSERT_OK(metrics__end(m, &census, NULL), "end") &&
		    ASSERT_TRUE((text = render(m)), "render")) {
			if (!ASSERT_TRUE(strstr(text, cases[i].want), cases[i].want))
				fprintf(stderr, "%s", text);
			ASSERT_TRUE(strstr(text, "cgroup=\"/a\\\"b\\\\c\"}"), "cgroup escaped");
			ASSERT_FALSE(strstr(text, "threadleak_cpu_seconds_total"), "no self");
			ASSERT_FALSE(strstr(text, "threadleak_last_census"), "no time");
		}
		free(text);
		metrics__free(m);
	}
}

/*
 * Six processes, max_series 3: the deadlocked one (fewest threads) first,
 * then the two with most threads; the other three summed, their longest
 * wait the maximum.
 */
void test_metrics_cardinality(void)
{
	struct metrics_opts opts = { .max_series = 3 };
	struct metrics *m = metrics__new(&opts);
	struct finding deadlock = make_finding(FINDING_DEADLOCK, 6, false);
	struct finding leak = make_finding(FINDING_THREAD_LEAK, 4, false);
	struct sample s[] = {
		make_sample(1, "ten", 10, 1, 1, 1000000000),
		make_sample(2, "fifty", 50, 2, 2, 0),
		make_sample(3, "twenty", 20, 3, 3, 3000000000ULL),
		make_sample(4, "five", 5, 4, 4, 2000000000),
		make_sample(5, "forty", 40, 5, 5, 0),
		make_sample(6, "stuck", 2, 2, 0, 0),
	};
	char *text = NULL;
	size_t i;

	if (!ASSERT_TRUE(m, "new"))
		return;
	s[0].idle_wait_ns = 1000000000; /* aggregated: ten */
	s[3].lock_wait_ns = 2000000000; /* aggregated: five */
	s[3].idle_wait_ns = 500000000;
	s[1].lock_wait_ns = 9000000000ULL; /* its own series: fifty */
	ASSERT_OK(metrics__finding(m, &deadlock), "deadlock");
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		ASSERT_OK(metrics__sample(m, &s[i], NULL), "sample");
	if (!ASSERT_OK(metrics__end(m, &census, NULL), "end") ||
	    !ASSERT_TRUE((text = render(m)), "render"))
		goto out;
	ASSERT_EQ(count_lines_starting(text, "threadleak_process_threads{"), 4,
		  "3 own + aggregate");
	ASSERT_EQ(value_of(text, "threadleak_process_threads{pid=\"6\""), 2, "deadlocked kept");
	ASSERT_EQ(value_of(text, "threadleak_process_threads{pid=\"2\""), 50, "most threads");
	ASSERT_EQ(value_of(text, "threadleak_process_threads{pid=\"5\""), 40, "second most");
	ASSERT_EQ(value_of(text, "threadleak_process_threads{pid=\"3\""), -1, "aggregated");
	ASSERT_EQ(value_of(text,
			   "threadleak_process_threads{pid=\"\",comm=\"(other)\",cgroup=\"\"}"),
		  10 + 20 + 5, "aggregate threads");
	ASSERT_EQ(value_of(text, "threadleak_process_futex_blocked_threads{pid=\"\""), 1 + 3 + 4,
		  "aggregate futex");
	ASSERT_EQ(value_of(text, "threadleak_process_longest_futex_wait_seconds{pid=\"\""), 3,
		  "aggregate wait is the max");
	ASSERT_EQ(value_of(text, "threadleak_process_longest_lock_wait_seconds{pid=\"\""), 2,
		  "aggregate lock wait is the max");
	ASSERT_EQ(value_of(text, "threadleak_process_longest_idle_wait_seconds{pid=\"\""), 1,
		  "aggregate idle wait is the max");
	ASSERT_EQ(value_of(text, "threadleak_process_deadlock{pid=\"6\""), 1, "deadlock state");
	ASSERT_EQ(value_of(text, "threadleak_processes "), 6, "processes");
	ASSERT_EQ(value_of(text, "threadleak_processes_aggregated "), 3, "aggregated");
	free(text);
	text = NULL;

	/* A leak found in an aggregated process gives it a series of its own. */
	ASSERT_OK(metrics__finding(m, &leak), "leak");
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		ASSERT_OK(metrics__sample(m, &s[i], NULL), "sample");
	if (!ASSERT_OK(metrics__end(m, &census, NULL), "end") ||
	    !ASSERT_TRUE((text = render(m)), "render"))
		goto out;
	ASSERT_EQ(value_of(text, "threadleak_process_thread_leak{pid=\"4\""), 1, "leak own series");
	ASSERT_EQ(value_of(text, "threadleak_process_threads{pid=\"5\""), -1, "now aggregated");
	ASSERT_EQ(value_of(text, "threadleak_process_thread_leak{pid=\"\""), 0, "aggregate leaks");
	ASSERT_EQ(count_lines_starting(text, "threadleak_process_deadlock{"), 4, "still capped");
out:
	free(text);
	metrics__free(m);
}

/* Memory stays bounded under churn: only the last census's processes are
 * kept; a final sample and a process not sampled are forgotten, and a pid
 * reused later starts with no finding. */
void test_metrics_forgets_exited(void)
{
	struct metrics *m = metrics__new(NULL);
	struct finding leak = make_finding(FINDING_THREAD_LEAK, 5, false);
	char *text = NULL;
	struct sample s;
	int round, i;

	if (!ASSERT_TRUE(m, "new"))
		return;
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 1000; i++) {
			s = make_sample(100000 + round * 1000 + i, "churn", 1, 0, 0, 0);
			metrics__sample(m, &s, "/churn.slice");
		}
		metrics__end(m, &census, NULL);
		if (!ASSERT_EQ(metrics__nr_procs(m), 1000, "kept: the last census"))
			goto out;
	}

	metrics__finding(m, &leak);
	s = make_sample(5, "leaky", 30, 0, 0, 0);
	metrics__sample(m, &s, NULL);
	metrics__end(m, &census, NULL);
	ASSERT_EQ(metrics__nr_procs(m), 1, "others forgotten");

	s.final = true; /* it exited: shown once more, then forgotten */
	metrics__sample(m, &s, NULL);
	metrics__end(m, &census, NULL);
	ASSERT_EQ(metrics__nr_procs(m), 0, "final forgotten");
	text = render(m);
	if (ASSERT_TRUE(text, "render"))
		ASSERT_EQ(value_of(text, "threadleak_process_thread_leak{pid=\"5\""), 1,
			  "final sample still published");
	if (text)
		ASSERT_EQ(value_of(text, "threadleak_processes "), 0, "an exited process is not alive");
	free(text);

	s = make_sample(5, "reused", 2, 0, 0, 0);
	metrics__sample(m, &s, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	if (ASSERT_TRUE(text, "render"))
		ASSERT_EQ(value_of(text, "threadleak_process_thread_leak{pid=\"5\""), 0,
			  "reused pid starts clean");

	/* A finding for a process no census samples is not kept either. */
	leak.pid = 77;
	metrics__finding(m, &leak);
	metrics__end(m, &census, NULL);
	ASSERT_EQ(metrics__nr_procs(m), 0, "finding without sample");
out:
	free(text);
	metrics__free(m);
}

void test_metrics_goroutines(void)
{
	struct metrics *m = metrics__new(NULL);
	struct finding leak = make_finding(FINDING_GOROUTINE_LEAK, 9, false);
	struct sample go = make_sample(9, "gosvc", 8, 1, 6, 0);
	struct sample c = make_sample(10, "csvc", 4, 0, 0, 0);
	char *text = NULL;

	if (!ASSERT_TRUE(m, "new"))
		return;
	go.goroutines = 1200;
	go.goroutines_blocked = 37;
	metrics__finding(m, &leak);
	metrics__sample(m, &go, NULL);
	metrics__sample(m, &c, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	if (!ASSERT_TRUE(text, "render"))
		goto out;
	ASSERT_EQ(value_of(text, "threadleak_process_goroutines{pid=\"9\""), 1200, "goroutines");
	ASSERT_EQ(value_of(text, "threadleak_process_goroutine_leak{pid=\"9\""), 1, "leak");
	ASSERT_EQ(value_of(text, "threadleak_process_goroutines_blocked_long{pid=\"9\""), 37,
		  "blocked long");
	ASSERT_EQ(value_of(text, "threadleak_process_goroutines_blocked_long{pid=\"10\""), -1,
		  "not Go: no series");
	ASSERT_EQ(value_of(text, "threadleak_process_goroutines{pid=\"10\""), -1, "not Go");
	ASSERT_EQ(value_of(text, "threadleak_process_thread_leak{pid=\"9\""), 0, "no thread leak");
	free(text);

	/* Without Go processes the goroutine families are not there at all. */
	metrics__sample(m, &c, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	if (ASSERT_TRUE(text, "render"))
		ASSERT_FALSE(strstr(text, "goroutine"), "no goroutine families");
out:
	free(text);
	metrics__free(m);
}

/* A stuck site's count, raised by its updates, kept until the process exits. */
void test_metrics_stuck(void)
{
	struct metrics *m = metrics__new(NULL);
	struct finding g = make_finding(FINDING_GOROUTINE_STUCK, 9, false);
	struct finding t = make_finding(FINDING_THREAD_STUCK, 10, false);
	struct sample go = make_sample(9, "gosvc", 8, 1, 6, 0);
	struct sample c = make_sample(10, "csvc", 2004, 2000, 0, 0);
	char *text = NULL;

	if (!ASSERT_TRUE(m, "new"))
		return;
	go.goroutines = 10001;
	g.stuck = 10000;
	t.stuck = 2000;
	metrics__finding(m, &g);
	metrics__finding(m, &t);
	g.stuck = 11000;
	g.update = true;
	metrics__finding(m, &g);
	g.stuck = 1;
	g.summary = true; /* restated at the end: changes nothing */
	metrics__finding(m, &g);
	metrics__sample(m, &go, NULL);
	metrics__sample(m, &c, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	if (!ASSERT_TRUE(text, "render"))
		goto out;
	ASSERT_EQ(value_of(text, "threadleak_process_stuck_goroutines{pid=\"9\""), 11000,
		  "goroutines, updated");
	ASSERT_EQ(value_of(text, "threadleak_process_stuck_threads{pid=\"10\""), 2000, "threads");
	ASSERT_EQ(value_of(text, "threadleak_process_stuck_threads{pid=\"9\""), 0, "none");
	ASSERT_EQ(value_of(text, "threadleak_process_stuck_goroutines{pid=\"10\""), -1, "not Go");
out:
	free(text);
	metrics__free(m);
}

static int count_dir_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static char *read_whole(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	return buf;
}

void test_metrics_textfile(void)
{
	char dir[] = "/tmp/threadleak-metrics-XXXXXX", path[256], *want = NULL, *got = NULL;
	struct sample s = make_sample(42, "leaky", 10, 0, 0, 0);
	struct metrics *m = metrics__new(NULL);
	mode_t old_umask = umask(077);
	struct stat st;
	int reader = -1;
	char first[32] = "";

	if (!ASSERT_TRUE(m, "new") || !ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		goto out;
	snprintf(path, sizeof(path), "%s/threadleak.prom", dir);
	metrics__sample(m, &s, NULL);
	metrics__end(m, &census, NULL);
	if (!ASSERT_OK(metrics__write_textfile(m, dir), "write"))
		goto out;
	want = render(m);
	got = read_whole(path);
	ASSERT_STREQ(got, want, "content is the snapshot");
	if (ASSERT_OK(stat(path, &st), "stat"))
		ASSERT_EQ(st.st_mode & 07777, 0644, "mode 0644 whatever the umask");
	ASSERT_EQ(count_dir_entries(dir), 1, "no temporary file left");

	/* A reader that opened the old file keeps reading the old content:
	 * the new one replaces it by rename, never in place. */
	reader = open(path, O_RDONLY | O_CLOEXEC);
	s.threads = 99;
	metrics__sample(m, &s, NULL);
	metrics__end(m, &census, NULL);
	ASSERT_OK(metrics__write_textfile(m, dir), "rewrite");
	if (ASSERT_TRUE(reader >= 0, "open") &&
	    ASSERT_TRUE(read(reader, first, sizeof(first) - 1) > 0, "read old"))
		ASSERT_TRUE(!strncmp(first, "# HELP threadleak_process_threads", 20), "old intact");
	free(got);
	got = read_whole(path);
	ASSERT_TRUE(
		got && strstr(got,
			      "threadleak_process_threads{pid=\"42\",comm=\"leaky\",cgroup=\"\"} 99\n"),
		"new content");
	ASSERT_EQ(count_dir_entries(dir), 1, "still one file");

	ASSERT_EQ(metrics__write_textfile(m, "/nonexistent/threadleak"), -ENOENT, "missing dir");
out:
	if (reader >= 0)
		close(reader);
	unlink(path);
	rmdir(dir);
	umask(old_umask);
	free(want);
	free(got);
	metrics__free(m);
}

struct scrape_check {
	struct metrics *m;
	atomic_bool stop;
	int scrapes, torn, series_seen;
};

/* In every census k, each of the 50 processes has k threads: a snapshot
 * mixing two censuses would show two values. */
static void *scrape_loop(void *arg)
{
	struct scrape_check *sc = arg;

	while (!atomic_load(&sc->stop)) {
		char *text, *line;
		double first = -1, v, censuses;
		size_t len;

		if (metrics__render(sc->m, &text, &len))
			continue;
		censuses = value_of(text, "threadleak_censuses_total ");
		for (line = strstr(text, "\nthreadleak_process_threads{"); line;
		     line = strstr(line + 1, "\nthreadleak_process_threads{")) {
			v = strtod(strchr(line, '}') + 2, NULL);
			if (first < 0)
				first = v;
			sc->series_seen++;
			if (v != first || v != censuses)
				sc->torn++;
		}
		sc->scrapes++;
		free(text);
	}
	return NULL;
}

void test_metrics_render_concurrent(void)
{
	struct scrape_check sc = { .m = metrics__new(NULL) };
	pthread_t scraper;
	int census_nr, pid;

	if (!ASSERT_TRUE(sc.m, "new"))
		return;
	if (!ASSERT_OK(pthread_create(&scraper, NULL, scrape_loop, &sc), "thread"))
		goto out;
	for (census_nr = 1; census_nr <= 2000; census_nr++) {
		for (pid = 1; pid <= 50; pid++) {
			struct sample s = make_sample(pid, "p", census_nr, 0, 0, 0);

			metrics__sample(sc.m, &s, "/");
		}
		metrics__end(sc.m, &census, NULL);
	}
	atomic_store(&sc.stop, true);
	pthread_join(scraper, NULL);
	ASSERT_TRUE(sc.scrapes > 0 && sc.series_seen > 0, "scraped");
	ASSERT_EQ(sc.torn, 0, "every scrape is one whole census");
out:
	metrics__free(sc.m);
}

void test_metrics_self_read(void)
{
	struct metrics_self self = { 0 };
	volatile unsigned long spin = 0;
	struct timespec before, after;

	while (spin < 20000000)
		spin++;
	clock_gettime(CLOCK_REALTIME, &before);
	if (!ASSERT_OK(metrics_self__read(&self), "read"))
		return;
	clock_gettime(CLOCK_REALTIME, &after);
	ASSERT_TRUE(self.unix_ns >= before.tv_sec * 1000000000ULL + before.tv_nsec &&
			    self.unix_ns <= after.tv_sec * 1000000000ULL + after.tv_nsec,
		    "the time of the reading");
	ASSERT_TRUE(self.cpu_ns > 0, "cpu time");
	ASSERT_TRUE(self.rss_bytes > 4096, "rss");
}

/* Samples without a cgroup: read from proc_root once, only for processes
 * with series of their own. */
void test_metrics_cgroup_lookup(void)
{
	char root[] = "/tmp/threadleak-metrics-proc-XXXXXX";
	struct metrics_opts opts = { .max_series = 2, .proc_root = root };
	struct sample big = make_sample(42, "big", 10, 0, 0, 0);
	struct sample gone = make_sample(44, "gone", 5, 0, 0, 0);
	struct sample small = make_sample(43, "small", 1, 0, 0, 0);
	struct metrics *m = NULL;
	char *text = NULL;

	if (!ASSERT_TRUE(mkdtemp(root), "mkdtemp"))
		return;
	m = metrics__new(&opts);
	if (!ASSERT_TRUE(m, "new") ||
	    !ASSERT_OK(fake_proc_cgroup(root, 42, "0::/system.slice/big.service\n"), "fixture") ||
	    !ASSERT_OK(fake_proc_cgroup(root, 43, "0::/user.slice\n"), "fixture"))
		goto out;
	metrics__sample(m, &big, NULL);
	metrics__sample(m, &gone, NULL);
	metrics__sample(m, &small, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	if (!ASSERT_TRUE(text, "render"))
		goto out;
	ASSERT_TRUE(strstr(text, "{pid=\"42\",comm=\"big\",cgroup=\"/system.slice/big.service\",systemd_unit=\"big.service\"}"),
		    "read from proc_root");
	ASSERT_TRUE(strstr(text, "{pid=\"44\",comm=\"gone\",cgroup=\"\"}"), "no file: empty");
	free(text);

	/* Read once: a later change of the file is not seen; a cgroup handed
	 * in is. */
	fake_proc_cgroup(root, 42, "0::/moved\n");
	metrics__sample(m, &big, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	ASSERT_TRUE(text && strstr(text, "cgroup=\"/system.slice/big.service\",systemd_unit=\"big.service\"}"), "cached");
	free(text);
	metrics__sample(m, &big, "/given");
	metrics__end(m, &census, NULL);
	text = render(m);
	ASSERT_TRUE(text && strstr(text, "{pid=\"42\",comm=\"big\",cgroup=\"/given\"}"), "given");
	free(text);
	/* A pod's container: its id and the pod's UID as labels of their own. */
	metrics__sample(m, &big,
			"/kubepods.slice/kubepods-burstable.slice/"
			"kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/"
			"cri-containerd-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope");
	metrics__end(m, &census, NULL);
	text = render(m);
	ASSERT_TRUE(text && strstr(text, ".scope\",container_id=\"4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b\","
					 "pod_uid=\"1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d\"}"),
		    "pod labels");
out:
	free(text);
	metrics__free(m);
	fake_proc_remove(root, 42);
	fake_proc_remove(root, 43);
	rmdir(root);
}

/* A finding's cgroup is its series' label: one read serves both. */
void test_metrics_cgroup_of_finding(void)
{
	char root[] = "/tmp/threadleak-metrics-where-XXXXXX";
	struct metrics_opts opts = { .max_series = 2, .proc_root = root };
	struct sample big = make_sample(42, "big", 10, 0, 0, 0);
	const struct cgroup_identity *where = NULL;
	struct metrics *m = NULL;
	const char *cgroup;
	char *text = NULL;

	if (!ASSERT_TRUE(mkdtemp(root), "mkdtemp"))
		return;
	m = metrics__new(&opts);
	if (!ASSERT_TRUE(m, "new") ||
	    !ASSERT_OK(fake_proc_cgroup(root, 42, "0::/system.slice/big.service\n"), "fixture"))
		goto out;
	cgroup = metrics__cgroup(m, 42, &where);
	if (!ASSERT_TRUE(cgroup && where, "looked up"))
		goto out;
	ASSERT_STREQ(cgroup, "/system.slice/big.service", "path");
	ASSERT_STREQ(where->systemd_unit, "big.service", "unit");
	ASSERT_NULL(metrics__cgroup(m, 44, &where), "no such process");

	/* The series uses what the finding read, not a second read. */
	fake_proc_cgroup(root, 42, "0::/moved\n");
	metrics__sample(m, &big, NULL);
	metrics__end(m, &census, NULL);
	text = render(m);
	ASSERT_TRUE(text && strstr(text, "{pid=\"42\",comm=\"big\",cgroup=\"/system.slice/big.service\",systemd_unit=\"big.service\"}"),
		    "label is the finding's cgroup");
	ASSERT_TRUE(text && !strstr(text, "pid=\"44\""), "a lookup alone makes no series");
	ASSERT_EQ(metrics__nr_procs(m), 1, "the unsampled lookup forgotten");
out:
	free(text);
	metrics__free(m);
	fake_proc_remove(root, 42);
	rmdir(root);
}
