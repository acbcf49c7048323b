// SPDX-License-Identifier: GPL-2.0
/*
 * The tracer: the one file that knows the BPF skeleton. Lifecycle: check,
 * probe the kernel, open, set rodata and map sizes, choose the census
 * program, load, fill the targets, attach, seed the counters, then drain and
 * census on demand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "record.h"
#include "tracer.h"
#include "threadleak.skel.h"

#define CENSUS_BUF (256 << 10) /* iterator records, a read at a time */

/* The tgids the BPF side checks without a hash lookup (target_tgids). */
#define TARGET_SLOTS (int)(sizeof(((struct threadleak_bpf *)0)->bss->target_tgids) / sizeof(__u32))

struct tracer {
	struct threadleak_bpf *skel;
	struct ring_buffer *rb;
	rec_sink_fn sink;
	void *ctx;
	int sink_err;
	__u64 events; /* ring buffer records delivered */
	__u64 bad_records; /* malformed, not delivered */
	char *buf; /* census read buffer, CENSUS_BUF bytes */
	/* The census_walk program's output array, mmaped; NULL: census by
	 * iterator. It holds nr_slots records: a census streams through it. */
	struct rec_task *slots;
	__u32 nr_slots;
	int slots_fd;
	__u32 nr_prevs; /* census_prevs[0]'s size: threads the walk keeps */
	__u32 max_threads;
	/* The targets counted in the BPF side's target_counts, by slot (its
	 * target_tgids entry is 0 once the process exited), and those whose
	 * exit a census has reported. */
	__u32 slot_tgid[TARGET_SLOTS];
	bool slot_gone[TARGET_SLOTS];
	bool census_started; /* a walk of the census in progress read the clocks */
};

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static bool have_cap(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1U << (cap % 32));
}

/*
 * tp_btf needs BTF for the tracepoint and a kernel that attaches tracing
 * programs to raw tracepoints (5.5); try it with a two-instruction program.
 * There is no raw_tp fallback: every kernel with the task iterator (5.8),
 * which threadleak cannot do without, has tp_btf.
 */
static bool probe_tp_btf(const struct btf *vmlinux, const char *tp)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			  /* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	char name[128];
	int id, fd, lfd;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	close(fd);
	if (lfd < 0)
		return false;
	close(lfd);
	return true;
}

/*
 * What threadleak cannot do without, probed (never guessed from the
 * version): the first thing missing, with the Linux version that brings it.
 */
static int probe_kernel(char *msg, size_t len)
{
	const char *lacks = NULL, *since = NULL;
	struct btf *vmlinux;
	int err = 0;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(msg, len, "this kernel lacks BTF (/sys/kernel/btf/vmlinux; Linux 5.4 brings it %s)",
			 "with CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		snprintf(msg, len, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(-err));
		return err;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1)
		lacks = "the BPF ring buffer", since = "5.8";
	else if (btf__find_by_name_kind(vmlinux, "bpf_iter_task", BTF_KIND_FUNC) <= 0)
		lacks = "the BPF task iterator", since = "5.8";
	else if (!probe_tp_btf(vmlinux, "sched_process_fork"))
		lacks = "BTF tracepoints (tp_btf)", since = "5.5";
	btf__free(vmlinux);
	if (lacks) {
		snprintf(msg, len, "this kernel lacks %s (Linux %s brings it)", lacks, since);
		return -ENOTSUP;
	}
	return 0;
}

int tracer__check(char *msg, size_t len)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return snprintf(msg, len, "cannot read capabilities: %s", strerror(errno)), -errno;
	if (!have_cap(data, CAP_SYS_ADMIN) &&
	    !(have_cap(data, 39 /* CAP_BPF */) && have_cap(data, 38 /* CAP_PERFMON */))) {
		snprintf(msg, len, "needs root or CAP_BPF+CAP_PERFMON");
		return -EPERM;
	}
	return probe_kernel(msg, len);
}

/*
 * The census walks thread lists with an open-coded task iterator (6.7) from
 * a syscall program that takes RCU (6.2): are the kernel functions there?
 */
