// SPDX-License-Identifier: GPL-2.0
/*
 * The Go reader over a memory the test holds (go_proc__open_binary): a
 * real binary, an address space of zeros, and a thread whose sp sits at
 * the top of the address space, where a window of its stack would wrap.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include "test.h"
#include "go_binary.h"
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
