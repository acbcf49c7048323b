// SPDX-License-Identifier: GPL-2.0
/*
 * How fast trace files are written and read, and how small they are, on
 * records like a system-wide census makes: each interval one rec_task per
 * thread (2,500 threads in 40 processes, most asleep in futex waits), one
 * rec_proc per process, a rec_census, and a few threads starting and
 * exiting. Per-thread values (stack, TLS, futex word, registers) are drawn
 * once and stay while the thread sleeps, as they do on a real host.
 *
 *   trace_file_bench write PATH MB   write MB of records, report size and speed
 *   trace_file_bench read PATH       read every record back, report speed
 *   trace_file_bench levels MB       compress MB of records as the writer does,
 *                                    at each zlib level: size and speed
 * bench.sh runs them against zcat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "record.h"
#include "trace_file.h"

#define SEC_NS 1000000000ULL
#define NR_PROCS 40
#define NR_THREADS 2500
#define NR_FUTEX 202

static __u64 rng = 0x2545f4914f6cdd1dULL;

static __u64 rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct sim_proc {
	__u32 tgid;
	__u64 start_ns, libc_base, heap_base, created, exited;
	__u32 live;
	char comm[REC_COMM_LEN];
};

struct sim_thread {
	struct sim_proc *proc;
	struct rec_task task; /* as the last census saw it */
};

static struct sim_proc procs[NR_PROCS];
static struct sim_thread threads[NR_THREADS];
static __u32 next_tid = 300000;

static void new_thread(struct sim_thread *t, struct sim_proc *p, __u64 now)
{
	static const int other_syscalls[] = { 232, 7, 0, 35, 230, 281 };
	struct rec_task *task = &t->task;
	__u64 stack = 0x7f0000000000ULL + (rand64() % 0x100000) * 0x801000;
	int i;

	memset(task, 0, sizeof(*task));
	t->proc = p;
	p->live++;
	p->created++;
	task->hdr.type = REC_TASK;
	task->hdr.size = sizeof(*task);
	task->hdr.tgid = p->tgid;
	task->tid = next_tid++;
	task->start_ns = now - rand64() % (3600 * SEC_NS);
	task->fsbase = stack + 0x7ff700;
	task->nr_switches = rand64() % 100000;
	task->state = TRS_SLEEPING;
	task->flags = RTF_IN_SYSCALL | RTF_WAIT_START;
	task->wait_start_ns = now - rand64() % (600 * SEC_NS);
	if (rand64() % 10 < 7) {
		task->syscall_nr = NR_FUTEX;
		task->args[0] = p->heap_base + (rand64() % 4096) * 64; /* the futex word */
		task->args[1] = rand64() % 2 ? 128 : 393; /* WAIT / WAIT_BITSET private */
		task->args[2] = rand64() % 4;
		task->args[5] = 0xffffffff;
		task->regs.ip = p->libc_base + 0x8ef7e;
	} else {
		task->syscall_nr = other_syscalls[rand64() % 6];
		task->args[0] = rand64() % 64;
		task->args[1] = stack + 0x7fe000 + rand64() % 0x1000;
		task->args[2] = 1 + rand64() % 128;
		task->regs.ip = p->libc_base + 0x100000 + rand64() % 0x1000;
	}
	task->regs.sp = stack + 0x7fe000 + (rand64() % 0x400) * 8;
	task->regs.bp = task->regs.sp + 0x40 + (rand64() % 0x20) * 8;
	task->regs.bx = task->args[0];
	task->regs.r12 = rand64() % 2 ? p->heap_base + rand64() % 0x100000 : 0;
	task->regs.r13 = rand64() % 3;
	task->regs.r14 = task->fsbase - 0x700;
	task->regs.r15 = 0;
	i = snprintf(task->comm, sizeof(task->comm), "%.9s", p->comm);
	if (rand64() % 2)
		snprintf(task->comm + i, sizeof(task->comm) - i, "-%u", task->tid % 1000);
}