static bool probe_census_walk(const struct btf *vmlinux)
{
	static const char *const kfuncs[] = {
		"bpf_iter_task_new", "bpf_task_from_pid", "bpf_rcu_read_lock",
	};
	bool ok = vmlinux != NULL;
	size_t i;

	for (i = 0; ok && i < sizeof(kfuncs) / sizeof(kfuncs[0]); i++)
		ok = btf__find_by_name_kind(vmlinux, kfuncs[i], BTF_KIND_FUNC) > 0;
	return ok;
}

/* Does the kernel's enum @type have @value (a helper's BPF_FUNC_ id, say)? */
static bool btf_enum_value_exists(const struct btf *vmlinux, const char *type, const char *value)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, i;

	id = btf__find_by_name_kind(vmlinux, type, BTF_KIND_ENUM);
	if (id <= 0)
		return false;
	t = btf__type_by_id(vmlinux, id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(vmlinux, e[i].name_off), value))
			return true;
	return false;
}

/*
 * The census array: the census streams through it, 4096 records (768 KB,
 * mapped, so in threadleak's RSS) a walk.
 */
#define CENSUS_SLOTS 4096

static void slots_unmap(struct tracer *t)
{
	if (t->slots)
		munmap(t->slots, (size_t)t->nr_slots * sizeof(*t->slots));
	if (t->slots_fd >= 0)
		close(t->slots_fd);
	t->slots = NULL;
	t->slots_fd = -1;
}

/* The census slot array, of @n records. */
static int slots_create(struct tracer *t, __u32 n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	struct rec_task *slots;
	__u32 zero = 0;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "census_slots", sizeof(zero), sizeof(*slots), n,
			    &opts);
	if (fd < 0)
		return -errno;
	slots = mmap(NULL, (size_t)n * sizeof(*slots), PROT_READ, MAP_SHARED, fd, 0);
	if (slots == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.census_slots), &zero, &fd, BPF_ANY)) {
		err = -errno;
		munmap(slots, (size_t)n * sizeof(*slots));
		close(fd);
		return err;
	}
	t->slots = slots;
	t->slots_fd = fd;
	t->nr_slots = n;
	return 0;
}

/*
 * census_prevs[0], for at least @nr threads, if it is smaller: what one
 * census read of each thread, kept in the kernel for the next census, which
 * copies it for a thread that has not run since (struct census_prev, 160
 * bytes a thread: 18.4 MB at 100,000, with room). In the kernel, none of it
 * in threadleak's RSS. A new array starts empty: its first census reads
 * every thread.
 */
static int prevs_grow(struct tracer *t, __u32 nr)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	__u32 zero = 0, n;
	int fd, err = 0;

	if (nr <= t->nr_prevs || t->nr_prevs >= t->max_threads)
		return 0;
	/* room to grow by an eighth, in whole slot arrays */
	n = nr + nr / 8 + t->nr_slots;
	n -= n % t->nr_slots;
	if (n > t->max_threads)
		n = t->max_threads;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "census_prevs", sizeof(zero),
			    sizeof(struct census_prev), n, &opts);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.census_prevs), &zero, &fd, BPF_ANY))
		err = -errno;
	else
		t->nr_prevs = n;
	close(fd); /* census_prevs holds it */
	return err;
}

/* Records enter here: decoded once, and passed on only if well-formed. */
static int deliver(struct tracer *t, const void *rec, size_t len)
{
	const char *why;
	int size, err;

	size = rec_decode(rec, len, &why);
	if (size < 0) {
		if (!t->bad_records++)
			fprintf(stderr, "threadleak: skipping a malformed %s record: %s\n",
				rec_type_name(((const struct rec_hdr *)rec)->type), why);
		return 0;
	}
	err = t->sink(t->ctx, rec, size);

	if (err && !t->sink_err)
		t->sink_err = err;
	return err;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;

	t->events++;
	/* Keep consuming whatever the sink says; stop only on its error. */
	return deliver(t, data, len) ? -ECANCELED : 0;
}

