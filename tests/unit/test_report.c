// SPDX-License-Identifier: GPL-2.0
/*
 * The report layer on findings written as struct literals: the exact text
 * and JSON each format makes of the facts a finding carries, and the
 * public API the monitor uses (findings only, a new output).
 */
#include <stdlib.h>
#include "report.h"
#include "report_words.h"
#include "test.h"

#define S 1000000000ULL

static const struct finding_ctx deadlock_members[] = {
	{ .id = 11, .site = { FSITE_SYMBOL, "worker_a" }, .state = FSTATE_WAITING,
	  .prim = PRIM_MUTEX, .syscall_nr = -1, .lock_addr = 0x1000, .lock_symbol = "lock_a",
	  .owner_tid = 12 },
	{ .id = 12, .site = { FSITE_SYMBOL, "worker_b" }, .state = FSTATE_WAITING,
	  .prim = PRIM_MUTEX, .syscall_nr = -1, .lock_addr = 0x2000, .owner_tid = 11 },
};

static const struct finding deadlock = {
	.kind = FINDING_DEADLOCK,
	.ts_ns = 2 * S,
	.pid = 7,
	.comm = "app",
	.members = deadlock_members,
	.nr_members = 2,
	.prim = PRIM_MUTEX,
};

static const char *const read_stack[] = { "f1", "main" };

/* The main thread in read(2) for 30 s, no owner. */
static const struct finding long_read = {
	.kind = FINDING_LONG_WAIT,
	.ts_ns = 2 * S,
	.pid = 7,
	.comm = "app",
	.waiter = { .id = 21, .site = { FSITE_MAIN_THREAD }, .state = FSTATE_WAITING,
		    .prim = PRIM_SYSCALL, .syscall_nr = 0 /* read */, .wait_ns = 30 * S,
		    .owner_tid = -1, .stack = read_stack, .nr_stack = 2 },
};

/* A join of a running thread, and of one that exited. */
static const struct finding long_join = {
	.kind = FINDING_LONG_WAIT,
	.ts_ns = 2 * S,
	.pid = 7,
	.comm = "app",
	.waiter = { .id = 31, .site = { FSITE_UNKNOWN_ROUTINE }, .state = FSTATE_WAITING,
		    .prim = PRIM_JOIN, .syscall_nr = -1, .wait_ns = 12 * S, .owner_tid = 32 },
	.has_owner = true,
	.owner = { .id = 32, .site = { FSITE_SYMBOL, "loop" }, .state = FSTATE_RUNNING,
		   .syscall_nr = -1, .owner_tid = -1 },
};

static const struct finding thread_leak = {
	.kind = FINDING_THREAD_LEAK,
	.ts_ns = 2 * S,
	.pid = 7,
	.comm = "app",
	.site = { FSITE_SYMBOL, "worker" },
	.live = 5,
	.growth = 5,
	.window_ns = 10 * S,
	.created = 5,
	.blocked = 5,
	.by_prim = { [PRIM_SYSCALL] = 5 },
	.max_wait_ns = 20 * S,
	.sample = { .id = 41, .site = { FSITE_SYMBOL, "worker" }, .state = FSTATE_WAITING,
		    .prim = PRIM_SYSCALL, .syscall_nr = 7 /* poll */, .wait_ns = 20 * S,
		    .owner_tid = -1 },
};

static const struct finding goroutine_leak = {
	.kind = FINDING_GOROUTINE_LEAK,
	.ts_ns = 2 * S,
	.pid = 7,
	.comm = "app",
	.site = { FSITE_UNKNOWN_CREATOR },
	.function = "main.work",
	.live = 3,
	.growth = 3,
	.window_ns = 180 * S,
	.exited = 1,
	.blocked = 3,
	.reasons = { { "chan receive", 3 } },
	.nr_reasons = 1,
	.max_wait_ns = 90 * S,
	.sample = { .id = 9, .goroutine = true, .site = { FSITE_UNKNOWN_CREATOR },
		    .state = FSTATE_WAITING, .wait_reason = "chan receive", .wait_ns = 90 * S,
		    .syscall_nr = -1, .owner_tid = -1 },
};

