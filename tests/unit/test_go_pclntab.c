// SPDX-License-Identifier: GPL-2.0
/*
 * The function table of real Go binaries, built by the test from
 * tests/go/parked.go with each installed Go, normal, stripped and PIE:
 * every function the program names with runtime.FuncForPC and every frame
 * of runtime.CallersFrames must come out of our reading the same.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "test.h"
#include "go_binary.h"
#include "go_layout.h"
#include "go_pclntab.h"
#include "go_test_binaries.h"

static const char *const modes[] = { "normal", "stripped", "pie", "pie-stripped" };

/* The load bias of this run of a PIE: where the program says main.main is. */
static bool run_bias(const struct go_pclntab *tab, const char *out, __u64 *bias)
{
	unsigned long long pc;
	struct go_func fn;
	const char *line;

	line = strstr(out, "sym main.main ");
	if (!line || sscanf(line, "sym main.main %llx", &pc) != 1)
		return false;
	if (go_pclntab__func_by_name(tab, "main.main", &fn))
		return false;
	*bias = pc - fn.entry;
	return true;
}

static void check_symbols(struct go_binary *bin, const char *out)
{
	const struct go_pclntab *tab = go_binary__pclntab(bin);
	char kind[16], name[256], file[512];
	unsigned long long pc;
	const char *line;
	struct go_frame frames[8];
	struct go_func fn;
	unsigned int lineno;
	int n, nr_sym = 0, nr_caller = 0;
	__u64 bias = 0;

	if (!ASSERT_TRUE(run_bias(tab, out, &bias), "main.main"))
		return;
	if (!go_binary__is_pie(bin))
		ASSERT_EQ(bias, 0, "no bias without PIE");
	for (line = out; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%15s %255s %llx %511s %u", kind, name, &pc, file, &lineno) != 5)
			continue;
		if (!ASSERT_OK(go_pclntab__find_func(tab, pc - bias, &fn), name))
			continue;
		n = go_pclntab__frames(tab, &fn, pc - bias, frames, 8);
		if (!ASSERT_TRUE(n >= 1, name))
			continue;
		ASSERT_STREQ(frames[0].func, name, "function");
		ASSERT_STREQ(frames[0].file, file, name);
		ASSERT_EQ(frames[0].line, lineno, name);
		if (!strcmp(kind, "sym")) {
			ASSERT_EQ(fn.entry, pc - bias, name);
			nr_sym++;
		} else {
			nr_caller++;
		}
	}
	ASSERT_EQ(nr_sym, 7, "functions checked");
	ASSERT_EQ(nr_caller, 4, "callers checked");
}

void test_go_pclntab_real(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS];
	int nr, i, m;

	nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);
	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	for (i = 0; i < nr; i++) {
		for (m = 0; m < (int)(sizeof(modes) / sizeof(modes[0])); m++) {
			const char *path, *want_version;
			char *out;
			struct go_binary *bin;
			bool stripped = strstr(modes[m], "stripped") != NULL;
			int major, minor;

			test__start_subtest(go_test_name(versions[i], modes[m]));
			path = go_test_binary(versions[i], modes[m]);
			if (!ASSERT_TRUE(path != NULL, "go build"))
				continue;
			if (!ASSERT_OK(go_binary__open(&bin, path), "open"))
				continue;
			want_version = go_test_goversion(versions[i]);
			ASSERT_STREQ(go_binary__version(bin), want_version, "version");
			ASSERT_TRUE(go_binary__version_number(bin, &major, &minor),
				    "version number");
			ASSERT_EQ(major * 100 + minor, 100 + atoi(versions[i] + 2), "major.minor");
			ASSERT_EQ(go_binary__is_pie(bin), strstr(modes[m], "pie") != NULL, "PIE");
			ASSERT_EQ(go_binary__has_symbols(bin), !stripped, "symbols");
			ASSERT_EQ(go_binary__has_dwarf(bin), !stripped, "DWARF");
			ASSERT_EQ(go_binary__pclntab(bin)->magic,
				  minor >= 20 ? GO_PCLNTAB_MAGIC_120 : GO_PCLNTAB_MAGIC_118,
				  "magic");
			out = go_test_run(path, "symbols");
			if (ASSERT_TRUE(out != NULL, "run symbols"))
				check_symbols(bin, out);
			free(out);
			go_binary__close(bin);
		}
	}
}

/* The frames of a pc in main.mutexLocker where sync.(*Mutex).Lock is inlined. */
static bool find_inlined_lock(const struct go_pclntab *tab, struct go_frame *frames, int *n)
{
	struct go_func fn;
	__u64 pc;

	if (go_pclntab__func_by_name(tab, "main.mutexLocker", &fn))
		return false;
	for (pc = fn.entry; pc < fn.end; pc++) {
		*n = go_pclntab__frames(tab, &fn, pc, frames, 8);
		if (*n >= 2 && !strcmp(frames[0].func, "sync.(*Mutex).Lock"))
			return true;
	}
	return false;
}

