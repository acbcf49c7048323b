/* SPDX-License-Identifier: GPL-2.0 */
/* What the libFuzzer targets share. */
#ifndef __THREADLEAK_FUZZ_H
#define __THREADLEAK_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: its failure is a finding, like a crash. */
#define fuzz_check(ok, what) fuzz__check(ok, __FILE__, what)

static inline void fuzz__check(bool ok, const char *file, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: %s\n", file, what);
		abort();
	}
}

#endif /* __THREADLEAK_FUZZ_H */
