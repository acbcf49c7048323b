// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "go_binary.h"
#include "go_layout.h"
#include "go_derive.h"
#include "go_riprel.h"
#include "go_runtime.h"
#include "go_unwind.h"
#include "proc_mem.h"
#include "target_addr.h"
#include "target_file.h"

#define G_BATCH 4096		  /* gs per process_vm_readv */
#define IOV_BATCH 1024		  /* iovecs per process_vm_readv (UIO_MAXIOV) */
#define G_MAX_STRIDE 2048	  /* gs this close are read as one range */
#define MAX_STACK (1ull << 32)	  /* a goroutine's stack; Go's own limit is 1 GB */
#define CLOCK_EVERY 64		  /* goroutines between looks at the time budget */
#define ALLGS_TRIES 3		  /* reads of allgs before calling it incomplete */
#define STACK_WINDOW (64 * 1024)  /* stack bytes read at once */
#define THREAD_WINDOW (8 * 1024)  /* enough for the frames that say why a thread sleeps */
#define THREAD_MAX_STACK (1u << 20) /* and they are within this of its sp */
#define MAX_WAIT_REASONS 256
#define THREAD_MAX_FRAMES 16
#define THREAD_MAX_NAMES 32
#define FOR_EACH_G_RACE "runtime.forEachGRace"

/* A piece of the target's stack, read once and walked locally. */
struct stack_window {
	__u64 base;
	size_t len;
	size_t chunk; /* bytes to read on a miss */
	__u8 buf[STACK_WINDOW];
};

/*
 * A batch of a census's gs (n of gp->sorted), read into a buffer of its
 * own: the census reads the next batch while it parses this one.
 */
struct g_batch {
	__u8 *buf; /* the gs, and the gaps between those read as one range */
	size_t size;
	struct proc_mem_buf *mem; /* buf's: the kernel writes the gs there */
	struct proc_mem_pending read;
	bool pending;	 /* read started, not waited for */
	ssize_t read_at_once; /* what a read not started returned */
	int n, nr_iov;
	size_t pos; /* bytes of buf the ranges cover */
	struct iovec local[IOV_BATCH], remote[IOV_BATCH];
	bool ok[G_BATCH];    /* g i was read */
	size_t off[G_BATCH]; /* where in buf */
};

struct go_proc {
	int pid;
	struct go_mem mem; /* the target's memory, if not process pid's */
	struct go_binary *bin;
	const struct go_pclntab *tab;
	__u64 bias;
	struct go_runtime_layout layout;
	char layout_source[48];
	bool layout_derived; /* its wait reason strings are go_derive's */
	const char *allgs_source;
	__u64 allglen_addr, allgptr_addr;	   /* runtime addresses */
	char (*wait_reasons)[REC_WAIT_REASON_LEN]; /* read from the process, or NULL */
	__u32 nr_wait_reasons;
	__u32 g_read_size;
	__u64 *gptrs;  /* allgs as read; scratch once checked */
	__u64 *sorted; /* the same gs in address order, the order they are read in */
	struct go_g_memo *memos; /* the caller's, of sorted[i] */
	bool memos_kept;	 /* this census's memos are the last census's */
	size_t gptrs_cap;
	/* allgs only grows: the sorted order of its first prefix_len gs,
	 * whose hash is prefix_hash, is kept from one census to the next */
	__u64 prefix_len, prefix_hash, hash_seed;
	struct g_batch *batches; /* two: one read while the other is parsed */
	__u64 last_start_pc; /* most goroutines share a few start functions */
	bool last_system;
	/* ... and a few wait reasons: the last one parse_g() made, and of what */
	bool last_reason_ok;
	__u32 last_status, last_reason_index;
	char last_reason[REC_WAIT_REASON_LEN];
	__u8 *stack_g;	       /* one g, for go_proc__stack() (called from a census too) */
	struct stack_window *window;
	struct go_proc_limits limits;
	__u64 deadline_ns;	 /* of the census under way, CLOCK_MONOTONIC */
	bool checked;		 /* check_runtime() saw goroutine 1 */
	const char *why;	 /* what the last -EPROTO, -E2BIG or -ETIME was */
};

static int fail(struct go_proc *gp, int err, const char *why)
{
	gp->why = why;
	return err;
}

static bool over_time(struct go_proc *gp)
{
	return gp->deadline_ns && mono_ns() > gp->deadline_ns;
}

/*
 * Every read of the target's memory: process_vm_readv semantics
 * (proc_mem.h). A range that wraps past the top of the address space,
 * where nothing is mapped, is where the read stops, as at an unmapped byte:
 * how many of @remote's ranges are read, or -EFAULT if not the first.
 */
static int readv_nr(const struct iovec *remote, int nr)
{
	__u64 end;
	int i;

	for (i = 0; i < nr; i++)
		if (target_addr_add((unsigned long)remote[i].iov_base, remote[i].iov_len, &end))
			break;
	return i < nr && !i ? -EFAULT : i;
}

static ssize_t target_readv(const struct go_proc *gp, const struct iovec *local,
			    const struct iovec *remote, int nr)
{
	nr = readv_nr(remote, nr);
	if (nr < 0)
		return nr;
	if (gp->mem.readv)
		return gp->mem.readv(gp->mem.ctx, local, remote, nr);
	return proc_mem_readv(gp->pid, local, remote, nr);
}

/*
 * The same into @b's buffer, where the kernel writes with no copy, in two
 * halves: batch_read_start() starts the read on a reader (or reads at once
 * from a gp->mem), batch_read_wait() waits for it. A read abandoned
 * (-ETIMEDOUT) keeps the buffer: b->buf is gone after it.
 */
static void batch_read_start(struct go_proc *gp, struct g_batch *b, const struct iovec *local,
			     const struct iovec *remote, int nr)
{
	nr = readv_nr(remote, nr);
	if (nr < 0 || gp->mem.readv) {
		b->read_at_once = nr < 0 ? nr : gp->mem.readv(gp->mem.ctx, local, remote, nr);
		return;
	}
	proc_mem_readv_buf_start(&b->read, &b->mem, gp->pid, local, remote, nr);
	b->pending = true;
}

