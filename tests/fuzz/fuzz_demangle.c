// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the demangler (demangle.c, with libstdc++'s
 * __cxa_demangle and LLVM's Rust demangler under it) on arbitrary symbol
 * names, as a target's ELF symbol tables give them, into buffers of every
 * size from 1 byte to more than any name. The result must be
 * NUL-terminated, fit the buffer, and be a prefix of the result in a
 * larger buffer.
 *
 * Seeds: hand-made names of each kind (corpus/demangle/).
 */
/* fuzz-srcs: src/demangle.c
 * fuzz-libs: -lstdc++ /usr/lib/llvm-14/lib/libLLVMDemangle.a
 * fuzz-cflags: -DHAVE_LLVM_RUST_DEMANGLE
 * fuzz-flags: -max_len=4096 -malloc_limit_mb=64 */
#include <string.h>
#include "demangle.h"
#include "fuzz.h"

#define LARGE 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char large[LARGE], small[LARGE];
	char *symbol;
	size_t len, small_len, room;

	symbol = malloc(size + 1);
	fuzz_check(symbol != NULL, "malloc");
	memcpy(symbol, data, size);
	symbol[size] = '\0';
	len = demangle_symbol(symbol, large, sizeof(large));
	fuzz_check(len < sizeof(large) && strlen(large) == len, "a length not the string's");
	/* a small buffer the input chooses: the same name, cut */
	room = size ? data[0] % 64 + 1 : 1;
	small_len = demangle_symbol(symbol, small, room);
	fuzz_check(small_len < room && strlen(small) == small_len, "past a small buffer");
	fuzz_check(!strncmp(small, large, small_len), "not a prefix of the whole name");
	fuzz_check(demangle_symbol(symbol, small, 0) == 0, "wrote into no room");
	free(symbol);
	return 0;
}
