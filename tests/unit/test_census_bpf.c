// SPDX-License-Identifier: GPL-2.0
/*
 * The census programs of bpf/threadleak.bpf.c run in this process, in the
 * manner of the kernel's BPF selftests: load the skeleton (only the census
 * programs), start a known number of threads that block in read(), run the
 * census_walk program with BPF_PROG_RUN (whole, and streamed through a
 * census array smaller than the process) and the census task iterator, and
 * count exactly what they report of this process. Needs root (SKIP without);
 * the walk needs the open-coded task iterator of 6.7 (SKIP without).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "record.h"
#include "threadleak.skel.h"
#include "test.h"

#define NR_THREADS 5
#define NR_SLOTS 256

struct census_fixture {
	struct threadleak_bpf *skel;
	int pipe[2];
	pthread_t threads[NR_THREADS];
	unsigned int nr_started;
	__u32 tids[NR_THREADS];
	unsigned int baseline; /* threads of this process before the test's */
	struct rec_task *slots;
	unsigned int nr_slots;
	int slots_fd;
};

/* Threads of this process, from /proc/self/task. */
static unsigned int count_own_threads(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	unsigned int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Is thread @tid of this process asleep ('S' in its stat)? */
static bool thread_sleeps(__u32 tid)
{
	char path[64], buf[512], *paren;
	FILE *fp;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/self/task/%u/stat", tid);
	fp = fopen(path, "r");
	if (!fp)
		return false;
	if (fgets(buf, sizeof(buf), fp)) {
		paren = strrchr(buf, ')');
		ok = paren && paren[1] == ' ' && paren[2] == 'S';
	}
	fclose(fp);
	return ok;
}

struct thread_arg {
	struct census_fixture *f;
	unsigned int i;
};

/* A test thread: says its tid, then waits in read() for its byte. */
static void *blocked_thread(void *arg)
{
	struct thread_arg *a = arg;
	char c;

	__atomic_store_n(&a->f->tids[a->i], (__u32)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	return read(a->f->pipe[0], &c, 1) == 1 ? NULL : (void *)1;
}

static bool census_walk_supported(void)
{
	static const char *const kfuncs[] = {
		"bpf_iter_task_new", "bpf_task_from_pid", "bpf_rcu_read_lock",
	};
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool ok = vmlinux != NULL;
	size_t i;

	for (i = 0; ok && i < sizeof(kfuncs) / sizeof(kfuncs[0]); i++)
		ok = btf__find_by_name_kind(vmlinux, kfuncs[i], BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	return ok;
}

/* Start NR_THREADS threads blocked in read(), and wait (at most 5 s) until
 * every one sleeps there. */
static bool start_threads(struct census_fixture *f, struct thread_arg *args)
{
	unsigned int i, slept;
	int tries;

	f->baseline = count_own_threads();
	if (!ASSERT_GT(f->baseline, 0, "threads before"))
		return false;
	if (!ASSERT_OK(pipe(f->pipe), "pipe"))
		return false;
	for (i = 0; i < NR_THREADS; i++) {
		args[i] = (struct thread_arg){ f, i };
		if (!ASSERT_OK(pthread_create(&f->threads[i], NULL, blocked_thread, &args[i]),
			       "pthread_create"))
			return false;
		f->nr_started++;
	}
	for (tries = 0; tries < 500; tries++) {
		for (i = 0, slept = 0; i < NR_THREADS; i++) {
			__u32 tid = __atomic_load_n(&f->tids[i], __ATOMIC_SEQ_CST);

			slept += tid && thread_sleeps(tid);
		}
		if (slept == NR_THREADS)
			break;
		usleep(10000);
	}
	return ASSERT_EQ(slept, NR_THREADS, "threads asleep in read");
}

static void stop_threads(struct census_fixture *f)
{
	unsigned int i;
	void *ret;

	if (f->nr_started)
		ASSERT_EQ(write(f->pipe[1], "xxxxxxxxxx", f->nr_started), f->nr_started,
			  "release threads");
	for (i = 0; i < f->nr_started; i++) {
		pthread_join(f->threads[i], &ret);
		ASSERT_NULL(ret, "thread read its byte");
	}
	if (f->pipe[0] >= 0) {
		close(f->pipe[0]);
		close(f->pipe[1]);
	}
}

/* Load the census programs alone, with no process traced (target_all off,
 * targets empty) and small maps; with @stack_top, registers as --compat
 * reads them (copied from the top of the kernel stack). */
static bool load_regs_by(struct census_fixture *f, bool walk, bool stack_top)
{
	struct bpf_program *prog;
	int err;

	f->skel = threadleak_bpf__open();
	if (!ASSERT_NOT_NULL(f->skel, "open skeleton"))
		return false;
	f->skel->rodata->target_all = false;
	f->skel->rodata->no_task_pt_regs = stack_top;
	bpf_object__for_each_program(prog, f->skel->obj)
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(f->skel->progs.census, true);
	bpf_program__set_autoload(f->skel->progs.census_walk, walk);
	if (!walk)
		bpf_map__set_autocreate(f->skel->maps.census_slots, false);
	bpf_map__set_max_entries(f->skel->maps.events, 4096);
	bpf_map__set_max_entries(f->skel->maps.threads, 64);
	bpf_map__set_max_entries(f->skel->maps.procs, 64);
	err = threadleak_bpf__load(f->skel);
	return ASSERT_OK(err, "load census programs");
}

static bool load(struct census_fixture *f, bool walk)
{
	return load_regs_by(f, walk, false);
}

static void slots_free(struct census_fixture *f)
{
	if (f->slots)
		munmap(f->slots, f->nr_slots * sizeof(struct rec_task));
	if (f->slots_fd >= 0)
		close(f->slots_fd);
	f->slots = NULL;
	f->slots_fd = -1;
}

/* The census array, of @n records, in place of the one before. */
static bool slots_create(struct census_fixture *f, unsigned int n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__u32 zero = 0;
	void *m;

	slots_free(f);
	f->slots_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_slots", sizeof(zero),
				     sizeof(struct rec_task), n, &opts);
	if (!ASSERT_GT(f->slots_fd, -1, "create slots"))
		return false;
	m = mmap(NULL, n * sizeof(struct rec_task), PROT_READ, MAP_SHARED, f->slots_fd, 0);
	if (!ASSERT_NEQ((long)m, (long)MAP_FAILED, "mmap slots"))
		return false;
	f->slots = m;
	f->nr_slots = n;
	return ASSERT_OK(bpf_map_update_elem(bpf_map__fd(f->skel->maps.census_slots), &zero,
					     &f->slots_fd, BPF_ANY),
			 "set slots");
}

static void fixture_free(struct census_fixture *f)
{
	stop_threads(f);
	slots_free(f);
	threadleak_bpf__destroy(f->skel);
}

/* One run of census_walk with @args (its resume point in, and out). */
static int walk(struct census_fixture *f, struct census_walk_args *args)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(*args));
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.census_walk), &opts);
	if (err)
		return -errno;
	return opts.retval;
}

