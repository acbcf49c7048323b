// SPDX-License-Identifier: GPL-2.0
/*
 * Where the runtime keeps a goroutine's fields: the generated table must
 * agree with the DWARF of a binary of the same Go, and the wait reasons
 * must be the strings Go prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <gelf.h>
#include "test.h"
#include "go_binary.h"
#include "go_layout.h"
#include "go_test_binaries.h"

void test_go_layout_table_matches_dwarf(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS];
	int nr, i;

	nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);
	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	for (i = 0; i < nr; i++) {
		const struct go_runtime_layout *table;
		struct go_runtime_layout dwarf;
		struct go_binary *bin;
		const char *path;
		int major, minor;

		test__start_subtest(go_test_name(versions[i], NULL));
		path = go_test_binary(versions[i], "normal");
		if (!ASSERT_TRUE(path != NULL, "go build") ||
		    !ASSERT_OK(go_binary__open(&bin, path), "open"))
			continue;
		go_binary__version_number(bin, &major, &minor);
		table = go_layout__for_version(major, minor);
		if (ASSERT_TRUE(table != NULL, "in the table (run scripts/gen-go-offsets.sh)") &&
		    ASSERT_OK(go_layout__from_dwarf(go_binary__elf(bin), &dwarf), "DWARF")) {
			ASSERT_EQ(dwarf.g_stack_lo, table->g_stack_lo, "g.stack.lo");
			ASSERT_EQ(dwarf.g_stack_hi, table->g_stack_hi, "g.stack.hi");
			ASSERT_EQ(dwarf.g_sched_sp, table->g_sched_sp, "g.sched.sp");
			ASSERT_EQ(dwarf.g_sched_pc, table->g_sched_pc, "g.sched.pc");
			ASSERT_EQ(dwarf.g_sched_bp, table->g_sched_bp, "g.sched.bp");
			ASSERT_EQ(dwarf.g_atomicstatus, table->g_atomicstatus, "g.atomicstatus");
			ASSERT_EQ(dwarf.g_goid, table->g_goid, "g.goid");
			ASSERT_EQ(dwarf.g_waitsince, table->g_waitsince, "g.waitsince");
			ASSERT_EQ(dwarf.g_waitreason, table->g_waitreason, "g.waitreason");
			ASSERT_EQ(dwarf.g_gopc, table->g_gopc, "g.gopc");
			ASSERT_EQ(dwarf.g_startpc, table->g_startpc, "g.startpc");
			ASSERT_EQ(dwarf.g_parent_goid, table->g_parent_goid, "g.parentGoid");
			ASSERT_EQ(dwarf.md_gofunc, table->md_gofunc, "moduledata.gofunc");
			ASSERT_EQ(dwarf.g_size, table->g_size, "sizeof(g)");
			ASSERT_EQ(dwarf.g_parent_goid == GO_FIELD_ABSENT, minor < 21,
				  "parentGoid from Go 1.21");
		}
		go_binary__close(bin);
	}
}

static int reason_index(const struct go_runtime_layout *layout, const char *reason)
{
	__u32 i;

	for (i = 0; i < layout->nr_wait_reasons; i++)
		if (!strcmp(layout->wait_reasons[i], reason))
			return i;
	return -1;
}

void test_go_layout_wait_reasons(void)
{
	const struct go_runtime_layout *l119 = go_layout__for_version(1, 19);
	const struct go_runtime_layout *l123 = go_layout__for_version(1, 23);

	if (!ASSERT_TRUE(l119 && l123, "Go 1.19 and 1.23 in the table"))
		return;
	/* runtime2.go: waitReasonZero first, then the reasons in order */
	ASSERT_STREQ(go_layout__wait_reason(l119, 0), "", "waitReasonZero");
	ASSERT_STREQ(go_layout__wait_reason(l119, 9), "select", "1.19 select");
	ASSERT_STREQ(go_layout__wait_reason(l119, 14), "chan receive", "1.19 chan receive");
	ASSERT_STREQ(go_layout__wait_reason(l119, 15), "chan send", "1.19 chan send");
	ASSERT_STREQ(go_layout__wait_reason(l119, 18), "semacquire", "1.19 semacquire");
	ASSERT_EQ(l119->nr_wait_reasons, 27, "1.19 has 27");
	ASSERT_TRUE(go_layout__wait_reason(l119, 27) == NULL, "1.19 out of range");
	ASSERT_EQ(reason_index(l119, "sync.Mutex.Lock"), -1, "1.19: a mutex waits in semacquire");
	ASSERT_STREQ(go_layout__wait_reason(l123, 21), "sync.Mutex.Lock", "1.23 sync.Mutex.Lock");
	ASSERT_STREQ(go_layout__wait_reason(l123, 15), "chan send", "1.23 chan send");
	ASSERT_EQ(reason_index(l123, "sync.WaitGroup.Wait"), -1,
		  "1.23: a WaitGroup waits in semacquire");
	ASSERT_STREQ(go_layout__wait_reason(l123, l123->nr_wait_reasons - 1),
		     "GC weak to strong wait", "1.23 last");
	ASSERT_TRUE(go_layout__for_version(1, 18) == NULL, "1.18 not in the table");
	ASSERT_TRUE(go_layout__for_version(2, 0) == NULL, "2.0 not in the table");
	ASSERT_TRUE(strstr(go_layout__known_versions(), "go1.19") != NULL, "known versions");
}

