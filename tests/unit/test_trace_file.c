// SPDX-License-Identifier: GPL-2.0
/*
 * Trace files: round trips of every record type, files cut at every byte,
 * every bit of every chunk flipped, foreign and garbage headers, rotation,
 * file creation, and flushing by time. Files the writer would never write
 * are made by hand here, from docs/trace-format.md.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#include "record.h"
#include "recorder.h"
#include "records.h"
#include "test.h"
#include "trace_file.h"

#define TEST_TRACE_NAME "trace.tl"

/* Records as they were written, to compare what comes back with. */
struct rec_list {
	__u8 *bytes;
	size_t len, cap;
	size_t *off;
	unsigned int nr, max;
};

static bool rec_list_init(struct rec_list *list, size_t cap, unsigned int max)
{
	memset(list, 0, sizeof(*list));
	list->bytes = malloc(cap);
	list->off = calloc(max, sizeof(*list->off));
	list->cap = cap;
	list->max = max;
	return list->bytes && list->off;
}

static void rec_list_free(struct rec_list *list)
{
	free(list->bytes);
	free(list->off);
}

static void rec_list_add(struct rec_list *list, const void *rec, size_t len)
{
	if (list->nr == list->max || list->len + len > list->cap) {
		test__fail();
		return;
	}
	list->off[list->nr++] = list->len;
	memcpy(list->bytes + list->len, rec, len);
	list->len += len;
}

static const void *rec_list_at(const struct rec_list *list, unsigned int i, size_t *len)
{
	size_t end = i + 1 < list->nr ? list->off[i + 1] : list->len;

	*len = end - list->off[i];
	return list->bytes + list->off[i];
}

static void test_info(struct trace_info *info)
{
	memset(info, 0, sizeof(*info));
	info->realtime_offset_ns = 1700000000123456789LL;
	info->start_ns = 123456789;
	strcpy(info->sysname, "Linux");
	strcpy(info->release, "6.1.0-test");
	strcpy(info->version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0");
	strcpy(info->machine, "x86_64");
	strcpy(info->hostname, "recorder.example");
}

static bool make_test_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/threadleak-trace-test-XXXXXX");
	return mkdtemp(dir) != NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_test_dir(const char *dir)
{
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void *slurp(const char *path, size_t *size)
{
	struct stat st;
	void *buf = NULL;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st)) {
		buf = malloc(st.st_size + 1);
		if (buf && read(fd, buf, st.st_size) != st.st_size) {
			free(buf);
			buf = NULL;
		}
		*size = st.st_size;
	}
	close(fd);
	return buf;
}

static bool spill(const char *path, const void *buf, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, buf, size) == (ssize_t)size;
	close(fd);
	return ok;
}

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Records of every type, every byte of their fixed part set, so a byte lost
 * or moved anywhere shows.
 */
static void fill_fixed(void *rec, size_t size, enum rec_type type, unsigned int seed)
{
	struct rec_hdr *hdr = rec;
	__u8 *p = rec;
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (seed * 31 + i * 7 + 1) & 0xff;
	hdr->type = type;
	hdr->size = size;
}

static size_t make_symbol(void *buf, const char *func, const char *file, const char *module,
			  unsigned int seed)
{
	struct rec_symbol *sym = buf;
	size_t func_len = strlen(func), file_len = strlen(file), module_len = strlen(module);
	size_t size = (sizeof(*sym) + func_len + file_len + module_len + 7) & ~(size_t)7;

	memset(buf, 0, size);
	fill_fixed(sym, sizeof(*sym), REC_SYMBOL, seed);
	sym->hdr.size = size;
	sym->func_len = func_len;
	sym->file_len = file_len;
	sym->module_len = module_len;
	sym->inline_len = 0; /* no inlined frames: the text is the three strings */
	sym->nr_inline = 0;
	memcpy(sym->text, func, func_len);
	memcpy(sym->text + func_len, file, file_len);
	memcpy(sym->text + func_len + file_len, module, module_len);
	return size;
}

static size_t make_proc_info(void *buf, const char *exe, const char *cmdline, size_t cmdline_len,
			     unsigned int seed)
{
	struct rec_proc_info *info = buf;
	size_t exe_len = strlen(exe);
	size_t size = (sizeof(*info) + exe_len + cmdline_len + 7) & ~(size_t)7;

	memset(buf, 0, size);
	fill_fixed(info, sizeof(*info), REC_PROC_INFO, seed);
	info->hdr.size = size;
	info->exe_len = exe_len;
	info->cmdline_len = cmdline_len;
	memcpy(info->text, exe, exe_len);
	memcpy(info->text + exe_len, cmdline, cmdline_len);
	return size;
}

/*
 * The size rec_decode() accepts for a record of @type with nothing but
 * zeros after its header, or 0: so every type of record.h is covered
 * without a list of them here to forget one in.
 */
static size_t fixed_size_of(unsigned int type)
{
	static __u8 buf[4096];
	struct rec_hdr *hdr = (struct rec_hdr *)buf;
	const char *why;
	size_t size;

	for (size = sizeof(*hdr); size < sizeof(buf); size += 8) {
		memset(buf, 0, size);
		hdr->type = type;
		hdr->size = size;
		if (rec_decode(buf, size, &why) == (int)size)
			return size;
	}
	return 0;
}

static void add_every_record_type(struct rec_list *list, unsigned int seed)
{
	static const char demo_cmdline[] = { 'l', 'e', 'a', 'k', 'y', 0, '-', 'n', 0, '4', '2', 0 };
	static char long_text[REC_SYMBOL_TEXT_MAX + 1];
	__u8 buf[sizeof(struct rec_symbol) + REC_SYMBOL_TEXT_MAX];
	const char *why;
	size_t size;
	unsigned int type;

	for (type = 1; type < REC_TYPE_MAX; type++) {
		size = fixed_size_of(type);
		if (!size)
			continue;
		fill_fixed(buf, size, type, seed + type);
		if (type == REC_STACK)
			((struct rec_stack *)buf)->nr_pcs = REC_STACK_MAX;
		if (rec_decode(buf, size, &why) != (int)size) {
			/* a field the pattern made invalid (text lengths): zeros then */
			memset(buf, 0, size);
			fill_fixed(buf, sizeof(struct rec_hdr), type, seed + type);
			((struct rec_hdr *)buf)->size = size;
		}
		rec_list_add(list, buf, size);
	}
	/* text padded, text a multiple of 8, no text, the most text */
	size = make_symbol(buf, "pthread_cond_wait", "pthread_cond_wait.c", "libc.so.6", seed);
	rec_list_add(list, buf, size);
	size = make_symbol(buf, "main", "main.c", "/usr/bin/a", seed + 1);
	rec_list_add(list, buf, size);
	size = make_symbol(buf, "", "", "", seed + 2);
	rec_list_add(list, buf, size);
	memset(long_text, 'x', REC_SYMBOL_TEXT_MAX);
	long_text[REC_SYMBOL_TEXT_MAX - 100] = 0;
	size = make_symbol(buf, long_text, "file.c", "/lib/a-module-name-to-fill-up-the-rest",
			   seed);
	rec_list_add(list, buf, size);
	size = make_proc_info(buf, "/usr/bin/leaky_demo", demo_cmdline, sizeof(demo_cmdline), seed);
	rec_list_add(list, buf, size);
	size = make_proc_info(buf, "", "", 0, seed + 1);
	rec_list_add(list, buf, size);
}