void test_go_pclntab_inlined(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS];
	int nr, i, m, n;

	nr = go_test_versions(versions, GO_TEST_MAX_VERSIONS);
	if (!ASSERT_TRUE(nr > 0, "a Go toolchain in /usr/lib/go-1.*"))
		return;
	for (i = 0; i < nr; i++) {
		for (m = 0; m < 2; m++) { /* normal: module data by symbol; stripped: by scan */
			const struct go_runtime_layout *layout;
			struct go_frame frames[8];
			struct go_binary *bin;
			const char *path;
			int major, minor;

			test__start_subtest(go_test_name(versions[i], modes[m]));
			path = go_test_binary(versions[i], modes[m]);
			if (!ASSERT_TRUE(path != NULL, "go build") ||
			    !ASSERT_OK(go_binary__open(&bin, path), "open"))
				continue;
			go_binary__version_number(bin, &major, &minor);
			layout = go_layout__for_version(major, minor);
			if (ASSERT_TRUE(layout != NULL, "layout in table") &&
			    ASSERT_OK(go_binary__setup_inlining(bin, layout->md_gofunc),
				      "gofunc") &&
			    ASSERT_TRUE(find_inlined_lock(go_binary__pclntab(bin), frames, &n),
					"sync.(*Mutex).Lock inlined")) {
				ASSERT_EQ(n, 2, "frames");
				ASSERT_TRUE(frames[0].inlined, "inner frame inlined");
				ASSERT_TRUE(frames[0].file &&
						    strstr(frames[0].file, "/sync/mutex.go"),
					    "inlined file");
				ASSERT_STREQ(frames[1].func, "main.mutexLocker", "caller");
				ASSERT_FALSE(frames[1].inlined, "outer frame physical");
				ASSERT_TRUE(frames[1].file && strstr(frames[1].file, "/parked.go"),
					    "caller file");
			}
			go_binary__close(bin);
		}
	}
}

void test_go_pclntab_pcvalue(void)
{
	/*
	 * A pc-value table at offset 1 of the pctab (0 means none): value
	 * -1 + 5 = 4 for 3 bytes, then 4 + 2 = 6 for 2 bytes, then 6 - 2 = 4
	 * for 300 bytes (a two-byte varint), then the end. Value deltas are
	 * zig-zag encoded: 10 is +5, 4 is +2, 3 is -2.
	 */
	static const __u8 pctab[] = { 0, 10, 3, 4, 2, 3, 0xac, 0x02, 0 };
	struct go_pclntab tab = { .data = pctab, .size = sizeof(pctab), .pctab_off = 0 };
	__s32 v;

	ASSERT_OK(go_pclntab__pcvalue(&tab, 1, 100, 100, &v), "at entry");
	ASSERT_EQ(v, 4, "first value");
	ASSERT_OK(go_pclntab__pcvalue(&tab, 1, 100, 102, &v), "last pc of the first run");
	ASSERT_EQ(v, 4, "first value still");
	ASSERT_OK(go_pclntab__pcvalue(&tab, 1, 100, 103, &v), "second run");
	ASSERT_EQ(v, 6, "second value");
	ASSERT_OK(go_pclntab__pcvalue(&tab, 1, 100, 105 + 299, &v), "third run, long");
	ASSERT_EQ(v, 4, "third value: 6 - 2");
	ASSERT_EQ(go_pclntab__pcvalue(&tab, 1, 100, 105 + 300, &v), -ENOENT, "past the end");
	ASSERT_EQ(go_pclntab__pcvalue(&tab, 0, 100, 100, &v), -ENOENT, "no table");
}

void test_go_pclntab_pcvalue_hostile(void)
{
	/*
	 * Value deltas that take the value past a 32-bit int (-1 + 0x7fffffff,
	 * then + 2), and a pc delta that wraps the pc: a damaged table, not
	 * a value (UBSan saw the signed overflow on a 1.2 MB input).
	 */
	static const __u8 overflow[] = { 0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 1, 4, 1, 0 };
	static const __u8 wrap[] = { 0, 2, 0xff, 0x01, 0 };
	struct go_pclntab tab = { .data = overflow, .size = sizeof(overflow) };
	__s32 v;

	ASSERT_OK(go_pclntab__pcvalue(&tab, 1, 100, 100, &v), "first run");
	ASSERT_EQ(v, 0x7ffffffe, "-1 + 0x7fffffff");
	ASSERT_EQ(go_pclntab__pcvalue(&tab, 1, 100, 101, &v), -EINVAL, "value past INT32_MAX");
	tab.data = wrap;
	tab.size = sizeof(wrap);
	ASSERT_EQ(go_pclntab__pcvalue(&tab, 1, ~0ull - 100, ~0ull, &v), -EINVAL, "pc wraps");
	ASSERT_OK(go_pclntab__pcvalue(&tab, 1, 1000, 1100, &v), "same table, no wrap");
	ASSERT_EQ(v, 0, "-1 + 1");
}