/* A whole walk of @tgid, from its first thread. */
static int walk_from_start(struct census_fixture *f, __u32 tgid, struct census_walk_args *args)
{
	*args = (struct census_walk_args){ .tgid = tgid, .flags = CWA_CENSUS_START };
	return walk(f, args);
}

/*
 * Walk this process a census array at a time, as the tracer streams it,
 * into @recs (room for NR_SLOTS); the number of records, or -1.
 */
static int walk_streamed(struct census_fixture *f, __u32 tgid, struct rec_task *recs,
			 unsigned int *walks)
{
	struct census_walk_args args = { .tgid = tgid };
	unsigned int n = 0;

	*walks = 0;
	do {
		args.flags = *walks ? 0 : CWA_CENSUS_START;
		if (!ASSERT_OK(walk(f, &args), "walk") ||
		    !ASSERT_TRUE(args.nr <= f->nr_slots, "within the array") ||
		    !ASSERT_TRUE(n + args.nr <= NR_SLOTS, "within the test's room"))
			return -1;
		memcpy(recs + n, f->slots, args.nr * sizeof(*recs));
		n += args.nr;
		(*walks)++;
	} while (args.resume_tid && args.nr);
	return ASSERT_EQ(args.resume_tid, 0, "walked to the end") ? (int)n : -1;
}

/*
 * The records of @n tasks: every one a REC_TASK of this process, each of the
 * test's threads once, asleep in read() on the pipe.
 */