static void sim_init(__u64 now)
{
	static const char *const names[] = { "java",   "postgres", "nginx", "envoy",
					     "mysqld", "python3",  "node",  "redis-server" };
	int i;

	for (i = 0; i < NR_PROCS; i++) {
		procs[i].tgid = 1000 + rand64() % 60000;
		procs[i].start_ns = now - rand64() % (86400 * SEC_NS);
		procs[i].libc_base = 0x7f0000000000ULL + (rand64() % 0x10000) * 0x1000000;
		procs[i].heap_base = 0x550000000000ULL + (rand64() % 0x100000) * 0x1000000;
		snprintf(procs[i].comm, sizeof(procs[i].comm), "%s", names[i % 8]);
	}
	/* a few big processes hold most threads, as on a real host */
	for (i = 0; i < NR_THREADS; i++)
		new_thread(&threads[i], &procs[i < 2000 ? i % 5 : i % NR_PROCS], now);
}

typedef int (*emit_fn)(void *ctx, const void *rec, size_t len, __u64 now);

/* One interval: lifecycle records for churn, then the census. */
static int sim_interval(__u64 now, emit_fn emit, void *ctx)
{
	struct rec_thread_start start;
	struct rec_thread_exit exit_rec;
	struct rec_census census;
	struct rec_proc proc_rec;
	struct sim_thread *t;
	__u64 ts = now;
	int i, err;

	for (i = 0; i < 20; i++) {
		t = &threads[rand64() % NR_THREADS];
		memset(&exit_rec, 0, sizeof(exit_rec));
		exit_rec.hdr.type = REC_THREAD_EXIT;
		exit_rec.hdr.size = sizeof(exit_rec);
		exit_rec.hdr.tgid = t->proc->tgid;
		exit_rec.hdr.ts_ns = now - SEC_NS + rand64() % SEC_NS;
		exit_rec.tid = t->task.tid;
		exit_rec.start_ns = t->task.start_ns;
		t->proc->live--;
		t->proc->exited++;
		err = emit(ctx, &exit_rec, sizeof(exit_rec), now);
		new_thread(t, t->proc, now);
		memset(&start, 0, sizeof(start));
		start.hdr.type = REC_THREAD_START;
		start.hdr.size = sizeof(start);
		start.hdr.tgid = t->proc->tgid;
		start.hdr.ts_ns = exit_rec.hdr.ts_ns + 1000;
		start.tid = t->task.tid;
		start.parent_tid = t->proc->tgid;
		start.parent_tgid = t->proc->tgid;
		start.start_ns = t->task.start_ns;
		start.fsbase = t->task.fsbase;
		start.start_routine = t->proc->libc_base + 0x2000000 + (rand64() % 8) * 0x40;
		memcpy(start.comm, t->task.comm, sizeof(start.comm));
		err = err ?: emit(ctx, &start, sizeof(start), now);
		if (err)
			return err;
	}
	for (i = 0; i < NR_THREADS; i++) {
		struct rec_task *task = &threads[i].task;

		if (rand64() % 10 < 3) { /* it ran since the last census */
			task->nr_switches += 1 + rand64() % 50;
			task->wait_start_ns = now - rand64() % SEC_NS;
			task->regs.sp += ((rand64() % 16) - 8) * 8;
			task->args[2] = rand64() % 4;
		}
		task->hdr.ts_ns = ts;
		ts += 150 + rand64() % 100;
		err = emit(ctx, task, sizeof(*task), now);
		if (err)
			return err;
	}
	for (i = 0; i < NR_PROCS; i++) {
		memset(&proc_rec, 0, sizeof(proc_rec));
		proc_rec.hdr.type = REC_PROC;
		proc_rec.hdr.size = sizeof(proc_rec);
		proc_rec.hdr.tgid = procs[i].tgid;
		proc_rec.hdr.ts_ns = ts;
		proc_rec.live = procs[i].live;
		proc_rec.created = procs[i].created;
		proc_rec.exited = procs[i].exited;
		proc_rec.start_ns = procs[i].start_ns;
		memcpy(proc_rec.comm, procs[i].comm, sizeof(proc_rec.comm));
		err = emit(ctx, &proc_rec, sizeof(proc_rec), now);
		if (err)
			return err;
	}
	memset(&census, 0, sizeof(census));
	census.hdr.type = REC_CENSUS;
	census.hdr.size = sizeof(census);
	census.hdr.ts_ns = now;
	census.nr_tasks = NR_THREADS;
	census.nr_procs = NR_PROCS;
	census.duration_ns = ts - now;
	return emit(ctx, &census, sizeof(census), now);
}

