// SPDX-License-Identifier: GPL-2.0
/*
 * The Go reader over a memory the test holds (go_proc__open_binary): a
 * real binary, an address space of zeros, and a thread whose sp sits at
 * the top of the address space, where a window of its stack would wrap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "test.h"
#include "go_binary.h"
#include "go_layout.h"
#include "go_runtime.h"
#include "go_test_binaries.h"

struct zero_mem {
	unsigned int reads, wraps;
};

/* Zeros everywhere; counts the ranges asked for that wrap. */
static ssize_t zero_readv(void *ctx, const struct iovec *local, const struct iovec *remote,
			  int nr)
{
	struct zero_mem *m = ctx;
	size_t total = 0;
	int i;

	m->reads++;
	for (i = 0; i < nr; i++) {
		__u64 base = (unsigned long)remote[i].iov_base;

		if (base + remote[i].iov_len < base)
			m->wraps++;
		memset(local[i].iov_base, 0, local[i].iov_len);
		total += local[i].iov_len;
	}
	return total;
}

void test_go_runtime_fake_memory(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS], *path;
	struct zero_mem m = { 0 };
	struct go_mem mem = { zero_readv, &m };
	struct go_binary *bin = NULL;
	struct go_proc *gp = NULL;
	struct go_func main_fn;
	bool incomplete;
	int nr;

	nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);
	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	path = go_test_binary(versions[nr - 1], "normal");
	if (!ASSERT_TRUE(path != NULL, "go build"))
		return;
	ASSERT_EQ(go_proc__open_binary(&gp, path, 0, NULL), -EINVAL, "no memory");
	if (!ASSERT_OK(go_binary__open(&bin, path), "open the binary") ||
	    !ASSERT_OK(go_pclntab__func_by_name(go_binary__pclntab(bin), "main.main", &main_fn),
		       "main.main") ||
	    !ASSERT_OK(go_proc__open_binary(&gp, path, 0, &mem), "open over zeros"))
		goto out;
	ASSERT_TRUE(m.reads > 0, "its memory read through the reader");
	ASSERT_EQ(go_proc__census(gp, NULL, NULL, &incomplete), 0, "allglen 0: no goroutine");
	ASSERT_FALSE(incomplete, "complete");

	/* main.main's entry has no frame: its return address is at sp, the last word but 31 */
	m.reads = 0;
	go_proc__thread_wait(gp, main_fn.entry, ~0ull - 0xff, 0);
	ASSERT_EQ(m.wraps, 0, "no read wraps past the top of the address space");
out:
	go_proc__close(gp);
	go_binary__close(bin);
}

/* A fake address space of a few pieces of the test's own memory. */
struct piece {
	__u64 addr;
	__u8 *host;
	size_t len;
};

struct pieces_mem {
	struct piece p[5];
	int nr;
};

static ssize_t pieces_readv(void *ctx, const struct iovec *local, const struct iovec *remote,
			    int nr)
{
	struct pieces_mem *m = ctx;
	size_t total = 0;
	int i, j;

	for (i = 0; i < nr; i++) {
		__u64 addr = (unsigned long)remote[i].iov_base;
		size_t len = remote[i].iov_len;

		for (j = 0; j < m->nr; j++)
			if (addr >= m->p[j].addr && len <= m->p[j].len &&
			    addr - m->p[j].addr <= m->p[j].len - len)
				break;
		if (j == m->nr) {
			/* not ours: zeros, as the binary's data the test does not set */
			memset(local[i].iov_base, 0, len);
		} else {
			memcpy(local[i].iov_base, m->p[j].host + (addr - m->p[j].addr), len);
		}
		total += len;
	}
	return total;
}

struct order_seen {
	__u64 last, nr;
	bool ascending;
};

static int order_cb(void *ctx, const struct go_goroutine *g)
{
	struct order_seen *s = ctx;

	if (g->g_addr <= s->last)
		s->ascending = false;
	s->last = g->g_addr;
	s->nr++;
	return 0;
}

/*
 * @n gs @stride apart (every 7th @far beyond the others, if @far), listed
 * by allgs in a shuffled order: the census reads each once, in address
 * order (sorted by 2, 3 and 4 radix passes for the three layouts below).
 */