static ssize_t batch_read_wait(struct g_batch *b)
{
	ssize_t n;

	if (!b->pending)
		return b->read_at_once;
	b->pending = false;
	n = proc_mem_readv_buf_wait(&b->read);
	if (!b->mem) {
		b->buf = NULL;
		b->size = 0;
	}
	return n;
}

static ssize_t target_read(const struct go_proc *gp, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr, .iov_len = len };

	return target_readv(gp, &local, &remote, 1);
}

static int mem_read(const struct go_proc *gp, __u64 addr, void *buf, size_t len)
{
	ssize_t n = target_read(gp, addr, buf, len);

	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EFAULT;
}

static int window_read(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct go_proc *gp = ctx;
	struct stack_window *w = gp->window;
	ssize_t n;

	if (!target_range_within(addr, len, w->base, w->base + w->len)) {
		/* a new window from @addr; it may end early at an unmapped page */
		n = target_read(gp, addr, w->buf, w->chunk);
		if (n < 0) {
			w->len = 0;
			return n;
		}
		w->base = addr;
		w->len = n;
		if (len > w->len)
			return -EFAULT;
	}
	memcpy(buf, w->buf + (addr - w->base), len);
	return 0;
}

/* Fill the window with [lo, hi) in one read (a goroutine's whole stack, usually). */
static void window_preload(struct go_proc *gp, __u64 lo, __u64 hi)
{
	struct stack_window *w = gp->window;
	size_t len = hi <= lo ? 0 : hi - lo < sizeof(w->buf) ? hi - lo : sizeof(w->buf);
	ssize_t n = target_read(gp, lo, w->buf, len);

	w->base = lo;
	w->len = n < 0 ? 0 : n;
}

const char *go_g_status_name(__u32 status)
{
	static const char *const names[] = {
		"idle", "runnable",	  "running",   "syscall",   "waiting", "moribund_unused",
		"dead", "enqueue_unused", "copystack", "preempted", "leaked", "waiting for cgo callback",
	};

	status &= ~GO_G_SCAN;
	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "???";
}

bool go_g_parked(__u32 status)
{
	return status == GO_G_WAITING || status == GO_G_LEAKED;
}

bool go_is_system_goroutine(const char *start_func)
{
	if (!start_func || strncmp(start_func, "runtime.", 8))
		return false;
	return strcmp(start_func, "runtime.main") &&
	       strcmp(start_func, "runtime.handleAsyncEvent") &&
	       strcmp(start_func, "runtime.corostart");
}

static const char *func_name_at(const struct go_proc *gp, __u64 pc)
{
	struct go_func fn;

	if (pc < gp->bias || go_pclntab__find_func(gp->tab, pc - gp->bias, &fn))
		return NULL;
	return go_pclntab__func_name(gp->tab, &fn);
}

/* The load bias of a PIE: where the process mapped the executable. */
static int find_bias(struct go_proc *gp, const char *proc_root, const char *exe)
{
	char path[4096], line[4096 + 256], mapped[4096];
	unsigned long long start, end, pgoff, inode;
	struct stat st;
	ssize_t exe_len;
	FILE *maps;
	int err = -ENOENT;

	if (!go_binary__is_pie(gp->bin)) {
		gp->bias = 0;
		return 0;
	}
	if (stat(exe, &st))
		return -errno;
	exe_len = readlink(exe, mapped, sizeof(mapped) - 1);
	mapped[exe_len > 0 ? exe_len : 0] = '\0';
	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, gp->pid);
	maps = target_proc_fopen(path, TARGET_MAPS_MAX);
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), maps)) {
		char perms[8], dev[16], *file;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %15s %llu %n", &start, &end, perms, &pgoff,
			   dev, &inode, &pos) < 6)
			continue;
		file = line + pos;
		file[strcspn(file, "\n")] = '\0';
		/* the same file: by inode, or by name (overlayfs may differ) */
		if (inode != st.st_ino && (!mapped[0] || strcmp(file, mapped)))
			continue;
		err = go_binary__load_bias(gp->bin, start, pgoff, &gp->bias);
		if (!err)
			break;
	}
	if (err)
		err = target_proc_ferror(maps) ?: err; /* cut short, or not there */
	fclose(maps);
	return err;
}

/*
 * The layout: from DWARF, else the table of the binary's Go version, else
 * derived from the binary's code and data (go_derive.c). The environment
 * variable THREADLEAK_GO_DERIVE=1 (for the tests) goes straight to the last.
 */
static int find_layout(struct go_proc *gp)
{
	const struct go_runtime_layout *table = NULL;
	bool derive = getenv("THREADLEAK_GO_DERIVE") != NULL;
	int major, minor, err = -ENOENT;
	const char *missing;

	if (go_binary__version_number(gp->bin, &major, &minor))
		table = go_layout__for_version(major, minor);
	if (!derive && go_binary__has_dwarf(gp->bin))
		err = go_layout__from_dwarf(go_binary__elf(gp->bin), &gp->layout);
	if (!err) {
		snprintf(gp->layout_source, sizeof(gp->layout_source), "dwarf");
		/* the table's wait reasons stay usable if the symbol is gone */
		if (table) {
			gp->layout.wait_reasons = table->wait_reasons;
			gp->layout.nr_wait_reasons = table->nr_wait_reasons;
		}
		return 0;
	}
	if (table && !derive) {
		gp->layout = *table;
		snprintf(gp->layout_source, sizeof(gp->layout_source), "table %s",
			 table->built_with);
		return 0;
	}
	err = go_derive__layout(gp->bin, &gp->layout, &missing);
	if (err == -ENOENT || err == -EPROTO)
		return go_derive__failed(missing);
	if (err)
		return err;
	gp->layout_derived = true;
	snprintf(gp->layout_source, sizeof(gp->layout_source), "derived");
	return 0;
}