/* Hand the whole records in buf[0, len) to the sink; returns the bytes used. */
static ssize_t deliver_records(struct tracer *t, const char *buf, size_t len, __u32 *nr)
{
	size_t off = 0;
	int err;

	while (len - off >= sizeof(struct rec_hdr)) {
		const struct rec_hdr *hdr = (const void *)(buf + off);

		if (hdr->size < sizeof(*hdr))
			return -EPROTO;
		if (hdr->size > len - off)
			break; /* the rest comes with the next read */
		err = deliver(t, hdr, hdr->size);
		if (err)
			return err;
		if (nr)
			(*nr)++;
		off += hdr->size;
	}
	return off;
}

/*
 * Run an iterator: read what it writes a buffer at a time and hand the
 * records to the sink as they come, so memory does not grow with the number
 * of threads. *duration_ns gets the time spent in read(), the kernel's alone.
 */
static int run_iter(struct bpf_link *link, struct tracer *t, __u32 *nr, __u64 *duration_ns)
{
	__u64 start, spent = 0;
	size_t have = 0;
	ssize_t n, used;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		start = mono_ns();
		n = read(fd, t->buf + have, CENSUS_BUF - have);
		spent += mono_ns() - start;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		have += n;
		used = deliver_records(t, t->buf, have, nr);
		if (used < 0) {
			err = used;
			break;
		}
		have -= used;
		memmove(t->buf, t->buf + used, have);
	}
	close(fd);
	if (duration_ns)
		*duration_ns = spent;
	if (!err && have)
		err = -EPROTO; /* a record cut short */
	return err;
}

/* Open and load the skeleton into *@skelp, census_walk in it or not. */
static int skel_load(struct threadleak_bpf **skelp, const struct tracer_opts *opts, bool walk)
{
	/*
	 * vmlinux's BTF only: a type it lacks (struct fred_frame, asked by
	 * bpf_core_type_exists) would make libbpf look through the modules'
	 * BTF, which needs CAP_SYS_ADMIN (BPF_BTF_GET_NEXT_ID): a load that
	 * fails under the unit's four capabilities. No module type is used.
	 */
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .btf_custom_path = "/sys/kernel/btf/vmlinux");
	struct threadleak_bpf *skel;
	int err;

	skel = threadleak_bpf__open_opts(&oopts);
	if (!skel)
		return -errno;
	skel->rodata->target_all = opts->nr_pids == 0;
	skel->rodata->targets_in_slots = opts->nr_pids <= TARGET_SLOTS;
	skel->rodata->wakeup_bytes = opts->ringbuf_bytes / 8;
	skel->rodata->start_routine_off = opts->start_routine_off;
	skel->rodata->no_task_pt_regs = opts->compat;
	skel->rodata->no_rq_clock = opts->compat;
	bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_bytes);
	bpf_map__set_max_entries(skel->maps.threads, opts->max_threads);
	bpf_map__set_max_entries(skel->maps.procs, opts->max_procs);
	bpf_program__set_autoload(skel->progs.census_walk, walk);
	if (!walk) {
		bpf_map__set_autocreate(skel->maps.census_slots, false);
		bpf_map__set_autocreate(skel->maps.census_prevs, false);
	}
	err = threadleak_bpf__load(skel);
	if (err) {
		threadleak_bpf__destroy(skel);
		return err;
	}
	*skelp = skel;
	return 0;
}

/*
 * With the targets in slots, their start times (which name the process each
 * slot counts), from a run of the seed iterator before anything is attached.
 * The iterator's link is the one the skeleton's attach keeps.
 */
static int seed_target_starts(struct tracer *t, const struct tracer_opts *opts)
{
	struct threadleak_bpf *skel = t->skel;
	int i, err;

	if (!skel->rodata->targets_in_slots || !opts->nr_pids)
		return 0;
	for (i = 0; i < opts->nr_pids; i++)
		t->slot_tgid[i] = opts->pids[i];
	skel->links.seed = bpf_program__attach_iter(skel->progs.seed, NULL);
	if (!skel->links.seed)
		return -errno;
	skel->bss->seed_starts = true;
	err = run_iter(skel->links.seed, t, NULL, NULL);
	skel->bss->seed_starts = false;
	return err;
}

