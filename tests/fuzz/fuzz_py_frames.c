// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: reading a CPython 3.11 interpreter's threads and
 * frames (py_frames.c) from an address space the input describes, served
 * by the reader process_vm_readv would be: thread lists, frame chains,
 * code objects, location tables and str objects all hostile. Every answer
 * must be one the API documents, every count bounded, every name a
 * NUL-terminated valid UTF-8 string within its room, and the reads bounded
 * by the budget.
 *
 * The input: the address of _PyRuntime (8 bytes), the thread id looked
 * for (4), 4 bytes unused, then segments: an address (8), a length (4)
 * and that many bytes. Unmapped memory fails to read. Seeds in
 * tests/fuzz/corpus/py_frames/ (tests/fuzz/seed_py_frames.py writes them:
 * a 3.11 interpreter with a thread in two frames, as test_py.c builds).
 */
/* fuzz-srcs: src/py_frames.c src/py_layout.c src/utf8.c
 * fuzz-flags: -max_len=16384 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include "fuzz.h"
#include "py_frames.h"
#include "utf8.h"

#define MAX_SEGS 64
#define FRAMES 16
#define READS 2048

struct segment {
	__u64 addr;
	__u32 len;
	const __u8 *bytes;
};

struct space {
	struct segment segs[MAX_SEGS];
	int nr;
	unsigned int reads;
};

static ssize_t space_read(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct space *s = ctx;
	int i;

	s->reads++;
	for (i = 0; i < s->nr; i++) {
		const struct segment *g = &s->segs[i];

		if (addr >= g->addr && addr - g->addr <= g->len) {
			size_t n = g->len - (addr - g->addr);

			n = n < len ? n : len;
			memcpy(buf, g->bytes + (addr - g->addr), n);
			return n ? (ssize_t)n : -EFAULT;
		}
	}
	return -EFAULT;
}

static void check_name(const char *name)
{
	size_t len = strnlen(name, PY_NAME_MAX), i, n;

	fuzz_check(len < PY_NAME_MAX, "name NUL-terminated within its room");
	for (i = 0; i < len; i += n) {
		n = utf8_seq_len((const unsigned char *)name + i, len - i);
		fuzz_check(n > 0, "name is valid UTF-8");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct space s;
	struct py_frame frames[FRAMES];
	struct py_target t = {
		.layout = py_layout_for_version(0x030b07f0),
		.read = space_read,
		.ctx = &s,
		.reads_left = READS,
	};
	struct py_code code;
	size_t off = 16;
	__u64 tstate = 0;
	bool truncated;
	__u32 tid;
	int n, i, err;

	if (size < 16)
		return 0;
	memcpy(&t.runtime, data, 8);
	memcpy(&tid, data + 8, 4);
	s.nr = 0;
	s.reads = 0;
	while (off + 12 <= size && s.nr < MAX_SEGS) {
		struct segment *g = &s.segs[s.nr++];

		memcpy(&g->addr, data + off, 8);
		memcpy(&g->len, data + off + 8, 4);
		off += 12;
		if (g->len > size - off)
			g->len = size - off;
		g->bytes = data + off;
		off += g->len;
	}
	/* the location table alone, as raw input */
	py_linetable_line(data, size, 1, tid % 4096);
	err = py_find_tstate(&t, tid, &tstate);
	fuzz_check(s.reads <= READS, "reads within the budget");
	fuzz_check(!err || err == -ENOENT || err == -EPROTO || err == -EFAULT || err == -E2BIG,
		   "find: a documented error");
	if (err)
		return 0;
	n = py_read_frames(&t, tstate, frames, FRAMES, &truncated);
	fuzz_check(n <= FRAMES, "frames within room");
	fuzz_check(s.reads <= READS, "reads within the budget");
	for (i = 0; i < n; i++) {
		fuzz_check(frames[i].code != 0, "a frame has code");
		if (py_read_code(&t, frames[i].code, &code))
			continue;
		check_name(code.qualname);
		check_name(code.filename);
	}
	fuzz_check(s.reads <= READS, "reads within the budget");
	return 0;
}