static int write_list(const char *path, const struct rec_list *list,
		      const struct trace_writer_opts *opts, struct trace_writer_stats *st)
{
	struct trace_writer *w;
	struct trace_info info;
	unsigned int i;
	size_t len;
	int err;

	test_info(&info);
	err = trace_writer__open(&w, path, &info, opts);
	if (err)
		return err;
	for (i = 0; i < list->nr && !err; i++) {
		const void *rec = rec_list_at(list, i, &len);

		err = trace_writer__write(w, rec, len, 1000 + i);
	}
	if (st)
		trace_writer__stats(w, st);
	return trace_writer__close(w) ?: err;
}

/* Read records until the end or an error: how many, and how many differ from @want's. */
static int read_list(struct trace_reader *r, const struct rec_list *want, unsigned int *nr,
		     unsigned int *differ)
{
	const void *rec, *expected;
	size_t len, want_len;
	int ret;

	*nr = 0;
	*differ = 0;
	while ((ret = trace_reader__next(r, &rec, &len)) > 0) {
		if (*nr >= want->nr) {
			(*differ)++;
		} else {
			expected = rec_list_at(want, *nr, &want_len);
			if (len != want_len || memcmp(rec, expected, len))
				(*differ)++;
		}
		(*nr)++;
	}
	return ret;
}

/* Where each chunk of a trace file starts, and how many records it holds. */
struct chunk_map {
	size_t start[64];
	__u32 nr_records[64];
	unsigned int nr;
};

static bool map_chunks(const __u8 *file, size_t size, struct chunk_map *map)
{
	size_t off = TRACE_FILE_HDR_LEN;
	struct trace_chunk_hdr chunk;

	map->nr = 0;
	while (off + sizeof(chunk) <= size && map->nr < 63) {
		memcpy(&chunk, file + off, sizeof(chunk));
		map->start[map->nr] = off;
		map->nr_records[map->nr++] = le32toh(chunk.nr_records);
		off += sizeof(chunk) + le32toh(chunk.comp_len) + sizeof(struct trace_gzip_trailer);
	}
	map->start[map->nr] = off;
	return off == size;
}

static unsigned int records_before(const struct chunk_map *map, unsigned int chunk)
{
	unsigned int i, n = 0;

	for (i = 0; i < chunk; i++)
		n += map->nr_records[i];
	return n;
}

/* A small file of several chunks: 20 task records, 3 to a chunk. */
static int write_small_trace(const char *path, struct rec_list *list)
{
	struct trace_writer_opts opts = { .chunk_bytes = 3 * sizeof(struct rec_task) };
	struct rec_task task;
	unsigned int i;

	for (i = 0; i < 20; i++) {
		task = rec_task_futex(42, 100 + i, 5 * SEC_NS, 0x7f0000001000ULL + 64 * i,
				      FUTEX_WAIT_PRIVATE_OP, SEC_NS + i);
		rec_list_add(list, &task, sizeof(task));
	}
	return write_list(path, list, &opts, NULL);
}

/* Reseal what a test changed in a header or chunk: recompute its CRCs, per the format. */
static void reseal_header(__u8 *file)
{
	struct trace_file_hdr hdr;

	memcpy(&hdr, file, sizeof(hdr));
	hdr.header_crc = htole32(crc32(0, file, offsetof(struct trace_file_hdr, header_crc)));
	memcpy(file, &hdr, sizeof(hdr));
}

static void reseal_chunk(__u8 *at)
{
	struct trace_chunk_hdr chunk;
	size_t payload_len;

	memcpy(&chunk, at, sizeof(chunk));
	payload_len = le32toh(chunk.comp_len) + sizeof(struct trace_gzip_trailer);
	chunk.payload_crc = htole32(crc32(0, at + sizeof(chunk), payload_len));
	chunk.header_crc =
		htole32(crc32(0, (void *)&chunk, offsetof(struct trace_chunk_hdr, header_crc)));
	memcpy(at, &chunk, sizeof(chunk));
}

/* Fields of a chunk at any offset, which may not be aligned. */
static void poke32(__u8 *chunk, size_t field, __u32 value)
{
	value = htole32(value);
	memcpy(chunk + field, &value, sizeof(value));
}

static __u32 peek32(const __u8 *chunk, size_t field)
{
	__u32 value;

	memcpy(&value, chunk + field, sizeof(value));
	return le32toh(value);
}

#define CHUNK_FIELD(name) offsetof(struct trace_chunk_hdr, name)

/* Append to @out a chunk of @raw, made by hand per docs/trace-format.md; returns its size. */
static size_t make_chunk(__u8 *out, const void *raw, size_t raw_len, __u32 nr_records, __u32 flags)
{
	struct trace_gzip_trailer trailer;
	struct trace_chunk_hdr chunk;
	z_stream zs;
	size_t comp_len;

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (void *)raw;
	zs.avail_in = raw_len;
	zs.next_out = out + sizeof(chunk);
	zs.avail_out = deflateBound(&zs, raw_len);
	deflate(&zs, Z_FINISH);
	comp_len = zs.total_out;
	deflateEnd(&zs);

	memset(&chunk, 0, sizeof(chunk));
	chunk.gz.id1 = 0x1f;
	chunk.gz.id2 = 0x8b;
	chunk.gz.cm = 8;
	chunk.gz.flg = 4;
	chunk.gz.os = 3;
	chunk.gz.xlen = htole16(28);
	memcpy(chunk.gz.si, "TC", 2);
	chunk.gz.sublen = htole16(24);
	chunk.comp_len = htole32(comp_len);
	chunk.raw_len = htole32(raw_len);
	chunk.nr_records = htole32(nr_records);
	chunk.flags = htole32(flags);
	memcpy(out, &chunk, sizeof(chunk));
	trailer.crc = htole32(crc32(0, raw, raw_len));
	trailer.isize = htole32(raw_len);
	memcpy(out + sizeof(chunk) + comp_len, &trailer, sizeof(trailer));
	reseal_chunk(out);
	return sizeof(chunk) + comp_len + sizeof(trailer);
}

/* A file's header, as the writer makes it. */
static bool make_header(const char *dir, __u8 hdr[TRACE_FILE_HDR_LEN])
{
	char path[256];
	size_t size;
	__u8 *file;
	bool ok;

	snprintf(path, sizeof(path), "%s/header.tl", dir);
	if (write_list(path, &(struct rec_list){ 0 }, NULL, NULL))
		return false;
	file = slurp(path, &size);
	ok = file && size >= TRACE_FILE_HDR_LEN;
	if (ok)
		memcpy(hdr, file, TRACE_FILE_HDR_LEN);
	free(file);
	return ok;
}

