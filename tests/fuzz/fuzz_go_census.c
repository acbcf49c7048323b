// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the goroutine census, the stack walk and the
 * classification of a thread's stack (go_runtime.c, go_unwind.c) of a real
 * Go binary over a fake address space, which the input describes and
 * go_proc__open_binary()'s reader serves as process_vm_readv would. Every
 * answer must be one the API documents, every count bounded by allglen and
 * the memory budget, every stack by the room given.
 *
 * The input: a header (which binary, its load bias, the values of
 * runtime.allglen and runtime.allgptr, which sit at the addresses the
 * reader looks for them, and a thread's pc and sp), then segments of memory:
 * an address, a length and a pattern repeated over it (zeros if none). What
 * no segment holds is read from the binary's file where it maps it; the rest
 * is unmapped.
 *
 * The binaries: tests/fuzz/hello.go built by go_binaries.sh, in
 * fuzz-go-census/ next to this program (seed_go_census.sh). Seeds: a plausible runtime for each binary
 * (goroutine 1 first, waiting goroutines whose stacks are frames of real
 * functions, a dead and a runnable one, an idle thread), and the attacks
 * of issue 11, written by this program itself into the directory
 * FUZZ_GO_CENSUS_SEEDS names (seed_go_census.sh). FUZZ_GO_CENSUS_VERBOSE
 * says what each input gave.
 */
/* fuzz-srcs: src/go_runtime.c src/go_unwind.c src/go_binary.c src/go_pclntab.c src/go_layout.c src/go_derive.c src/go_riprel.c src/go_thread_wait.c src/proc_mem.c src/target_file.c src/target_call.c
 * fuzz-libs: -ldw -lelf -pthread
 * fuzz-flags: -max_len=16384 -malloc_limit_mb=512 */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include "fuzz.h"
#include "go_binary.h"
#include "go_layout.h"
#include "go_runtime.h"

#define MAX_SEGS 256
#define MAX_SEG_LEN (16u << 20)
#define BIAS_MASK 0x7ffffffff000ull /* a page in the user half */
#define MAX_PCS 32
#define MAX_SYMS 8
#define MEM_BUDGET (64u << 10) /* 8192 goroutines */
#define MAX_IOV 1024	       /* UIO_MAXIOV, which proc_mem_readv refuses past */

struct header {
	__u8 bin;
	__u64 bias, allglen, allgptr, thread_pc, thread_sp;
} __attribute__((packed));

struct segment {
	__u64 addr, len;
	const __u8 *pattern; /* repeated over len; NULL: zeros */
	size_t pattern_len;
};

struct space {
	struct segment segs[MAX_SEGS];
	int nr;
	const struct go_binary *bin; /* what no segment holds, at bias */
	__u64 bias;
	__u8 words[2][8]; /* allglen, allgptr */
};

static const char *const bin_names[] = {
	"hello-go-1.22-normal", "hello-go-1.22-stripped", "hello-go-1.22-pie",
	"hello-go-1.19-normal", "hello-go-1.19-stripped", "hello-go-1.21-normal",
	"hello-go-1.21-stripped", "hello-go-1.23-normal", "hello-go-1.23-stripped",
	"hello-go-1.23-pie", "hello-go-local-normal", "hello-go-local-stripped",
};
#define NR_BINS (sizeof(bin_names) / sizeof(bin_names[0]))

struct fuzz_bin {
	char path[PATH_MAX];
	struct go_binary *bin;
	__u64 allglen_addr, allgptr_addr; /* link-time */
	bool ok;
};

static struct fuzz_bin bins[NR_BINS];
static bool verbose; /* FUZZ_GO_CENSUS_VERBOSE: what each input gave, on stderr */

/* The segment holding @addr, or the first above it (nr if none). */
static int seg_at(const struct space *s, __u64 addr)
{
	int lo = 0, hi = s->nr;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (s->segs[mid].addr + s->segs[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void seg_copy(const struct segment *seg, __u64 off, __u8 *dst, size_t len)
{
	size_t done = 0;

	if (!seg->pattern) {
		memset(dst, 0, len);
		return;
	}
	while (done < len) {
		size_t at = (off + done) % seg->pattern_len;
		size_t part = seg->pattern_len - at < len - done ? seg->pattern_len - at : len - done;

		memcpy(dst + done, seg->pattern + at, part);
		done += part;
	}
}

/* Bytes at @addr, at most @len: from a segment, else the binary's file. How many. */
static size_t space_read(const struct space *s, __u64 addr, __u8 *dst, size_t len)
{
	int i = seg_at(s, addr);
	size_t chunk = len;

	if (i < s->nr && s->segs[i].addr <= addr) {
		const struct segment *seg = &s->segs[i];

		if (chunk > seg->addr + seg->len - addr)
			chunk = seg->addr + seg->len - addr;
		seg_copy(seg, addr - seg->addr, dst, chunk);
		return chunk;
	}
	if (i < s->nr && chunk > s->segs[i].addr - addr)
		chunk = s->segs[i].addr - addr;
	if (addr < s->bias)
		return 0;
	/* the file's bytes, as far as they go */
	while (chunk && go_binary__read(s->bin, addr - s->bias, dst, chunk))
		chunk /= 2;
	return chunk;
}

/* process_vm_readv: in order, short at the first unmapped byte, -EFAULT if it is the first. */
static ssize_t space_readv(void *ctx, const struct iovec *local, const struct iovec *remote,
			   int nr)
{
	const struct space *s = ctx;
	size_t total = 0;
	int i;

	fuzz_check(nr >= 0 && nr <= MAX_IOV, "more iovecs than process_vm_readv takes");
	for (i = 0; i < nr; i++)
		fuzz_check(local[i].iov_len == remote[i].iov_len, "iovecs of different lengths");
	for (i = 0; i < nr; i++) {
		__u64 addr = (unsigned long)remote[i].iov_base;
		__u8 *dst = local[i].iov_base;
		size_t done = 0, n;

		fuzz_check(addr + remote[i].iov_len >= addr || !remote[i].iov_len,
			   "a remote range that wraps");
		while (done < remote[i].iov_len) {
			n = space_read(s, addr + done, dst + done, remote[i].iov_len - done);
			if (!n)
				return total ? (ssize_t)total : -EFAULT;
			done += n;
			total += n;
		}
	}
	return total;
}

/* Add a segment unless it wraps or overlaps one already there. */
static void space_add(struct space *s, __u64 addr, __u64 len, const __u8 *pattern,
		      size_t pattern_len)
{
	int i;

	if (s->nr == MAX_SEGS || !len || addr + len < addr)
		return;
	i = seg_at(s, addr);
	if (i < s->nr && s->segs[i].addr < addr + len)
		return;
	memmove(&s->segs[i + 1], &s->segs[i], (s->nr - i) * sizeof(s->segs[0]));
	s->segs[i] = (struct segment){ addr, len, pattern_len ? pattern : NULL, pattern_len };
	s->nr++;
}

static __u64 get_le(const uint8_t *p, size_t n)
{
	__u64 v = 0;

	memcpy(&v, p, n);
	return v;
}

/* The segments after the header: addr u64, len u32 (0: the pattern's), pattern_len u16, pattern. */
static void space_parse(struct space *s, const uint8_t *data, size_t size)
{
	while (size >= 14) {
		__u64 addr = get_le(data, 8), len = get_le(data + 8, 4);
		size_t plen = get_le(data + 12, 2);

		data += 14;
		size -= 14;
		if (plen > size)
			plen = size;
		if (!len)
			len = plen;
		space_add(s, addr, len > MAX_SEG_LEN ? MAX_SEG_LEN : len, data, plen);
		data += plen;
		size -= plen;
	}
}

struct census {
	struct go_proc *gp;
	__u64 allglen;
	int seen;
};

static bool stack_errno(int err)
{
	return err == -EBUSY || err == -EAGAIN || err == -ESRCH || err == -EPROTO ||
	       err == -ETIME;
}

static int census_cb(void *ctx, const struct go_goroutine *g)
{
	struct census *c = ctx;
	struct go_sym syms[MAX_SYMS];
	__u64 pcs[MAX_PCS];
	__u16 flags;
	int n, i, j, nf;

	c->seen++;
	fuzz_check((__u64)c->seen <= c->allglen, "more goroutines than allglen");
	fuzz_check(g->status != GO_G_DEAD && g->status != GO_G_IDLE && g->status <= GO_G_PREEMPTED,
		   "a goroutine that is not live");
	fuzz_check(g->stack_lo && g->stack_lo < g->stack_hi, "a goroutine without a stack");
	fuzz_check(memchr(g->wait_reason, 0, sizeof(g->wait_reason)) != NULL,
		   "a wait reason without its NUL");
	n = go_proc__stack(c->gp, g, pcs, MAX_PCS, &flags);
	if (n < 0 && verbose)
		fprintf(stderr, "goroutine %llu: stack: %d\n", (unsigned long long)g->goid, n);
	if (n < 0) {
		fuzz_check(stack_errno(n), "go_proc__stack: an undocumented error");
		return 0;
	}
	fuzz_check(n >= 1 && n <= MAX_PCS, "a stack of no frame, or more than asked");
	fuzz_check(pcs[0] == g->sched_pc, "a stack that does not start where it resumes");
	fuzz_check(!(flags & ~(RS_TRUNCATED | RS_INCOMPLETE)), "unknown stack flags");
	if (verbose)
		fprintf(stderr, "goroutine %llu [%s]: %d frames, flags %#x\n",
			(unsigned long long)g->goid, g->wait_reason, n, flags);
	for (i = 0; i < n; i++) {
		nf = go_proc__symbolize_frames(c->gp, pcs[i], i > 0, syms, MAX_SYMS);
		fuzz_check(nf >= 0 && nf <= MAX_SYMS, "more frames than asked");
		for (j = 0; j < nf; j++)
			fuzz_check(memchr(syms[j].func, 0, sizeof(syms[j].func)) &&
					   memchr(syms[j].file, 0, sizeof(syms[j].file)),
				   "a symbol without its NUL");
		fuzz_check(!nf || !syms[nf - 1].inlined, "the last frame is inlined");
	}
	return 0;
}

static void run_census(struct go_proc *gp, __u64 allglen)
{
	struct census c = { .gp = gp, .allglen = allglen };
	bool incomplete;
	int n;

	if (c.allglen > MEM_BUDGET / 8)
		c.allglen = MEM_BUDGET / 8;
	n = go_proc__census(gp, census_cb, &c, &incomplete);
	if (verbose)
		fprintf(stderr, "census: %d%s %s\n", n, incomplete ? " incomplete" : "",
			go_proc__why(gp));
	if (n >= 0) {
		fuzz_check(n == c.seen, "a count that is not the goroutines reported");
		return;
	}
	fuzz_check(n == -ESRCH || n == -EPROTO || n == -E2BIG || n == -ETIME || n == -EAGAIN,
		   "go_proc__census: an undocumented error");
	fuzz_check(n != -EPROTO || go_proc__why(gp)[0], "-EPROTO without a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct go_proc_limits limits = { .mem_bytes = MEM_BUDGET };
	static struct space s;
	struct go_mem mem = { space_readv, &s };
	struct header h;
	struct fuzz_bin *b;
	struct go_proc *gp;
	enum go_thread_wait wait;
	int err;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	b = &bins[h.bin % NR_BINS];
	if (!b->ok)
		return 0;
	s.nr = 0;
	s.bin = b->bin;
	s.bias = go_binary__is_pie(b->bin) ? h.bias & BIAS_MASK : 0;
	memcpy(s.words[0], &h.allglen, 8);
	memcpy(s.words[1], &h.allgptr, 8);
	space_add(&s, b->allglen_addr + s.bias, 8, s.words[0], 8);
	space_add(&s, b->allgptr_addr + s.bias, 8, s.words[1], 8);
	space_parse(&s, data + sizeof(h), size - sizeof(h));

	err = go_proc__open_binary(&gp, b->path, s.bias, &mem);
	if (err && verbose)
		fprintf(stderr, "open: %d\n", err);
	if (err) {
		fuzz_check(err == -EPROTO || err == -ENOMEM, "go_proc__open_binary: an undocumented error");
		return 0;
	}
	go_proc__set_limits(gp, &limits);
	/* twice: the second with goroutine 1 checked, the buffers grown */
	run_census(gp, h.allglen);
	run_census(gp, h.allglen);
	wait = go_proc__thread_wait(gp, h.thread_pc, h.thread_sp, 0);
	fuzz_check(wait <= GO_THREAD_NETPOLL, "an unknown thread wait");
	if (verbose)
		fprintf(stderr, "thread: %s\n", go_thread_wait_name(wait));
	go_proc__close(gp);
	return 0;
}

/* A reader that holds zeros everywhere and sees where allglen and allgptr are read. */
struct probe {
	__u64 addrs[2];
	bool seen;
};

static ssize_t probe_readv(void *ctx, const struct iovec *local, const struct iovec *remote, int nr)
{
	struct probe *p = ctx;
	size_t total = 0;
	int i;

	if (nr == 2 && remote[0].iov_len == 8 && remote[1].iov_len == 8 && !p->seen) {
		p->addrs[0] = (unsigned long)remote[0].iov_base;
		p->addrs[1] = (unsigned long)remote[1].iov_base;
		p->seen = true;
	}
	for (i = 0; i < nr; i++) {
		memset(local[i].iov_base, 0, local[i].iov_len);
		total += local[i].iov_len;
	}
	return total;
}

static void load_bin(struct fuzz_bin *b, const char *dir, const char *name)
{
	struct probe p = { 0 };
	struct go_mem mem = { probe_readv, &p };
	struct go_proc *gp;
	__u64 addr;
	int err;

	snprintf(b->path, sizeof(b->path), "%s/%s", dir, name);
	if (access(b->path, R_OK) || go_binary__open(&b->bin, b->path))
		return;
	err = go_proc__open_binary(&gp, b->path, 0, &mem);
	if (err == -ENOTSUP)
		return; /* a Go the reader does not know, stripped */
	fuzz_check(!err && p.seen, "a binary that does not open over zeros");
	go_proc__close(gp);
	b->allglen_addr = p.addrs[0];
	b->allgptr_addr = p.addrs[1];
	if (!go_binary__symbol(b->bin, "runtime.allglen", &addr, NULL))
		fuzz_check(addr == b->allglen_addr, "allglen is not where its symbol is");
	b->ok = true;
}

/*
 * The seeds: a runtime as Go lays it out, for each binary, in the
 * input's format, and the attacks of issue 11 over it.
 */
#define SEED_PIE_BIAS 0x555555000000ull
#define SEED_GS 0xc000000000ull
#define SEED_ALLGS 0xc000100000ull
#define SEED_STACKS 0xc000200000ull
#define SEED_THREAD_STACK 0x7f0000000000ull
#define SEED_STACK_SIZE 0x2000
#define SEED_MAX_FRAMES 12
#define SEED_NR_GS 5

struct seed {
	__u8 buf[16384];
	size_t len;
};

struct seed_stack {
	__u64 lo, hi, sp, pc;
	__u8 bytes[SEED_STACK_SIZE]; /* [lo, hi) */
};

struct seed_g {
	__u64 goid;
	__u32 status;
	const char *reason;
	const char *start;
	const char *frames[SEED_MAX_FRAMES]; /* innermost first, up to NULL */
};

static void seed_put(struct seed *sd, const void *p, size_t n)
{
	fuzz_check(sd->len + n <= sizeof(sd->buf), "a seed larger than its buffer");
	memcpy(sd->buf + sd->len, p, n);
	sd->len += n;
}

/* A segment of @len bytes, or of @len copies of the @pattern_len bytes at @bytes. */
static void seed_segment(struct seed *sd, __u64 addr, __u32 len, const void *bytes,
			 __u16 pattern_len)
{
	seed_put(sd, &addr, 8);
	seed_put(sd, &len, 4);
	seed_put(sd, &pattern_len, 2);
	seed_put(sd, bytes, pattern_len);
}

static void seed_write(const struct seed *sd, const char *dir, int index, const char *what)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%s", dir, bin_names[index], what);
	f = fopen(path, "we");
	fuzz_check(f && fwrite(sd->buf, 1, sd->len, f) == sd->len && !fclose(f), path);
}

/* A pc of function @name where its whole frame is set up (the largest sp delta); 0 if none. */
static __u64 frame_pc(const struct go_pclntab *tab, const char *name, __s32 *frame)
{
	struct go_func fn;
	__u64 pc, best = 0;
	__s32 delta;

	*frame = -1;
	if (go_pclntab__func_by_name(tab, name, &fn))
		return 0;
	for (pc = fn.entry; pc < fn.end; pc++)
		if (!go_pclntab__sp_delta(tab, &fn, pc, &delta) && delta > *frame) {
			*frame = delta;
			best = pc;
		}
	return best;
}

/*
 * The frames of @names (innermost first; those the binary lacks left out)
 * returning at last into @base + 1, at the top of [lo, lo + SEED_STACK_SIZE).
 */
static void seed_stack(const struct go_pclntab *tab, __u64 bias, const char *const *names,
		       const char *base, __u64 lo, struct seed_stack *st)
{
	__u64 pcs[SEED_MAX_FRAMES + 1], total = 0, off;
	__s32 frames[SEED_MAX_FRAMES];
	struct go_func fn;
	int i, k = 0;

	for (i = 0; i < SEED_MAX_FRAMES && names[i]; i++) {
		pcs[k] = frame_pc(tab, names[i], &frames[k]);
		if (pcs[k]) {
			pcs[k] += bias;
			total += frames[k++] + 8;
		}
	}
	fuzz_check(k > 0 && !go_pclntab__func_by_name(tab, base, &fn), "a seed's functions");
	pcs[k] = fn.entry + 1 + bias;
	memset(st, 0, sizeof(*st));
	st->lo = lo;
	st->hi = lo + SEED_STACK_SIZE;
	fuzz_check(total + 64 <= SEED_STACK_SIZE, "a seed's frames larger than its stack");
	st->sp = st->hi - total - 64;
	st->pc = pcs[0];
	for (i = 0, off = st->sp - lo; i < k; off += frames[i++] + 8)
		memcpy(st->bytes + off + frames[i], &pcs[i + 1], 8);
}

/* The stack segment: from sp to the top. */
static void seed_stack_segment(struct seed *sd, const struct seed_stack *st)
{
	seed_segment(sd, st->sp, 0, st->bytes + (st->sp - st->lo), st->hi - st->sp);
}

static void put_u64(__u8 *g, __u16 off, __u64 v)
{
	if (off != GO_FIELD_ABSENT)
		memcpy(g + off, &v, 8);
}

static __u32 reason_index(const struct go_runtime_layout *l, const char *reason)
{
	const char *s;
	__u32 i;

	for (i = 0; reason && (s = go_layout__wait_reason(l, i)); i++)
		if (!strcmp(s, reason))
			return i;
	return 0;
}

static const struct seed_g seed_gs[SEED_NR_GS] = {
	{ 1, GO_G_WAITING, "chan receive", "runtime.main",
	  { "runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1", "main.main",
	    "runtime.main" } },
	{ 2, GO_G_WAITING, "force gc (idle)", "runtime.forcegchelper",
	  { "runtime.gopark", "runtime.forcegchelper" } },
	{ 3, GO_G_DEAD, NULL, "main.main.func1", { "main.main.func1" } },
	{ 18, GO_G_WAITING, "chan send", "main.main.func1",
	  { "runtime.gopark", "runtime.chansend", "runtime.chansend1", "main.main.func1" } },
	{ 19, GO_G_RUNNABLE, NULL, "main.main.func1", { "main.main.func1" } },
};

static const char *const thread_frames[SEED_MAX_FRAMES] = {
	"runtime.futex",      "runtime.futexsleep",  "runtime.notesleep", "runtime.mPark",
	"runtime.stopm",      "runtime.findRunnable", "runtime.findrunnable",
	"runtime.schedule",   "runtime.mstart1",     "runtime.mstart0",
};

/*
 * The gs of seed_gs at SEED_GS, their stacks, allgs, an idle thread; with
 * @hostile, goroutine 19's stack bounds and saved sp at the top of the
 * address space, where sp + frame wraps, and the thread's sp too.
 */
static void seed_runtime(struct seed *sd, const struct go_binary *bin, const struct fuzz_bin *b,
			 const struct go_runtime_layout *l, __u64 bias, bool hostile)
{
	const struct go_pclntab *tab = go_binary__pclntab(bin);
	__u32 stride = (l->g_size + 63) & ~63u;
	static __u8 gs[SEED_NR_GS][1024], gs_span[sizeof(gs)];
	static struct seed_stack st;
	struct header h = { 0 };
	struct go_func fn;
	__u64 allgs[SEED_NR_GS], gopc;
	__s32 frame;
	int i;

	fuzz_check(stride <= sizeof(gs[0]), "a g larger than the seed's");
	gopc = frame_pc(tab, "main.main", &frame) + bias;
	seed_stack(tab, bias, thread_frames, "runtime.mstart", SEED_THREAD_STACK, &st);
	h.bin = b - bins;
	h.bias = bias;
	h.allglen = SEED_NR_GS;
	h.allgptr = SEED_ALLGS;
	h.thread_pc = st.pc;
	h.thread_sp = hostile ? ~0ull - 8 : st.sp;
	sd->len = 0;
	seed_put(sd, &h, sizeof(h));
	seed_stack_segment(sd, &st);
	memset(gs, 0, sizeof(gs));
	for (i = 0; i < SEED_NR_GS; i++) {
		const struct seed_g *sg = &seed_gs[i];
		__u8 *g = gs[i];

		allgs[i] = SEED_GS + i * stride;
		seed_stack(tab, bias, sg->frames, "runtime.goexit", SEED_STACKS + i * SEED_STACK_SIZE,
			   &st);
		if (hostile && sg->goid == 19) {
			st.hi = ~0ull - 7;
			st.lo = st.hi - SEED_STACK_SIZE;
			st.sp = st.hi - 8;
		} else if (sg->status != GO_G_DEAD) {
			seed_stack_segment(sd, &st);
		}
		put_u64(g, l->g_goid, sg->goid);
		put_u64(g, l->g_parent_goid, sg->goid > 2 ? 1 : 0);
		memcpy(g + l->g_atomicstatus, &sg->status, 4);
		g[l->g_waitreason] = reason_index(l, sg->reason);
		put_u64(g, l->g_waitsince, sg->status == GO_G_WAITING ? 1000000000 : 0);
		if (!go_pclntab__func_by_name(tab, sg->start, &fn))
			put_u64(g, l->g_startpc, fn.entry + bias);
		put_u64(g, l->g_gopc, sg->goid > 1 ? gopc : 0);
		if (sg->status == GO_G_DEAD)
			continue;
		put_u64(g, l->g_sched_pc, st.pc);
		put_u64(g, l->g_sched_sp, st.sp);
		put_u64(g, l->g_stack_lo, st.lo);
		put_u64(g, l->g_stack_hi, st.hi);
	}
	seed_segment(sd, SEED_ALLGS, 0, allgs, sizeof(allgs));
	/* one span of the heap, as the runtime allocates gs */
	for (i = 0; i < SEED_NR_GS; i++)
		memmove(gs_span + i * stride, gs[i], stride);
	seed_segment(sd, SEED_GS, 0, gs_span, SEED_NR_GS * stride);
}

static void go_census_write_seeds(const char *dir, const struct fuzz_bin *b)
{
	static struct seed sd;
	struct go_runtime_layout l;
	const struct go_runtime_layout *table;
	struct header *h = (struct header *)sd.buf;
	__u64 bias = go_binary__is_pie(b->bin) ? SEED_PIE_BIAS : 0, g1;
	int major, minor, index = b - bins;

	table = go_binary__version_number(b->bin, &major, &minor) ?
			go_layout__for_version(major, minor) : NULL;
	if (go_layout__from_dwarf(go_binary__elf(b->bin), &l)) {
		fuzz_check(table != NULL, "a layout for the seeds");
		l = *table;
	} else if (table) {
		l.wait_reasons = table->wait_reasons;
		l.nr_wait_reasons = table->nr_wait_reasons;
	}
	seed_runtime(&sd, b->bin, b, &l, bias, false);
	seed_write(&sd, dir, index, "runtime");
	seed_runtime(&sd, b->bin, b, &l, bias, true);
	seed_write(&sd, dir, index, "wrap");

	/* the runtime not up yet: allgs empty */
	seed_runtime(&sd, b->bin, b, &l, bias, false);
	h->allglen = 0;
	h->allgptr = 0;
	seed_write(&sd, dir, index, "empty");

	/* allgs: one g listed 8192 times */
	seed_runtime(&sd, b->bin, b, &l, bias, false);
	g1 = SEED_GS;
	h->allglen = MEM_BUDGET / 8;
	h->allgptr = SEED_ALLGS + 0x10000;
	seed_segment(&sd, h->allgptr, MEM_BUDGET, &g1, 8);
	seed_write(&sd, dir, index, "copies");

	/* allglen past any budget */
	seed_runtime(&sd, b->bin, b, &l, bias, false);
	h->allglen = 1ull << 26;
	seed_write(&sd, dir, index, "huge");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char self[PATH_MAX], dir[PATH_MAX + 16];
	const char *seeds = getenv("FUZZ_GO_CENSUS_SEEDS");
	ssize_t n;
	size_t i;

	verbose = getenv("FUZZ_GO_CENSUS_VERBOSE") != NULL;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	fuzz_check(n > 0, "readlink /proc/self/exe");
	self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s/fuzz-go-census", dirname(self));
	for (i = 0; i < NR_BINS; i++) {
		load_bin(&bins[i], dir, bin_names[i]);
		if (bins[i].ok && seeds)
			go_census_write_seeds(seeds, &bins[i]);
	}
	if (seeds)
		exit(0);
	for (i = 0; i < NR_BINS && !bins[i].ok; i++)
		;
	if (i == NR_BINS)
		fprintf(stderr, "fuzz_go_census: no Go binary in %s: run tests/fuzz/seed_go_census.sh\n",
			dir);
	return 0;
}