/* @f as @format writes it, through the sink. */
static char *render(enum report_format format, bool top, const struct finding *f)
{
	struct report_opts opts = { .format = format, .top = top };
	struct detector_sink sink;
	struct report *r;
	char *text = NULL;
	size_t len;

	opts.out = open_memstream(&text, &len);
	if (!opts.out)
		return NULL;
	r = report__new(&opts);
	if (r) {
		report__sink(r, &sink);
		sink.finding(sink.ctx, f);
	}
	report__free(r);
	fclose(opts.out);
	return text;
}

static void assert_renders(const struct finding *f, const char *text, const char *json)
{
	char *got = render(REPORT_TEXT, false, f);

	ASSERT_STREQ(got, text, "text");
	free(got);
	got = render(REPORT_JSON, false, f);
	ASSERT_STREQ(got, json, "json");
	free(got);
	/* With top, JSON findings are the same lines. */
	got = render(REPORT_JSON, true, f);
	ASSERT_STREQ(got, json, "top json");
	free(got);
}

void test_report_deadlock(void)
{
	assert_renders(&deadlock,
		       "\ndeadlock: pid 7 (app): 2 threads wait for each other (mutex)\n"
		       "  thread 11 (worker_a) holds mutex 0x2000, waits for mutex lock_a (0x1000)\n"
		       "  thread 12 (worker_b) holds mutex lock_a (0x1000), waits for mutex 0x2000\n",
		       "{\"type\":\"finding\",\"kind\":\"deadlock\",\"ts\":2.000,\"pid\":7,"
		       "\"comm\":\"app\",\"threads\":[{\"tid\":11,\"site\":\"worker_a\","
		       "\"holds\":\"mutex 0x2000\",\"waits_for\":\"mutex lock_a (0x1000)\","
		       "\"stack\":[]},{\"tid\":12,\"site\":\"worker_b\","
		       "\"holds\":\"mutex lock_a (0x1000)\",\"waits_for\":\"mutex 0x2000\","
		       "\"stack\":[]}],\"primitive\":\"mutex\"}\n");
}

void test_report_long_wait(void)
{
	if (test__start_subtest("syscall"))
		assert_renders(&long_read,
			       "\nlong wait: pid 7 (app): thread 21 in read for 30.0 s\n"
			       "  thread 21 (main thread) [read, 30.0 s]:\n"
			       "    f1\n"
			       "    main\n",
			       "{\"type\":\"finding\",\"kind\":\"long_wait\",\"ts\":2.000,\"pid\":7,"
			       "\"comm\":\"app\",\"tid\":21,\"site\":\"main thread\","
			       "\"wait_s\":30.000,\"primitive\":\"read\",\"owner_tid\":null,"
			       "\"stack\":[\"f1\",\"main\"]}\n");
	if (test__start_subtest("join"))
		assert_renders(&long_join,
			       "\nlong wait: pid 7 (app): thread 31 in a join wait for 12.0 s, "
			       "joining thread 32\n"
			       "  thread 31 (unknown start routine) [join wait, 12.0 s]\n"
			       "  owner thread 32 (loop) [running]\n",
			       "{\"type\":\"finding\",\"kind\":\"long_wait\",\"ts\":2.000,\"pid\":7,"
			       "\"comm\":\"app\",\"tid\":31,\"site\":\"unknown start routine\","
			       "\"wait_s\":12.000,\"primitive\":\"join\",\"owner_tid\":32,"
			       "\"stack\":[],\"owner\":{\"tid\":32,\"site\":\"loop\","
			       "\"state\":\"running\",\"stack\":[]}}\n");
	if (test__start_subtest("owner exited")) {
		struct finding f = long_join;

		/* As the detector says an owner it no longer has. */
		f.owner = (struct finding_ctx){ .id = 32, .syscall_nr = -1, .owner_tid = -1 };
		assert_renders(&f,
			       "\nlong wait: pid 7 (app): thread 31 in a join wait for 12.0 s, "
			       "joining thread 32\n"
			       "  thread 31 (unknown start routine) [join wait, 12.0 s]\n"
			       "  owner thread 32 [exited]\n",
			       "{\"type\":\"finding\",\"kind\":\"long_wait\",\"ts\":2.000,\"pid\":7,"
			       "\"comm\":\"app\",\"tid\":31,\"site\":\"unknown start routine\","
			       "\"wait_s\":12.000,\"primitive\":\"join\",\"owner_tid\":32,"
			       "\"stack\":[],\"owner\":{\"tid\":32,\"site\":\"\","
			       "\"state\":\"exited\",\"stack\":[]}}\n");
	}
}