void test_trace_file_round_trip(void)
{
	struct trace_writer_opts one_chunk = { 0 }, small_chunks = { .chunk_bytes = 300 };
	struct trace_info info, want_info;
	struct trace_writer_stats st;
	unsigned int nr, differ, type;
	struct trace_reader *r = NULL;
	struct rec_list list;
	char dir[64], path[128];
	bool seen[REC_TYPE_MAX] = { 0 };
	int err;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	if (!ASSERT_TRUE(rec_list_init(&list, 1 << 20, 4096), "alloc"))
		goto out;
	add_every_record_type(&list, 1);
	add_every_record_type(&list, 2);

	if (test__start_subtest("every_type")) {
		for (nr = 0; nr < list.nr; nr++)
			seen[((const struct rec_hdr *)(list.bytes + list.off[nr]))->type] = true;
		for (type = REC_THREAD_START; type < REC_TYPE_MAX; type++)
			ASSERT_TRUE(seen[type], rec_type_name(type));
	}
	if (test__start_subtest("one_chunk")) {
		ASSERT_OK(write_list(path, &list, &one_chunk, &st), "write");
		ASSERT_EQ(st.records, list.nr, "stats records");
		ASSERT_EQ(st.raw_bytes, list.len, "stats raw bytes");
		ASSERT_EQ(st.chunks, 0, "no chunk before close");
		err = trace_reader__open(&r, path, &info);
		if (ASSERT_OK(err, "open")) {
			test_info(&want_info);
			want_info.format_version = TRACE_FORMAT_VERSION;
			want_info.rec_version = REC_VERSION;
			ASSERT_TRUE(!memcmp(&info, &want_info, sizeof(info)), "info");
			ASSERT_EQ(read_list(r, &list, &nr, &differ), 0, "read to the end");
			ASSERT_EQ(nr, list.nr, "records");
			ASSERT_EQ(differ, 0, "records that differ");
			ASSERT_TRUE(trace_reader__complete(r), "complete");
			ASSERT_FALSE(trace_reader__truncated(r, NULL), "not truncated");
			ASSERT_TRUE(trace_reader__error(r, NULL) == NULL, "no message");
			ASSERT_EQ(read_list(r, &list, &nr, &differ), 0, "end again");
		}
		trace_reader__close(r);
	}
	if (test__start_subtest("many_chunks")) {
		ASSERT_OK(write_list(path, &list, &small_chunks, &st), "write");
		ASSERT_TRUE(st.chunks > 5, "several chunks");
		err = trace_reader__open(&r, path, &info);
		if (ASSERT_OK(err, "open")) {
			ASSERT_EQ(read_list(r, &list, &nr, &differ), 0, "read to the end");
			ASSERT_EQ(nr, list.nr, "records");
			ASSERT_EQ(differ, 0, "records that differ");
			ASSERT_TRUE(trace_reader__complete(r), "complete");
		}
		trace_reader__close(r);
	}
	if (test__start_subtest("gzip_members")) {
		/* zlib's gzip reader sees the records, nothing else */
		__u8 *raw = malloc(list.len + 1);
		gzFile gz = gzopen(path, "rb");
		int got = gz && raw ? gzread(gz, raw, list.len + 1) : -1;

		ASSERT_EQ(got, list.len, "gzread");
		ASSERT_TRUE(raw && !memcmp(raw, list.bytes, list.len), "same bytes");
		if (gz)
			gzclose(gz);
		free(raw);
	}
	if (test__start_subtest("largest_chunk")) {
		/* incompressible text: the writer's biggest chunk still reads */
		struct trace_writer_opts big = { .chunk_bytes = TRACE_WRITER_CHUNK_MAX };
		__u8 buf[sizeof(struct rec_symbol) + REC_SYMBOL_TEXT_MAX];
		struct rec_symbol *sym = (struct rec_symbol *)buf;
		struct rec_list big_list;
		size_t i;

		if (ASSERT_TRUE(rec_list_init(&big_list, 8 << 20, 4096), "alloc")) {
			while (big_list.len < TRACE_WRITER_CHUNK_MAX + (64 << 10)) {
				make_symbol(buf, "f", "g", "h", big_list.nr);
				sym->hdr.size = sizeof(*sym) + REC_SYMBOL_TEXT_MAX;
				sym->func_len = REC_SYMBOL_TEXT_MAX - 2;
				for (i = 0; i < REC_SYMBOL_TEXT_MAX - 2; i++)
					sym->text[i] = (rng_next() % 255) + 1;
				sym->text[REC_SYMBOL_TEXT_MAX - 2] = 'g';
				sym->text[REC_SYMBOL_TEXT_MAX - 1] = 'h';
				rec_list_add(&big_list, buf, sizeof(*sym) + REC_SYMBOL_TEXT_MAX);
			}
			ASSERT_OK(write_list(path, &big_list, &big, &st), "write");
			/* stats before close: the first chunk, barely compressed, near the limit */
			ASSERT_EQ(st.chunks, 1, "chunks");
			ASSERT_TRUE(st.file_bytes - TRACE_FILE_HDR_LEN >
					    TRACE_WRITER_CHUNK_MAX - TRACE_WRITER_CHUNK_MAX / 100,
				    "incompressible");
			err = trace_reader__open(&r, path, &info);
			if (ASSERT_OK(err, "open")) {
				ASSERT_EQ(read_list(r, &big_list, &nr, &differ), 0, "read");
				ASSERT_EQ(nr, big_list.nr, "records");
				ASSERT_EQ(differ, 0, "records that differ");
			}
			trace_reader__close(r);
			rec_list_free(&big_list);
		}
	}
	if (test__start_subtest("bad_records_refused")) {
		struct rec_census census = rec_census(1, 0);
		struct trace_writer *w;

		test_info(&info);
		if (ASSERT_OK(trace_writer__open(&w, path, &info, NULL), "open")) {
			ASSERT_EQ(trace_writer__write(w, &census, sizeof(census) - 1, 1), -EINVAL,
				  "cut short");
			ASSERT_EQ(trace_writer__write(w, &census, sizeof(census) + 8, 1), -EINVAL,
				  "longer than the record");
			census.hdr.type = REC_TYPE_MAX;
			ASSERT_EQ(trace_writer__write(w, &census, sizeof(census), 1), -EINVAL,
				  "unknown type");
			census.hdr.type = REC_CENSUS;
			ASSERT_OK(trace_writer__write(w, &census, sizeof(census), 1), "good one");
			ASSERT_OK(trace_writer__close(w), "close");
		}
	}
	if (test__start_subtest("bad_options_refused")) {
		struct trace_writer_opts huge = { .chunk_bytes = TRACE_WRITER_CHUNK_MAX + 1 };
		struct trace_writer *w;

		test_info(&info);
		ASSERT_EQ(trace_writer__open(&w, path, &info, &huge), -EINVAL, "chunk too big");
		memset(info.hostname, 'h', sizeof(info.hostname));
		ASSERT_EQ(trace_writer__open(&w, path, &info, NULL), -EINVAL,
			  "hostname without NUL");
	}
	if (test__start_subtest("info_from_host")) {
		struct timespec mono, real;
		__s64 offset;

		ASSERT_OK(trace_info__from_host(&info), "from host");
		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		offset = (real.tv_sec - mono.tv_sec) * (__s64)SEC_NS + real.tv_nsec - mono.tv_nsec;
		ASSERT_STREQ(info.sysname, "Linux", "sysname");
		ASSERT_EQ(info.format_version, TRACE_FORMAT_VERSION, "format version");
		ASSERT_EQ(info.rec_version, REC_VERSION, "record version");
		ASSERT_NEAR(info.realtime_offset_ns, offset, 1e7, "realtime offset");
		ASSERT_NEAR(info.start_ns, mono.tv_sec * SEC_NS + mono.tv_nsec, 1e9, "start");
	}
	rec_list_free(&list);
out:
	remove_test_dir(dir);
}