/*
 * runtime.allglen and runtime.allgptr: from the symbol table, else from
 * the first two RIP-relative loads of runtime.forEachGRace, which are
 * allglen (in .noptrbss: no pointers) then allgptr (in .bss).
 */
static int find_allgs(struct go_proc *gp)
{
	struct go_riprel_load loads[8];
	const char *len_sec, *ptr_sec;
	__u8 code[256];
	struct go_func fn;
	size_t code_len;
	int n, err;

	if (!go_binary__symbol(gp->bin, "runtime.allglen", &gp->allglen_addr, NULL) &&
	    !go_binary__symbol(gp->bin, "runtime.allgptr", &gp->allgptr_addr, NULL)) {
		gp->allgs_source = "symbols";
		goto found;
	}
	err = go_pclntab__func_by_name(gp->tab, FOR_EACH_G_RACE, &fn);
	if (err)
		return -ENOTSUP;
	code_len = fn.end - fn.entry < sizeof(code) ? fn.end - fn.entry : sizeof(code);
	err = go_binary__read(gp->bin, fn.entry, code, code_len);
	if (err)
		return -EPROTO;
	n = go_riprel_loads(code, code_len, fn.entry, loads, 2);
	if (n < 2)
		return -EPROTO;
	len_sec = go_binary__section_of(gp->bin, loads[0].target);
	ptr_sec = go_binary__section_of(gp->bin, loads[1].target);
	if (!len_sec || !ptr_sec || strcmp(len_sec, ".noptrbss") || strcmp(ptr_sec, ".bss"))
		return -EPROTO;
	gp->allglen_addr = loads[0].target;
	gp->allgptr_addr = loads[1].target;
	gp->allgs_source = FOR_EACH_G_RACE;
found:
	gp->allglen_addr += gp->bias;
	gp->allgptr_addr += gp->bias;
	return 0;
}

/* runtime.waitReasonStrings, read from the process: the strings it prints. */
static void read_wait_reasons(struct go_proc *gp)
{
	struct iovec local[MAX_WAIT_REASONS], remote[MAX_WAIT_REASONS];
	__u64 addr, size, (*strs)[2] = NULL;
	__u32 n, i;

	gp->last_reason_ok = false; /* made from the table before */
	if (go_binary__symbol(gp->bin, "runtime.waitReasonStrings", &addr, &size))
		return;
	n = size / 16;
	if (!n || n > MAX_WAIT_REASONS)
		return;
	strs = calloc(n, sizeof(*strs));
	gp->wait_reasons = calloc(n, sizeof(*gp->wait_reasons));
	if (!strs || !gp->wait_reasons)
		goto fail;
	if (mem_read(gp, addr + gp->bias, strs, n * sizeof(*strs)))
		goto fail;
	for (i = 0; i < n; i++) {
		size_t len = strs[i][1] < REC_WAIT_REASON_LEN - 1 ? strs[i][1] :
								    REC_WAIT_REASON_LEN - 1;

		local[i].iov_base = gp->wait_reasons[i];
		local[i].iov_len = len;
		remote[i].iov_base = (void *)strs[i][0];
		remote[i].iov_len = len;
	}
	if (target_readv(gp, local, remote, n) < 0)
		goto fail;
	gp->nr_wait_reasons = n;
	free(strs);
	return;
fail:
	free(strs);
	free(gp->wait_reasons);
	gp->wait_reasons = NULL;
}

static const char *wait_reason(const struct go_proc *gp, __u32 index)
{
	if (gp->wait_reasons)
		return index < gp->nr_wait_reasons ? gp->wait_reasons[index] : NULL;
	return go_layout__wait_reason(&gp->layout, index);
}

/*
 * allglen, then allgptr, in one call (iovecs are read in order): allgadd
 * stores allgptr before allglen, so the array holds at least allglen gs.
 */
static int read_allgs_header(const struct go_proc *gp, __u64 *len, __u64 *ptr)
{
	struct iovec local[2] = { { len, 8 }, { ptr, 8 } };
	struct iovec remote[2] = { { (void *)gp->allglen_addr, 8 },
				   { (void *)gp->allgptr_addr, 8 } };
	ssize_t n;

	n = target_readv(gp, local, remote, 2);
	if (n < 0)
		return n;
	return n == 16 ? 0 : -EFAULT;
}

static __u64 get_u64(const __u8 *g, __u16 off)
{
	__u64 v;

	memcpy(&v, g + off, sizeof(v));
	return v;
}

static __u32 get_u32(const __u8 *g, __u16 off)
{
	__u32 v;

	memcpy(&v, g + off, sizeof(v));
	return v;
}

/*
 * The main goroutine is the first in allgs, with goid 1: a layout check,
 * made once allgs has a goroutine (at open, or at the first census after).
 */
static int check_runtime(struct go_proc *gp)
{
	__u64 len, ptr, g0;
	__u8 *g = gp->stack_g; /* free outside go_proc__stack() */
	int err;

	err = read_allgs_header(gp, &len, &ptr);
	if (err)
		return err == -EFAULT ? -EPROTO : err;
	if (!len)
		return 0; /* the runtime is not up yet */
	if (!ptr)
		return fail(gp, -EPROTO, "allgs has goroutines but no array");
	err = mem_read(gp, ptr, &g0, sizeof(g0));
	if (!err)
		err = mem_read(gp, g0, g, gp->g_read_size);
	if (err)
		return err == -EFAULT ? fail(gp, -EPROTO, "the first goroutine cannot be read") : err;
	if (get_u64(g, gp->layout.g_goid) != 1)
		return fail(gp, -EPROTO, "the first goroutine in allgs is not goroutine 1");
	gp->checked = true;
	return 0;
}

