// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the fuzzer's seed corpus with the trace writer: small real traces
 * (every record type, several chunks, one cut short, one empty) and a bare
 * stream of records. tests/fuzz/run.sh --corpus runs it.
 *
 *   make_corpus DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "record.h"
#include "trace_file.h"

#define SEC_NS 1000000000ULL

/* The size rec_decode() accepts for @type with zeros after the header, or 0. */
static size_t fixed_size_of(unsigned int type)
{
	static unsigned char probe[4096];
	struct rec_hdr *hdr = (struct rec_hdr *)probe;
	const char *why;
	size_t size;

	for (size = sizeof(*hdr); size < sizeof(probe); size += 8) {
		memset(probe, 0, size);
		hdr->type = type;
		hdr->size = size;
		if (rec_decode(probe, size, &why) == (int)size)
			return size;
	}
	return 0;
}

/* Records of every type of record.h, into @buf; returns their total size. */
static size_t every_record_type(unsigned char *buf, unsigned int seed)
{
	static const char sym_text[] = "pthread_cond_waitpthread_cond_wait.clibc.so.6";
	static const char info_text[] = "/usr/bin/leaky_demoleaky_demo\0-n\0-v";
	struct rec_proc_info *info;
	struct rec_symbol *sym;
	struct rec_hdr *hdr;
	unsigned int type;
	size_t size, len = 0;

	for (type = 1; type < REC_TYPE_MAX; type++) {
		size = fixed_size_of(type);
		if (!size)
			continue;
		hdr = (struct rec_hdr *)(buf + len);
		memset(hdr, 0, size);
		hdr->type = type;
		hdr->size = size;
		hdr->tgid = 4242;
		hdr->ts_ns = SEC_NS * seed + type;
		len += size;
	}
	sym = (struct rec_symbol *)(buf + len);
	memset(sym, 0, sizeof(*sym) + 48);
	sym->hdr.type = REC_SYMBOL;
	sym->hdr.size = sizeof(*sym) + 48;
	sym->pc = 0x7f0000012345ULL;
	sym->func_len = 17;
	sym->file_len = 19;
	sym->module_len = 9;
	memcpy(sym->text, sym_text, 45);
	len += sym->hdr.size;
	info = (struct rec_proc_info *)(buf + len);
	memset(info, 0, sizeof(*info) + 40);
	info->hdr.type = REC_PROC_INFO;
	info->hdr.size = sizeof(*info) + 40;
	info->exe_len = 19;
	info->cmdline_len = 16;
	memcpy(info->text, info_text, 35);
	len += info->hdr.size;
	return len;
}

static int write_trace(const char *path, const unsigned char *recs, size_t len, size_t chunk_bytes,
		       unsigned int repeat)
{
	struct trace_writer_opts opts = { .chunk_bytes = chunk_bytes };
	const struct rec_hdr *hdr;
	struct trace_writer *w;
	struct trace_info info;
	unsigned int i;
	size_t pos;
	int err;

	memset(&info, 0, sizeof(info));
	info.start_ns = SEC_NS;
	info.realtime_offset_ns = 1700000000LL * SEC_NS;
	strcpy(info.sysname, "Linux");
	strcpy(info.release, "6.1.0");
	strcpy(info.machine, "x86_64");
	strcpy(info.hostname, "fuzz");
	err = trace_writer__open(&w, path, &info, &opts);
	if (err)
		return err;
	for (i = 0; i < repeat && !err; i++) {
		for (pos = 0; pos < len && !err; pos += hdr->size) {
			hdr = (const struct rec_hdr *)(recs + pos);
			err = trace_writer__write(w, hdr, hdr->size, SEC_NS + i);
		}
	}
	return trace_writer__close(w) ?: err;
}

static int write_bytes(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	static unsigned char recs[1 << 16];
	char path[4096];
	size_t len, cut_len;
	struct stat st;
	void *whole;
	FILE *f;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus DIR\n");
		return 2;
	}
	len = every_record_type(recs, 1);
	len += every_record_type(recs + len, 2);

	snprintf(path, sizeof(path), "%s/records.bin", argv[1]);
	err = write_bytes(path, recs, len);
	snprintf(path, sizeof(path), "%s/empty.tl", argv[1]);
	err = err ?: write_trace(path, recs, 0, 0, 1);
	snprintf(path, sizeof(path), "%s/every_type.tl", argv[1]);
	err = err ?: write_trace(path, recs, len, 0, 1);
	snprintf(path, sizeof(path), "%s/chunks.tl", argv[1]);
	err = err ?: write_trace(path, recs, len, 512, 3);
	if (err) {
		fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(-err));
		return 1;
	}

	/* chunks.tl, cut in the middle of its last chunk */
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) || !(whole = malloc(st.st_size)) ||
	    fread(whole, 1, st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "make_corpus: cannot read %s\n", path);
		return 1;
	}
	fclose(f);
	cut_len = st.st_size - 30;
	snprintf(path, sizeof(path), "%s/cut.tl", argv[1]);
	err = write_bytes(path, whole, cut_len);
	free(whole);
	if (err) {
		fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(-err));
		return 1;
	}
	return 0;
}