void test_trace_file_truncation(void)
{
	char dir[64], path[128], cut_path[128], want[512];
	struct trace_reader *r = NULL;
	unsigned int nr, differ, chunk;
	struct trace_info info;
	struct chunk_map map;
	struct rec_list list;
	bool at_boundary;
	__u64 offset;
	size_t size, cut;
	__u8 *file = NULL;
	int err, ret;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	snprintf(cut_path, sizeof(cut_path), "%s/cut.tl", dir);
	if (!ASSERT_TRUE(rec_list_init(&list, 1 << 16, 64), "alloc"))
		goto out;
	if (!ASSERT_OK(write_small_trace(path, &list), "write"))
		goto out;
	file = slurp(path, &size);
	if (!ASSERT_TRUE(file && map_chunks(file, size, &map), "map chunks"))
		goto out;
	/* 20 records, 3 to a chunk: 7 chunks, the last of 2 records marked last */
	ASSERT_EQ(map.nr, 7, "chunks");

	for (cut = 0; cut < size; cut++) {
		if (!spill(cut_path, file, cut)) {
			ASSERT_TRUE(false, "write the cut file");
			break;
		}
		err = trace_reader__open(&r, cut_path, &info);
		if (cut < TRACE_FILE_HDR_LEN) {
			if (cut == 0)
				snprintf(want, sizeof(want),
					 "%s: offset 0: empty file, no trace header", cut_path);
			else
				snprintf(
					want, sizeof(want),
					"%s: offset 0: trace header cut short: the file has %zu bytes, the header %zu",
					cut_path, cut, TRACE_FILE_HDR_LEN);
			if (!ASSERT_EQ(err, -ENODATA, "header cut") ||
			    !ASSERT_STREQ(trace_reader__error(r, NULL), want,
					  "header cut message")) {
				fprintf(stderr, "cut at %zu\n", cut);
				trace_reader__close(r);
				break;
			}
			trace_reader__close(r);
			continue;
		}
		for (chunk = 0; map.start[chunk + 1] <= cut; chunk++)
			;
		at_boundary = map.start[chunk] == cut;
		if (at_boundary)
			snprintf(
				want, sizeof(want),
				"%s: offset %zu: file ends without the chunk its writer marks as the last: the recording was cut short, or is still being written",
				cut_path, cut);
		else if (cut - map.start[chunk] < sizeof(struct trace_chunk_hdr))
			snprintf(
				want, sizeof(want),
				"%s: offset %zu: file ends %zu bytes into a chunk header; the records before it were read",
				cut_path, map.start[chunk], cut - map.start[chunk]);
		else
			snprintf(
				want, sizeof(want),
				"%s: offset %zu: file ends %zu bytes into a %zu-byte chunk; the records before it were read",
				cut_path, map.start[chunk], cut - map.start[chunk],
				map.start[chunk + 1] - map.start[chunk]);
		offset = 0;
		ret = err ?: read_list(r, &list, &nr, &differ);
		if (!ASSERT_OK(ret, "reads to the end") ||
		    !ASSERT_EQ(nr, records_before(&map, chunk), "records of whole chunks") ||
		    !ASSERT_EQ(differ, 0, "records that differ") ||
		    !ASSERT_EQ(trace_reader__truncated(r, &offset), !at_boundary, "truncated") ||
		    !ASSERT_EQ(offset, at_boundary ? 0 : map.start[chunk], "truncated at") ||
		    !ASSERT_FALSE(trace_reader__complete(r), "not complete") ||
		    !ASSERT_STREQ(trace_reader__error(r, &offset), want, "message") ||
		    !ASSERT_EQ(offset, map.start[chunk], "message offset")) {
			fprintf(stderr, "cut at %zu\n", cut);
			trace_reader__close(r);
			break;
		}
		trace_reader__close(r);
	}
	ASSERT_EQ(cut, size, "every cut");
out:
	free(file);
	rec_list_free(&list);
	remove_test_dir(dir);
}

/* What the reader says to a bit flipped in a header byte: by the magic, the version, the CRC. */
static int header_flip_error(size_t byte)
{
	if (byte < 4 || (byte >= 12 && byte < 14) || (byte >= 16 && byte < 24))
		return -EINVAL;
	if (byte >= 24 && byte < 28)
		return -ENOTSUP;
	return -EBADMSG;
}

/* Flip every bit of @file, in memory or in a file at @path, and check what the reader says. */
static void flip_every_bit(__u8 *file, size_t size, const struct chunk_map *map,
			   const struct rec_list *list, const char *path)
{
	struct trace_reader *r = NULL;
	unsigned int nr, differ, chunk = 0;
	struct trace_info info;
	size_t byte, bit;
	const char *msg;
	__u64 offset;
	int err, want_err, ret;
	int fd = path ? open(path, O_WRONLY) : -1;

	for (byte = 0; byte < size; byte++) {
		while (byte >= map->start[chunk + 1])
			chunk++;
		for (bit = 0; bit < 8; bit++) {
			file[byte] ^= 1 << bit;
			if (path) {
				if (pwrite(fd, file + byte, 1, byte) != 1)
					test__fail();
				err = trace_reader__open(&r, path, &info);
			} else {
				err = trace_reader__open_mem(&r, "flipped", file, size, &info);
			}
			msg = trace_reader__error(r, &offset);
			if (byte < TRACE_FILE_HDR_LEN) {
				/* magic, version, anything else */
				want_err = header_flip_error(byte);
				if (!ASSERT_EQ(err, want_err, "header flip") ||
				    !ASSERT_TRUE(msg && strstr(msg, ": offset 0: "),
						 "names offset 0"))
					goto fail;
			} else {
				ret = err ?: read_list(r, list, &nr, &differ);
				msg = trace_reader__error(r, &offset);
				if (!ASSERT_EQ(ret, -EBADMSG, "chunk flip") ||
				    !ASSERT_EQ(nr, records_before(map, chunk), "records before") ||
				    !ASSERT_EQ(differ, 0, "records that differ") ||
				    !ASSERT_EQ(offset, map->start[chunk], "offset") ||
				    !ASSERT_TRUE(msg && strstr(msg, "(corrupt chunk)"),
						 "corrupt chunk"))
					goto fail;
			}
			trace_reader__close(r);
			r = NULL;
			file[byte] ^= 1 << bit;
			if (path && pwrite(fd, file + byte, 1, byte) != 1)
				test__fail();
		}
	}
	if (fd >= 0)
		close(fd);
	return;
fail:
	fprintf(stderr, "bit %zu of byte %zu (chunk %u): %s\n", bit, byte, chunk, msg ?: "(null)");
	trace_reader__close(r);
	file[byte] ^= 1 << bit;
	if (fd >= 0)
		close(fd);
}

