// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the trace reader on arbitrary bytes. It must never
 * crash, hang or use unbounded memory, must return only records that pass
 * rec_decode(), and must explain every error.
 *
 * CRCs stop almost every mutation at the first check, so each input is read
 * three ways: as it is; with its CRCs made right, so the mutation reaches
 * the header fields, inflate and the records; and as the records of one good
 * chunk. The last two follow docs/trace-format.md, independently of the
 * writer.
 *
 *   tests/fuzz/run.sh SECONDS
 */
/* fuzz-srcs: src/trace_file.c src/record.c
 * fuzz-libs: -lz -ldeflate
 * fuzz-flags: -max_len=65536 -malloc_limit_mb=16 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "record.h"
#include "fuzz.h"
#include "trace_file.h"

static void read_trace(const uint8_t *data, size_t size)
{
	struct trace_reader *r = NULL;
	struct trace_info info;
	unsigned int sum = 0;
	const char *why, *msg;
	const void *rec;
	size_t len, i;
	__u64 offset;
	int ret;

	ret = trace_reader__open_mem(&r, "fuzz", data, size, &info);
	fuzz_check(r != NULL, "no reader");
	while (!ret) {
		ret = trace_reader__next(r, &rec, &len);
		if (ret <= 0)
			break;
		fuzz_check(rec_decode(rec, len, &why) == (int)len, "returned a bad record");
		fuzz_check((uintptr_t)rec % 8 == 0, "record not aligned");
		for (i = 0; i < len; i++)
			sum += ((const uint8_t *)rec)[i]; /* every byte is readable */
		ret = 0;
	}
	msg = trace_reader__error(r, &offset);
	if (ret < 0)
		fuzz_check(msg && !strncmp(msg, "fuzz: offset ", 13), "an error without a message");
	if (trace_reader__truncated(r, &offset))
		fuzz_check(offset < size, "truncated beyond the end");
	fuzz_check(!trace_reader__complete(r) || (!ret && !msg), "complete with an error");
	fuzz_check(trace_reader__next(r, &rec, &len) == ret, "a different answer after the end");
	fuzz_check(trace_reader__offset(r) <= size, "read beyond the end");
	trace_reader__close(r);
	(void)sum;
}

static __u32 crc_of(const uint8_t *buf, size_t len)
{
	return crc32(0, buf, len);
}

static void put32(uint8_t *at, __u32 value)
{
	value = htole32(value);
	memcpy(at, &value, sizeof(value));
}

static __u32 get32(const uint8_t *at)
{
	__u32 value;

	memcpy(&value, at, sizeof(value));
	return le32toh(value);
}

/* Make the header's and every chunk's CRCs match their bytes, as far as there are bytes. */
static void reseal(uint8_t *file, size_t size)
{
	const size_t crc_at = offsetof(struct trace_chunk_hdr, header_crc);
	size_t off = TRACE_FILE_HDR_LEN, payload, have;

	if (size >= sizeof(struct trace_file_hdr))
		put32(file + offsetof(struct trace_file_hdr, header_crc),
		      crc_of(file, offsetof(struct trace_file_hdr, header_crc)));
	while (off + sizeof(struct trace_chunk_hdr) <= size) {
		payload = (size_t)get32(file + off + offsetof(struct trace_chunk_hdr, comp_len)) +
			  sizeof(struct trace_gzip_trailer);
		have = size - off - sizeof(struct trace_chunk_hdr);
		put32(file + off + offsetof(struct trace_chunk_hdr, payload_crc),
		      crc_of(file + off + sizeof(struct trace_chunk_hdr),
			     payload < have ? payload : have));
		put32(file + off + crc_at, crc_of(file + off, crc_at));
		off += sizeof(struct trace_chunk_hdr) + payload;
	}
}

static void gzip_hdr(struct trace_gzip_hdr *gz, const char *si, size_t sublen)
{
	memset(gz, 0, sizeof(*gz));
	gz->id1 = TRACE_GZIP_ID1;
	gz->id2 = TRACE_GZIP_ID2;
	gz->cm = TRACE_GZIP_CM_DEFLATE;
	gz->flg = TRACE_GZIP_FLG_FEXTRA;
	gz->os = TRACE_GZIP_OS_UNIX;
	gz->xlen = htole16(4 + sublen);
	memcpy(gz->si, si, 2);
	gz->sublen = htole16(sublen);
}

/* A good header, then one chunk, marked last, of @records. */
static void read_as_records(const uint8_t *records, size_t size)
{
	struct trace_file_hdr hdr;
	struct trace_chunk_hdr chunk;
	size_t comp_bound, comp_len, file_len, pos = 0;
	__u32 nr_records = 0;
	const char *why;
	uint8_t *file;
	z_stream zs;
	int rec_size;

	memset(&hdr, 0, sizeof(hdr));
	gzip_hdr(&hdr.gz, TRACE_SUBFIELD_HEADER, sizeof(hdr) - sizeof(hdr.gz));
	memcpy(hdr.magic, TRACE_MAGIC, sizeof(hdr.magic));
	hdr.format_version = htole32(TRACE_FORMAT_VERSION);
	hdr.rec_version = htole32(REC_VERSION);
	strcpy(hdr.sysname, "Linux");
	hdr.header_crc =
		htole32(crc_of((uint8_t *)&hdr, offsetof(struct trace_file_hdr, header_crc)));

	/* as many records as the writer would have counted; the reader checks the rest */
	while ((rec_size = rec_decode(records + pos, size - pos, &why)) > 0) {
		pos += rec_size;
		nr_records++;
	}

	memset(&zs, 0, sizeof(zs));
	fuzz_check(deflateInit2(&zs, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
		   "deflateInit2");
	comp_bound = deflateBound(&zs, size);
	file = malloc(TRACE_FILE_HDR_LEN + sizeof(chunk) + comp_bound + 8);
	fuzz_check(file != NULL, "malloc");
	zs.next_in = (uint8_t *)records;
	zs.avail_in = size;
	zs.next_out = file + TRACE_FILE_HDR_LEN + sizeof(chunk);
	zs.avail_out = comp_bound;
	fuzz_check(deflate(&zs, Z_FINISH) == Z_STREAM_END, "deflate");
	comp_len = zs.total_out;
	deflateEnd(&zs);

	memcpy(file, &hdr, sizeof(hdr));
	memcpy(file + sizeof(hdr), TRACE_FILE_HDR_BODY, TRACE_FILE_HDR_BODY_LEN);
	memset(&chunk, 0, sizeof(chunk));
	gzip_hdr(&chunk.gz, TRACE_SUBFIELD_CHUNK, sizeof(chunk) - sizeof(chunk.gz));
	chunk.comp_len = htole32(comp_len);
	chunk.raw_len = htole32(size);
	chunk.nr_records = htole32(nr_records);
	chunk.flags = htole32(TRACE_CHUNK_LAST);
	memcpy(file + TRACE_FILE_HDR_LEN, &chunk, sizeof(chunk));
	file_len = TRACE_FILE_HDR_LEN + sizeof(chunk) + comp_len;
	put32(file + file_len, crc_of(records, size));
	put32(file + file_len + 4, size);
	file_len += 8;
	reseal(file, file_len);
	read_trace(file, file_len);
	free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	read_trace(data, size);
	if (size >= TRACE_FILE_HDR_LEN) {
		copy = malloc(size);
		fuzz_check(copy != NULL, "malloc");
		memcpy(copy, data, size);
		reseal(copy, size);
		read_trace(copy, size);
		free(copy);
	}
	if (size <= TRACE_CHUNK_MAX)
		read_as_records(data, size);
	return 0;
}
