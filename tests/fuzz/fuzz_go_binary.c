// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a Go executable as a target's ELF file gives it
 * (go_binary.c): its build information and Go version, its sections, the
 * function table found by section, symbol or scan, the module data and the
 * load bias of a mapping. The input is the file, handed over as a memfd;
 * the build information parser also reads the raw bytes, as the contents
 * of a .go.buildinfo section.
 *
 * Seeds: a small program built with every Go on this machine, cut down to
 * the sections go_binary.c reads, and their .go.buildinfo sections
 * (seed_go_binary.sh).
 */
/* fuzz-srcs: src/go_binary.c src/go_pclntab.c src/target_file.c src/target_call.c
 * fuzz-libs: -lelf -pthread
 * fuzz-flags: -max_len=1048576 -malloc_limit_mb=256 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "fuzz.h"
#include "go_binary.h"

/* moduledata.gofunc in the Go versions the reader knows */
#define MAX_GOFUNC_OFF 512
#define MAX_READ 4096

static __u64 tail_u64(const uint8_t *data, size_t size, size_t back)
{
	__u64 v = 0;

	if (size >= back)
		memcpy(&v, data + size - back, sizeof(v) < back ? sizeof(v) : back);
	return v;
}

static void read_buildinfo(const uint8_t *data, size_t size)
{
	char version[GO_VERSION_LEN];
	int major, minor;

	if (go_buildinfo_version(data, size, version, sizeof(version)))
		return;
	fuzz_check(strlen(version) < sizeof(version), "an unterminated version");
	if (!go_version_parse(version, &major, &minor))
		fuzz_check(major >= 1 && minor >= 0, "a version out of range");
}

static void read_binary(struct go_binary *bin, const uint8_t *data, size_t size)
{
	const struct go_pclntab *tab = go_binary__pclntab(bin);
	static __u8 buf[MAX_READ];
	__u64 addr, sym_size, bias, vaddr;
	struct go_func fn;
	size_t len;
	int major, minor;

	fuzz_check(strlen(go_binary__version(bin)) < GO_VERSION_LEN, "an unterminated version");
	if (go_binary__version_number(bin, &major, &minor))
		fuzz_check(major >= 1, "a major version below 1");
	(void)go_binary__is_pie(bin);
	(void)go_binary__has_symbols(bin);
	(void)go_binary__has_dwarf(bin);
	fuzz_check(tab->nfunc > 0, "a function table without functions");
	if (!go_pclntab__find_func(tab, tab->text_start, &fn))
		(void)strlen(go_pclntab__func_name(tab, &fn));
	if (!go_binary__symbol(bin, "runtime.allgs", &addr, &sym_size)) {
		len = sym_size < MAX_READ ? sym_size : MAX_READ;
		(void)go_binary__read(bin, addr, buf, len);
	}
	/* reads where the input's last bytes say, as a census reads a target's pointers */
	vaddr = tail_u64(data, size, 8);
	len = tail_u64(data, size, 16) % (MAX_READ + 1);
	(void)go_binary__read(bin, vaddr, buf, len);
	(void)go_binary__read(bin, go_binary__pclntab_addr(bin), buf, 8);
	(void)go_binary__section_of(bin, vaddr);
	(void)go_binary__load_bias(bin, vaddr, tail_u64(data, size, 24), &bias);
	(void)go_binary__setup_inlining(bin, tail_u64(data, size, 32) % MAX_GOFUNC_OFF);
	if (!go_pclntab__find_func(tab, tab->text_start, &fn)) {
		struct go_frame frames[4];

		fuzz_check(go_pclntab__frames(tab, &fn, fn.entry, frames, 4) >= 1, "no frame");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_binary *bin;
	int fd;

	read_buildinfo(data, size);
	if (size < 4 || memcmp(data, "\177ELF", 4))
		return 0;
	fd = memfd_create("fuzz_go_binary", MFD_CLOEXEC);
	fuzz_check(fd >= 0, "memfd_create");
	fuzz_check(write(fd, data, size) == (ssize_t)size, "write");
	if (go_binary__open_fd(&bin, fd))
		return 0;
	read_binary(bin, data, size);
	go_binary__close(bin);
	return 0;
}