int tracer__open(struct tracer **tp, const struct tracer_opts *opts, rec_sink_fn sink, void *ctx)
{
	struct threadleak_bpf *skel;
	struct btf *vmlinux;
	struct tracer *t;
	__u8 one = 1;
	bool walk, pt_regs;
	int i, err;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->sink = sink;
	t->ctx = ctx;
	t->slots_fd = -1;
	t->buf = malloc(CENSUS_BUF);
	if (!t->buf) {
		err = -ENOMEM;
		goto cleanup;
	}

	/* --compat takes every fallback. */
	vmlinux = opts->compat ? NULL : btf__load_vmlinux_btf();
	walk = probe_census_walk(vmlinux);
	pt_regs = vmlinux && btf_enum_value_exists(vmlinux, "bpf_func_id", "BPF_FUNC_task_pt_regs");
	btf__free(vmlinux);
	err = skel_load(&t->skel, opts, walk);
	if (err && walk) {
		/* The kfuncs are there, yet this verifier may refuse the walk. */
		if (verbose)
			fprintf(stderr, "threadleak: census_walk did not load (%s): census by task iterator\n",
				strerror(-err));
		walk = false;
		err = skel_load(&t->skel, opts, walk);
	}
	if (err)
		goto cleanup;
	skel = t->skel;
	t->max_threads = opts->max_threads;
	if (walk) {
		err = slots_create(t, opts->census_slots ?: CENSUS_SLOTS);
		if (err)
			goto cleanup;
	}
	if (verbose)
		fprintf(stderr, "threadleak: census by %s, user registers by %s\n",
			walk ? "thread-list walk (census_walk)" : "task iterator",
			pt_regs ? "bpf_task_pt_regs" : "the kernel stack's top");
	for (i = 0; i < opts->nr_pids; i++) {
		__u32 tgid = opts->pids[i];

		err = bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &tgid, &one, BPF_ANY);
		if (err)
			goto cleanup;
		if (i < TARGET_SLOTS)
			skel->bss->target_tgids[i] = tgid;
	}
	err = seed_target_starts(t, opts);
	if (err)
		goto cleanup;
	/* Lifecycle first, then the seed: every thread is seen one way or the other. */
	err = threadleak_bpf__attach(skel);
	if (err)
		goto cleanup;
	/*
	 * Threads starting from now on are seen by their fork: counted without
	 * a map entry. A millisecond ahead, so that every CPU sees the value
	 * before the first such thread starts.
	 */
	__atomic_store_n(&skel->data->counted_from_ns, mono_ns() + 1000000, __ATOMIC_RELEASE);
	err = run_iter(skel->links.seed, t, NULL, NULL);
	if (err)
		goto cleanup;
	t->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, t, NULL);
	if (!t->rb) {
		err = -errno;
		goto cleanup;
	}
	*tp = t;
	return 0;

cleanup:
	tracer__close(t);
	return err;
}

void tracer__close(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	slots_unmap(t);
	threadleak_bpf__destroy(t->skel);
	free(t->buf);
	free(t);
}

int tracer__fd(const struct tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

bool tracer__has_proc(const struct tracer *t, __u32 tgid)
{
	int fd = bpf_map__fd(t->skel->maps.procs);
	struct proc_key key, next;
	bool first = true;
	int i;

	for (i = 0; i < TARGET_SLOTS; i++)
		if (t->slot_tgid[i] == tgid && !t->slot_gone[i] &&
		    __atomic_load_n(&t->skel->bss->target_start_ns[i], __ATOMIC_RELAXED))
			return true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (key.tgid == tgid)
			return true;
	}
	return false;
}

int tracer__drain(struct tracer *t)
{
	int n;

	t->sink_err = 0;
	n = ring_buffer__consume(t->rb);
	if (t->sink_err)
		return t->sink_err;
	return n;
}