/*
 * What opening a process and opening a binary over a given memory share,
 * once gp->bin and gp->bias are set: the layout, allgs, the buffers, and
 * a first look at the runtime.
 */
static int setup(struct go_proc *gp)
{
	int err;

	gp->tab = go_binary__pclntab(gp->bin);
	err = find_layout(gp);
	if (err)
		return err;
	gp->g_read_size = go_layout__g_read_size(&gp->layout);
	/* no module data: symbolization works, without inlined frames */
	go_binary__setup_inlining(gp->bin, gp->layout.md_gofunc);
	err = find_allgs(gp);
	if (err)
		return err;
	gp->window = malloc(sizeof(*gp->window));
	gp->stack_g = malloc(gp->g_read_size);
	if (!gp->window || !gp->stack_g)
		return -ENOMEM;
	gp->window->len = 0;
	gp->window->chunk = STACK_WINDOW;
	read_wait_reasons(gp);
	return check_runtime(gp);
}

static struct go_proc *go_proc__new(void)
{
	struct go_proc *gp = calloc(1, sizeof(*gp));

	if (!gp)
		return NULL;
	go_proc__set_limits(gp, NULL);
	gp->hash_seed = mono_ns() ^ (__u64)(unsigned long)gp;
	gp->prefix_hash = gp->hash_seed; /* of no gs */
	return gp;
}

/* The end of an open that is @err so far: *gpp = @gp set up, or @gp freed. */
static int open_finish(struct go_proc **gpp, struct go_proc *gp, int err)
{
	if (!err)
		err = setup(gp);
	if (err) {
		go_proc__close(gp);
		return err;
	}
	*gpp = gp;
	return 0;
}

int go_proc__open(struct go_proc **gpp, const char *proc_root, int pid)
{
	char exe[4096];
	struct go_proc *gp;
	int err;

	*gpp = NULL;
	gp = go_proc__new();
	if (!gp)
		return -ENOMEM;
	gp->pid = pid;
	snprintf(exe, sizeof(exe), "%s/%d/exe", proc_root, pid);
	err = go_binary__open(&gp->bin, exe);
	if (err == -ENOENT) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/%d", proc_root, pid);
		err = access(dir, F_OK) ? -ESRCH : -ENOEXEC; /* a kernel thread has no exe */
	}
	if (!err)
		err = find_bias(gp, proc_root, exe);
	return open_finish(gpp, gp, err);
}

int go_proc__open_binary(struct go_proc **gpp, const char *exe, __u64 bias,
			 const struct go_mem *mem)
{
	struct go_proc *gp;
	int err;

	*gpp = NULL;
	if (!mem || !mem->readv)
		return -EINVAL;
	gp = go_proc__new();
	if (!gp)
		return -ENOMEM;
	gp->mem = *mem;
	gp->bias = bias;
	err = go_binary__open(&gp->bin, exe);
	return open_finish(gpp, gp, err);
}

void go_proc__close(struct go_proc *gp)
{
	if (!gp)
		return;
	go_binary__close(gp->bin);
	if (gp->layout_derived)
		go_derive__free(&gp->layout);
	free(gp->wait_reasons);
	free(gp->gptrs);
	free(gp->sorted);
	free(gp->memos);
	if (gp->batches) {
		proc_mem_buf_free(gp->batches[0].mem);
		proc_mem_buf_free(gp->batches[1].mem);
		free(gp->batches);
	}
	free(gp->window);
	free(gp->stack_g);
	free(gp);
}

void go_proc__set_limits(struct go_proc *gp, const struct go_proc_limits *limits)
{
	gp->limits.mem_bytes = limits && limits->mem_bytes ? limits->mem_bytes : GO_PROC_MEM_DEFAULT;
	gp->limits.time_ns = limits && limits->time_ns ? limits->time_ns : GO_PROC_TIME_DEFAULT;
}

bool go_proc__memos_kept(const struct go_proc *gp)
{
	return gp->memos_kept;
}

const char *go_proc__why(const struct go_proc *gp)
{
	return gp->why ? gp->why : "";
}

const char *go_proc__version(const struct go_proc *gp)
{
	return go_binary__version(gp->bin);
}

const char *go_proc__layout_source(const struct go_proc *gp)
{
	return gp->layout_source;
}

const char *go_proc__allgs_source(const struct go_proc *gp)
{
	return gp->allgs_source;
}

/* Sift-down of a max-heap of @n addresses rooted at @i. */
static void sift_down(__u64 *v, size_t i, size_t n)
{
	for (;;) {
		size_t child = 2 * i + 1;
		__u64 t;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[i] >= v[child])
			return;
		t = v[i];
		v[i] = v[child];
		v[child] = t;
		i = child;
	}
}

/* Heapsort: in place, so sorting allgs costs no memory beyond its own. */
static void sort_addrs(__u64 *v, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (i = n; i-- > 1;) {
		__u64 t = v[0];

		v[0] = v[i];
		v[i] = t;
		sift_down(v, 0, i);
	}
}

#define RADIX_BITS 11

/*
 * Sort @n addresses from @v into @out, @v's memory used too (its order is
 * lost): a least-significant-digit radix sort on the bits that differ
 * between the smallest and the largest, which for a Go heap's gs are about
 * 30: three passes over a million gs, a quarter of what a heapsort took.
 */
