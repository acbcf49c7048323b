// SPDX-License-Identifier: GPL-2.0
/*
 * The process table's lifecycle rules, on records as BPF and the census
 * make them: which hooks are called, in what order, for each sequence.
 */
#include <errno.h>
#include <ftw.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "inspector.h"
#include "proc_table.h"
#include "recorder.h"
#include "records.h"
#include "test.h"
#include "trace_file.h"

struct hook_log {
	char text[512];
	const char *name; /* of the consumer, in each line */
	int fail_new;	  /* new_proc returns this */
};

struct logged_proc {
	__u32 tgid;
};

static void log_call(struct hook_log *log, const char *what, __u32 tgid)
{
	size_t used = strlen(log->text);

	snprintf(log->text + used, sizeof(log->text) - used, "%s%s%s%s %u", used ? "; " : "",
		 log->name ? log->name : "", log->name ? " " : "", what, tgid);
}

static int log_new(void *ctx, __u32 tgid, void *data)
{
	struct logged_proc *p = data;
	struct hook_log *log = ctx;

	p->tgid = tgid;
	log_call(log, "new", tgid);
	return log->fail_new;
}

static void log_exec(void *ctx, void *data)
{
	log_call(ctx, "exec", ((struct logged_proc *)data)->tgid);
}

static void log_gone(void *ctx, void *data)
{
	log_call(ctx, "gone", ((struct logged_proc *)data)->tgid);
}

static void log_stale(void *ctx, void *data)
{
	log_call(ctx, "stale", ((struct logged_proc *)data)->tgid);
}

static struct proc_table *logged_table(struct hook_log *log)
{
	struct proc_hooks hooks = {
		.size = sizeof(struct logged_proc),
		.new_proc = log_new,
		.exec = log_exec,
		.gone = log_gone,
		.stale = log_stale,
		.ctx = log,
	};
	struct proc_table *t = proc_table__new();

	memset(log, 0, sizeof(*log));
	if (t && proc_table__attach(t, &hooks) != 0) {
		proc_table__free(t);
		return NULL;
	}
	return t;
}

static struct rec_thread_start rec_fork(__u32 tgid, __u64 start, __u64 ts)
{
	struct rec_thread_start r = {
		.hdr = { .type = REC_THREAD_START, .size = sizeof(r), .tgid = tgid, .ts_ns = ts },
		.tid = tgid,
		.flags = RTS_PROCESS,
		.start_ns = start,
	};

	return r;
}

static struct rec_thread_start rec_clone(__u32 tgid, __u32 tid, __u64 ts)
{
	struct rec_thread_start r = rec_fork(tgid, tid, ts);

	r.tid = tid;
	r.flags = 0;
	return r;
}

static struct rec_proc_exec rec_exec(__u32 tgid, __u64 ts)
{
	struct rec_proc_exec r = {
		.hdr = { .type = REC_PROC_EXEC, .size = sizeof(r), .tgid = tgid, .ts_ns = ts },
		.tid = tgid,
		.old_tid = tgid,
	};

	return r;
}

static struct rec_proc rec_proc_exited(__u32 tgid, __u64 start, __u64 ts)
{
	struct rec_proc r = rec_proc(tgid, start, ts, 0, 1, 1, "gone");

	r.flags = RP_EXITED;
	return r;
}