static void check_records(struct census_fixture *f, const struct rec_task *recs, unsigned int n)
{
	unsigned int i, j, found[NR_THREADS] = {};
	__u32 pid = getpid();

	for (i = 0; i < n; i++) {
		const struct rec_task *r = &recs[i];

		if (!ASSERT_EQ(r->hdr.type, REC_TASK, "record type") ||
		    !ASSERT_EQ(r->hdr.tgid, pid, "record of this process"))
			return;
		for (j = 0; j < NR_THREADS; j++) {
			if (r->tid != f->tids[j])
				continue;
			found[j]++;
			ASSERT_EQ(r->state, TRS_SLEEPING, "test thread asleep");
			ASSERT_TRUE(r->flags & RTF_IN_SYSCALL, "test thread in a syscall");
			ASSERT_EQ(r->syscall_nr, SYS_read, "test thread in read");
			ASSERT_EQ(r->args[0], f->pipe[0], "reading the pipe");
		}
	}
	for (j = 0; j < NR_THREADS; j++)
		ASSERT_EQ(found[j], 1, "test thread seen once");
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ASSERT_NEQ(recs[i].tid, recs[j].tid, "each thread once");
}

/* The record of thread @tid among @n, or NULL. */
static const struct rec_task *find_record(const struct rec_task *recs, unsigned int n, __u32 tid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (recs[i].tid == tid)
			return &recs[i];
	return NULL;
}

/* Set census_prevs[0] to a new array of @n (its fd, or -1). */
static int prevs_create(struct census_fixture *f, unsigned int n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	__u32 zero = 0;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_prevs", sizeof(zero),
			    sizeof(struct census_prev), n, &opts);
	if (!ASSERT_GT(fd, -1, "create prevs"))
		return -1;
	if (!ASSERT_OK(bpf_map_update_elem(bpf_map__fd(f->skel->maps.census_prevs), &zero, &fd,
					   BPF_ANY),
		       "set prevs")) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * With census_prevs: a thread that has not run since the last census is
 * copied from what that census kept (a mark put there shows it), all but
 * its name, which another thread may change meanwhile (read anew); a thread
 * whose context switch count is not the one kept is read again.
 */
static void check_unchanged(struct census_fixture *f)
{
	struct rec_task first[NR_SLOTS];
	struct census_walk_args wa;
	struct census_prev prev;
	const struct rec_task *r;
	__u32 pid = getpid(), pos[2];
	unsigned int i, n, marked;
	__u32 at, last, gone = 0;
	int fd;

	fd = prevs_create(f, NR_SLOTS);
	if (fd < 0 || !slots_create(f, NR_SLOTS))
		goto out;
	if (!ASSERT_OK(walk_from_start(f, pid, &wa), "first walk"))
		goto out;
	n = wa.nr;
	memcpy(first, f->slots, n * sizeof(*first));
	for (i = 0; i < 2; i++) {
		r = find_record(first, n, f->tids[i]);
		if (!ASSERT_NOT_NULL(r, "test thread walked"))
			goto out;
		pos[i] = r - first;
		if (!ASSERT_OK(bpf_map_lookup_elem(fd, &pos[i], &prev), "kept") ||
		    !ASSERT_EQ(prev.tid, f->tids[i], "kept the thread at its position"))
			goto out;
		/* the mark; and for the second, a count it never had */
		prev.regs.r15 = 0x7e57;
		if (i == 1)
			prev.nr_switches++;
		if (!ASSERT_OK(bpf_map_update_elem(fd, &pos[i], &prev, BPF_ANY), "mark"))
			goto out;
	}
	if (!ASSERT_OK(pthread_setname_np(f->threads[0], "renamed"), "rename a sleeper") ||
	    !ASSERT_OK(walk_from_start(f, pid, &wa), "second walk") || !ASSERT_EQ(wa.nr, n, "as many"))
		goto out;
	for (i = 0; i < n; i++)
		ASSERT_EQ(f->slots[i].tid, first[i].tid, "same thread at each position");
	check_records(f, f->slots, n);
	r = &f->slots[pos[0]];
	ASSERT_EQ(r->regs.r15, 0x7e57, "an unchanged thread copied from the last census");
	ASSERT_STREQ(r->comm, "renamed", "its name read anew");
	ASSERT_TRUE(r->flags & RTF_WAIT_START, "its wait kept");
	/* the same rq clock time, as of each census's clocks (a tick apart at most) */
	ASSERT_NEAR(r->wait_start_ns, first[pos[0]].wait_start_ns, 20000000, "the same wait");
	r = &f->slots[pos[1]];
	ASSERT_OK(memcmp(&r->regs, &first[pos[1]].regs, sizeof(r->regs)),
		  "a thread switched since read again");

	/* A thread exits: the ones after it move up a position, and are
	 * still found (copied: every one marked). */
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, &prev) || !prev.tid)
			continue;
		prev.regs.r15 = 0x7e57;
		bpf_map_update_elem(fd, &i, &prev, BPF_ANY);
	}
	if (!ASSERT_EQ(write(f->pipe[1], "x", 1), 1, "let one thread go"))
		goto out;
	for (i = 0; i < 500 && count_own_threads() != n - 1; i++)
		usleep(10000);
	if (!ASSERT_EQ(count_own_threads(), n - 1, "one thread gone") ||
	    !ASSERT_OK(walk_from_start(f, pid, &wa), "walk after an exit") ||
	    !ASSERT_EQ(wa.nr, n - 1, "one fewer"))
		goto out;
	for (i = 0, marked = 0, last = 0; i < NR_THREADS; i++) {
		r = find_record(f->slots, wa.nr, f->tids[i]);
		if (r)
			marked += r->regs.r15 == 0x7e57;
		else
			gone = f->tids[i];
		at = find_record(first, n, f->tids[i]) - first;
		if (at > last)
			last = at;
	}
	ASSERT_EQ(marked, NR_THREADS - 1, "every test thread left copied");
	/* moved up by one if any came after the one gone */
	ASSERT_EQ(wa.skew, find_record(first, n, gone) - first < last ? 1 : 0, "moved");