void test_trace_file_bit_flips(void)
{
	struct trace_reader *r = NULL;
	char dir[64], path[128], want[256];
	struct trace_info info;
	unsigned int nr, differ;
	struct chunk_map map;
	struct rec_list list;
	__u8 *file = NULL;
	size_t size;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	if (!ASSERT_TRUE(rec_list_init(&list, 1 << 16, 64), "alloc"))
		goto out;
	if (!ASSERT_OK(write_small_trace(path, &list), "write"))
		goto out;
	file = slurp(path, &size);
	if (!ASSERT_TRUE(file && map_chunks(file, size, &map), "map chunks"))
		goto out;

	if (test__start_subtest("messages")) {
		/* a payload byte, then a header field, of the third chunk */
		file[map.start[2] + sizeof(struct trace_chunk_hdr) + 3] ^= 0x10;
		ASSERT_OK(trace_reader__open_mem(&r, TEST_TRACE_NAME, file, size, &info), "open");
		ASSERT_EQ(read_list(r, &list, &nr, &differ), -EBADMSG, "read");
		ASSERT_EQ(nr, 6, "records of the first two chunks");
		snprintf(want, sizeof(want),
			 "trace.tl: offset %zu: chunk CRC mismatch (corrupt chunk)", map.start[2]);
		ASSERT_STREQ(trace_reader__error(r, NULL), want, "payload");
		ASSERT_EQ(read_list(r, &list, &nr, &differ), -EBADMSG, "the same again");
		trace_reader__close(r);
		file[map.start[2] + sizeof(struct trace_chunk_hdr) + 3] ^= 0x10;

		file[map.start[2] + offsetof(struct trace_chunk_hdr, raw_len)] ^= 0x01;
		ASSERT_OK(trace_reader__open_mem(&r, TEST_TRACE_NAME, file, size, &info), "open");
		ASSERT_EQ(read_list(r, &list, &nr, &differ), -EBADMSG, "read");
		snprintf(want, sizeof(want),
			 "trace.tl: offset %zu: chunk header CRC mismatch (corrupt chunk)",
			 map.start[2]);
		ASSERT_STREQ(trace_reader__error(r, NULL), want, "header");
		trace_reader__close(r);
		file[map.start[2] + offsetof(struct trace_chunk_hdr, raw_len)] ^= 0x01;

		file[map.start[2]] ^= 0x01;
		ASSERT_OK(trace_reader__open_mem(&r, TEST_TRACE_NAME, file, size, &info), "open");
		ASSERT_EQ(read_list(r, &list, &nr, &differ), -EBADMSG, "read");
		snprintf(
			want, sizeof(want),
			"trace.tl: offset %zu: bad chunk magic, not a chunk header (corrupt chunk)",
			map.start[2]);
		ASSERT_STREQ(trace_reader__error(r, NULL), want, "magic");
		trace_reader__close(r);
		file[map.start[2]] ^= 0x01;
	}
	if (test__start_subtest("every_bit_in_memory"))
		flip_every_bit(file, size, &map, &list, NULL);
	if (test__start_subtest("every_bit_in_a_file"))
		flip_every_bit(file, size, &map, &list, path);
out:
	free(file);
	rec_list_free(&list);
	remove_test_dir(dir);
}

/* Open @bytes as a trace: the error, with the message in @msg. */
static int open_bytes(const void *bytes, size_t size, const char **msg, struct trace_reader **r)
{
	struct trace_info info;
	int err;

	trace_reader__close(*r);
	err = trace_reader__open_mem(r, "x.tl", bytes, size, &info);
	*msg = *r ? trace_reader__error(*r, NULL) : NULL;
	return err;
}

void test_trace_file_headers(void)
{
	__u8 hdr[TRACE_FILE_HDR_LEN], bytes[4096];
	struct trace_reader *r = NULL;
	struct trace_info info;
	struct trace_file_hdr *fh = (struct trace_file_hdr *)bytes;
	char dir[64], path[128];
	const char *msg;
	unsigned int i, nr, differ;
	size_t size, j;
	int err;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(make_header(dir, hdr), "a good header"))
		goto out;

	if (test__start_subtest("foreign")) {
		strcpy((char *)bytes, "#!/bin/sh\necho hello\n");
		ASSERT_EQ(open_bytes(bytes, strlen((char *)bytes), &msg, &r), -EINVAL, "script");
		ASSERT_STREQ(msg, "x.tl: offset 0: not a threadleak trace (bad magic)", "script");
		ASSERT_EQ(open_bytes("\x7f"
				     "ELF",
				     4, &msg, &r),
			  -EINVAL, "elf");
		ASSERT_EQ(open_bytes("\x1f", 1, &msg, &r), -ENODATA, "one byte of gzip magic");
		ASSERT_EQ(open_bytes("\x1e", 1, &msg, &r), -EINVAL, "one byte, not gzip magic");
		ASSERT_EQ(open_bytes("", 0, &msg, &r), -ENODATA, "empty");
		ASSERT_STREQ(msg, "x.tl: offset 0: empty file, no trace header", "empty");
	}
	if (test__start_subtest("plain_gzip")) {
		z_stream zs = { 0 };

		deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (__u8 *)"hello, world\n";
		zs.avail_in = 13;
		zs.next_out = bytes;
		zs.avail_out = sizeof(bytes);
		deflate(&zs, Z_FINISH);
		size = zs.total_out;
		deflateEnd(&zs);
		ASSERT_EQ(open_bytes(bytes, size, &msg, &r), -EINVAL, "gzip");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: not a threadleak trace (gzip data without a trace header)",
			"gzip");
	}
	if (test__start_subtest("versions")) {
		memcpy(bytes, hdr, sizeof(hdr));
		fh->format_version = htole32(7);
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -ENOTSUP, "format version");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: unsupported trace format version 7 (this threadleak reads 1)",
			"format version");
		/* a newer version with a longer header, and only its first bytes */
		ASSERT_EQ(open_bytes(bytes, 28, &msg, &r), -ENOTSUP, "version in 28 bytes");
		memcpy(bytes, hdr, sizeof(hdr));
		fh->rec_version = htole32(REC_VERSION + 1);
		reseal_header(bytes);
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -ENOTSUP, "record version");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: unsupported record version 2 (this threadleak reads 1)",
			"record version");
		memcpy(bytes, hdr, sizeof(hdr));
		fh->flags = htole32(4);
		reseal_header(bytes);
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -ENOTSUP, "flags");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: unknown trace header flags 0x4 (written by a newer threadleak?)",
			"flags");
	}
	if (test__start_subtest("corrupt")) {
		memcpy(bytes, hdr, sizeof(hdr));
		bytes[100] ^= 0x80;
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -EBADMSG, "crc");
		ASSERT_STREQ(msg, "x.tl: offset 0: trace header CRC mismatch (corrupt header)",
			     "crc");
		memcpy(bytes, hdr, sizeof(hdr));
		memset(fh->hostname, 'h', sizeof(fh->hostname));
		reseal_header(bytes);
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -EBADMSG, "hostname");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: trace header hostname is not a NUL-padded string (corrupt header)",
			"hostname");
		memcpy(bytes, hdr, sizeof(hdr));
		fh->release[60] = 'x';
		reseal_header(bytes);
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -EBADMSG, "release padding");
		memcpy(bytes, hdr, sizeof(hdr));
		fh->gz.xlen = htole16(le16toh(fh->gz.xlen) + 1);
		reseal_header(bytes);
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -EBADMSG, "xlen");
		memcpy(bytes, hdr, sizeof(hdr));
		bytes[sizeof(struct trace_file_hdr)] = 0x01;
		ASSERT_EQ(open_bytes(bytes, sizeof(hdr), &msg, &r), -EBADMSG, "body");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: trace header is not followed by an empty gzip body (corrupt header)",
			"body");
	}
	if (test__start_subtest("short")) {
		for (size = 1; size < sizeof(hdr); size++) {
			err = open_bytes(hdr, size, &msg, &r);
			if (!ASSERT_EQ(err, -ENODATA, "cut header"))
				break;
		}
		ASSERT_EQ(open_bytes(hdr, 100, &msg, &r), -ENODATA, "100 bytes");
		ASSERT_STREQ(
			msg,
			"x.tl: offset 0: trace header cut short: the file has 100 bytes, the header 402",
			"100 bytes");
		/* the header alone: a trace of nothing, cut short */
		ASSERT_OK(open_bytes(hdr, sizeof(hdr), &msg, &r), "header only");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), 0, "no records");
		ASSERT_FALSE(trace_reader__complete(r), "not complete");
		ASSERT_FALSE(trace_reader__truncated(r, NULL), "not truncated");
	}
	if (test__start_subtest("files")) {
		trace_reader__close(r);
		snprintf(path, sizeof(path), "%s/none.tl", dir);
		ASSERT_EQ(trace_reader__open(&r, path, &info), -ENOENT, "no such file");
		ASSERT_TRUE(strstr(trace_reader__error(r, NULL), "No such file or directory") !=
				    NULL,
			    "says so");
		trace_reader__close(r);
		ASSERT_EQ(trace_reader__open(&r, dir, &info), -EISDIR, "a directory");
		trace_reader__close(r);
		r = NULL;
	}
	if (test__start_subtest("garbage")) {
		/* random bytes; random bytes after a good header; a good header, bytes changed */
		for (i = 0; i < 20000; i++) {
			size = rng_next() % sizeof(bytes);
			for (j = 0; j < size; j++)
				bytes[j] = rng_next();
			if (i % 3 == 1 && size > sizeof(hdr))
				memcpy(bytes, hdr, sizeof(hdr));
			if (i % 3 == 2) {
				memcpy(bytes, hdr, sizeof(hdr));
				size = sizeof(hdr) - rng_next() % 16;
				bytes[rng_next() % size] = rng_next();
			}
			err = open_bytes(bytes, size, &msg, &r);
			if (!err) {
				err = read_list(r, &(struct rec_list){ 0 }, &nr, &differ);
				msg = trace_reader__error(r, NULL);
			}
			if (err < 0 &&
			    !ASSERT_TRUE(msg && strstr(msg, "x.tl: offset "), "a message"))
				break;
		}
	}
	trace_reader__close(r);