void test_report_leaks(void)
{
	if (test__start_subtest("threads"))
		assert_renders(&thread_leak,
			       "\nthread leak: pid 7 (app): 5 threads started by worker, +5 in "
			       "10.0 s, none exited\n"
			       "  all 5 blocked in poll waits, up to 20.0 s\n"
			       "  thread 41 (worker) [poll, 20.0 s]\n",
			       "{\"type\":\"finding\",\"kind\":\"thread_leak\",\"ts\":2.000,"
			       "\"pid\":7,\"comm\":\"app\",\"site\":\"worker\",\"live\":5,"
			       "\"growth\":5,\"created\":5,\"exited\":0,\"window_s\":10.000,"
			       "\"blocked\":5,\"blocked_on\":{\"poll\":5},\"max_wait_s\":20.000,"
			       "\"tid\":41,\"stack\":[]}\n");
	if (test__start_subtest("goroutines"))
		assert_renders(&goroutine_leak,
			       "\ngoroutine leak: pid 7 (app): +3 goroutines in 3 minutes created "
			       "by unknown, 3 live, 1 exited\n"
			       "  3 [chan receive, up to 90.0 s] in main.work\n"
			       "  goroutine 9 (unknown) [chan receive, 90.0 s]\n",
			       "{\"type\":\"finding\",\"kind\":\"goroutine_leak\",\"ts\":2.000,"
			       "\"pid\":7,\"comm\":\"app\",\"created_by\":\"unknown\","
			       "\"function\":\"main.work\",\"live\":3,\"growth\":3,\"created\":0,"
			       "\"exited\":1,\"window_s\":180.000,\"blocked\":3,"
			       "\"wait_reasons\":{\"chan receive\":3},\"max_wait_s\":90.000,"
			       "\"goid\":9,\"stack\":[]}\n");
}

/* The words findings are said with, apart from any format. */
void test_report_words(void)
{
	struct finding_ctx fc = { .state = FSTATE_WAITING, .prim = PRIM_CONDVAR,
				  .syscall_nr = -1 };
	char buf[FINDING_WORDS_LEN];

	ASSERT_STREQ(finding_state_name(&fc, buf, sizeof(buf)), "condvar wait", "condvar");
	ASSERT_TRUE(!finding_syscall_name(&fc, buf, sizeof(buf)), "no syscall");
	fc.prim = PRIM_SEMAPHORE;
	fc.lock_addr = 0xbeef;
	ASSERT_STREQ(finding_lock_name(&fc, buf, sizeof(buf)), "0xbeef", "lock by address");
	ASSERT_STREQ(finding_wait_target(&fc, buf, sizeof(buf)), "semaphore 0xbeef", "target");
	fc.lock_symbol = "sem";
	ASSERT_STREQ(finding_lock_name(&fc, buf, sizeof(buf)), "sem", "lock by name");
	ASSERT_STREQ(finding_wait_target(&fc, buf, sizeof(buf)), "semaphore sem (0xbeef)",
		     "named target");
	fc.prim = PRIM_JOIN;
	fc.owner_tid = 12;
	ASSERT_STREQ(finding_wait_target(&fc, buf, sizeof(buf)), "join of thread 12", "join");
	fc.state = FSTATE_STOPPED;
	ASSERT_STREQ(finding_state_name(&fc, buf, sizeof(buf)), "stopped", "stopped");
	fc.state = FSTATE_EXITING;
	ASSERT_STREQ(finding_state_name(&fc, buf, sizeof(buf)), "exiting", "exiting");
	fc = (struct finding_ctx){ .goroutine = true, .state = FSTATE_RUNNABLE };
	ASSERT_STREQ(finding_state_name(&fc, buf, sizeof(buf)), "runnable", "runnable");
	ASSERT_TRUE(!finding_site_name(&fc.site), "no site");
}