static void census_order(const char *path, __u64 stride, __u64 far)
{
	enum { N = 3000, ALLGS = 0x10000000 };
	struct pieces_mem m = { 0 };
	struct go_mem mem = { pieces_readv, &m };
	struct go_runtime_layout l;
	struct order_seen seen = { .ascending = true };
	struct go_binary *bin = NULL;
	struct go_proc *gp = NULL;
	__u64 allglen_at, allgptr_at, header[2], *allgs = NULL, i, j, t, seed = 42;
	__u8 *near = NULL, *away = NULL;
	bool incomplete;
	int n;

	if (!ASSERT_OK(go_binary__open(&bin, path), "open the binary") ||
	    !ASSERT_OK(go_layout__from_dwarf(go_binary__elf(bin), &l), "its layout") ||
	    !ASSERT_OK(go_binary__symbol(bin, "runtime.allglen", &allglen_at, NULL), "allglen") ||
	    !ASSERT_OK(go_binary__symbol(bin, "runtime.allgptr", &allgptr_at, NULL), "allgptr"))
		goto out;
	allgs = calloc(N, sizeof(*allgs));
	near = calloc(N, stride);
	away = calloc(N, stride);
	if (!ASSERT_TRUE(allgs && near && away, "memory"))
		goto out;
	m.p[0] = (struct piece){ ALLGS, (__u8 *)allgs, N * sizeof(*allgs) };
	m.p[1] = (struct piece){ 0x20000000, near, N * stride };
	m.p[2] = (struct piece){ 0x20000000 + far, away, N * stride };
	m.p[3] = (struct piece){ allglen_at, (__u8 *)&header[0], 8 };
	m.p[4] = (struct piece){ allgptr_at, (__u8 *)&header[1], 8 };
	m.nr = 5;
	header[0] = N;
	header[1] = ALLGS;
	for (i = 0; i < N; i++) {
		bool out_far = far && i % 7 == 3;
		__u8 *g = (out_far ? away : near) + i * stride;
		__u64 addr = (out_far ? 0x20000000 + far : 0x20000000) + i * stride;
		__u64 lo = 0x70000000 + i * 0x2000, hi = lo + 0x2000, sp = hi - 0x100, pc = 1;
		__u32 status = GO_G_WAITING;
		__u64 goid = i + 1;

		memcpy(g + l.g_stack_lo, &lo, 8);
		memcpy(g + l.g_stack_hi, &hi, 8);
		memcpy(g + l.g_sched_sp, &sp, 8);
		memcpy(g + l.g_sched_pc, &pc, 8);
		memcpy(g + l.g_atomicstatus, &status, 4);
		memcpy(g + l.g_goid, &goid, 8);
		allgs[i] = addr;
	}
	/* goroutine 1 first, as the runtime lists it; the rest shuffled */
	for (i = N - 1; i > 1; i--) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		j = 1 + (seed >> 33) % i;
		t = allgs[i];
		allgs[i] = allgs[j];
		allgs[j] = t;
	}
	if (!ASSERT_OK(go_proc__open_binary(&gp, path, 0, &mem), "open over the pieces"))
		goto out;
	n = go_proc__census(gp, order_cb, &seen, &incomplete);
	ASSERT_EQ(n, N, "every goroutine counted");
	ASSERT_EQ(seen.nr, N, "each once");
	ASSERT_TRUE(seen.ascending, "in address order");
	ASSERT_FALSE(incomplete, "complete");
	/* the same gs again, the array untouched: the census's sorted copy kept */
	seen = (struct order_seen){ .ascending = true };
	ASSERT_EQ(go_proc__census(gp, order_cb, &seen, &incomplete), N, "again");
	ASSERT_TRUE(seen.ascending && seen.nr == N, "again in order, each once");
	/* a g listed twice is refused */
	allgs[N - 1] = allgs[N / 2];
	go_proc__close(gp);
	gp = NULL;
	if (!ASSERT_OK(go_proc__open_binary(&gp, path, 0, &mem), "open again"))
		goto out;
	ASSERT_EQ(go_proc__census(gp, order_cb, &seen, &incomplete), -EPROTO, "a g twice");
out:
	go_proc__close(gp);
	go_binary__close(bin);
	free(allgs);
	free(near);
	free(away);
}

void test_go_runtime_census_order(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS], *path;
	int nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);

	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	path = go_test_binary(versions[nr - 1], "normal");
	if (!ASSERT_TRUE(path != NULL, "go build"))
		return;
	census_order(path, 448, 0);		/* 21 bits apart: two passes */
	census_order(path, 4096, 0);		/* 24: three */
	census_order(path, 448, 1ull << 36);	/* 37: four */
}