/* The rec_proc of the process @key, counted in @pc. */
static int deliver_proc(struct tracer *t, const struct proc_key *key,
			const struct proc_counts *pc, __u64 ts)
{
	struct rec_proc rec;
	__s64 live;

	memset(&rec, 0, sizeof(rec));
	rec.hdr.type = REC_PROC;
	rec.hdr.size = sizeof(rec);
	rec.hdr.tgid = key->tgid;
	rec.hdr.ts_ns = ts;
	rec.flags = pc->exit_ns ? RP_EXITED : 0;
	live = proc_counts_live(pc);
	rec.live = live < 0 ? 0 : live;
	rec.created = pc->created;
	rec.exited = pc->exited;
	rec.start_ns = key->start_ns;
	memcpy(rec.comm, pc->comm, REC_COMM_LEN);
	return deliver(t, &rec, sizeof(rec));
}

/*
 * rec_proc for each target counted in a slot, read in place (as a map
 * lookup copies a value: field by field, while the programs count); once
 * for one that exited.
 */
static int census_slots(struct tracer *t, __u64 ts, __u32 *nr)
{
	const struct threadleak_bpf__bss *bss = t->skel->bss;
	struct proc_counts pc;
	struct proc_key key;
	int i, err;

	for (i = 0; i < TARGET_SLOTS; i++) {
		key.tgid = t->slot_tgid[i];
		key.__pad = 0;
		key.start_ns = __atomic_load_n(&bss->target_start_ns[i], __ATOMIC_RELAXED);
		if (!key.tgid || !key.start_ns || t->slot_gone[i])
			continue;
		pc.live = __atomic_load_n(&bss->target_counts[i].live, __ATOMIC_RELAXED);
		pc.created = __atomic_load_n(&bss->target_counts[i].created, __ATOMIC_RELAXED);
		pc.exited = __atomic_load_n(&bss->target_counts[i].exited, __ATOMIC_RELAXED);
		pc.created_counted = __atomic_load_n(&bss->target_counts[i].created_counted,
						     __ATOMIC_RELAXED);
		pc.exited_counted = __atomic_load_n(&bss->target_counts[i].exited_counted,
						    __ATOMIC_RELAXED);
		pc.exit_ns = __atomic_load_n(&bss->target_counts[i].exit_ns, __ATOMIC_RELAXED);
		memcpy(pc.comm, (const char *)bss->target_counts[i].comm, REC_COMM_LEN);
		err = deliver_proc(t, &key, &pc, ts);
		if (err)
			return err;
		(*nr)++;
		t->slot_gone[i] = pc.exit_ns != 0;
	}
	return 0;
}

/* rec_proc for every process in the counters; forget the ones that exited. */
static int census_procs(struct tracer *t, __u64 ts, __u32 *nr)
{
	int fd = bpf_map__fd(t->skel->maps.procs);
	struct proc_key key, next, *gone = NULL;
	size_t nr_gone = 0, cap_gone = 0;
	struct proc_counts pc;
	bool first = true;
	int err;

	err = census_slots(t, ts, nr);
	while (!err && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &pc))
			continue; /* deleted under us */
		err = deliver_proc(t, &key, &pc, ts);
		if (err)
			break;
		(*nr)++;
		if (pc.exit_ns) {
			if (nr_gone == cap_gone) {
				struct proc_key *ng;

				cap_gone = cap_gone ? cap_gone * 2 : 16;
				ng = realloc(gone, cap_gone * sizeof(*ng));
				if (!ng) {
					err = -ENOMEM;
					break;
				}
				gone = ng;
			}
			gone[nr_gone++] = key;
		}
	}
	/* Deleted after the walk, which deleting would disturb. The key
	 * holds the start time, so a reused pid is never deleted. */
	while (nr_gone--)
		bpf_map_delete_elem(fd, &gone[nr_gone]);
	free(gone);
	return err;
}

/*
 * The census of one process (@tgid, started at @start_ns, or 0: any) by
 * thread-list walks, a slot array at a time, each handed to the sink before
 * the next walk resumes where the array was full.
 */