static void radix_sort_addrs(__u64 *v, __u64 *out, size_t n)
{
	size_t count[1u << RADIX_BITS];
	__u64 lo = ~0ull, hi = 0, *src = v, *dst = out, *t;
	unsigned int bits, passes, pass, shift;
	size_t i, sum;

	for (i = 0; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	bits = n && hi > lo ? 64 - __builtin_clzll(hi - lo) : 0;
	passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
	/* each pass moves them to the other array: end in @out */
	if (!(passes & 1)) {
		memcpy(out, v, n * sizeof(*v));
		src = out;
		dst = v;
	}
	for (pass = 0; pass < passes; pass++) {
		shift = pass * RADIX_BITS;
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[((src[i] - lo) >> shift) & ((1u << RADIX_BITS) - 1)]++;
		for (i = 0, sum = 0; i < (1u << RADIX_BITS); i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[((src[i] - lo) >> shift) & ((1u << RADIX_BITS) - 1)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
}

/* @h, a hash of addresses (seeded per process: a target cannot aim at it), and @n more. */
static __u64 hash_addrs(__u64 h, const __u64 *v, __u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++) {
		h ^= v[i];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

/*
 * Merge the sorted runs sorted[0, m) and tail[0, n - m) into sorted[0, n),
 * from the back (sorted has room for n), each g's memo with it (a new g's
 * is zero). A g in both is listed twice.
 */
static int merge_tail(struct go_proc *gp, __u64 *sorted, __u64 m, const __u64 *tail, __u64 n)
{
	struct go_g_memo *memos = gp->memos;
	__u64 i = m, j = n - m, k = n;

	while (j) {
		if (i && sorted[i - 1] == tail[j - 1])
			return fail(gp, -EPROTO, "allgs lists a goroutine twice");
		if (i && sorted[i - 1] > tail[j - 1]) {
			sorted[--k] = sorted[--i];
			memos[k] = memos[i];
		} else {
			sorted[--k] = tail[--j];
			memos[k] = (struct go_g_memo){ 0 };
		}
	}
	return 0;
}

/*
 * The runtime lists each g once and never a nil one. Check it, which a
 * program that lists one g millions of times would otherwise make us
 * report millions of times, and put the gs in address order in
 * gp->sorted, the order they are read in fastest. allgs only grows, so
 * when its first gs are those of the last census (their hash is), only
 * the new ones are sorted and merged in (heapsort: in place); else all
 * are (a radix sort from @v, as read, into gp->sorted: no memory beyond
 * the two arrays; @v is not needed after).
 */
static int check_allgs(struct go_proc *gp, __u64 *v, __u64 n)
{
	__u64 i, h, m = gp->prefix_len <= n ? gp->prefix_len : 0;
	int err;

	h = hash_addrs(gp->hash_seed, v, m);
	if (h != gp->prefix_hash) {
		m = 0;
		h = gp->hash_seed;
	}
	h = hash_addrs(h, v + m, n - m); /* before v[m, n) is sorted */
	gp->prefix_len = 0;
	gp->memos_kept = m > 0;
	if (!m) {
		for (i = 1; i < n && v[i - 1] < v[i]; i++)
			;
		if (i == n) {
			memcpy(gp->sorted, v, n * sizeof(*v));
		} else {
			radix_sort_addrs(v, gp->sorted, n);
			for (i = 1; i < n; i++)
				if (gp->sorted[i - 1] == gp->sorted[i])
					return fail(gp, -EPROTO, "allgs lists a goroutine twice");
		}
		/* after the check: a malformed allgs touches none of the memos */
		memset(gp->memos, 0, n * sizeof(*gp->memos));
	} else if (n > m) {
		/* the new gs, sorted where they were read, merged in */
		sort_addrs(v + m, n - m);
		for (i = m + 1; i < n; i++)
			if (v[i - 1] == v[i])
				return fail(gp, -EPROTO, "allgs lists a goroutine twice");
		err = merge_tail(gp, gp->sorted, m, v + m, n);
		if (err)
			return err;
	}
	if (n && !gp->sorted[0])
		return fail(gp, -EPROTO, "allgs lists a nil goroutine");
	gp->prefix_len = n;
	gp->prefix_hash = h;
	return 0;
}

/*
 * Read the array of g pointers: allglen first, then allgptr, then the
 * array; if allgptr moved meanwhile (allgs grew into a new array, and the
 * old one may be freed), read again. The array must fit the memory budget.
 */
static int read_allgs(struct go_proc *gp, __u64 *nr, bool *incomplete)
{
	__u64 len, ptr, ptr_after, len_after, bytes;
	struct go_g_memo *memos;
	int tries, err;

	for (tries = 0; tries < ALLGS_TRIES; tries++) {
		err = read_allgs_header(gp, &len, &ptr);
		if (err)
			return err;
		if (!len) {
			*nr = 0;
			return 0;
		}
		if (!ptr)
			return fail(gp, -EPROTO, "allgs has goroutines but no array");
		/* allgs, the same in address order, and their memos */
		if (target_size_mul(len, 2 * sizeof(*gp->gptrs) + sizeof(*gp->memos), &bytes) ||
		    bytes > gp->limits.mem_bytes)
			return fail(gp, -E2BIG, "allgs is larger than the memory budget");
		if (len > gp->gptrs_cap) {
			/* room to grow, within the budget */
			size_t cap = len + len / 4 > gp->limits.mem_bytes /
							     (2 * sizeof(__u64) + sizeof(*memos)) ?
					     len : len + len / 4;
			__u64 *more = realloc(gp->gptrs, cap * sizeof(*more));

			if (!more)
				return -ENOMEM;
			gp->gptrs = more;
			more = realloc(gp->sorted, cap * sizeof(*more));
			if (!more)
				return -ENOMEM;
			gp->sorted = more;
			memos = realloc(gp->memos, cap * sizeof(*memos));
			if (!memos)
				return -ENOMEM;
			gp->memos = memos;
			gp->gptrs_cap = cap;
		}
		err = mem_read(gp, ptr, gp->gptrs, len * sizeof(*gp->gptrs));
		if (err && err != -EFAULT)
			return err;
		if (read_allgs_header(gp, &len_after, &ptr_after))
			return -ESRCH;
		if (!err && ptr_after == ptr) {
			*nr = len;
			return check_allgs(gp, gp->gptrs, len);
		}
	}
	*incomplete = true;
	return -EAGAIN;
}

/* Room in @b for a batch of @n gs (at most G_BATCH) and the gaps read with them. */
static int batch_reserve(struct go_proc *gp, struct g_batch *b, size_t n)
{
	size_t size = n * (gp->g_read_size > G_MAX_STRIDE ? gp->g_read_size : G_MAX_STRIDE) +
		      gp->g_read_size;

	if (b->buf && size <= b->size)
		return 0;
	b->size = 0;
	b->buf = proc_mem_buf_reserve(&b->mem, size);
	if (!b->buf)
		return -ENOMEM;
	b->size = size;
	return 0;
}

/*
 * Start reading the first g_read_size bytes of gs from @addrs (@n, at
 * most G_BATCH) into @b, g i at offset b->off[i]. gs are allocated next to
 * each other, mostly in the order allgs lists them: gs at increasing
 * addresses close together are read as one range, so a batch of thousands
 * of gs is one process_vm_readv of a few hundred iovecs. b->n is how many
 * gs of @addrs it covers. read_gs_wait() waits for it.
 */
static int read_gs_start(struct go_proc *gp, struct g_batch *b, const __u64 *addrs, int n)
{
	size_t size = gp->g_read_size, pos = 0;
	int i, nr_iov = 0, err;
	__u64 prev = 0;

	err = batch_reserve(gp, b, n);
	if (err)
		return err;
	for (i = 0; i < n && i < G_BATCH; i++) {
		__u64 addr = addrs[i];

		b->ok[i] = false;
		b->off[i] = 0;
		if (!addr || (addr & 7))
			continue;
		if (nr_iov && addr > prev && addr - prev <= G_MAX_STRIDE) {
			/* extend the range to the end of this g */
			struct iovec *rv = &b->remote[nr_iov - 1];
			size_t grow = addr + size - ((__u64)rv->iov_base + rv->iov_len);

			rv->iov_len += grow;
			b->local[nr_iov - 1].iov_len += grow;
			pos += grow;
			b->off[i] = pos - size;
		} else {
			if (nr_iov == IOV_BATCH)
				break;
			b->local[nr_iov].iov_base = b->buf + pos;
			b->local[nr_iov].iov_len = size;
			b->remote[nr_iov].iov_base = (void *)addr;
			b->remote[nr_iov].iov_len = size;
			nr_iov++;
			b->off[i] = pos;
			pos += size;
		}
		prev = addr;
	}
	b->n = i;
	b->nr_iov = nr_iov;
	b->pos = pos;
	if (nr_iov)
		batch_read_start(gp, b, b->local, b->remote, nr_iov);
	return 0;
}

/*
 * Wait for @b's read (of @addrs) and mark b->ok[i] the gs read. A bad
 * address stops the call at its range: skip that range and go on with the
 * next (reading the rest at once). Returns 0 or -errno.
 */
static int read_gs_wait(struct go_proc *gp, struct g_batch *b, const __u64 *addrs)
{
	size_t size = gp->g_read_size;
	int i, done = 0;
	ssize_t r;

	if (!b->nr_iov)
		return 0;
	r = batch_read_wait(b);
	/* local ranges are consecutive in buf: gs below the bytes read are whole */
	for (;;) {
		size_t base, failed_end;
		int j;

		if (r < 0 && r != -EFAULT)
			return r;
		if (r < 0)
			r = 0;
		base = (__u8 *)b->local[done].iov_base - b->buf;
		for (j = done; j < b->nr_iov; j++) {
			size_t end = (__u8 *)b->local[j].iov_base - b->buf + b->local[j].iov_len;

			if (end > base + r)
				break;
		}
		if (j == b->nr_iov) {
			failed_end = b->pos;
			done = b->nr_iov;
		} else {
			/* range j is bad: its gs stay unread */
			failed_end = (__u8 *)b->local[j].iov_base - b->buf;
			done = j + 1;
		}
		for (i = 0; i < b->n; i++)
			if (addrs[i] && !(addrs[i] & 7) && b->off[i] >= base &&
			    b->off[i] + size <= failed_end)
				b->ok[i] = true;
		if (done == b->nr_iov)
			return 0;
		batch_read_start(gp, b, b->local + done, b->remote + done, b->nr_iov - done);
		r = batch_read_wait(b);
	}
}

static void parse_g(struct go_proc *gp, const __u8 *raw, __u64 addr, struct go_goroutine *g)
{
	const struct go_runtime_layout *l = &gp->layout;
	const char *reason = NULL;

	/* every field set, rather than all cleared first: a census parses a million */
	g->g_addr = addr;
	g->memo = NULL;
	g->goid = get_u64(raw, l->g_goid);
	g->parent_goid = l->g_parent_goid != GO_FIELD_ABSENT ? get_u64(raw, l->g_parent_goid) : 0;
	g->wait_since_ns = get_u64(raw, l->g_waitsince);
	g->start_pc = get_u64(raw, l->g_startpc);
	g->go_pc = get_u64(raw, l->g_gopc);
	g->sched_pc = get_u64(raw, l->g_sched_pc);
	g->sched_sp = get_u64(raw, l->g_sched_sp);
	g->sched_bp = get_u64(raw, l->g_sched_bp);
	g->stack_lo = get_u64(raw, l->g_stack_lo);
	g->stack_hi = get_u64(raw, l->g_stack_hi);
	g->status = get_u32(raw, l->g_atomicstatus) & ~GO_G_SCAN;
	g->wait_reason_index = raw[l->g_waitreason];
	if (g->start_pc != gp->last_start_pc) {
		gp->last_start_pc = g->start_pc;
		gp->last_system = go_is_system_goroutine(func_name_at(gp, g->start_pc));
	}
	g->system = gp->last_system;
	if (gp->last_reason_ok && g->status == gp->last_status &&
	    g->wait_reason_index == gp->last_reason_index) {
		memcpy(g->wait_reason, gp->last_reason, sizeof(g->wait_reason));
		return;
	}
	/*
	 * As Go prints it: the wait reason of a waiting goroutine, else its
	 * status; one Go's detector marked leaked gets " (leaked)" after it.
	 */
	memset(g->wait_reason, 0, sizeof(g->wait_reason));
	if (go_g_parked(g->status)) {
		reason = wait_reason(gp, g->wait_reason_index);
		if (!reason)
			snprintf(g->wait_reason, sizeof(g->wait_reason), "waitreason %u",
				 g->wait_reason_index);
		else if (!reason[0])
			reason = go_g_status_name(g->status);
	} else {
		reason = go_g_status_name(g->status);
	}
	if (reason) {
		/* as snprintf("%s") would, at a fraction of its cost a goroutine */
		size_t len = strnlen(reason, sizeof(g->wait_reason) - 1);

		memcpy(g->wait_reason, reason, len);
		g->wait_reason[len] = '\0';
	}
	if (g->status == GO_G_LEAKED && strcmp(g->wait_reason, "leaked")) {
		size_t len = strlen(g->wait_reason);

		snprintf(g->wait_reason + len, sizeof(g->wait_reason) - len, " (leaked)");
	}
	memcpy(gp->last_reason, g->wait_reason, sizeof(gp->last_reason));
	gp->last_status = g->status;
	gp->last_reason_index = g->wait_reason_index;
	gp->last_reason_ok = true;
}

/* A stack a Go runtime could have made. */
static bool stack_bounds_plausible(const struct go_goroutine *g)
{
	return g->stack_lo && g->stack_lo < g->stack_hi && g->stack_hi - g->stack_lo <= MAX_STACK;
}

/* ... with where the goroutine resumes saved in it. */
static bool stack_plausible(const struct go_goroutine *g)
{
	return stack_bounds_plausible(g) && g->sched_sp >= g->stack_lo &&
	       g->sched_sp < g->stack_hi && g->sched_pc;
}

/*
 * A g read in one go can be torn by the runtime writing it meanwhile (a
 * stack copy moves lo, hi and sp): read it again. The same impossible
 * values twice are what the process wrote: -EPROTO. Else -EAGAIN.
 */
static int confirm_implausible(struct go_proc *gp, const struct go_goroutine *g)
{
	struct go_goroutine again;
	int err;

	err = mem_read(gp, g->g_addr, gp->stack_g, gp->g_read_size);
	if (err)
		return err == -EFAULT ? -EAGAIN : err;
	parse_g(gp, gp->stack_g, g->g_addr, &again);
	if (again.stack_lo == g->stack_lo && again.stack_hi == g->stack_hi &&
	    again.sched_sp == g->sched_sp && again.goid == g->goid && again.status == g->status)
		return fail(gp, -EPROTO, "a goroutine's stack bounds are impossible");
	return -EAGAIN;
}

bool go_g_live(__u32 status)
{
	return status != GO_G_IDLE && status != GO_G_DEAD && status != GO_G_MORIBUND_UNUSED &&
	       status != GO_G_ENQUEUE_UNUSED && status <= GO_G_LEAKED;
}

int go_proc__census(struct go_proc *gp, go_census_cb cb, void *ctx, bool *incomplete)
{
	struct g_batch *b = NULL;
	struct go_g_memo *memo;
	struct go_goroutine g;
	const __u8 *raw;
	__u64 nr, i;
	__u32 status;
	int err, j, batch, count = 0, cur = 0;

	*incomplete = false;
	gp->why = NULL;
	gp->deadline_ns = mono_ns() + gp->limits.time_ns;
	err = gp->checked ? 0 : check_runtime(gp);
	if (!err)
		err = read_allgs(gp, &nr, incomplete);
	if (err)
		goto out;
	gp->deadline_ns += nr * GO_PROC_TIME_PER_G_NS; /* nr is within the memory budget */
	if (!gp->batches)
		gp->batches = calloc(2, sizeof(*gp->batches));
	err = gp->batches ? 0 : -ENOMEM;
	if (!err && nr)
		err = read_gs_start(gp, &gp->batches[0], gp->sorted, nr < G_BATCH ? nr : G_BATCH);
	if (err)
		goto out;
	/* batch i is parsed while the next one is read */
	for (i = 0; i < nr; i += batch, cur ^= 1) {
		b = &gp->batches[cur];
		err = read_gs_wait(gp, b, gp->sorted + i);
		if (err)
			goto out;
		batch = b->n;
		if (i + batch < nr) {
			__u64 left = nr - i - batch;

			err = read_gs_start(gp, &gp->batches[cur ^ 1], gp->sorted + i + batch,
					    left < G_BATCH ? left : G_BATCH);
			if (err)
				goto out;
		}
		for (j = 0; j < batch; j++) {
			if (j % CLOCK_EVERY == 0 && over_time(gp)) {
				*incomplete = true;
				err = fail(gp, -ETIME, "the goroutine census took longer than its budget");
				goto out;
			}
			if (!b->ok[j]) {
				*incomplete = true;
				continue;
			}
			/* Most of allgs may be dead (the runtime never frees
			 * a g): skip those before parsing, unless the caller
			 * has a memo of what it was. */
			raw = b->buf + b->off[j];
			memo = &gp->memos[i + j];
			status = get_u32(raw, gp->layout.g_atomicstatus) & ~GO_G_SCAN;
			if (!go_g_live(status)) {
				if (!memo->goid || !cb)
					continue;
				memset(&g, 0, sizeof(g));
				g.g_addr = gp->sorted[i + j];
				g.goid = get_u64(raw, gp->layout.g_goid);
				g.status = status;
				g.memo = memo;
				err = cb(ctx, &g);
				if (err < 0)
					goto out;
				continue;
			}
			parse_g(gp, raw, gp->sorted[i + j], &g);
			g.memo = memo;
			/* only a waiting goroutine's saved sp must be in its stack */
			if (go_g_parked(g.status) ? !stack_plausible(&g) :
						       !stack_bounds_plausible(&g)) {
				err = confirm_implausible(gp, &g);
				if (err != -EAGAIN)
					goto out;
				*incomplete = true;
				continue;
			}
			count++;
			if (cb) {
				err = cb(ctx, &g);
				if (err < 0)
					goto out;
			}
		}
	}
	err = count;
out:
	/* a read still under way on a census cut short: its buffer is its until it ends */
	for (j = 0; gp->batches && j < 2; j++)
		if (gp->batches[j].pending)
			batch_read_wait(&gp->batches[j]);
	gp->deadline_ns = 0;
	return err;
}

int go_proc__stack(struct go_proc *gp, const struct go_goroutine *g, __u64 *pcs, int max,
		   __u16 *flags)
{
	struct go_goroutine now, after;
	struct go_unwind_start start;
	__u8 *raw = gp->stack_g;
	__u32 uflags;
	int n, err;

	*flags = 0;
	err = mem_read(gp, g->g_addr, raw, gp->g_read_size);
	if (err)
		return err == -EFAULT ? -ESRCH : err;
	parse_g(gp, raw, g->g_addr, &now);
	if (now.goid != g->goid || !go_g_live(now.status))
		return -ESRCH;
	if (now.status == GO_G_RUNNING)
		return -EBUSY;
	if (now.status == GO_G_COPYSTACK)
		return -EAGAIN;
	if (!stack_plausible(&now))
		return confirm_implausible(gp, &now);
	if (over_time(gp))
		return fail(gp, -ETIME, "the goroutine census took longer than its budget");

	gp->window->chunk = STACK_WINDOW;
	window_preload(gp, now.sched_sp, now.stack_hi);
	start.pc = now.sched_pc;
	start.sp = now.sched_sp;
	start.stack_lo = now.stack_lo;
	start.stack_hi = now.stack_hi;
	start.bias = gp->bias;
	n = go_unwind(gp->tab, &start, window_read, gp, pcs, max, &uflags);
	gp->window->len = 0;

	/* it must not have run meanwhile, or the stack may be another one */
	err = mem_read(gp, g->g_addr, raw, gp->g_read_size);
	if (err)
		return err == -EFAULT ? -ESRCH : err;
	parse_g(gp, raw, g->g_addr, &after);
	if (after.goid != now.goid || after.sched_sp != now.sched_sp ||
	    after.sched_pc != now.sched_pc || after.status != now.status)
		return -EAGAIN;
	if (uflags & GO_UNWIND_TRUNCATED)
		*flags |= RS_TRUNCATED;
	if (uflags & GO_UNWIND_INCOMPLETE)
		*flags |= RS_INCOMPLETE;
	return n;
}

static void fill_sym(const struct go_proc *gp, const struct go_func *fn, __u64 pc,
		     const struct go_frame *frame, struct go_sym *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->func, sizeof(out->func), "%s", frame->func);
	snprintf(out->file, sizeof(out->file), "%s", frame->file ? frame->file : "?");
	out->line = frame->line;
	out->entry = fn->entry + gp->bias;
	out->offset = pc - out->entry;
	out->inlined = frame->inlined;
	out->found = true;
}

int go_proc__symbolize_frames(struct go_proc *gp, __u64 pc, bool retaddr, struct go_sym *frames,
			      int max)
{
	struct go_frame tab_frames[32];
	struct go_func fn;
	__u64 lookup;
	int n, i;

	if (max < 1 || pc < gp->bias || go_pclntab__find_func(gp->tab, pc - gp->bias, &fn))
		return 0;
	lookup = pc - gp->bias;
	/* a return address: the call is the instruction before (Go's symPC) */
	if (retaddr && lookup > fn.entry)
		lookup--;
	if (max > (int)(sizeof(tab_frames) / sizeof(tab_frames[0])))
		max = sizeof(tab_frames) / sizeof(tab_frames[0]);
	n = go_pclntab__frames(gp->tab, &fn, lookup, tab_frames, max);
	for (i = 0; i < n; i++)
		fill_sym(gp, &fn, pc, &tab_frames[i], &frames[i]);
	return n;
}

int go_proc__symbolize(struct go_proc *gp, __u64 pc, bool retaddr, struct go_sym *out)
{
	if (go_proc__symbolize_frames(gp, pc, retaddr, out, 1) == 1)
		return 0;
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

enum go_thread_wait go_proc__thread_wait(struct go_proc *gp, __u64 ip, __u64 sp, __u64 bp)
{
	struct go_sym frames[THREAD_MAX_NAMES];
	const char *names[THREAD_MAX_NAMES];
	__u64 pcs[THREAD_MAX_FRAMES];
	struct go_unwind_start start = { .pc = ip, .sp = sp, .stack_lo = sp, .bias = gp->bias };
	int n, i, j, nr_names = 0;
	__u32 uflags;

	(void)bp;
	/* The frames that say why a thread sleeps are near its sp. */
	if (target_addr_add(sp, THREAD_MAX_STACK, &start.stack_hi))
		start.stack_hi = ~0ull;
	gp->window->len = 0;
	gp->window->chunk = THREAD_WINDOW;
	n = go_unwind(gp->tab, &start, window_read, gp, pcs, THREAD_MAX_FRAMES, &uflags);
	gp->window->len = 0;
	for (i = 0; i < n && nr_names < THREAD_MAX_NAMES; i++) {
		int nf = go_proc__symbolize_frames(gp, pcs[i], i > 0, frames + nr_names,
						   THREAD_MAX_NAMES - nr_names);

		if (!nf) {
			names[nr_names++] = NULL;
			break;
		}
		for (j = 0; j < nf; j++, nr_names++)
			names[nr_names] = frames[nr_names].func;
	}
	return go_thread_wait_classify(names, nr_names);
}

bool go_proc__is_idle_m(struct go_proc *gp, __u64 ip, __u64 sp, __u64 bp)
{
	return go_thread_wait_is_idle(go_proc__thread_wait(gp, ip, sp, bp));
}
