// SPDX-License-Identifier: GPL-2.0
/*
 * Walking a stack with a real function table and a stack the test makes:
 * main.chanSender's frame (its size from the pcsp table) returning into
 * runtime.goexit, the base of every goroutine.
 */
#include <errno.h>
#include <string.h>
#include "test.h"
#include "go_binary.h"
#include "go_unwind.h"
#include "go_test_binaries.h"

#define STACK_BASE 0x10000ull

struct fake_stack {
	__u8 bytes[256];
	bool fail;
	unsigned int reads;
};

static int fake_read(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct fake_stack *st = ctx;

	st->reads++;
	if (st->fail || addr < STACK_BASE || addr + len > STACK_BASE + sizeof(st->bytes))
		return -EFAULT;
	memcpy(buf, st->bytes + (addr - STACK_BASE), len);
	return 0;
}

void test_go_unwind_frames(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS], *path;
	struct go_func sender, goexit;
	const struct go_pclntab *tab;
	struct go_unwind_start start = { 0 };
	struct fake_stack st = { 0 };
	struct go_binary *bin;
	__u64 pcs[4], pc, retaddr;
	__s32 delta = 0;
	__u32 flags;
	int nr, n;

	nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);
	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	path = go_test_binary(versions[nr - 1], "stripped");
	if (!ASSERT_TRUE(path != NULL, "go build") ||
	    !ASSERT_OK(go_binary__open(&bin, path), "open"))
		return;
	tab = go_binary__pclntab(bin);
	if (!ASSERT_OK(go_pclntab__func_by_name(tab, "main.chanSender", &sender), "chanSender") ||
	    !ASSERT_OK(go_pclntab__func_by_name(tab, "runtime.goexit", &goexit), "goexit"))
		goto out;
	/* a pc past chanSender's prologue: its frame is set up there */
	for (pc = sender.entry; pc < sender.end; pc++)
		if (!go_pclntab__sp_delta(tab, &sender, pc, &delta) && delta > 8)
			break;
	if (!ASSERT_TRUE(pc < sender.end, "a pc inside the frame"))
		goto out;
	retaddr = goexit.entry + 1;
	memcpy(st.bytes + delta, &retaddr, sizeof(retaddr));
	start.pc = pc;
	start.sp = STACK_BASE;
	start.stack_lo = STACK_BASE;
	start.stack_hi = STACK_BASE + sizeof(st.bytes);

	n = go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags);
	ASSERT_EQ(n, 2, "frames");
	ASSERT_EQ(pcs[0], pc, "where it is");
	ASSERT_EQ(pcs[1], retaddr, "return into goexit");
	ASSERT_EQ(flags, 0, "complete: goexit is the base");

	ASSERT_EQ(go_unwind(tab, &start, fake_read, &st, pcs, 1, &flags), 1, "max 1");
	ASSERT_EQ(flags, GO_UNWIND_TRUNCATED, "truncated");

	/* with a load bias: the same walk, in runtime addresses */
	start.bias = 0x7f0000000000ull;
	start.pc = pc + start.bias;
	retaddr += start.bias;
	memcpy(st.bytes + delta, &retaddr, sizeof(retaddr));
	n = go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags);
	ASSERT_EQ(n, 2, "frames with a bias");
	ASSERT_EQ(pcs[1], retaddr, "biased return address");
	ASSERT_EQ(flags, 0, "complete with a bias");
	start.bias = 0;
	start.pc = pc;

	/* the return address is not Go code: the walk stops there */
	retaddr = 0x10;
	memcpy(st.bytes + delta, &retaddr, sizeof(retaddr));
	ASSERT_EQ(go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags), 2, "stops at C");
	ASSERT_EQ(flags, GO_UNWIND_INCOMPLETE, "incomplete");

	st.fail = true;
	ASSERT_EQ(go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags), 1, "unreadable stack");
	ASSERT_EQ(flags, GO_UNWIND_INCOMPLETE, "incomplete read");
	st.fail = false;

	start.stack_hi = STACK_BASE + delta; /* the return address is past the stack */
	ASSERT_EQ(go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags), 1, "out of bounds");
	ASSERT_EQ(flags, GO_UNWIND_INCOMPLETE, "incomplete bounds");

	/* sp and bounds from a hostile g: sp + frame wraps; nothing is read */
	start.sp = ~0ull - 8;
	start.stack_lo = 0;
	start.stack_hi = ~0ull;
	st.reads = 0;
	ASSERT_EQ(go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags), 1, "wrapping frame");
	ASSERT_EQ(flags, GO_UNWIND_INCOMPLETE, "incomplete wrap");
	ASSERT_EQ(st.reads, 0, "no read at a wrapped address");
	/* no upper bound given: the wrap still ends the walk */
	start.stack_hi = 0;
	ASSERT_EQ(go_unwind(tab, &start, fake_read, &st, pcs, 4, &flags), 1, "wrap, no bound");
	ASSERT_EQ(st.reads, 0, "no read without a bound either");
out:
	go_binary__close(bin);
}