void test_go_pclntab_header(void)
{
	__u8 hdr[128] = { 0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8 };
	struct go_pclntab tab;

	ASSERT_TRUE(go_pclntab__is_header(hdr, sizeof(hdr)), "1.20 magic");
	hdr[0] = 0xf0;
	ASSERT_TRUE(go_pclntab__is_header(hdr, sizeof(hdr)), "1.18 magic");
	ASSERT_EQ(go_pclntab__init(&tab, hdr, sizeof(hdr)), -EINVAL, "offsets out of range");
	hdr[0] = 0xfb;
	ASSERT_FALSE(go_pclntab__is_header(hdr, sizeof(hdr)), "1.2 magic");
	ASSERT_EQ(go_pclntab__init(&tab, hdr, sizeof(hdr)), -ENOTSUP, "Go 1.2-1.15 table");
	hdr[0] = 0xf1;
	hdr[7] = 4;
	ASSERT_FALSE(go_pclntab__is_header(hdr, sizeof(hdr)), "32-bit pointers");
	ASSERT_FALSE(go_pclntab__is_header(hdr, 16), "too short");
}

void test_go_binary_not_go(void)
{
	struct go_binary *bin = NULL;

	ASSERT_EQ(go_binary__open(&bin, "/proc/self/exe"), -ENOEXEC, "a C program");
	ASSERT_TRUE(bin == NULL, "no binary");
	ASSERT_EQ(go_binary__open(&bin, "/proc/self/status"), -ENOEXEC, "not ELF");
	ASSERT_EQ(go_binary__open(&bin, "/nonexistent/binary"), -ENOENT, "no file");
}

/* Move section @name of the ELF image @elf to address @addr, in place. */
static bool move_section(__u8 *elf, size_t size, const char *name, __u64 addr)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Shdr *sh, *strtab;
	int i;

	if (size < sizeof(*eh) || eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > size ||
	    eh->e_shstrndx >= eh->e_shnum)
		return false;
	sh = (Elf64_Shdr *)(elf + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		if (strtab->sh_offset + sh[i].sh_name >= size ||
		    strcmp((char *)elf + strtab->sh_offset + sh[i].sh_name, name))
			continue;
		sh[i].sh_addr = addr;
		return true;
	}
	return false;
}

void test_go_binary_read_wraps(void)
{
	const char *versions[GO_TEST_MAX_VERSIONS], *path;
	struct go_binary *bin = NULL;
	__u8 *elf = NULL, buf[32];
	size_t size = 0;
	FILE *f;
	int fd;

	if (!ASSERT_TRUE(go_test_versions(versions, GO_TEST_MAX_VERSIONS) > 0, "a Go toolchain"))
		return;
	path = go_test_binary(versions[0], "normal");
	if (!ASSERT_TRUE(path != NULL, "go build"))
		return;
	f = fopen(path, "re");
	if (!ASSERT_TRUE(f != NULL, "open") || !ASSERT_OK(fseek(f, 0, SEEK_END), "seek"))
		goto out;
	size = ftell(f);
	rewind(f);
	elf = malloc(size);
	if (!ASSERT_TRUE(elf && fread(elf, 1, size, f) == size, "read"))
		goto out;
	/*
	 * .go.buildinfo at 0x10: a read of 0x20 bytes at ~0 - 7 made
	 * vaddr - addr + len wrap to 8, inside the section, and memcpy read
	 * 2^64 - 24 bytes past it.
	 */
	if (!ASSERT_TRUE(move_section(elf, size, ".go.buildinfo", 0x10), "a .go.buildinfo"))
		goto out;
	fd = memfd_create("test_go_binary", MFD_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0 && write(fd, elf, size) == (ssize_t)size, "memfd") ||
	    !ASSERT_OK(go_binary__open_fd(&bin, fd), "open"))
		goto out;
	ASSERT_EQ(go_binary__read(bin, ~0ull - 7, buf, sizeof(buf)), -ENOENT, "wraps");
	ASSERT_EQ(go_binary__read(bin, 0x10 + 8, buf, ~0ul - 4), -ENOENT, "too long");
	ASSERT_OK(go_binary__read(bin, 0x10, buf, sizeof(buf)), "the section itself");
	ASSERT_TRUE(!memcmp(buf, "\xff Go buildinf:", 14), "its bytes");
out:
	go_binary__close(bin);
	if (f)
		fclose(f);
	free(elf);
}