out:
	if (fd >= 0)
		close(fd);
}

void test_census_walk_bpf(void)
{
	struct census_fixture f = { .pipe = { -1, -1 }, .slots_fd = -1 };
	struct thread_arg args[NR_THREADS];
	struct rec_task recs[NR_SLOTS];
	struct census_walk_args wa;
	unsigned int want, walks, i;
	__u32 pid = getpid();
	int n;

	if (geteuid() != 0)
		SKIP("needs root to load BPF programs");
	if (!census_walk_supported())
		SKIP("no open-coded task iterator in this kernel (6.7+)");
	if (!load(&f, true))
		goto out;

	test__start_subtest("no_slots");
	/* Userspace has not given it its array yet. */
	wa = (struct census_walk_args){ .tgid = pid };
	ASSERT_ERR(walk(&f, &wa), -ENOENT, "walk without slots");

	test__start_subtest("this_process");
	if (!slots_create(&f, NR_SLOTS) || !start_threads(&f, args))
		goto out;
	want = f.baseline + NR_THREADS;
	if (ASSERT_OK(walk_from_start(&f, pid, &wa), "walk")) {
		ASSERT_EQ(wa.nr, want, "threads written");
		ASSERT_EQ(wa.resume_tid, 0, "all of them");
		check_records(&f, f.slots, wa.nr);
	}

	test__start_subtest("regs_by_stack_top");
	/* The registers the walk reads through bpf_task_pt_regs, field by
	 * field, are the ones --compat copies whole from the stack's top. */
	memcpy(recs, f.slots, want * sizeof(*recs));
	{
		struct census_fixture g = { .pipe = { -1, -1 }, .slots_fd = -1 };
		const struct rec_task *a, *b;

		if (load_regs_by(&g, true, true) && slots_create(&g, NR_SLOTS) &&
		    ASSERT_OK(walk_from_start(&g, pid, &wa), "walk, registers by stack top") &&
		    ASSERT_EQ(wa.nr, want, "threads written")) {
			for (i = 0; i < NR_THREADS; i++) {
				a = find_record(recs, want, f.tids[i]);
				b = find_record(g.slots, want, f.tids[i]);
				if (!ASSERT_NOT_NULL(a, "test thread walked") ||
				    !ASSERT_NOT_NULL(b, "test thread walked by stack top"))
					break;
				ASSERT_EQ(a->flags & RTF_IN_SYSCALL, b->flags & RTF_IN_SYSCALL,
					  "same syscall state");
				ASSERT_EQ(a->syscall_nr, b->syscall_nr, "same syscall");
				ASSERT_OK(memcmp(a->args, b->args, sizeof(a->args)), "same arguments");
				ASSERT_OK(memcmp(&a->regs, &b->regs, sizeof(a->regs)), "same registers");
				ASSERT_NEQ(a->regs.sp, 0, "a stack pointer");
			}
		}
		fixture_free(&g);
	}

	test__start_subtest("streamed");
	/* Two threads a run: as many runs as it takes, each thread once. */
	if (!slots_create(&f, 2))
		goto out;
	n = walk_streamed(&f, pid, recs, &walks);
	if (ASSERT_EQ(n, want, "threads written, in all")) {
		ASSERT_EQ(walks, (want + 1) / 2, "runs of two");
		check_records(&f, recs, n);
	}

	test__start_subtest("resume_thread_gone");
	/* The thread to resume at exited, and the last one written too: the
	 * run starts over and skips the threads that started before it, those
	 * the runs before wrote, and says so. */
	if (!slots_create(&f, NR_SLOTS) || !ASSERT_OK(walk_from_start(&f, pid, &wa), "walk") ||
	    !ASSERT_EQ(wa.nr, want, "threads written"))
		goto out;
	memcpy(recs, f.slots, want * sizeof(*recs));
	for (i = 0; i < want && recs[i].tid != f.tids[2]; i++)
		;
	if (!ASSERT_LT(i, want, "third test thread walked"))
		goto out;
	wa = (struct census_walk_args){ .tgid = pid, .resume_tid = 0x3ffffff0,
					.resume_start_ns = recs[i].start_ns };
	if (ASSERT_OK(walk(&f, &wa), "walk from a gone thread")) {
		ASSERT_EQ(wa.nr, want - i, "the threads from the third test thread on");
		ASSERT_EQ(f.slots[0].tid, f.tids[2], "starting at the third test thread");
		ASSERT_EQ(wa.resume_tid, 0, "to the end");
		ASSERT_EQ(wa.by_start, 1, "resumed by start time");
		ASSERT_EQ(wa.last_tid, recs[want - 1].tid, "the last thread written");
	}

	test__start_subtest("resume_after_last");
	/* The thread to resume at exited, the last one written is there: the
	 * run starts after it, by list order alone (no start time compared). */
	wa = (struct census_walk_args){ .tgid = pid, .resume_tid = 0x3ffffff0,
					.resume_start_ns = ~0ULL,
					.last_tid = recs[i].tid,
					.last_start_ns = recs[i].start_ns };
	if (ASSERT_OK(walk(&f, &wa), "walk from after the last written")) {
		ASSERT_EQ(wa.nr, want - i - 1, "the threads after the third test thread");
		ASSERT_EQ(f.slots[0].tid, recs[i + 1].tid, "starting at the one after it");
		ASSERT_EQ(wa.by_start, 0, "by list order");
	}

	test__start_subtest("gone_process");
	/* A pid that names no process: the walk finds nothing, no error. */
	if (ASSERT_OK(walk_from_start(&f, 0x3ffffff0, &wa), "walk"))
		ASSERT_EQ(wa.nr, 0, "nothing written");

	test__start_subtest("reused_pid");
	/* The pid is this process's, the start time another's: not walked. */
	wa = (struct census_walk_args){ .tgid = pid, .proc_start_ns = 1 };
	if (ASSERT_OK(walk(&f, &wa), "walk"))
		ASSERT_EQ(wa.nr, 0, "nothing written");

	test__start_subtest("unchanged");
	check_unchanged(&f);
out:
	fixture_free(&f);
}

