// SPDX-License-Identifier: GPL-2.0
/*
 * Reading CPython from outside (py_frames.c, py_inspect.c's site rule,
 * py_wait.c) over a fake address space laid out as CPython 3.11 lays it
 * out, and a location table compiled by CPython 3.11.7 itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "py_frames.h"
#include "py_inspect.h"
#include "py_wait.h"
#include "test.h"

/*
 * def f(a):              # line 2
 *     x = a + 1
 *     if x > 2:
 *         y = [i for i in range(x)]
 *         return y
 *     return None
 * f.__code__.co_linetable, and co_lines() per code unit.
 */
static const __u8 linetable[] = {
	0x80, 0x00, 0xd8, 0x08, 0x09, 0x88, 0x41, 0x89, 0x05, 0x80, 0x41, 0xd8, 0x07, 0x08,
	0x88, 0x31, 0x82, 0x75, 0x80, 0x75, 0xd8, 0x0c, 0x21, 0xd0, 0x0c, 0x21, 0x9d, 0x05,
	0x98, 0x61, 0x99, 0x08, 0x9c, 0x08, 0xd0, 0x0c, 0x21, 0xd1, 0x0c, 0x21, 0xd4, 0x0c,
	0x21, 0x88, 0x01, 0xd8, 0x0f, 0x10, 0x88, 0x08, 0xd8, 0x0b, 0x0f, 0x88, 0x34,
};
static const int lines_by_unit[] = {
	2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5,
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7,
};

void test_py_linetable(void)
{
	size_t i;
	__u32 line;

	for (i = 0; i < sizeof(lines_by_unit) / sizeof(lines_by_unit[0]); i++)
		if (!ASSERT_EQ(py_linetable_line(linetable, sizeof(linetable), 2, i),
			       lines_by_unit[i], "line of unit"))
			fprintf(stderr, "  unit %zu\n", i);
	ASSERT_EQ(py_linetable_line(linetable, sizeof(linetable), 2, -1), 2, "not started");
	ASSERT_EQ(py_linetable_line(linetable, sizeof(linetable), 2, 41), 0, "past the end");
	/* every prefix: an answer, never a read past it */
	for (i = 0; i < sizeof(linetable); i++) {
		__u8 *cut = malloc(i ? i : 1);

		memcpy(cut, linetable, i);
		line = py_linetable_line(cut, i, 2, 40);
		ASSERT_TRUE(line == 0 || line == 7, "cut table");
		free(cut);
	}
}

/* A fake address space: segments of bytes. */
#define SPACE_SEGS 32
struct fake_space {
	struct {
		__u64 addr;
		__u8 bytes[512];
	} segs[SPACE_SEGS];
	int nr;
};

static __u8 *seg(struct fake_space *s, __u64 addr)
{
	s->segs[s->nr].addr = addr;
	memset(s->segs[s->nr].bytes, 0, sizeof(s->segs[0].bytes));
	return s->segs[s->nr++].bytes;
}

/* The segment at @addr. */
static __u8 *seg_at(struct fake_space *s, __u64 addr)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (s->segs[i].addr == addr)
			return s->segs[i].bytes;
	abort();
}

static ssize_t fake_read(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct fake_space *s = ctx;
	int i;

	for (i = 0; i < s->nr; i++)
		if (addr >= s->segs[i].addr && addr - s->segs[i].addr + len <= 512) {
			memcpy(buf, s->segs[i].bytes + (addr - s->segs[i].addr), len);
			return len;
		}
	return -EFAULT;
}