out:
	remove_test_dir(dir);
}

/* Chunks the writer would never write: good CRCs over bad contents. */
void test_trace_file_bad_chunks(void)
{
	__u8 hdr[TRACE_FILE_HDR_LEN], *file, raw[4096];
	struct rec_task task = rec_task_running(7, 8, 9);
	struct rec_census census = rec_census(10, 0);
	struct trace_reader *r = NULL;
	unsigned int nr, differ;
	char dir[64], want[512];
	const char *msg;
	size_t len, at = TRACE_FILE_HDR_LEN;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	file = malloc(TRACE_CHUNK_MAX * 2);
	if (!ASSERT_TRUE(file && make_header(dir, hdr), "a good header"))
		goto out;
	memcpy(file, hdr, sizeof(hdr));
	memcpy(raw, &task, sizeof(task));
	memcpy(raw + sizeof(task), &census, sizeof(census));

	if (test__start_subtest("good")) {
		len = make_chunk(file + at, raw, sizeof(task) + sizeof(census), 2,
				 TRACE_CHUNK_LAST);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), 0, "read");
		ASSERT_EQ(nr, 2, "records");
		ASSERT_TRUE(trace_reader__complete(r), "complete");
	}
	if (test__start_subtest("bad_record")) {
		census.hdr.size += 8;
		memcpy(raw + sizeof(task), &census, sizeof(census));
		memset(raw + sizeof(task) + sizeof(census), 0, 8);
		census.hdr.size -= 8;
		len = make_chunk(file + at, raw, sizeof(task) + sizeof(census) + 8, 2, 0);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_EQ(nr, 0, "no record of a bad chunk");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: record 1 (census) at byte 192 of the chunk's records: record size does not match its type (corrupt chunk)",
			"message");
		memcpy(raw + sizeof(task), &census, sizeof(census));
	}
	if (test__start_subtest("bad_record_count")) {
		len = make_chunk(file + at, raw, sizeof(task) + sizeof(census), 3, 0);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk holds 2 records, its header says 3 (corrupt chunk)",
			"message");
	}
	if (test__start_subtest("record_cut_short")) {
		len = make_chunk(file + at, raw, sizeof(task) + 8, 2, 0);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: record 1 at byte 192 of the chunk's records: record header cut short (corrupt chunk)",
			"message");
	}
	if (test__start_subtest("sizes_disagree")) {
		/* the records are bigger than the header says */
		len = make_chunk(file + at, raw, sizeof(task) + sizeof(census), 2, 0);
		poke32(file + at, CHUNK_FIELD(raw_len), sizeof(task));
		poke32(file + at, len - 4, sizeof(task)); /* the trailer's isize */
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk inflates to more than the 192 bytes its header says (corrupt chunk)",
			"more");
		/* smaller */
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		poke32(file + at, CHUNK_FIELD(raw_len), sizeof(task) + 8);
		poke32(file + at, len - 4, sizeof(task) + 8);
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk inflates to 192 bytes, its header says 200 (corrupt chunk)",
			"fewer");
		/* the trailer disagrees with the header */
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		file[at + len - 4] ^= 1;
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk trailer says 193 record bytes, its header 192 (corrupt chunk)",
			"trailer");
		/* the records' CRC in the trailer is wrong */
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		file[at + len - 8] ^= 1;
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk records CRC mismatch after inflating (corrupt chunk)",
			"records crc");
	}
	if (test__start_subtest("bytes_after_deflate")) {
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		memmove(file + at + len - 4, file + at + len - 8, 8);
		memset(file + at + len - 8, 0xaa, 4);
		poke32(file + at, CHUNK_FIELD(comp_len),
		       peek32(file + at, CHUNK_FIELD(comp_len)) + 4);
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len + 4, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk has 4 bytes after its deflate data (corrupt chunk)",
			"message");
	}
	if (test__start_subtest("not_deflate")) {
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		file[at + sizeof(struct trace_chunk_hdr)] = 0xff; /* a reserved block type */
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk does not inflate: invalid block type (corrupt chunk)",
			"message");
		/* deflate data that stops before its end */
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		poke32(file + at, CHUNK_FIELD(comp_len), 2);
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + sizeof(struct trace_chunk_hdr) + 2 + 8, &msg, &r),
			  "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		msg = trace_reader__error(r, NULL);
		ASSERT_TRUE(msg && strstr(msg, "x.tl: offset 402: chunk"), "message");
	}
	if (test__start_subtest("too_big")) {
		/* refused from the header alone, before reading or allocating */
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		poke32(file + at, CHUNK_FIELD(comp_len), TRACE_CHUNK_MAX + 1);
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(
			trace_reader__error(r, NULL),
			"x.tl: offset 402: chunk of 4194305 compressed, 192 record bytes is over the 4194304-byte limit (corrupt chunk)",
			"compressed");
		len = make_chunk(file + at, raw, sizeof(task), 1, 0);
		poke32(file + at, CHUNK_FIELD(raw_len), 0xffffffff);
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		/* a chunk of exactly the limit each way is read */
		len = sizeof(struct trace_chunk_hdr) + TRACE_CHUNK_MAX + 8;
		memset(file + at + sizeof(struct trace_chunk_hdr), 0, TRACE_CHUNK_MAX + 8);
		poke32(file + at, CHUNK_FIELD(comp_len), TRACE_CHUNK_MAX);
		poke32(file + at, CHUNK_FIELD(raw_len), TRACE_CHUNK_MAX);
		poke32(file + at, len - 4, TRACE_CHUNK_MAX);
		reseal_chunk(file + at);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		msg = trace_reader__error(r, NULL);
		ASSERT_TRUE(msg && !strstr(msg, "limit"), "within the limit");
	}
	if (test__start_subtest("flags")) {
		len = make_chunk(file + at, raw, sizeof(task), 1, 0x2);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_STREQ(trace_reader__error(r, NULL),
			     "x.tl: offset 402: unknown chunk flags 0x2 (corrupt chunk)",
			     "message");
	}
	if (test__start_subtest("after_the_last")) {
		len = make_chunk(file + at, raw, sizeof(task), 1, TRACE_CHUNK_LAST);
		len += make_chunk(file + at + len, raw, sizeof(task), 1, 0);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), -EBADMSG, "read");
		ASSERT_EQ(nr, 1, "the records up to the last chunk");
		snprintf(
			want, sizeof(want),
			"x.tl: offset %zu: data after the end of the trace (the chunk before was marked as the last)",
			at + len / 2);
		ASSERT_STREQ(trace_reader__error(r, NULL), want, "message");
		ASSERT_FALSE(trace_reader__complete(r), "not complete");
	}
	if (test__start_subtest("empty_chunks")) {
		len = make_chunk(file + at, raw, 0, 0, 0);
		len += make_chunk(file + at + len, raw, sizeof(task), 1, 0);
		len += make_chunk(file + at + len, raw, 0, 0, TRACE_CHUNK_LAST);
		ASSERT_OK(open_bytes(file, at + len, &msg, &r), "open");
		ASSERT_EQ(read_list(r, &(struct rec_list){ 0 }, &nr, &differ), 0, "read");
		ASSERT_EQ(nr, 1, "records");
		ASSERT_TRUE(trace_reader__complete(r), "complete");
	}
	trace_reader__close(r);