/* The census as a task iterator (kernels before 6.7), over this process. */
void test_census_iter_bpf(void)
{
	struct census_fixture f = { .pipe = { -1, -1 }, .slots_fd = -1 };
	struct thread_arg args[NR_THREADS];
	struct rec_task *recs = NULL;
	struct bpf_link *link = NULL;
	size_t len = 0, cap = 64 * sizeof(*recs);
	__u32 pid = getpid(), one = 1;
	ssize_t got;
	int fd = -1;

	if (geteuid() != 0)
		SKIP("needs root to load BPF programs");
	if (!load(&f, false) || !start_threads(&f, args))
		goto out;
	if (!ASSERT_OK(bpf_map_update_elem(bpf_map__fd(f.skel->maps.targets), &pid, &one,
					   BPF_ANY),
		       "target this process"))
		goto out;
	link = bpf_program__attach_iter(f.skel->progs.census, NULL);
	if (!ASSERT_NOT_NULL(link, "attach iterator"))
		goto out;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (!ASSERT_GT(fd, -1, "create iterator"))
		goto out;
	recs = malloc(cap);
	if (!ASSERT_NOT_NULL(recs, "buffer"))
		goto out;
	while ((got = read(fd, (char *)recs + len, cap - len)) > 0) {
		len += got;
		if (len == cap) {
			void *more = realloc(recs, cap * 2);

			if (!ASSERT_NOT_NULL(more, "buffer"))
				goto out;
			recs = more;
			cap *= 2;
		}
	}
	ASSERT_OK(got, "read to the end");
	ASSERT_EQ(len % sizeof(*recs), 0, "whole records");
	ASSERT_EQ(len / sizeof(*recs), f.baseline + NR_THREADS, "threads of this process");
	check_records(&f, recs, len / sizeof(*recs));
	/* Read again after the end: still the end, no error. */
	ASSERT_OK(read(fd, recs, cap), "read after the end");
out:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	free(recs);
	fixture_free(&f);
}
