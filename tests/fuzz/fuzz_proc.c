// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the parsers of /proc text about a target process,
 * each on the same arbitrary bytes: maps (proc_syms.c), status, stat and
 * syscall (proc_info.c), cgroup (proc_cgroup.c). The kernel writes these
 * files, but a target names its threads and its files, makes its cgroups
 * when delegated, and tests point the proc root at files of their own.
 * Each must keep its promises: mappings sorted and disjoint, a tgid > 0,
 * a NUL-terminated comm and cgroup path.
 *
 * Seeds: these files of this machine's processes (seed_proc.sh) and
 * hand-made ones (corpus/proc/).
 */
/* fuzz-srcs: src/proc_syms.c src/proc_info.c src/proc_cgroup.c src/cgroup_identity.c src/demangle.c src/target_file.c src/target_call.c src/module_cache.c src/file_pages.c src/perf_map.c src/utf8.c
 * fuzz-libs: -ldw -lelf -lstdc++ -pthread
 * fuzz-flags: -max_len=65536 -malloc_limit_mb=64 */
#include <string.h>
#include "fuzz.h"
#include "proc_cgroup.h"
#include "proc_info.h"
#include "proc_syms_internal.h"

static void parse_maps(const uint8_t *data, size_t size)
{
	struct maps_snapshot maps;
	size_t i;
	FILE *f;

	f = fmemopen((void *)data, size, "r");
	fuzz_check(f != NULL, "fmemopen");
	if (!maps_snapshot_parse(&maps, f)) {
		const struct mapping_table *t = &maps.mappings;
		size_t nr = 0;

		for (i = 0; i < t->nr; i++) {
			fuzz_check(i + 1 == t->nr || t->edge[i] < t->edge[i + 1],
				   "an empty mapping, or out of order");
			nr += !(t->kind[i] & MAPPING_HOLE);
		}
		fuzz_check(!t->nr || t->kind[t->nr - 1] & MAPPING_HOLE, "no end");
		fuzz_check(nr == maps.nr_mappings, "mappings lost");
		for (i = 0; i < maps.nr_files; i++) {
			fuzz_check(maps.files[i].low < maps.files[i].high, "an empty file");
			fuzz_check(maps.files[i].path && strlen(maps.files[i].path) < size,
				   "a path longer than the file");
		}
		maps_snapshot_free(&maps);
	}
	fclose(f);
}

static void parse_cgroup(const uint8_t *data, size_t size)
{
	char path[64];
	FILE *f;

	f = fmemopen((void *)data, size, "r");
	fuzz_check(f != NULL, "fmemopen");
	if (!proc_cgroup_read(f, path, sizeof(path)))
		fuzz_check(strlen(path) < sizeof(path), "an unterminated cgroup");
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_identity id;
	char *text;
	long nr;
	__u64 sp;

	if (!size)
		return 0;
	parse_maps(data, size);
	parse_cgroup(data, size);
	text = malloc(size + 1);
	fuzz_check(text != NULL, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&id, 0, sizeof(id));
	if (!proc_status_parse(text, &id))
		fuzz_check(id.tgid > 0 && strlen(id.comm) < sizeof(id.comm), "a bad status");
	(void)proc_stat_parse(text, &id);
	(void)proc_syscall_parse(text, &nr, &sp);
	free(text);
	return 0;
}