struct record_buf {
	unsigned char *bytes;
	size_t len, cap;
	__u64 *now; /* per record */
	size_t nr, nr_cap;
};

static int buffer_record(void *ctx, const void *rec, size_t len, __u64 now)
{
	struct record_buf *buf = ctx;

	if (buf->len + len > buf->cap || buf->nr == buf->nr_cap)
		return -ENOSPC;
	memcpy(buf->bytes + buf->len, rec, len);
	buf->len += len;
	buf->now[buf->nr++] = now;
	return 0;
}

/* Records of @mb MiB, made before anything is timed. */
static int make_records(struct record_buf *buf, size_t mb)
{
	__u64 now = 100000 * SEC_NS;
	int err = 0;

	buf->cap = mb << 20;
	buf->nr_cap = buf->cap / sizeof(struct rec_hdr);
	buf->bytes = malloc(buf->cap);
	buf->now = malloc(buf->nr_cap * sizeof(*buf->now));
	if (!buf->bytes || !buf->now)
		return -ENOMEM;
	sim_init(now);
	while (!err) {
		now += SEC_NS;
		err = sim_interval(now, buffer_record, buf);
	}
	return err == -ENOSPC ? 0 : err;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	return (end.tv_sec - start->tv_sec) + (end.tv_nsec - start->tv_nsec) / 1e9;
}

static int bench_write(const char *path, size_t mb)
{
	struct trace_writer_stats st;
	struct record_buf buf = { 0 };
	struct timespec start;
	struct trace_writer *w;
	struct trace_info info;
	const struct rec_hdr *hdr;
	size_t pos, i;
	double secs;
	int err;

	err = make_records(&buf, mb);
	if (err)
		return err;
	err = trace_info__from_host(&info) ?: trace_writer__open(&w, path, &info, NULL);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (pos = 0, i = 0; pos < buf.len && !err; pos += hdr->size, i++) {
		hdr = (const struct rec_hdr *)(buf.bytes + pos);
		err = trace_writer__write(w, hdr, hdr->size, buf.now[i]);
	}
	trace_writer__stats(w, &st);
	err = trace_writer__close(w) ?: err;
	secs = seconds_since(&start);
	if (err)
		return err;
	printf("wrote %llu records, %.1f MB of records, into %.2f MB (%llu chunks): ratio %.1f, %.1f bytes per record (%.1f raw)\n",
	       st.records, st.raw_bytes / 1e6, st.file_bytes / 1e6, st.chunks,
	       (double)st.raw_bytes / st.file_bytes, (double)st.file_bytes / st.records,
	       (double)st.raw_bytes / st.records);
	printf("write: %.3f s, %.0f MB/s of records, %.2f us per record (CPU of one 1 s interval of 2,500 threads: %.2f ms)\n",
	       secs, st.raw_bytes / 1e6 / secs, secs * 1e6 / st.records,
	       secs * 1e3 / st.records * (NR_THREADS + NR_PROCS + 41));
	free(buf.bytes);
	free(buf.now);
	return 0;
}