void test_go_layout_read_size(void)
{
	const struct go_runtime_layout *l = go_layout__for_version(1, 23);

	if (!ASSERT_TRUE(l != NULL, "Go 1.23 in the table"))
		return;
	/* the last field read is g.startpc; rounded up to 8 */
	ASSERT_EQ(go_layout__g_read_size(l), l->g_startpc + 8, "bytes of a g read");
	ASSERT_TRUE(go_layout__g_read_size(l) <= l->g_size, "within a g");
}

/* go_layout__from_dwarf on the ELF file at @path. */
static int layout_of_file(const char *path, struct go_runtime_layout *layout)
{
	Elf *elf;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	err = elf ? go_layout__from_dwarf(elf, layout) : -EINVAL;
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

/*
 * The DWARF of a program that is not Go but says it is (fuzz's
 * fake_go_dwarf.c): read as it says, unless a field would fall outside g.
 * In "wrap", g.sched is at 0xfff0 and gobuf.sp at 0x100: g.sched.sp at
 * 0x100f0 wrapped to 0xf0 in 16 bits, inside the bytes read of a g, and
 * the census would have read the wrong bytes.
 */
void test_go_layout_hostile_dwarf(void)
{
	char dir[] = "/tmp/test_go_layout.XXXXXX", cmd[256], path[256];
	struct go_runtime_layout layout;

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	snprintf(cmd, sizeof(cmd), "tests/fuzz/seed_go_layout.sh %s", dir);
	if (!ASSERT_OK(system(cmd), "seed_go_layout.sh (gcc)"))
		goto out;
	snprintf(path, sizeof(path), "%s/fake-dwarf5", dir);
	if (ASSERT_OK(layout_of_file(path, &layout), "a fake runtime")) {
		ASSERT_EQ(layout.g_stack_lo, 0, "g.stack.lo");
		ASSERT_EQ(layout.g_stack_hi, 8, "g.stack.hi");
		ASSERT_EQ(layout.g_atomicstatus, 16, "g.atomicstatus");
		ASSERT_EQ(layout.g_parent_goid, 64, "g.parentGoid");
		ASSERT_EQ(layout.g_sched_sp, 80, "g.sched.sp: 72 + 8 of pad");
		ASSERT_EQ(layout.g_size, 80 + 56, "sizeof(g)");
		ASSERT_EQ(layout.md_gofunc, 16, "moduledata.gofunc");
	}
	snprintf(path, sizeof(path), "%s/fake-wrap", dir);
	ASSERT_EQ(layout_of_file(path, &layout), -EPROTO, "g.sched.sp past 0xffff");
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_OK(system(cmd), "rm");
}

void test_go_layout_check(void)
{
	const struct go_runtime_layout *table, *first = NULL;
	struct go_runtime_layout layout;
	int minor;

	for (minor = 0; minor < 100; minor++) {
		table = go_layout__for_version(1, minor);
		if (!table)
			continue;
		first = first ?: table;
		ASSERT_OK(go_layout__check(table), "the table's layout fits in g");
	}
	if (!ASSERT_TRUE(first != NULL, "a layout in the table"))
		return;
	layout = *first;
	layout.g_sched_sp = 0xfff8;
	ASSERT_EQ(go_layout__g_read_size(&layout), 0x10000, "no 16-bit wrap");
	ASSERT_EQ(go_layout__check(&layout), -EPROTO, "a field past the end of g");
	layout = *first;
	layout.g_stack_lo = layout.g_size;
	ASSERT_EQ(go_layout__check(&layout), -EPROTO, "g.stack.lo counts too");
}