/* Top text: a finding is a line under the next table, once. */
void test_report_top_line(void)
{
	struct report_opts opts = { .format = REPORT_TEXT, .top = true };
	struct sample s = { .ts_ns = 2 * S, .pid = 7, .comm = "app", .threads = 3,
			    .goroutines = -1 };
	struct census_stats cs = { .ts_ns = 2 * S };
	struct finding restated = deadlock;
	struct detector_sink sink;
	struct report *r;
	char *text = NULL;
	const char *under;
	size_t len;

	restated.summary = true;
	opts.out = open_memstream(&text, &len);
	if (!ASSERT_TRUE(opts.out, "memstream"))
		return;
	r = report__new(&opts);
	if (r) {
		report__sink(r, &sink);
		sink.finding(sink.ctx, &long_read);
		sink.finding(sink.ctx, &deadlock);
		sink.finding(sink.ctx, &restated); /* kept off the table */
		sink.sample(sink.ctx, &s);
		sink.census_end(sink.ctx, &cs);
	}
	report__free(r);
	fclose(opts.out);
	if (!ASSERT_TRUE(text, "rendered"))
		return;
	under = strstr(text, "\nfindings (latest last):\n");
	ASSERT_STREQ(under,
		     "\nfindings (latest last):\n"
		     "  long wait: pid 7 (app): thread 21 [read, 30.0 s]\n"
		     "  deadlock: pid 7 (app): 2 threads (mutex)\n",
		     "lines under the table");
	ASSERT_TRUE(strstr(text, "\n      7 app                    3 "), "the row");
	free(text);
}

/*
 * The monitor's use: findings only (no rows, no summaries), the run's span
 * from its censuses, and a new output after a log rotation.
 */
void test_report_findings_only(void)
{
	struct report_opts opts = { .format = REPORT_JSON, .findings_only = true };
	struct sample s = { .ts_ns = 1 * S, .pid = 7, .comm = "app", .goroutines = -1 };
	struct census_stats first = { .ts_ns = 1 * S, .duration_ns = 2000000, .events = 10 };
	struct census_stats last = { .ts_ns = 4 * S, .duration_ns = 4000000, .events = 30,
				     .lost_events = 2 };
	struct proc_summary ps = { .pid = 7, .comm = "app" };
	char *before = NULL, *after = NULL;
	size_t before_len, after_len;
	struct detector_sink sink;
	FILE *rotated;
	struct report *r;

	opts.out = open_memstream(&before, &before_len);
	rotated = open_memstream(&after, &after_len);
	if (!ASSERT_TRUE(opts.out && rotated, "memstreams"))
		return;
	r = report__new(&opts);
	if (!ASSERT_TRUE(r, "new"))
		return;
	report__sink(r, &sink);
	sink.sample(sink.ctx, &s);
	report__census(r, &first);
	report__finding(r, &long_read);
	report__set_out(r, rotated);
	report__census(r, &last);
	sink.summary(sink.ctx, &ps);
	report__end(r, "interrupted");
	report__free(r);
	fclose(opts.out);
	fclose(rotated);
	ASSERT_STREQ(before,
		     "{\"type\":\"finding\",\"kind\":\"long_wait\",\"ts\":2.000,\"pid\":7,"
		     "\"comm\":\"app\",\"tid\":21,\"site\":\"main thread\",\"wait_s\":30.000,"
		     "\"primitive\":\"read\",\"owner_tid\":null,\"stack\":[\"f1\",\"main\"]}\n",
		     "before the rotation");
	ASSERT_STREQ(after,
		     "{\"type\":\"lost\",\"ts\":4.000,\"events\":2,\"threads\":0}\n"
		     "{\"type\":\"end\",\"reason\":\"interrupted\",\"duration_s\":3.000,"
		     "\"events\":30,\"lost_events\":2,\"lost_threads\":0,\"censuses\":2,"
		     "\"census_avg_ms\":3.000,\"census_max_ms\":4.000}\n",
		     "after it");
	free(before);
	free(after);
}