static int bench_read(const char *path)
{
	struct trace_reader *r;
	struct trace_info info;
	struct timespec start;
	__u64 records = 0, bytes = 0, types = 0;
	const void *rec;
	size_t len;
	double secs;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	ret = trace_reader__open(&r, path, &info);
	while (!ret && (ret = trace_reader__next(r, &rec, &len)) > 0) {
		records++;
		bytes += len;
		types += ((const struct rec_hdr *)rec)->type;
		ret = 0;
	}
	secs = seconds_since(&start);
	if (ret < 0 || trace_reader__error(r, NULL)) {
		fprintf(stderr, "%s\n", trace_reader__error(r, NULL));
		trace_reader__close(r);
		return ret ?: -EBADMSG;
	}
	trace_reader__close(r);
	printf("read %llu records, %.1f MB, in %.3f s: %.0f MB/s (checksum %llu)\n", records,
	       bytes / 1e6, secs, bytes / 1e6 / secs, types);
	return 0;
}

/* Each level and strategy on the same chunks the writer makes (256 KiB). */
static int bench_levels(size_t mb)
{
	static const struct {
		int level, strategy;
		const char *name;
	} settings[] = {
		{ 1, Z_DEFAULT_STRATEGY, "level 1" },	 { 2, Z_DEFAULT_STRATEGY, "level 2" },
		{ 3, Z_DEFAULT_STRATEGY, "level 3" },	 { 6, Z_DEFAULT_STRATEGY, "level 6" },
		{ 9, Z_DEFAULT_STRATEGY, "level 9" },	 { 6, Z_RLE, "Z_RLE" },
		{ 6, Z_FILTERED, "level 6 Z_FILTERED" },
	};
	const size_t chunk = 256 << 10;
	struct record_buf buf = { 0 };
	struct timespec start;
	unsigned char *out;
	size_t i, pos, n, comp, out_cap;
	double secs, inflate_secs;
	z_stream zs, is;
	int err;

	err = make_records(&buf, mb);
	if (err)
		return err;
	out_cap = compressBound(chunk);
	out = malloc(out_cap + chunk);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		memset(&zs, 0, sizeof(zs));
		memset(&is, 0, sizeof(is));
		deflateInit2(&zs, settings[i].level, Z_DEFLATED, -MAX_WBITS, 8,
			     settings[i].strategy);
		inflateInit2(&is, -MAX_WBITS);
		comp = 0;
		inflate_secs = 0;
		clock_gettime(CLOCK_MONOTONIC, &start);
		for (pos = 0; pos < buf.len; pos += n) {
			struct timespec inflate_start;
			size_t this_comp;

			n = buf.len - pos < chunk ? buf.len - pos : chunk;
			deflateReset(&zs);
			zs.next_in = buf.bytes + pos;
			zs.avail_in = n;
			zs.next_out = out;
			zs.avail_out = out_cap;
			deflate(&zs, Z_FINISH);
			this_comp = zs.total_out;
			comp += this_comp;
			clock_gettime(CLOCK_MONOTONIC, &inflate_start);
			inflateReset(&is);
			is.next_in = out;
			is.avail_in = this_comp;
			is.next_out = out + out_cap;
			is.avail_out = chunk;
			inflate(&is, Z_FINISH);
			inflate_secs += seconds_since(&inflate_start);
		}
		secs = seconds_since(&start) - inflate_secs;
		printf("%-20s ratio %5.2f  %6.1f bytes/record  deflate %5.0f MB/s  inflate %5.0f MB/s\n",
		       settings[i].name, (double)buf.len / comp, (double)comp / buf.nr,
		       buf.len / 1e6 / secs, buf.len / 1e6 / inflate_secs);
		deflateEnd(&zs);
		inflateEnd(&is);
	}
	free(out);
	free(buf.bytes);
	free(buf.now);
	return 0;
}

int main(int argc, char **argv)
{
	int err;

	if (argc == 4 && !strcmp(argv[1], "write"))
		err = bench_write(argv[2], strtoul(argv[3], NULL, 10));
	else if (argc == 3 && !strcmp(argv[1], "read"))
		err = bench_read(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "levels"))
		err = bench_levels(strtoul(argv[2], NULL, 10));
	else {
		fprintf(stderr, "usage: trace_file_bench write PATH MB | read PATH | levels MB\n");
		return 2;
	}
	if (err) {
		fprintf(stderr, "trace_file_bench: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