static void put64(__u8 *b, unsigned int off, __u64 v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void put32(__u8 *b, unsigned int off, __u32 v)
{
	memcpy(b + off, &v, sizeof(v));
}

/* A compact ASCII str at @addr. */
static void ascii_str(struct fake_space *s, __u64 addr, const char *text)
{
	__u8 *b = seg(s, addr);

	put64(b, 16, strlen(text));
	put32(b, 32, 0x20 | 0x40 | 1 << 2); /* compact, ascii, kind 1 */
	memcpy(b + 48, text, strlen(text));
}

enum {
	RUNTIME = 0x10000, INTERP = 0x11000, TS1 = 0x12000, TS2 = 0x13000, CFRAME = 0x14000,
	FRAME_A = 0x15000, FRAME_B = 0x16000, CODE_A = 0x17000, CODE_B = 0x18000,
	TABLE = 0x19000, FILE_A = 0x20000, NAME_A = 0x21000, FILE_B = 0x22000, NAME_B = 0x23000,
	NAME_UCS2 = 0x24000,
};

/*
 * Thread 100 without frames, thread 200 in f (above, at code unit 13,
 * line 5) called by worker (line 40, not started: its first line).
 */
static void build_interp(struct fake_space *s)
{
	__u8 *b;

	s->nr = 0;
	put64(seg(s, RUNTIME), 40, INTERP);
	put64(seg(s, INTERP), 16, TS1);
	b = seg(s, TS1);
	put64(b, 8, TS2);
	put64(b, 160, 100);
	b = seg(s, TS2);
	put64(b, 56, CFRAME);
	put64(b, 160, 200);
	put64(seg(s, CFRAME), 8, FRAME_A);
	b = seg(s, FRAME_A);
	put64(b, 32, CODE_A);
	put64(b, 48, FRAME_B);
	put64(b, 56, CODE_A + 184 + 2 * 13);
	b = seg(s, FRAME_B);
	put64(b, 32, CODE_B);
	put64(b, 56, CODE_B + 184 - 2);
	b[68] = 1; /* is_entry */
	b = seg(s, CODE_A);
	put32(b, 72, 2);
	put64(b, 112, FILE_A);
	put64(b, 128, NAME_A);
	put64(b, 136, TABLE);
	b = seg(s, CODE_B);
	put32(b, 72, 40);
	put64(b, 112, FILE_B);
	put64(b, 128, NAME_B);
	put64(b, 136, TABLE);
	b = seg(s, TABLE);
	put64(b, 16, sizeof(linetable));
	memcpy(b + 32, linetable, sizeof(linetable));
	ascii_str(s, FILE_A, "/srv/app/jobs.py");
	ascii_str(s, NAME_A, "f");
	ascii_str(s, FILE_B, "/srv/app/jobs.py");
	ascii_str(s, NAME_B, "worker");
}

static struct py_target target_of(struct fake_space *s)
{
	return (struct py_target){
		.layout = py_layout_for_version(0x030b07f0),
		.runtime = RUNTIME,
		.read = fake_read,
		.ctx = s,
		.reads_left = 1000,
	};
}

void test_py_frames(void)
{
	static struct fake_space s;
	struct py_target t;
	struct py_frame frames[8];
	struct py_code code;
	bool truncated;
	__u64 ts = 0;
	__u8 *b;
	int n;

	build_interp(&s);
	t = target_of(&s);
	if (!ASSERT_TRUE(t.layout, "3.11 layout"))
		return;
	ASSERT_TRUE(!py_layout_for_version(0x030a00f0), "no 3.10 layout");
	ASSERT_OK(py_find_tstate(&t, 200, &ts), "find 200");
	ASSERT_EQ(ts, TS2, "tstate of 200");
	ASSERT_ERR(py_find_tstate(&t, 300, &ts), -ENOENT, "no 300");
	n = py_read_frames(&t, TS2, frames, 8, &truncated);
	if (ASSERT_EQ(n, 2, "frames")) {
		ASSERT_EQ(frames[0].code, CODE_A, "innermost");
		ASSERT_EQ(frames[0].line, 5, "its line");
		ASSERT_FALSE(frames[0].is_entry, "not entry");
		ASSERT_EQ(frames[1].line, 40, "not started: first line");
		ASSERT_TRUE(frames[1].is_entry, "entry");
		ASSERT_FALSE(truncated, "whole");
	}
	ASSERT_EQ(py_read_frames(&t, TS2, frames, 1, &truncated), 1, "room for one");
	ASSERT_TRUE(truncated, "truncated");
	ASSERT_OK(py_read_code(&t, CODE_B, &code), "code");
	ASSERT_TRUE(!strcmp(code.qualname, "worker") && !strcmp(code.filename, "/srv/app/jobs.py"),
		    "names");
	ASSERT_EQ(code.firstlineno, 40, "first line");

	/* A UCS-2 name without a UTF-8 copy: converted. */
	b = seg(&s, NAME_UCS2);
	put64(b, 16, 2);
	put32(b, 32, 0x20 | 2 << 2);
	put32(b, 72, 0x00e9 | 0x4e2d << 16); /* é, 中 */
	put64(seg_at(&s, CODE_A), 128, NAME_UCS2);
	ASSERT_OK(py_read_code(&t, CODE_A, &code), "UCS-2 code");
	ASSERT_TRUE(!strcmp(code.qualname, "\xc3\xa9\xe4\xb8\xad"), "UCS-2 to UTF-8");

	/* Hostile: a thread list that loops, a frame chain that loops, a
	 * length past any name, reads that run out. */
	t.reads_left = 100000;
	put64(seg_at(&s, TS2), 8, TS1); /* TS1 -> TS2 -> TS1 */
	ASSERT_ERR(py_find_tstate(&t, 300, &ts), -EPROTO, "thread loop");
	put64(seg_at(&s, FRAME_B), 48, FRAME_A); /* B.previous = A */
	n = py_read_frames(&t, TS2, frames, 8, &truncated);
	ASSERT_EQ(n, 8, "frame loop bounded by room");
	ASSERT_TRUE(truncated, "said");
	t.reads_left = 1000;
	put64(seg_at(&s, NAME_B), 16, 1000); /* "worker" length */
	ASSERT_OK(py_read_code(&t, CODE_B, &code), "long name clipped");
	ASSERT_EQ(strlen(code.qualname), PY_NAME_MAX - 1, "clipped to its room");
	put64(seg_at(&s, NAME_B), 16, 1ull << 40);
	ASSERT_ERR(py_read_code(&t, CODE_B, &code), -EPROTO, "a length no str has");
	t.reads_left = 3;
	ASSERT_ERR(py_find_tstate(&t, 300, &ts), -E2BIG, "read budget");
}

void test_py_site_frame(void)
{
	struct py_code bootstrap = { "Thread._bootstrap", "/usr/lib/python3.11/threading.py" };
	struct py_code inner = { "Thread._bootstrap_inner", "/usr/lib/python3.11/threading.py" };
	struct py_code run = { "Thread.run", "/usr/lib/python3.11/threading.py" };
	struct py_code worker = { "_worker", "/usr/lib/python3.11/concurrent/futures/thread.py" };
	struct py_code item = { "_WorkItem.run", "/usr/lib/python3.11/concurrent/futures/thread.py" };
	struct py_code job = { "fetch", "/srv/app/my_threading.py" };
	struct py_code get = { "Queue.get", "/usr/lib/python3.11/queue.py" };
	const struct py_code *thread[] = { &bootstrap, &inner, &run, &job, &get };
	const struct py_code *pool[] = { &bootstrap, &inner, &run, &worker, &item, &job };
	const struct py_code *idle[] = { &bootstrap, &inner, &run, &worker, &get };
	const struct py_code *none[] = { &bootstrap, &inner };

	ASSERT_EQ(py_site_frame(thread, 5), 3, "the target");
	ASSERT_EQ(py_site_frame(pool, 6), 5, "the submitted callable");
	ASSERT_EQ(py_site_frame(idle, 5), 3, "an idle pool worker");
	ASSERT_EQ(py_site_frame(none, 2), -1, "threading.py only");
	ASSERT_TRUE(py_thread_start_routine("pythread_wrapper"), "CPython's start routine");
	ASSERT_FALSE(py_thread_start_routine("blas_thread_server"), "an extension's thread");
}

/* A rec_symbol for @pc into @st. */
static void add_sym(struct symtab *st, __u64 pc, const char *func, const char *file)
{
	char buf[sizeof(struct rec_symbol) + 256] __attribute__((aligned(8)));

	rec_symbol_make(buf, sizeof(buf), 1, 1, pc, 0, 1, RSYM_FOUND, func, file, "python");
	symtab__add(st, (const struct rec_symbol *)buf);
}

void test_py_wait_name(void)
{
	struct symtab st = {};
	__u64 cond = py_frame_pc(0x1000, 327), get = py_frame_pc(0x2000, 171),
	      user = py_frame_pc(0x3000, 17), tstate_lock = py_frame_pc(0x4000, 1116),
	      join = py_frame_pc(0x5000, 1096), native = 0x401000;
	const __u64 queue_get[] = { native, native, cond, get, user };
	const __u64 lock[] = { native, user, native };
	const __u64 thread_join[] = { native, tstate_lock, join, user };
	const __u64 plain[] = { native, native };

	add_sym(&st, cond, "Condition.wait", "threading.py");
	add_sym(&st, get, "Queue.get", "queue.py");
	add_sym(&st, user, "wait_for_job", "app.py");
	add_sym(&st, tstate_lock, "Thread._wait_for_tstate_lock", "threading.py");
	add_sym(&st, join, "Thread.join", "threading.py");
	ASSERT_TRUE(!strcmp(py_wait_name(&st, queue_get, 5, PRIM_SEMAPHORE, 202) ?: "", "Queue.get"),
		    "Queue.get");
	ASSERT_TRUE(!strcmp(py_wait_name(&st, lock, 3, PRIM_SEMAPHORE, 202) ?: "", "Lock.acquire"),
		    "Lock.acquire");
	ASSERT_TRUE(!strcmp(py_wait_name(&st, thread_join, 4, PRIM_SEMAPHORE, 202) ?: "",
			    "Thread.join"),
		    "Thread.join");
	ASSERT_TRUE(!strcmp(py_wait_name(&st, lock, 3, PRIM_SYSCALL, 230) ?: "", "time.sleep"),
		    "time.sleep");
	ASSERT_TRUE(!py_wait_name(&st, lock, 3, PRIM_CONDVAR, 202), "the GIL: nothing");
	ASSERT_TRUE(!py_wait_name(&st, plain, 2, PRIM_SEMAPHORE, 202), "no Python frame");
	symtab__clear(&st);
}