static int walk_proc(struct tracer *t, __u32 tgid, __u64 start_ns, __u32 *nr, __u64 *duration_ns)
{
	struct census_walk_args args = { .tgid = tgid, .proc_start_ns = start_ns };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	/* A process creating threads as fast as they are walked: its census
	 * is cut short, its counts stay exact (they are the counters'). */
	__u32 walks_left = t->max_threads / t->nr_slots + 16, i;
	__u64 start;
	int err;

	do {
		if (!walks_left--) {
			if (verbose)
				fprintf(stderr, "threadleak: census of process %u cut short: it starts threads as fast as they are walked\n",
					tgid);
			return 0;
		}
		args.flags = t->census_started ? 0 : CWA_CENSUS_START;
		args.pos = *nr;
		t->census_started = true;
		start = mono_ns();
		err = bpf_prog_test_run_opts(bpf_program__fd(t->skel->progs.census_walk), &opts);
		*duration_ns += mono_ns() - start;
		if (err)
			return -errno;
		if (opts.retval)
			return opts.retval;
		if (args.nr > t->nr_slots || (args.resume_tid && !args.nr))
			return -EPROTO;
		if (args.by_start && verbose)
			fprintf(stderr, "threadleak: census of process %u: two threads it was to resume at exited; resumed by start time\n",
				tgid);
		for (i = 0; i < args.nr; i++) {
			err = deliver(t, &t->slots[i], sizeof(t->slots[i]));
			if (err)
				return err;
		}
		*nr += args.nr;
	} while (args.resume_tid);
	return 0;
}

/*
 * The census by thread-list walks: each target's threads, or every traced
 * process's (those in the counters, as the census's rec_proc), the records
 * to the sink as they come.
 */
static int census_walk(struct tracer *t, __u32 *nr, __u64 *duration_ns)
{
	bool all = t->skel->rodata->target_all;
	int fd = all ? bpf_map__fd(t->skel->maps.procs) : bpf_map__fd(t->skel->maps.targets);
	struct proc_key key, next;
	__u32 tgid, next_tgid;
	bool first = true;
	int err = 0;

	t->census_started = false;
	while (!err) {
		if (all) {
			if (bpf_map_get_next_key(fd, first ? NULL : &key, &next))
				break;
			key = next;
			err = walk_proc(t, key.tgid, key.start_ns, nr, duration_ns);
		} else {
			if (bpf_map_get_next_key(fd, first ? NULL : &tgid, &next_tgid))
				break;
			tgid = next_tgid;
			err = walk_proc(t, tgid, 0, nr, duration_ns);
		}
		first = false;
	}
	return err;
}

/*
 * Runs of the lifecycle programs the kernel skipped (recursion_misses: the
 * program was already running on that CPU, since 5.12): each is a thread
 * start, exit or exec not counted, so the counts may be off by as many.
 */
static __u64 lifecycle_misses(const struct tracer *t)
{
	const struct bpf_program *progs[] = { t->skel->progs.fork_btf, t->skel->progs.exit_btf,
					      t->skel->progs.exec_btf };
	__u64 misses = 0;
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			misses += info.recursion_misses;
	}
	return misses;
}

int tracer__census(struct tracer *t)
{
	struct rec_census rec = {};
	__u64 start;
	int err, grow;

	err = tracer__drain(t);
	if (err < 0)
		return err;
	start = mono_ns();
	if (t->slots) {
		err = census_walk(t, &rec.nr_tasks, &rec.duration_ns);
		/* Without the array the census is whole, only slower. */
		grow = err ? 0 : prevs_grow(t, rec.nr_tasks);
		if (grow && verbose)
			fprintf(stderr, "threadleak: cannot keep a census for the next (%s): threads past %u are read whole\n",
				strerror(-grow), t->nr_prevs);
	} else
		err = run_iter(t->skel->links.census, t, &rec.nr_tasks, &rec.duration_ns);
	if (err)
		return err;
	err = census_procs(t, mono_ns(), &rec.nr_procs);
	if (err)
		return err;
	rec.hdr.type = REC_CENSUS;
	rec.hdr.size = sizeof(rec);
	rec.hdr.ts_ns = start;
	rec.events = t->events;
	rec.lost_events = __atomic_load_n(&t->skel->bss->lost_events, __ATOMIC_RELAXED);
	rec.lost_threads = __atomic_load_n(&t->skel->bss->lost_threads, __ATOMIC_RELAXED) +
			   lifecycle_misses(t);
	return deliver(t, &rec, sizeof(rec));
}
