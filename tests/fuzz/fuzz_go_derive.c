// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the runtime layout derived from a Go executable's own
 * code and data (go_derive.c): the machine code of the runtime functions
 * the function table names, the module data's words, the string headers
 * of runtime.waitReasonStrings. The input is the file, handed over as a
 * memfd. Whatever the input, a derived layout has every field inside the
 * g, and its wait reasons are printable strings; a failure names what was
 * not found.
 *
 * Seeds: a small program built with every Go on this machine, stripped of
 * symbols and DWARF (seed_go_derive.sh).
 */
/* fuzz-srcs: src/go_derive.c src/go_layout.c src/go_binary.c src/go_pclntab.c src/target_file.c src/target_call.c
 * fuzz-libs: -lelf -ldw -pthread
 * fuzz-flags: -max_len=4194304 -malloc_limit_mb=512 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "fuzz.h"
#include "go_binary.h"
#include "go_derive.h"

static void check_layout(const struct go_runtime_layout *l)
{
	__u32 i;
	const char *s;

	fuzz_check(!go_layout__check(l), "a derived field outside the g");
	fuzz_check(l->nr_wait_reasons >= 3 && l->wait_reasons, "too few wait reasons");
	for (i = 0; i < l->nr_wait_reasons; i++)
		for (s = l->wait_reasons[i]; *s; s++)
			fuzz_check(*s >= 0x20 && *s <= 0x7e, "an unprintable wait reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_runtime_layout l;
	struct go_binary *bin;
	const char *missing;
	int fd, err;

	if (size < 4 || memcmp(data, "\177ELF", 4))
		return 0;
	fd = memfd_create("fuzz_go_derive", MFD_CLOEXEC);
	fuzz_check(fd >= 0, "memfd_create");
	fuzz_check(write(fd, data, size) == (ssize_t)size, "write");
	if (go_binary__open_fd(&bin, fd))
		return 0;
	err = go_derive__layout(bin, &l, &missing);
	if (!err) {
		check_layout(&l);
		go_derive__free(&l);
	} else {
		fuzz_check(missing && *missing, "a failure that names nothing");
	}
	go_binary__close(bin);
	return 0;
}
