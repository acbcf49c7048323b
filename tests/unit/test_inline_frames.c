// SPDX-License-Identifier: GPL-2.0
/*
 * Inlined frames: looked up in the test process itself (its own Dwfl and
 * the module cache give the same chain), carried in a rec_symbol, and
 * expanded again from the symtab the detector keeps.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "module_cache.h"
#include "proc_syms.h"
#include "record.h"
#include "symtab.h"
#include "test.h"

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

static void *inline_ret;

static NOINLINE void record_return(void)
{
	inline_ret = __builtin_return_address(0);
	asm volatile("" ::: "memory");
}

static const int leaf_call_line = __LINE__ + 3;
static inline __attribute__((always_inline)) void inlined_leaf(void)
{
	record_return();
	asm volatile("" ::: "memory");
}

static const int middle_call_line = __LINE__ + 3;
static inline __attribute__((always_inline)) void inlined_middle(void)
{
	inlined_leaf();
	asm volatile("" ::: "memory");
}

static const int host_call_line = __LINE__ + 3;
NOINLINE void inline_frames_host(void)
{
	inlined_middle();
	asm volatile("" ::: "memory");
}

static void check_chain(const struct sym_info *si, const char *how)
{
	struct rec_inline_frame f;
	const char *text;

	ASSERT_STREQ(si->func, "inline_frames_host", how);
	ASSERT_STREQ(si->file, "test_inline_frames.c", how);
	ASSERT_EQ(si->line, host_call_line, "the host's line: its call of the outer inline");
	if (!ASSERT_EQ(si->nr_inline, 2, how))
		return;
	ASSERT_OK(rec_inline_check(si->inlined, si->inlined_len, si->nr_inline), "well formed");
	text = rec_inline_frame(si->inlined, si->nr_inline, 0, &f);
	ASSERT_TRUE(f.func_len == 12 && !memcmp(text, "inlined_leaf", 12), "innermost first");
	ASSERT_EQ(f.line, leaf_call_line, "the leaf's line: the line table's");
	text = rec_inline_frame(si->inlined, si->nr_inline, 1, &f);
	ASSERT_TRUE(f.func_len == 14 && !memcmp(text, "inlined_middle", 14), "then its caller");
	ASSERT_EQ(f.line, middle_call_line, "at its call of the leaf");
}

void test_inline_frames_lookup(void)
{
	struct module_cache *mc = module_cache__new(0);
	struct proc_syms *own = NULL, *shared = NULL;
	struct module_cache_stats st;
	struct sym_info si;
	__u64 loads;

	inline_frames_host();
	if (!ASSERT_OK(proc_syms__open(&own, "/proc", getpid()), "open own") ||
	    !ASSERT_OK(proc_syms__open(&shared, "/proc", getpid()), "open shared"))
		goto out;
	proc_syms__use_cache(shared, mc);
	if (ASSERT_OK(proc_syms__lookup(own, (__u64)inline_ret, true, &si), "own dwfl"))
		check_chain(&si, "own dwfl");
	if (ASSERT_OK(proc_syms__lookup(shared, (__u64)inline_ret, true, &si), "module cache"))
		check_chain(&si, "module cache");
	/* a hit: the cached copy */
	if (ASSERT_OK(proc_syms__lookup(shared, (__u64)inline_ret, true, &si), "cached"))
		check_chain(&si, "cached");
	/* its DWARF dropped (no lookup needed it since), its names kept */
	module_cache__unload_idle(mc);
	module_cache__unload_idle(mc);
	module_cache__stats(mc, &st);
	loads = st.loads;
	ASSERT_GT(st.evictions, 0, "the DWARF dropped");
	proc_syms__close(shared);
	shared = NULL;
	if (!ASSERT_OK(proc_syms__open(&shared, "/proc", getpid()), "open again"))
		goto out;
	proc_syms__use_cache(shared, mc);
	if (ASSERT_OK(proc_syms__lookup(shared, (__u64)inline_ret, true, &si), "names kept"))
		check_chain(&si, "names kept");
	module_cache__stats(mc, &st);
	ASSERT_EQ(st.loads, loads, "a known address: not loaded again");
	/* an address new to it: loaded again */
	ASSERT_OK(proc_syms__lookup(shared, (__u64)record_return, false, &si), "reloaded");
	module_cache__stats(mc, &st);
	ASSERT_EQ(st.loads, loads + 1, "loaded again for a new address");
	/* the entry of a function is in no inlined code */
	if (ASSERT_OK(proc_syms__lookup(own, (__u64)record_return, false, &si), "no inline"))
		ASSERT_EQ(si.nr_inline, 0, "nothing inlined at a function's entry");
out:
	proc_syms__close(own);
	proc_syms__close(shared);
	module_cache__free(mc);
}

/* What a trace carries: the frames replay the way they were shown live. */
void test_inline_frames_record(void)
{
	char buf[sizeof(struct rec_symbol) + REC_SYMBOL_TEXT_MAX] __attribute__((aligned(8)));
	struct rec_inline_frame frames[2] = { { 53, 4, 6 }, { 0, 5, 0 } };
	char inl[sizeof(frames) + 15];
	const char *funcs[8];
	struct symtab st = { 0 };
	const char *why = NULL;
	char line[256];
	size_t size;
	__u64 pcs[2] = { 0x1000, 0x2000 };

	memcpy(inl, frames, sizeof(frames));
	memcpy(inl + sizeof(frames), "leafleaf.cmiddl", 15);
	size = rec_symbol_make_inlined(buf, sizeof(buf), 1, 0, 0x1000, 0x10, 60, RSYM_FOUND,
				       "host", "host.c", "prog", inl, sizeof(inl), 2);
	ASSERT_EQ(rec_decode(buf, size, &why), (int)size, "decodes");
	ASSERT_OK(symtab__add(&st, (struct rec_symbol *)buf), "add");
	ASSERT_EQ(symtab__nr_frames(&st, 0x1000), 3, "two inlined, then the function");
	ASSERT_EQ(symtab__nr_frames(&st, 0x2000), 1, "an unknown pc is one frame");
	ASSERT_STREQ(symtab__format_frame(&st, 0x1000, 0, line, sizeof(line)),
		     "leaf (leaf.c:53) [inlined]", "innermost");
	ASSERT_STREQ(symtab__format_frame(&st, 0x1000, 1, line, sizeof(line)),
		     "middl [inlined]", "no line");
	ASSERT_STREQ(symtab__format_frame(&st, 0x1000, 2, line, sizeof(line)),
		     "host (host.c:60)", "the function");
	ASSERT_EQ(symtab__expand_funcs(&st, pcs, 2, funcs, 8), 4, "expanded");
	ASSERT_STREQ(funcs[0], "leaf", "first");
	ASSERT_STREQ(funcs[2], "host", "physical");
	ASSERT_TRUE(funcs[3] == NULL, "unknown");
	ASSERT_EQ(symtab__expand_funcs(&st, pcs, 2, funcs, 2), 2, "capped");

	/* lengths that do not add up are refused where the record enters */
	((struct rec_symbol *)buf)->inline_len -= 8;
	ASSERT_EQ(rec_decode(buf, size, &why), -EINVAL, "bad inline length");
	((struct rec_symbol *)buf)->inline_len += 8;
	((struct rec_symbol *)buf)->nr_inline = REC_INLINE_MAX + 1;
	ASSERT_EQ(rec_decode(buf, size, &why), -EINVAL, "too many frames");
	symtab__clear(&st);
}
