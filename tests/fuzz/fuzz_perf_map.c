// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the perf map parser (perf_map.c) on arbitrary bytes, as
 * a target (or anyone who can write /tmp) can put them in /tmp/perf-PID.map.
 * Every name found must be NUL-terminated printable UTF-8 of at most
 * PERF_MAP_NAME_MAX bytes, and the offset within its code's size.
 *
 * Seeds: hand-made maps (corpus/perf_map/): the JVM's, perf's, hostile.
 */
/* fuzz-srcs: src/perf_map.c src/utf8.c src/target_file.c src/target_call.c
 * fuzz-libs: -pthread
 * fuzz-flags: -max_len=65536 -malloc_limit_mb=256 */
#include <string.h>
#include "perf_map.h"
#include "utf8.h"
#include "fuzz.h"

static void check_name(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name), i = 0, n;

	fuzz_check(len > 0 && len <= PERF_MAP_NAME_MAX, "name length");
	while (i < len) {
		fuzz_check(s[i] >= 0x20 && s[i] != 0x7f, "control character in a name");
		n = utf8_seq_len(s + i, len - i);
		fuzz_check(n > 0 && !utf8_is_c1(s + i, n), "invalid UTF-8 in a name");
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u64 probes[] = { 0, 1, 0x1000, 0x7fffffff, 0xffffffffffffffffull };
	struct perf_map *pm;
	const char *name;
	__u64 offset, pc;
	size_t i;

	if (perf_map__parse(&pm, (const char *)data, size))
		return 0;
	/* the starts in the input itself, and around them */
	for (i = 0; i + 8 <= size && i < 4096; i += 7) {
		memcpy(&pc, data + i, sizeof(pc));
		name = perf_map__find(pm, pc, &offset);
		if (name)
			check_name(name);
	}
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		name = perf_map__find(pm, probes[i], &offset);
		if (name)
			check_name(name);
	}
	fuzz_check(perf_map__nr_entries(pm) <= PERF_MAP_MAX_ENTRIES, "entries");
	perf_map__free(pm);
	return 0;
}