#define FEED(t, rec)                                                              \
	({                                                                        \
		__typeof__(rec) ___r = (rec);                                     \
		ASSERT_OK(proc_table__record(t, &___r), "record " #rec);          \
	})

void test_proc_table_lifecycle(void)
{
	struct hook_log log;
	struct proc_table *t = logged_table(&log);
	struct logged_proc *p;
	unsigned int i;

	if (!ASSERT_TRUE(t, "new"))
		return;

	if (test__start_subtest("new_once")) {
		FEED(t, rec_task_running(100, 101, SEC_NS));
		FEED(t, rec_task_running(100, 100, SEC_NS));
		FEED(t, rec_proc(100, 5, SEC_NS, 2, 2, 0, "a"));
		FEED(t, rec_clone(100, 102, SEC_NS));
		ASSERT_STREQ(log.text, "new 100", "hooks");
		p = proc_table__find(t, 0, 100);
		ASSERT_TRUE(p && p->tgid == 100, "find");
		ASSERT_TRUE(!proc_table__find(t, 0, 200), "find none");
		ASSERT_EQ(proc_table__count(t), 1, "entries");
	}

	if (test__start_subtest("thread_exit_keeps")) {
		log.text[0] = '\0';
		struct rec_thread_exit exit = {
			.hdr = { .type = REC_THREAD_EXIT, .size = sizeof(exit), .tgid = 100 },
			.tid = 102,
			.start_ns = 102,
		};

		ASSERT_OK(proc_table__record(t, &exit), "thread exit");
		ASSERT_STREQ(log.text, "", "hooks");
	}

	if (test__start_subtest("exec")) {
		log.text[0] = '\0';
		FEED(t, rec_exec(100, SEC_NS));
		FEED(t, rec_exec(300, SEC_NS)); /* not known: nothing */
		ASSERT_STREQ(log.text, "exec 100", "hooks");
		ASSERT_EQ(proc_table__count(t), 1, "entries");
	}

	if (test__start_subtest("exit_of_another_start")) {
		log.text[0] = '\0';
		FEED(t, rec_proc_exited(100, 4, SEC_NS)); /* an older process of that pid */
		FEED(t, rec_proc_exited(300, 4, SEC_NS)); /* not known */
		ASSERT_STREQ(log.text, "", "hooks");
		ASSERT_EQ(proc_table__count(t), 1, "entries");
	}

	if (test__start_subtest("exit")) {
		log.text[0] = '\0';
		FEED(t, rec_proc_exited(100, 5, SEC_NS));
		FEED(t, rec_proc_exited(100, 5, SEC_NS)); /* said twice */
		ASSERT_STREQ(log.text, "", "its last census sees it");
		ASSERT_TRUE(proc_table__find(t, 0, 100), "found until the census closes");
		FEED(t, rec_census(SEC_NS, 0));
		ASSERT_STREQ(log.text, "gone 100", "hooks");
		ASSERT_EQ(proc_table__count(t), 0, "entries");
		FEED(t, rec_proc_exited(100, 5, SEC_NS)); /* late: nothing */
		ASSERT_EQ(proc_table__count(t), 0, "no entry made by a late exit");
	}

	if (test__start_subtest("reuse_by_fork")) {
		log.text[0] = '\0';
		FEED(t, rec_proc(100, 5, SEC_NS, 1, 1, 0, "a"));
		FEED(t, rec_fork(100, 5, SEC_NS)); /* its own fork, seen late */
		FEED(t, rec_fork(100, 7, SEC_NS)); /* a new process */
		FEED(t, rec_task_running(100, 100, SEC_NS));
		ASSERT_STREQ(log.text, "new 100; gone 100; new 100", "hooks");
	}

	if (test__start_subtest("fork_of_unknown_start")) {
		/* the census saw the process before its fork record came */
		log.text[0] = '\0';
		FEED(t, rec_task_running(400, 400, SEC_NS));
		FEED(t, rec_fork(400, 3, SEC_NS));
		FEED(t, rec_fork(500, 4, SEC_NS)); /* a fork makes its entry */
		ASSERT_STREQ(log.text, "new 400; new 500", "the same process, and a new one");
		FEED(t, rec_proc_exited(400, 3, SEC_NS));
		FEED(t, rec_proc_exited(500, 4, SEC_NS));
		FEED(t, rec_census(SEC_NS, 0));
		ASSERT_STREQ(log.text, "new 400; new 500; gone 400; gone 500", "both exited");
	}

	if (test__start_subtest("reuse_by_start")) {
		log.text[0] = '\0';
		FEED(t, rec_proc(100, 7, SEC_NS, 1, 1, 0, "b")); /* the fork's */
		FEED(t, rec_proc(100, 9, SEC_NS, 1, 1, 0, "c")); /* the exit of 7 was lost */
		ASSERT_STREQ(log.text, "gone 100; new 100", "hooks");
		ASSERT_EQ(proc_table__count(t), 1, "entries");
	}

	if (test__start_subtest("stale")) {
		/* 100 counted in census 3, 200 in every census */
		log.text[0] = '\0';
		ASSERT_EQ(proc_table__census(t), 3, "census");
		for (i = 0; i < STALE_CENSUSES + 2; i++) {
			FEED(t, rec_proc(200, 3, SEC_NS, 1, 1, 0, "d"));
			FEED(t, rec_census(SEC_NS, 0));
			/* uncounted in censuses 4 .. 3 + STALE_CENSUSES: dropped
			 * when the next one closes */
			ASSERT_EQ(proc_table__count(t), i <= STALE_CENSUSES ? 2 : 1, "entries");
		}
		ASSERT_STREQ(log.text, "new 200; stale 100", "hooks");
		ASSERT_EQ(proc_table__census(t), STALE_CENSUSES + 5, "census");
	}

	if (test__start_subtest("free")) {
		log.text[0] = '\0';
		proc_table__free(t);
		t = NULL;
		ASSERT_STREQ(log.text, "gone 200", "hooks");
	}
	proc_table__free(t);
}

/* Two consumers: made in the order attached, let go in the other. */
void test_proc_table_consumers(void)
{
	struct hook_log a, b;
	struct proc_hooks hooks = {
		.size = sizeof(struct logged_proc),
		.new_proc = log_new,
		.gone = log_gone,
		.ctx = &b,
	};
	struct proc_table *t = logged_table(&a);

	if (!ASSERT_TRUE(t, "new"))
		return;
	memset(&b, 0, sizeof(b));
	a.name = "a";
	b.name = "b";
	ASSERT_EQ(proc_table__attach(t, &hooks), 1, "slot");
	FEED(t, rec_task_running(100, 100, SEC_NS));
	ASSERT_EQ(proc_table__attach(t, &hooks), -EBUSY, "attach after the first entry");
	ASSERT_STREQ(a.text, "a new 100", "a");
	ASSERT_STREQ(b.text, "b new 100", "b");
	ASSERT_EQ(((struct logged_proc *)proc_table__find(t, 1, 100))->tgid, 100, "b's data");

	/* no stale hook: gone instead */
	for (int i = 0; i < STALE_CENSUSES + 2; i++)
		FEED(t, rec_census(SEC_NS, 0));
	ASSERT_STREQ(a.text, "a new 100; a stale 100", "a stale");
	ASSERT_STREQ(b.text, "b new 100; b gone 100", "b gone");

	/* b fails: a lets its data go, no entry */
	a.text[0] = b.text[0] = '\0';
	b.fail_new = -ENOMEM;
	{
		struct rec_task task = rec_task_running(200, 200, SEC_NS);

		ASSERT_EQ(proc_table__record(t, &task), -ENOMEM, "new fails");
	}
	ASSERT_STREQ(a.text, "a new 200; a gone 200", "a undone");
	ASSERT_STREQ(b.text, "b new 200", "b failed");
	ASSERT_EQ(proc_table__count(t), 0, "entries");
	proc_table__free(t);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A rec_proc_info of @tgid, started at @start. */
static size_t make_info(void *buf, __u32 tgid, __u64 start, __u64 ts)
{
	static const char exe[] = "/usr/bin/leaky_demo";
	struct rec_proc_info *info = buf;
	size_t size = (sizeof(*info) + sizeof(exe) - 1 + 7) & ~(size_t)7;

	memset(buf, 0, size);
	info->hdr = (struct rec_hdr){ .type = REC_PROC_INFO, .size = size, .tgid = tgid, .ts_ns = ts };
	info->start_ns = start;
	info->exe_len = sizeof(exe) - 1;
	memcpy(info->text, exe, info->exe_len);
	return size;
}

/* Process infos of @tgid in trace file @path, or -1. */
static int infos_in(const char *path, __u32 tgid)
{
	struct trace_reader *r;
	struct trace_info info;
	const struct rec_hdr *hdr;
	const void *rec;
	size_t len;
	int n = 0;

	if (trace_reader__open(&r, path, &info))
		return -1;
	while (trace_reader__next(r, &rec, &len) > 0) {
		hdr = rec;
		n += hdr->type == REC_PROC_INFO && hdr->tgid == tgid;
	}
	trace_reader__close(r);
	return n;
}

/*
 * A process whose exit never reaches the recorder (its rec_proc with
 * RP_EXITED lost) is stale after STALE_CENSUSES censuses without it: the
 * files rotated after that do not carry it again. The one still counted does.
 */
void test_recorder_stale(void)
{
	struct rec_session session = { .hdr = { .type = REC_SESSION, .size = sizeof(session) } };
	char dir[64], path[128];
	struct recorder_opts opts = {
		.path = path, .max_bytes = 4000, .keep = 64, .session = &session,
	};
	struct trace_writer_stats st = {};
	__u8 buf[256] __attribute__((aligned(8)));
	struct recorder *rec;
	struct rec_census census;
	struct rec_proc proc;
	struct rec_task task;
	unsigned int c, i, rotations = 0;
	__u64 ts = SEC_NS;
	size_t size;

	srandom(1); /* bytes that do not compress, so files fill: the same each run */
	snprintf(dir, sizeof(dir), "/tmp/threadleak-proc-table-XXXXXX");
	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/trace.tl", dir);
	if (!ASSERT_OK(recorder__open(&rec, &opts), "open"))
		goto out;
	size = make_info(buf, 100, 5, ts);
	ASSERT_OK(recorder__write(rec, buf, size, ts), "info 100");
	size = make_info(buf, 200, 6, ts);
	ASSERT_OK(recorder__write(rec, buf, size, ts), "info 200");
	for (c = 1; c <= 2 * STALE_CENSUSES + 4; c++) {
		/* 100 counted only in census 1 */
		for (i = 0; i < 2; i++) {
			if (i == 0 && c > 1)
				continue;
			proc = rec_proc(i ? 200 : 100, i ? 6 : 5, ts, 1, 1, 0, "p");
			ASSERT_OK(recorder__write(rec, &proc, sizeof(proc), ts), "proc");
		}
		for (i = 0; i < 40; i++) {
			task = rec_task_running(200, 200 + i, ts);
			task.args[0] = (__u64)random() << 32 | random();
			task.args[1] = (__u64)random() << 32 | random();
			ts += SEC_NS / 10; /* flushed, so files grow and rotate */
			ASSERT_OK(recorder__write(rec, &task, sizeof(task), ts), "task");
		}
		census = rec_census(ts, 0);
		ASSERT_OK(recorder__write(rec, &census, sizeof(census), ts), "census");
	}
	ASSERT_OK(recorder__close(rec, &st), "close");
	/* rotated files, newest first: PATH.1, PATH.2, ... */
	for (i = 1; i <= opts.keep; i++) {
		char name[160];

		snprintf(name, sizeof(name), "%s.%u", path, i);
		if (access(name, F_OK))
			break;
		rotations++;
	}
	if (!ASSERT_TRUE(st.rotations >= 4 && rotations == st.rotations, "rotated"))
		goto out;
	ASSERT_EQ(infos_in(path, 200), 1, "the counted process, again in the last file");
	ASSERT_EQ(infos_in(path, 100), 0, "the stale one, not");
out:
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int discard(void *ctx, const void *rec, size_t len)
{
	return 0;
}

#define IDLE_PROCS 1000
#define IDLE_THREADS 4

/*
 * What an idle process (threads running or asleep, nothing to report)
 * costs the inspector: its entry in the process table, its data and its
 * threads'. The bound is 64 KiB of anonymous memory a process;
 * the heap in use is what grows with processes.
 */
void test_proc_table_idle_memory(void)
{
	struct inspector_opts opts = { .proc_root = "/nonexistent-threadleak-proc" };
	struct inspector *in = inspector__new(&opts, discard, NULL);
	struct rec_census census;
	struct rec_proc proc;
	struct rec_task task;
	size_t before, per_proc;
	unsigned int c, i, j;

	if (!ASSERT_TRUE(in, "new"))
		return;
	before = mallinfo2().uordblks;
	for (c = 0; c < 2; c++) {
		for (i = 0; i < IDLE_PROCS; i++) {
			__u32 tgid = 10000 + i * 16;

			proc = rec_proc(tgid, tgid, SEC_NS, IDLE_THREADS, IDLE_THREADS, 0, "idle");
			ASSERT_OK(inspector__record(in, &proc, sizeof(proc)), "proc");
			for (j = 0; j < IDLE_THREADS; j++) {
				task = rec_task_syscall(tgid, tgid + j, SEC_NS, 7 /* poll */, SEC_NS / 2);
				ASSERT_OK(inspector__record(in, &task, sizeof(task)), "task");
			}
		}
		census = rec_census(SEC_NS, 0);
		ASSERT_OK(inspector__record(in, &census, sizeof(census)), "census");
	}
	per_proc = (mallinfo2().uordblks - before) / IDLE_PROCS;
	printf("  idle process with %u threads: %zu bytes of heap in the inspector\n", IDLE_THREADS,
	       per_proc);
	ASSERT_TRUE(per_proc <= 64 << 10, "at most 64 KiB a process");
	inspector__free(in);
}