out:
	free(file);
	remove_test_dir(dir);
}

struct rotate_count {
	unsigned int calls;
	int err;
	__u64 now_ns; /* trace_writer__now() in the latest call */
};

/* What a recorder does after a rotation: write again what the new file's reader needs. */
static int write_proc_info(void *ctx, struct trace_writer *w)
{
	struct rotate_count *count = ctx;
	__u8 buf[256];
	size_t size;

	count->calls++;
	count->now_ns = trace_writer__now(w);
	size = make_proc_info(buf, "/usr/bin/leaky_demo", "leaky_demo", 10, count->calls);
	count->err = trace_writer__write(w, buf, size, trace_writer__now(w));
	return count->err;
}

static bool file_mode_is(const char *path, mode_t mode)
{
	struct stat st;

	return !lstat(path, &st) && S_ISREG(st.st_mode) && (st.st_mode & 07777) == mode;
}

void test_trace_file_rotation(void)
{
	char dir[64], path[128], name[160], victim[128];
	struct rotate_count count = { 0 };
	struct trace_writer_opts opts = {
		.max_bytes = 1200,
		.keep = 2,
		.chunk_bytes = 3 * sizeof(struct rec_task),
		.on_rotate = write_proc_info,
		.ctx = &count,
	};
	struct trace_writer_stats st;
	struct trace_reader *r = NULL;
	struct trace_writer *w;
	struct trace_info info;
	const struct rec_task *seen;
	struct rec_task task;
	const void *rec;
	unsigned int i, n, segment, last_tid = 0, nr_records;
	size_t len, size;
	__u8 *file;
	int ret;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	/* in a subtest, as the ones after it: starting one forgets failures before it */
	if (!test__start_subtest("keep_two"))
		goto out;
	/* a symlink where a rotated file goes is replaced, not written through */
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(name, sizeof(name), "%s.2", path);
	spill(victim, "precious", 8);
	ASSERT_OK(symlink(victim, name), "symlink");

	test_info(&info);
	if (!ASSERT_OK(trace_writer__open(&w, path, &info, &opts), "open"))
		goto out;
	for (i = 0; i < 100; i++) {
		task = rec_task_running(42, 1000 + i, SEC_NS + i);
		ret = trace_writer__write(w, &task, sizeof(task), SEC_NS + i);
		if (!ASSERT_OK(ret, "write"))
			break;
	}
	trace_writer__stats(w, &st);
	ASSERT_OK(trace_writer__close(w), "close");
	ASSERT_TRUE(st.rotations >= 3, "rotated");
	ASSERT_EQ(count.calls, st.rotations, "on_rotate calls");
	ASSERT_OK(count.err, "on_rotate's write");
	ASSERT_TRUE(count.now_ns > SEC_NS && count.now_ns < SEC_NS + 100, "now_ns of the write");
	ASSERT_EQ(st.records, 100 + count.calls, "records");

	/* the current file, and the last two rotated: oldest first */
	for (n = 3; n-- > 0;) {
		if (n)
			snprintf(name, sizeof(name), "%s.%u", path, n);
		else
			snprintf(name, sizeof(name), "%s", path);
		ASSERT_TRUE(file_mode_is(name, 0600), "mode 0600");
		file = slurp(name, &size);
		if (n)
			ASSERT_TRUE(size >= opts.max_bytes && size < opts.max_bytes + 1000,
				    "rotated at max_bytes");
		free(file);
		if (!ASSERT_OK(trace_reader__open(&r, name, &info), "open rotated"))
			break;
		segment = st.rotations - n;
		ASSERT_EQ(info.segment, segment, "segment");
		nr_records = 0;
		while ((ret = trace_reader__next(r, &rec, &len)) > 0) {
			seen = rec;
			if (nr_records++ == 0) {
				ASSERT_EQ(seen->hdr.type, REC_PROC_INFO,
					  "on_rotate's record first");
				continue;
			}
			if (!ASSERT_EQ(seen->hdr.type, REC_TASK, "then tasks"))
				break;
			if (last_tid)
				ASSERT_EQ(seen->tid, last_tid + 1, "in order, none missing");
			last_tid = seen->tid;
		}
		ASSERT_OK(ret, "read to the end");
		ASSERT_TRUE(trace_reader__complete(r), "complete");
		trace_reader__close(r);
		r = NULL;
	}
	ASSERT_EQ(last_tid, 1099, "the last record written is the last read");
	snprintf(name, sizeof(name), "%s.3", path);
	ASSERT_EQ(access(name, F_OK), -1, "no PATH.3");
	file = slurp(victim, &size);
	ASSERT_TRUE(file && size == 8 && !memcmp(file, "precious", 8), "symlink target untouched");
	free(file);

	if (test__start_subtest("keep_none")) {
		opts.keep = 0;
		count.calls = 0;
		test_info(&info);
		ASSERT_OK(trace_writer__open(&w, path, &info, &opts), "open");
		for (i = 0; i < 100; i++) {
			task = rec_task_running(42, 1000 + i, SEC_NS + i);
			trace_writer__write(w, &task, sizeof(task), SEC_NS + i);
		}
		trace_writer__stats(w, &st);
		ASSERT_OK(trace_writer__close(w), "close");
		ASSERT_TRUE(st.rotations >= 3, "rotated");
		ASSERT_EQ(count.calls, st.rotations, "on_rotate calls");
		ASSERT_OK(trace_reader__open(&r, path, &info), "open");
		ASSERT_EQ(info.segment, st.rotations, "segment");
		trace_reader__close(r);
		r = NULL;
	}
	if (test__start_subtest("tiny_max_bytes")) {
		/* every chunk rotates; on_rotate's records do not rotate again */
		opts.keep = 1;
		opts.max_bytes = 1;
		count.calls = 0;
		test_info(&info);
		ASSERT_OK(trace_writer__open(&w, path, &info, &opts), "open");
		for (i = 0; i < 12; i++) {
			task = rec_task_running(42, 1000 + i, SEC_NS + i);
			ASSERT_OK(trace_writer__write(w, &task, sizeof(task), SEC_NS + i), "write");
		}
		trace_writer__stats(w, &st);
		ASSERT_OK(trace_writer__close(w), "close");
		ASSERT_EQ(st.rotations, 4, "a rotation per chunk");
		ASSERT_EQ(count.calls, 4, "on_rotate calls");
	}
out:
	remove_test_dir(dir);
}

