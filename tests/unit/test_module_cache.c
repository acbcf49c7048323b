// SPDX-License-Identifier: GPL-2.0
/*
 * The module cache: its least-recently-used eviction under the byte
 * budget, the file identity that keys it, and names through it equal to
 * those from the process's own Dwfl.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "module_cache.h"
#include "proc_syms.h"
#include "test.h"

static const struct module_id mod_a = { .dev = 1, .ino = 10, .size = 100, .mtime_ns = 5 };
static const struct module_id mod_b = { .dev = 1, .ino = 11, .size = 100, .mtime_ns = 5 };
static const struct module_id mod_c = { .dev = 1, .ino = 12, .size = 100, .mtime_ns = 5 };
static const struct module_id mod_d = { .dev = 1, .ino = 13, .size = 100, .mtime_ns = 5 };

void test_module_cache_lru(void)
{
	struct module_cache *mc = module_cache__new(1000);
	struct module_cache_stats st;

	if (!ASSERT_TRUE(mc, "new"))
		return;
	ASSERT_OK(module_cache__charge(mc, &mod_a, 400), "a");
	ASSERT_OK(module_cache__charge(mc, &mod_b, 400), "b");
	ASSERT_OK(module_cache__charge(mc, &mod_c, 400), "c: over, a goes");
	ASSERT_FALSE(module_cache__has(mc, &mod_a), "a evicted");
	ASSERT_TRUE(module_cache__has(mc, &mod_b) && module_cache__has(mc, &mod_c), "b, c kept");

	ASSERT_OK(module_cache__charge(mc, &mod_b, 0), "b used");
	ASSERT_OK(module_cache__charge(mc, &mod_d, 400), "d: over, c goes");
	ASSERT_FALSE(module_cache__has(mc, &mod_c), "c, least recently used, evicted");
	ASSERT_TRUE(module_cache__has(mc, &mod_b) && module_cache__has(mc, &mod_d), "b, d kept");
	module_cache__stats(mc, &st);
	ASSERT_EQ(st.bytes, 800, "bytes");
	ASSERT_EQ(st.nr_modules, 2, "modules");
	ASSERT_EQ(st.evictions, 2, "evictions");

	/* one module over the whole budget stays while it is used */
	ASSERT_OK(module_cache__charge(mc, &mod_a, 5000), "a, alone over the budget");
	ASSERT_TRUE(module_cache__has(mc, &mod_a), "a kept");
	ASSERT_FALSE(module_cache__has(mc, &mod_b) || module_cache__has(mc, &mod_d), "others gone");
	module_cache__stats(mc, &st);
	ASSERT_EQ(st.bytes, 5000, "bytes");
	ASSERT_EQ(st.evictions, 4, "evictions");
	module_cache__free(mc);
}

static int self_exe_id(struct module_id *id)
{
	struct stat st;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime_ns = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
	return fd;
}

/* The same bytes under another identity (a copy, a file touched since) are another module. */
void test_module_cache_identity(void)
{
	struct module_cache *mc = module_cache__new(0);
	struct module_cache_stats st;
	struct module_id id, touched;
	struct sym_info si;
	Dl_info dl;
	int fd;

	fd = self_exe_id(&id);
	if (!ASSERT_TRUE(mc && fd >= 0, "set up"))
		goto out;
	if (!ASSERT_TRUE(dladdr((void *)test_module_cache_identity, &dl), "dladdr"))
		goto out;
	/* not loaded, no file given: the caller must open it */
	ASSERT_EQ(module_cache__lookup(mc, &id, -1, "/proc/self/exe", 1 << 30,
				       (char *)test_module_cache_identity - (char *)dl.dli_fbase,
				       false, &si),
		  -EAGAIN, "not loaded");
	ASSERT_OK(module_cache__lookup(mc, &id, fd, "/proc/self/exe", 1 << 30,
				       (char *)test_module_cache_identity - (char *)dl.dli_fbase,
				       false, &si),
		  "lookup");
	ASSERT_STREQ(si.func, "test_module_cache_identity", "func");
	ASSERT_OK(module_cache__lookup(mc, &id, -1, "/proc/self/exe", 1 << 30,
				       (char *)test_module_cache_identity - (char *)dl.dli_fbase,
				       false, &si),
		  "again, loaded");
	touched = id;
	touched.mtime_ns++;
	ASSERT_EQ(module_cache__lookup(mc, &touched, -1, "/proc/self/exe", 1 << 30, 0, false, &si),
		  -EAGAIN, "another mtime: another module");
	module_cache__stats(mc, &st);
	ASSERT_EQ(st.loads, 1, "loads");
	ASSERT_EQ(st.hits, 1, "hits");
	ASSERT_EQ(st.nr_modules, 1, "modules");
	ASSERT_TRUE(st.bytes > 0, "its bytes counted");
out:
	if (fd >= 0)
		close(fd);
	module_cache__free(mc);
}

/* Names through the cache are those the process's own Dwfl gives. */
void test_module_cache_same_names(void)
{
	void *pcs[] = { (void *)test_module_cache_same_names, (void *)pthread_create,
			(void *)malloc, (char *)test_module_cache_lru + 7 };
	struct module_cache *mc = module_cache__new(0);
	struct proc_syms *own = NULL, *shared = NULL;
	struct sym_info a, b;
	struct module_cache_stats st;
	size_t i;
	int ra, rb;

	if (!ASSERT_OK(proc_syms__open(&own, "/proc", getpid()), "open own") ||
	    !ASSERT_OK(proc_syms__open(&shared, "/proc", getpid()), "open shared"))
		goto out;
	proc_syms__use_cache(shared, mc);
	for (i = 0; i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		ra = proc_syms__lookup(own, (__u64)pcs[i], i == 3, &a);
		rb = proc_syms__lookup(shared, (__u64)pcs[i], i == 3, &b);
		ASSERT_EQ(rb, ra, "result");
		ASSERT_STREQ(b.func, a.func, "func");
		ASSERT_STREQ(b.file, a.file, "file");
		ASSERT_STREQ(b.module, a.module, "module");
		ASSERT_EQ(b.line, a.line, "line");
		ASSERT_EQ(b.offset, a.offset, "offset");
		ASSERT_EQ(b.module_offset, a.module_offset, "module offset");
		ASSERT_EQ(b.found, a.found, "found");
	}
	module_cache__stats(mc, &st);
	ASSERT_EQ(st.nr_modules, 2, "the test binary and libc");
out:
	proc_syms__close(own);
	proc_syms__close(shared);
	module_cache__free(mc);
}