void test_trace_file_create(void)
{
	char dir[64], path[128], other[128];
	struct trace_writer *w = NULL;
	struct stat before, after;
	struct trace_info info;
	size_t size;
	__u8 *file;
	mode_t old_umask;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	snprintf(other, sizeof(other), "%s/other", dir);
	test_info(&info);

	if (test__start_subtest("mode_0600")) {
		old_umask = umask(0);
		ASSERT_OK(trace_writer__open(&w, path, &info, NULL), "open");
		umask(old_umask);
		ASSERT_TRUE(file_mode_is(path, 0600), "mode");
		ASSERT_OK(trace_writer__close(w), "close");
	}
	if (test__start_subtest("replaces_a_file")) {
		/* a new inode: neither the old mode nor a hard link carries over */
		unlink(path);
		spill(path, "old", 3);
		chmod(path, 0644);
		ASSERT_OK(link(path, other), "hard link");
		lstat(path, &before);
		ASSERT_OK(trace_writer__open(&w, path, &info, NULL), "open");
		ASSERT_OK(trace_writer__close(w), "close");
		lstat(path, &after);
		ASSERT_TRUE(before.st_ino != after.st_ino, "new inode");
		ASSERT_TRUE(file_mode_is(path, 0600), "mode");
		file = slurp(other, &size);
		ASSERT_TRUE(file && size == 3 && !memcmp(file, "old", 3), "link untouched");
		free(file);
		unlink(other);
	}
	if (test__start_subtest("refuses_symlinks")) {
		unlink(path);
		spill(other, "precious", 8);
		ASSERT_OK(symlink(other, path), "symlink");
		ASSERT_EQ(trace_writer__open(&w, path, &info, NULL), -ELOOP, "to a file");
		file = slurp(other, &size);
		ASSERT_TRUE(file && size == 8 && !memcmp(file, "precious", 8), "target untouched");
		free(file);
		ASSERT_TRUE(!lstat(path, &after) && S_ISLNK(after.st_mode), "symlink left");
		unlink(path);
		unlink(other);
		ASSERT_OK(symlink(other, path), "dangling symlink");
		ASSERT_EQ(trace_writer__open(&w, path, &info, NULL), -ELOOP, "dangling");
		ASSERT_EQ(access(other, F_OK), -1, "target not created");
		unlink(path);
	}
	if (test__start_subtest("refuses_directories")) {
		ASSERT_OK(mkdir(path, 0700), "mkdir");
		ASSERT_EQ(trace_writer__open(&w, path, &info, NULL), -EISDIR, "directory");
		rmdir(path);
	}
	remove_test_dir(dir);
}

static int count_records(const char *path, bool *complete)
{
	struct trace_reader *r;
	struct trace_info info;
	const void *rec;
	size_t len;
	int ret, nr = 0;

	ret = trace_reader__open(&r, path, &info);
	if (!ret) {
		while ((ret = trace_reader__next(r, &rec, &len)) > 0)
			nr++;
	}
	*complete = r && trace_reader__complete(r);
	trace_reader__close(r);
	return ret < 0 ? ret : nr;
}

void test_trace_file_flush_by_time(void)
{
	struct trace_writer_opts opts = { .flush_ns = SEC_NS };
	struct rec_task task = rec_task_running(42, 43, 0);
	struct trace_writer_stats st;
	struct trace_writer *w;
	struct trace_info info;
	char dir[64], path[128];
	__u64 t0 = 1000 * SEC_NS;
	bool complete;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	test_info(&info);
	if (!ASSERT_OK(trace_writer__open(&w, path, &info, &opts), "open"))
		goto out;

	ASSERT_OK(trace_writer__write(w, &task, sizeof(task), t0), "write");
	ASSERT_EQ(count_records(path, &complete), 0, "nothing yet");
	ASSERT_OK(trace_writer__write(w, &task, sizeof(task), t0 + SEC_NS / 2), "write");
	ASSERT_OK(trace_writer__tick(w, t0 + SEC_NS - 1), "tick");
	ASSERT_EQ(count_records(path, &complete), 0, "not yet");
	ASSERT_OK(trace_writer__write(w, &task, sizeof(task), t0 + SEC_NS), "write");
	ASSERT_EQ(count_records(path, &complete), 3, "flushed by the write a second later");
	ASSERT_FALSE(complete, "still being written");

	/* the second is counted from the oldest unflushed record, by tick */
	ASSERT_OK(trace_writer__write(w, &task, sizeof(task), t0 + 5 * SEC_NS), "write");
	ASSERT_OK(trace_writer__tick(w, t0 + 6 * SEC_NS - 1), "tick");
	ASSERT_EQ(count_records(path, &complete), 3, "not yet");
	ASSERT_OK(trace_writer__tick(w, t0 + 6 * SEC_NS), "tick");
	ASSERT_EQ(count_records(path, &complete), 4, "flushed by tick");
	ASSERT_OK(trace_writer__tick(w, t0 + 60 * SEC_NS), "idle tick");
	trace_writer__stats(w, &st);
	ASSERT_EQ(st.chunks, 2, "no empty chunks when idle");

	ASSERT_OK(trace_writer__write(w, &task, sizeof(task), t0 + 61 * SEC_NS), "write");
	ASSERT_OK(trace_writer__flush(w), "flush");
	ASSERT_EQ(count_records(path, &complete), 5, "flushed by flush");
	ASSERT_OK(trace_writer__close(w), "close");
	ASSERT_EQ(count_records(path, &complete), 5, "all");
	ASSERT_TRUE(complete, "complete after close");
out:
	remove_test_dir(dir);
}

/*
 * Closing a recorder writes what is pending into the last chunk: it does not
 * rotate on the way out (which pushed out the oldest kept file), and its
 * totals count that last chunk.
 */
void test_recorder_close(void)
{
	struct rec_session session = { .hdr = { .type = REC_SESSION, .size = sizeof(session) } };
	char dir[64], path[128], name[160];
	struct recorder_opts opts = {
		.path = path, .max_bytes = 4000, .keep = 8, .session = &session,
	};
	struct trace_writer_stats st = {};
	unsigned int i, files = 0, tasks = 0;
	struct trace_reader *r = NULL;
	struct trace_info info;
	struct recorder *rec;
	struct rec_task task;
	__u64 on_disk = 0;
	const void *p;
	struct stat sb;
	size_t len;

	if (!ASSERT_TRUE(make_test_dir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, TEST_TRACE_NAME);
	if (!ASSERT_OK(recorder__open(&rec, &opts), "open"))
		goto out;
	for (i = 0; i < 201; i++) {
		task = rec_task_running(42, 1000 + i, SEC_NS + i);
		task.args[0] = rng_next(); /* not all compressible */
		if (!ASSERT_OK(recorder__write(rec, &task, sizeof(task), SEC_NS + i), "write"))
			break;
	}
	ASSERT_OK(recorder__close(rec, &st), "close");
	for (i = 0; i <= opts.keep; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s.%u", path, i);
		if (stat(i ? name : path, &sb))
			continue;
		on_disk += sb.st_size;
		files++;
	}
	ASSERT_EQ(st.file_bytes, on_disk, "bytes, the last chunk's too");
	ASSERT_EQ(st.rotations + 1, files, "a file per rotation, none deleted");
	/* the current file holds records, not only the session rewritten */
	if (!ASSERT_OK(trace_reader__open(&r, path, &info), "reopen"))
		goto out;
	while (trace_reader__next(r, &p, &len) > 0)
		tasks += ((const struct rec_hdr *)p)->type == REC_TASK;
	ASSERT_TRUE(tasks > 0, "tasks in the last file");
out:
	trace_reader__close(r);
	remove_test_dir(dir);
}
