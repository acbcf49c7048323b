// SPDX-License-Identifier: GPL-2.0
/*
 * Trace files: the writer behind `threadleak record` and the reader behind
 * `threadleak replay`. The format is in docs/trace-format.md.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <libdeflate.h>
#include <zlib.h>
#include "record.h"
#include "trace_file.h"

_Static_assert(sizeof(struct trace_gzip_hdr) == 16, "gzip member header");
_Static_assert(sizeof(struct trace_file_hdr) == 392, "file header");
_Static_assert(offsetof(struct trace_file_hdr, format_version) == 24, "version offset");
_Static_assert(offsetof(struct trace_file_hdr, header_crc) == 388, "header CRC offset");
_Static_assert(sizeof(struct trace_chunk_hdr) == 40, "chunk header");
_Static_assert(offsetof(struct trace_chunk_hdr, header_crc) == 36, "chunk CRC offset");
_Static_assert(sizeof(struct trace_gzip_trailer) == 8, "gzip trailer");
_Static_assert(__BYTE_ORDER == __LITTLE_ENDIAN, "records are stored in host order: little-endian");

#define SEC_NS 1000000000ULL
#define DEFAULT_FLUSH_NS SEC_NS
#define DEFAULT_CHUNK_BYTES (256U << 10)
#define REC_SIZE_LIMIT (1U << 16) /* rec_hdr.size is a __u16 */

/*
 * Level 1: on census records it deflates 3.4 times as fast as level 6 for
 * files 16 % larger (67 against 58 bytes per rec_task), and the writer runs
 * on the production host being diagnosed. docs/trace-format.md has the
 * numbers.
 */
#define TRACE_DEFLATE_LEVEL 1
#define TRACE_CHUNK_XFL 4 /* gzip's mark for "fastest compression" */

static const char trace_magic[8] = TRACE_MAGIC;

/* gzip's CRC-32, by libdeflate (carry-less multiplies): zlib's took 8 % of a replay */
static __u32 crc32_of(const void *buf, size_t len)
{
	return libdeflate_crc32(0, buf, len);
}

static void gzip_hdr_init(struct trace_gzip_hdr *gz, const char *subfield_id, size_t sublen,
			  __u8 xfl)
{
	memset(gz, 0, sizeof(*gz));
	gz->id1 = TRACE_GZIP_ID1;
	gz->id2 = TRACE_GZIP_ID2;
	gz->cm = TRACE_GZIP_CM_DEFLATE;
	gz->flg = TRACE_GZIP_FLG_FEXTRA;
	gz->xfl = xfl;
	gz->os = TRACE_GZIP_OS_UNIX;
	gz->xlen = htole16(4 + sublen);
	memcpy(gz->si, subfield_id, 2);
	gz->sublen = htole16(sublen);
}

/* The uname strings, laid out alike in struct trace_info and struct trace_file_hdr. */
#define UNAME_LEN 65
static const struct uname_field {
	const char *name;
	size_t info_offset, hdr_offset;
} uname_fields[] = {
	{ "sysname", offsetof(struct trace_info, sysname),
	  offsetof(struct trace_file_hdr, sysname) },
	{ "release", offsetof(struct trace_info, release),
	  offsetof(struct trace_file_hdr, release) },
	{ "version", offsetof(struct trace_info, version),
	  offsetof(struct trace_file_hdr, version) },
	{ "machine", offsetof(struct trace_info, machine),
	  offsetof(struct trace_file_hdr, machine) },
	{ "hostname", offsetof(struct trace_info, hostname),
	  offsetof(struct trace_file_hdr, hostname) },
};
#define NR_UNAME_FIELDS (sizeof(uname_fields) / sizeof(uname_fields[0]))

static char *info_uname(const struct trace_info *info, size_t i)
{
	return (char *)info + uname_fields[i].info_offset;
}

static char *hdr_uname(const struct trace_file_hdr *hdr, size_t i)
{
	return (char *)hdr + uname_fields[i].hdr_offset;
}

/* @s holds a NUL and nothing but NULs after it. */
static bool nul_padded(const char *s, size_t size)
{
	const char *nul = memchr(s, 0, size);

	if (!nul)
		return false;
	for (; nul < s + size; nul++) {
		if (*nul)
			return false;
	}
	return true;
}

static __u64 timespec_ns(const struct timespec *ts)
{
	return ts->tv_sec * SEC_NS + ts->tv_nsec;
}

int trace_info__from_host(struct trace_info *info)
{
	struct timespec mono_before, realtime, mono_after;
	struct utsname uts;
	__u64 mono;

	memset(info, 0, sizeof(*info));
	if (uname(&uts))
		return -errno;
	if (clock_gettime(CLOCK_MONOTONIC, &mono_before) ||
	    clock_gettime(CLOCK_REALTIME, &realtime) || clock_gettime(CLOCK_MONOTONIC, &mono_after))
		return -errno;
	mono = timespec_ns(&mono_before) +
	       (timespec_ns(&mono_after) - timespec_ns(&mono_before)) / 2;
	info->format_version = TRACE_FORMAT_VERSION;
	info->rec_version = REC_VERSION;
	info->start_ns = mono;
	info->realtime_offset_ns = (__s64)(timespec_ns(&realtime) - mono);
	snprintf(info->sysname, sizeof(info->sysname), "%s", uts.sysname);
	snprintf(info->release, sizeof(info->release), "%s", uts.release);
	snprintf(info->version, sizeof(info->version), "%s", uts.version);
	snprintf(info->machine, sizeof(info->machine), "%s", uts.machine);
	snprintf(info->hostname, sizeof(info->hostname), "%s", uts.nodename);
	return 0;
}

/*
 * The writer.
 */

struct trace_writer {
	char *path;
	char *rotate_from, *rotate_to; /* PATH.N names, room for any N */
	int fd;			       /* -1 between files */
	struct trace_info info;	       /* of the current file */
	struct trace_writer_opts opts; /* defaults filled in */

	__u8 *pending; /* records not yet in a chunk */
	size_t pending_len, pending_cap;
	__u32 pending_records;
	__u64 pending_since_ns; /* now_ns when the oldest of them was written */

	__u8 *frame; /* a chunk being written: header, deflate data, trailer */
	size_t frame_cap;
	z_stream deflate_stream;
	bool deflate_ready;

	__u64 file_bytes;	 /* of the current file */
	bool unsynced;		 /* chunks written but not yet fdatasync'ed */
	__u64 unsynced_since_ns; /* now_ns when the oldest of their records was written */
	__u64 now_ns;		 /* of the latest write or tick */
	bool in_rotate;		 /* on_rotate is running: no rotation inside it */
	int err;		 /* a write or sync failed: every later call returns it */
	struct trace_writer_stats stats;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const __u8 *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* Make a new file's name durable: fsync the directory it is in. */
static int sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (fsync(fd) && errno != EINVAL)
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

/*
 * Create @path for writing, mode 0600, as a new inode: an existing regular
 * file is unlinked first (so neither its mode nor a hard link to it carries
 * over), a symlink or anything else there is refused.
 */
static int create_trace_file(const char *path)
{
	struct stat st;
	int attempt, fd;

	for (attempt = 0; attempt < 3; attempt++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
		if (lstat(path, &st)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode))
			return -EEXIST;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	return -EEXIST; /* something keeps creating it under us */
}

static void encode_file_hdr(const struct trace_info *info, __u8 out[TRACE_FILE_HDR_LEN])
{
	struct trace_file_hdr hdr;
	size_t i;

	memset(&hdr, 0, sizeof(hdr));
	gzip_hdr_init(&hdr.gz, TRACE_SUBFIELD_HEADER, sizeof(hdr) - sizeof(hdr.gz), 0);
	memcpy(hdr.magic, trace_magic, sizeof(hdr.magic));
	hdr.format_version = htole32(TRACE_FORMAT_VERSION);
	hdr.rec_version = htole32(REC_VERSION);
	hdr.realtime_offset_ns = htole64(info->realtime_offset_ns);
	hdr.start_ns = htole64(info->start_ns);
	hdr.segment = htole32(info->segment);
	for (i = 0; i < NR_UNAME_FIELDS; i++)
		strcpy(hdr_uname(&hdr, i), info_uname(info, i)); /* fits: checked at open */
	hdr.header_crc = htole32(crc32_of(&hdr, offsetof(struct trace_file_hdr, header_crc)));
	memcpy(out, &hdr, sizeof(hdr));
	memcpy(out + sizeof(hdr), TRACE_FILE_HDR_BODY, TRACE_FILE_HDR_BODY_LEN);
}

/* Create the file for the current segment and make its header durable. */
static int start_file(struct trace_writer *w)
{
	__u8 hdr[TRACE_FILE_HDR_LEN];
	int err;

	w->fd = create_trace_file(w->path);
	if (w->fd < 0)
		return w->fd;
	encode_file_hdr(&w->info, hdr);
	err = write_all(w->fd, hdr, sizeof(hdr));
	if (!err && fdatasync(w->fd))
		err = -errno;
	if (!err)
		err = sync_parent_dir(w->path);
	if (err) {
		close(w->fd);
		w->fd = -1;
		return err;
	}
	w->file_bytes = sizeof(hdr);
	w->stats.file_bytes += sizeof(hdr);
	return 0;
}

static int writer_fail(struct trace_writer *w, int err)
{
	w->err = err;
	return err;
}

static int sync_file(struct trace_writer *w)
{
	if (fdatasync(w->fd))
		return writer_fail(w, -errno);
	w->unsynced = false;
	return 0;
}

/* PATH.(n-1) becomes PATH.n, ..., PATH becomes PATH.1; PATH.keep is dropped. */
static int rotate_names(struct trace_writer *w)
{
	size_t size = strlen(w->path) + 16;
	unsigned int n;

	if (!w->opts.keep)
		return unlink(w->path) && errno != ENOENT ? -errno : 0;
	for (n = w->opts.keep; n >= 1; n--) {
		if (n == 1)
			snprintf(w->rotate_from, size, "%s", w->path);
		else
			snprintf(w->rotate_from, size, "%s.%u", w->path, n - 1);
		snprintf(w->rotate_to, size, "%s.%u", w->path, n);
		if (rename(w->rotate_from, w->rotate_to) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* The current file is complete (its last chunk is written): start the next one. */
static int rotate(struct trace_writer *w)
{
	int err;

	err = sync_file(w);
	if (err)
		return err;
	close(w->fd);
	w->fd = -1;
	err = rotate_names(w);
	if (err)
		return writer_fail(w, err);
	w->info.segment++;
	err = start_file(w);
	if (err)
		return writer_fail(w, err);
	w->stats.rotations++;
	if (!w->opts.on_rotate)
		return 0;
	w->in_rotate = true;
	err = w->opts.on_rotate(w->opts.ctx, w);
	w->in_rotate = false;
	return err;
}

/*
 * Compress the pending records into one chunk and write it (no sync). A
 * chunk that takes the file to max_bytes is its last: the file is rotated
 * after it. @closing writes a chunk even with nothing pending, marked last.
 */
static int write_chunk(struct trace_writer *w, bool closing)
{
	struct trace_chunk_hdr *chunk = (struct trace_chunk_hdr *)w->frame;
	z_stream *zs = &w->deflate_stream;
	struct trace_gzip_trailer trailer;
	bool last = closing, rotate_after = false;
	size_t comp_len, frame_len;
	int err;

	if (!w->pending_len && !closing)
		return 0;
	if (deflateReset(zs) != Z_OK)
		return writer_fail(w, -EIO);
	zs->next_in = w->pending;
	zs->avail_in = w->pending_len;
	zs->next_out = w->frame + sizeof(*chunk);
	zs->avail_out = w->frame_cap - sizeof(*chunk) - sizeof(trailer);
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return writer_fail(w, -EIO); /* cannot happen: the frame has deflateBound() */
	comp_len = zs->total_out;
	trailer.crc = htole32(crc32_of(w->pending, w->pending_len));
	trailer.isize = htole32(w->pending_len);
	memcpy(w->frame + sizeof(*chunk) + comp_len, &trailer, sizeof(trailer));
	frame_len = sizeof(*chunk) + comp_len + sizeof(trailer);

	if (!closing && w->opts.max_bytes && !w->in_rotate &&
	    w->file_bytes + frame_len >= w->opts.max_bytes) {
		last = true;
		rotate_after = true;
	}
	gzip_hdr_init(&chunk->gz, TRACE_SUBFIELD_CHUNK, sizeof(*chunk) - sizeof(chunk->gz),
		      TRACE_CHUNK_XFL);
	chunk->comp_len = htole32(comp_len);
	chunk->raw_len = htole32(w->pending_len);
	chunk->nr_records = htole32(w->pending_records);
	chunk->flags = htole32(last ? TRACE_CHUNK_LAST : 0);
	chunk->payload_crc =
		htole32(crc32_of(w->frame + sizeof(*chunk), comp_len + sizeof(trailer)));
	chunk->header_crc = htole32(crc32_of(chunk, offsetof(struct trace_chunk_hdr, header_crc)));

	err = write_all(w->fd, w->frame, frame_len);
	if (err) {
		/* Leave no partial chunk behind: the file stays readable to here. */
		if (ftruncate(w->fd, w->file_bytes)) {
			/* the reader will call it truncated */
		}
		return writer_fail(w, err);
	}
	w->file_bytes += frame_len;
	w->stats.file_bytes += frame_len;
	w->stats.chunks++;
	if (!w->unsynced) {
		w->unsynced = true;
		w->unsynced_since_ns = w->pending_since_ns;
	}
	w->pending_len = 0;
	w->pending_records = 0;
	return rotate_after ? rotate(w) : 0;
}

int trace_writer__open(struct trace_writer **wp, const char *path, const struct trace_info *info,
		       const struct trace_writer_opts *opts)
{
	struct trace_writer *w;
	size_t i;
	int err;

	*wp = NULL;
	if (opts && opts->chunk_bytes > TRACE_WRITER_CHUNK_MAX)
		return -EINVAL;
	for (i = 0; i < NR_UNAME_FIELDS; i++) {
		if (!memchr(info_uname(info, i), 0, UNAME_LEN))
			return -EINVAL;
	}

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	if (opts)
		w->opts = *opts;
	if (!w->opts.flush_ns)
		w->opts.flush_ns = DEFAULT_FLUSH_NS;
	if (!w->opts.chunk_bytes)
		w->opts.chunk_bytes = DEFAULT_CHUNK_BYTES;
	w->info = *info; /* its versions: encode_file_hdr() writes ours */

	err = -ENOMEM;
	w->path = strdup(path);
	w->rotate_from = malloc(strlen(path) + 16);
	w->rotate_to = malloc(strlen(path) + 16);
	/* Below chunk_bytes, plus one record at most: a chunk is flushed as soon as it is full. */
	w->pending_cap = w->opts.chunk_bytes + REC_SIZE_LIMIT;
	w->pending = malloc(w->pending_cap);
	if (!w->path || !w->rotate_from || !w->rotate_to || !w->pending)
		goto err_out;
	if (deflateInit2(&w->deflate_stream, TRACE_DEFLATE_LEVEL, Z_DEFLATED, -MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		goto err_out;
	w->deflate_ready = true;
	w->frame_cap = sizeof(struct trace_chunk_hdr) +
		       deflateBound(&w->deflate_stream, w->pending_cap) +
		       sizeof(struct trace_gzip_trailer);
	w->frame = malloc(w->frame_cap);
	if (!w->frame)
		goto err_out;

	err = start_file(w);
	if (err)
		goto err_out;
	*wp = w;
	return 0;

err_out:
	w->err = err;
	trace_writer__close(w);
	return err;
}

static bool is_due(const struct trace_writer *w, __u64 since_ns, __u64 now_ns)
{
	return now_ns >= since_ns && now_ns - since_ns >= w->opts.flush_ns;
}

int trace_writer__flush(struct trace_writer *w)
{
	int err;

	if (w->err)
		return w->err;
	err = write_chunk(w, false);
	if (err)
		return err;
	return w->unsynced ? sync_file(w) : 0;
}

int trace_writer__tick(struct trace_writer *w, __u64 now_ns)
{
	if (w->err)
		return w->err;
	if (now_ns > w->now_ns)
		w->now_ns = now_ns;
	if (w->pending_len && is_due(w, w->pending_since_ns, now_ns))
		return trace_writer__flush(w);
	if (w->unsynced && is_due(w, w->unsynced_since_ns, now_ns))
		return sync_file(w);
	return 0;
}

int trace_writer__write(struct trace_writer *w, const void *rec, size_t len, __u64 now_ns)
{
	const struct rec_hdr *hdr = rec;
	int err;

	if (w->err)
		return w->err;
	/* Decoded where it entered: only what a file's reader counts on. */
	if (len < sizeof(*hdr) || hdr->size != len || !hdr->type || hdr->type >= REC_TYPE_MAX)
		return -EINVAL;
	if (now_ns > w->now_ns)
		w->now_ns = now_ns; /* before a rotation, for on_rotate */
	if (!w->pending_len)
		w->pending_since_ns = now_ns;
	memcpy(w->pending + w->pending_len, rec, len);
	w->pending_len += len;
	w->pending_records++;
	w->stats.records++;
	w->stats.raw_bytes += len;
	if (w->pending_len >= w->opts.chunk_bytes) {
		err = write_chunk(w, false);
		if (err)
			return err;
	}
	return trace_writer__tick(w, now_ns);
}

__u64 trace_writer__now(const struct trace_writer *w)
{
	return w->now_ns;
}

void trace_writer__stats(const struct trace_writer *w, struct trace_writer_stats *st)
{
	*st = w->stats;
}

int trace_writer__close_stats(struct trace_writer *w, struct trace_writer_stats *st)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (!err && w->fd >= 0) {
		err = write_chunk(w, true);
		if (!err)
			err = sync_file(w);
	}
	if (w->fd >= 0 && close(w->fd) && !err)
		err = -errno;
	if (st)
		*st = w->stats;
	if (w->deflate_ready)
		deflateEnd(&w->deflate_stream);
	free(w->frame);
	free(w->pending);
	free(w->rotate_to);
	free(w->rotate_from);
	free(w->path);
	free(w);
	return err;
}

int trace_writer__close(struct trace_writer *w)
{
	return trace_writer__close_stats(w, NULL);
}

/*
 * The reader.
 */

enum reader_state {
	READER_READING,
	READER_ENDED,  /* at the end of the file, or of what could be read */
	READER_FAILED, /* r->err */
};

struct trace_reader {
	char *name; /* the path, for messages */
	int fd;	    /* -1 when reading from memory */
	const __u8 *mem;
	size_t mem_size;
	__u64 offset; /* of the next byte to read */

	__u8 *comp; /* a chunk's deflate data and trailer */
	size_t comp_cap;
	__u8 *raw; /* its records, inflated */
	size_t raw_cap, raw_len, raw_pos;
	z_stream inflate_stream;
	bool inflate_ready;
	struct libdeflate_decompressor *decompressor;

	enum reader_state state;
	bool complete;	/* the last chunk read was marked last */
	bool truncated; /* the file ends inside a chunk */
	int err;
	__u64 msg_offset; /* of the header or chunk the message is about */
	char msg[512];	  /* empty: nothing to say */
};

static __attribute__((format(printf, 4, 5))) int reader_say(struct trace_reader *r, int err,
							    __u64 offset, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->msg, sizeof(r->msg), "%s: offset %llu: ", r->name,
		     (unsigned long long)offset);
	if (n < 0 || (size_t)n >= sizeof(r->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->msg + n, sizeof(r->msg) - n, fmt, ap);
	va_end(ap);
	r->msg_offset = offset;
	r->err = err;
	r->state = err ? READER_FAILED : READER_ENDED;
	return err;
}

/* Read up to @len bytes; fewer only at the end of the file. */
static ssize_t source_read(struct trace_reader *r, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	if (r->fd < 0) {
		if (r->offset < r->mem_size) {
			done = r->mem_size - r->offset < len ? r->mem_size - r->offset : len;
			memcpy(buf, r->mem + r->offset, done);
		}
		r->offset += done;
		return done;
	}
	while (done < len) {
		n = read(r->fd, (__u8 *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += n;
	}
	r->offset += done;
	return done;
}

/* Grow @buf to hold @need bytes (at most TRACE_CHUNK_MAX plus a trailer). */
static int reserve(__u8 **buf, size_t *cap, size_t need)
{
	size_t new_cap = *cap * 2;
	__u8 *p;

	if (need <= *cap)
		return 0;
	if (new_cap < need)
		new_cap = need;
	if (new_cap > TRACE_CHUNK_MAX + sizeof(struct trace_gzip_trailer))
		new_cap = need;
	p = realloc(*buf, new_cap);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = new_cap;
	return 0;
}

/* The bytes of @expected at @off of @got bytes read match, as far as they go. */
static bool matches_so_far(const __u8 *bytes, size_t got, size_t off, const void *expected,
			   size_t len)
{
	if (got <= off)
		return true;
	if (len > got - off)
		len = got - off;
	return !memcmp(bytes + off, expected, len);
}

static int read_header(struct trace_reader *r, struct trace_info *info)
{
	static const __u8 gzip_id[2] = { TRACE_GZIP_ID1, TRACE_GZIP_ID2 };
	static const __u8 gzip_cm_flg[2] = { TRACE_GZIP_CM_DEFLATE, TRACE_GZIP_FLG_FEXTRA };
	union {
		struct trace_file_hdr hdr;
		__u8 bytes[TRACE_FILE_HDR_LEN];
	} buf;
	const struct trace_file_hdr *hdr = &buf.hdr;
	const size_t sublen = sizeof(*hdr) - sizeof(hdr->gz);
	const size_t version_end = offsetof(struct trace_file_hdr, format_version) + 4;
	__u32 version, flags;
	ssize_t got;
	size_t i;

	memset(&buf, 0, sizeof(buf));
	got = source_read(r, buf.bytes, TRACE_FILE_HDR_LEN);
	if (got < 0)
		return reader_say(r, got, 0, "cannot read the trace header: %s", strerror(-got));
	if (got == 0)
		return reader_say(r, -ENODATA, 0, "empty file, no trace header");
	if (!matches_so_far(buf.bytes, got, 0, gzip_id, sizeof(gzip_id)))
		return reader_say(r, -EINVAL, 0, "not a threadleak trace (bad magic)");
	if (!matches_so_far(buf.bytes, got, 2, gzip_cm_flg, sizeof(gzip_cm_flg)) ||
	    !matches_so_far(buf.bytes, got, offsetof(struct trace_gzip_hdr, si),
			    TRACE_SUBFIELD_HEADER, 2) ||
	    !matches_so_far(buf.bytes, got, offsetof(struct trace_file_hdr, magic), trace_magic,
			    sizeof(trace_magic)))
		return reader_say(r, -EINVAL, 0,
				  "not a threadleak trace (gzip data without a trace header)");
	if ((size_t)got < version_end)
		return reader_say(r, -ENODATA, 0,
				  "trace header cut short: the file has %zd bytes, the header %zu",
				  got, TRACE_FILE_HDR_LEN);
	version = le32toh(hdr->format_version);
	if (version != TRACE_FORMAT_VERSION)
		return reader_say(r, -ENOTSUP, 0,
				  "unsupported trace format version %u (this threadleak reads %u)",
				  version, TRACE_FORMAT_VERSION);
	if ((size_t)got < TRACE_FILE_HDR_LEN)
		return reader_say(r, -ENODATA, 0,
				  "trace header cut short: the file has %zd bytes, the header %zu",
				  got, TRACE_FILE_HDR_LEN);
	if (le32toh(hdr->header_crc) != crc32_of(hdr, offsetof(struct trace_file_hdr, header_crc)))
		return reader_say(r, -EBADMSG, 0, "trace header CRC mismatch (corrupt header)");
	if (le16toh(hdr->gz.xlen) != 4 + sublen || le16toh(hdr->gz.sublen) != sublen)
		return reader_say(
			r, -EBADMSG, 0,
			"trace header extra field is %u bytes, version %u has %zu (corrupt header)",
			le16toh(hdr->gz.xlen), TRACE_FORMAT_VERSION, 4 + sublen);
	flags = le32toh(hdr->flags);
	if (flags)
		return reader_say(
			r, -ENOTSUP, 0,
			"unknown trace header flags 0x%x (written by a newer threadleak?)", flags);
	if (le32toh(hdr->rec_version) != REC_VERSION)
		return reader_say(r, -ENOTSUP, 0,
				  "unsupported record version %u (this threadleak reads %u)",
				  le32toh(hdr->rec_version), REC_VERSION);
	for (i = 0; i < NR_UNAME_FIELDS; i++) {
		if (!nul_padded(hdr_uname(hdr, i), UNAME_LEN))
			return reader_say(
				r, -EBADMSG, 0,
				"trace header %s is not a NUL-padded string (corrupt header)",
				uname_fields[i].name);
	}
	for (i = 0; i < sizeof(hdr->__pad); i++) {
		if (hdr->__pad[i])
			return reader_say(r, -EBADMSG, 0,
					  "trace header padding is not zero (corrupt header)");
	}
	if (memcmp(buf.bytes + sizeof(*hdr), TRACE_FILE_HDR_BODY, TRACE_FILE_HDR_BODY_LEN))
		return reader_say(
			r, -EBADMSG, 0,
			"trace header is not followed by an empty gzip body (corrupt header)");

	memset(info, 0, sizeof(*info));
	info->format_version = version;
	info->rec_version = le32toh(hdr->rec_version);
	info->realtime_offset_ns = (__s64)le64toh(hdr->realtime_offset_ns);
	info->start_ns = le64toh(hdr->start_ns);
	info->segment = le32toh(hdr->segment);
	for (i = 0; i < NR_UNAME_FIELDS; i++)
		memcpy(info_uname(info, i), hdr_uname(hdr, i), UNAME_LEN);
	return 0;
}

static int alloc_reader(struct trace_reader **rp, const char *name)
{
	struct trace_reader *r;

	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->name = strdup(name);
	/* inflate wants somewhere to write even for a chunk of no records */
	r->raw_cap = 4096;
	r->raw = malloc(r->raw_cap);
	if (!r->name || !r->raw || inflateInit2(&r->inflate_stream, -MAX_WBITS) != Z_OK) {
		trace_reader__close(r);
		return -ENOMEM;
	}
	r->inflate_ready = true;
	r->decompressor = libdeflate_alloc_decompressor();
	if (!r->decompressor) {
		trace_reader__close(r);
		return -ENOMEM;
	}
	*rp = r;
	return 0;
}

int trace_reader__open(struct trace_reader **rp, const char *path, struct trace_info *info)
{
	struct trace_reader *r;
	int err;

	err = alloc_reader(rp, path);
	if (err)
		return err;
	r = *rp;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = -errno;
		snprintf(r->msg, sizeof(r->msg), "%s: %s", path, strerror(-err));
		r->err = err;
		r->state = READER_FAILED;
		return err;
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return read_header(r, info);
}

int trace_reader__open_mem(struct trace_reader **rp, const char *name, const void *data,
			   size_t size, struct trace_info *info)
{
	int err;

	err = alloc_reader(rp, name);
	if (err)
		return err;
	(*rp)->mem = data;
	(*rp)->mem_size = size;
	return read_header(*rp, info);
}

static int cut_short(struct trace_reader *r, __u64 chunk_offset, size_t got, const char *what)
{
	r->truncated = true;
	return reader_say(r, 0, chunk_offset,
			  "file ends %zu bytes into %s; the records before it were read", got,
			  what);
}

/*
 * Inflate a chunk by libdeflate, which inflates a whole buffer about twice
 * as fast as zlib: true when it inflated to exactly @raw_len bytes with no
 * byte of @comp_len left over. Anything else is left to zlib, for its
 * diagnosis of what is wrong.
 */
static bool inflate_whole(struct trace_reader *r, __u32 comp_len, __u32 raw_len)
{
	size_t in_len, out_len;

	return libdeflate_deflate_decompress_ex(r->decompressor, r->comp, comp_len, r->raw,
						raw_len, &in_len, &out_len) == LIBDEFLATE_SUCCESS &&
	       in_len == comp_len && out_len == raw_len;
}

/* Inflate a chunk by zlib, and say what is wrong with it if anything is. */
static int inflate_zlib(struct trace_reader *r, __u64 chunk_offset, __u32 comp_len,
			__u32 raw_len)
{
	z_stream *zs = &r->inflate_stream;
	int ret;

	if (inflateReset(zs) != Z_OK)
		return reader_say(r, -EIO, chunk_offset, "cannot reset inflate");
	zs->next_in = r->comp;
	zs->avail_in = comp_len;
	zs->next_out = r->raw;
	zs->avail_out = raw_len;
	ret = inflate(zs, Z_FINISH);
	if (ret == Z_MEM_ERROR)
		return reader_say(r, -ENOMEM, chunk_offset, "out of memory inflating a chunk");
	if (ret == Z_DATA_ERROR)
		return reader_say(r, -EBADMSG, chunk_offset,
				  "chunk does not inflate: %s (corrupt chunk)",
				  zs->msg ? zs->msg : "bad deflate data");
	if (ret != Z_STREAM_END) {
		if (!zs->avail_out)
			return reader_say(
				r, -EBADMSG, chunk_offset,
				"chunk inflates to more than the %u bytes its header says (corrupt chunk)",
				raw_len);
		return reader_say(
			r, -EBADMSG, chunk_offset,
			"chunk's deflate data ends early, after %lu of %u bytes (corrupt chunk)",
			zs->total_out, raw_len);
	}
	if (zs->avail_out)
		return reader_say(r, -EBADMSG, chunk_offset,
				  "chunk inflates to %lu bytes, its header says %u (corrupt chunk)",
				  zs->total_out, raw_len);
	if (zs->avail_in)
		return reader_say(r, -EBADMSG, chunk_offset,
				  "chunk has %u bytes after its deflate data (corrupt chunk)",
				  zs->avail_in);
	return 0;
}

/* Inflate a chunk whose bytes passed their CRC, and check what comes out. */
static int inflate_chunk(struct trace_reader *r, __u64 chunk_offset, __u32 comp_len, __u32 raw_len,
			 const struct trace_gzip_trailer *trailer)
{
	int err;

	if (!inflate_whole(r, comp_len, raw_len)) {
		err = inflate_zlib(r, chunk_offset, comp_len, raw_len);
		if (err)
			return err;
	}
	if (crc32_of(r->raw, raw_len) != le32toh(trailer->crc))
		return reader_say(r, -EBADMSG, chunk_offset,
				  "chunk records CRC mismatch after inflating (corrupt chunk)");
	return 0;
}

/* Every record must pass rec_decode, and there must be as many as the header says. */
static int check_records(struct trace_reader *r, __u64 chunk_offset, __u32 raw_len,
			 __u32 nr_records)
{
	const struct rec_hdr *hdr;
	size_t pos = 0;
	const char *why;
	__u32 index;
	int size;

	for (index = 0; pos < raw_len; index++) {
		size = rec_decode(r->raw + pos, raw_len - pos, &why);
		if (size < 0 && raw_len - pos < sizeof(*hdr))
			return reader_say(
				r, -EBADMSG, chunk_offset,
				"record %u at byte %zu of the chunk's records: %s (corrupt chunk)",
				index, pos, why);
		if (size < 0) {
			hdr = (const struct rec_hdr *)(r->raw + pos);
			return reader_say(
				r, -EBADMSG, chunk_offset,
				"record %u (%s) at byte %zu of the chunk's records: %s (corrupt chunk)",
				index, rec_type_name(hdr->type), pos, why);
		}
		pos += size;
	}
	if (index != nr_records)
		return reader_say(r, -EBADMSG, chunk_offset,
				  "chunk holds %u records, its header says %u (corrupt chunk)",
				  index, nr_records);
	return 0;
}

/* Read, check and inflate the next chunk: 1 if read, 0 at the end, -errno. */
static int read_chunk(struct trace_reader *r)
{
	static const __u8 chunk_magic[4] = { TRACE_GZIP_ID1, TRACE_GZIP_ID2, TRACE_GZIP_CM_DEFLATE,
					     TRACE_GZIP_FLG_FEXTRA };
	const size_t sublen = sizeof(struct trace_chunk_hdr) - sizeof(struct trace_gzip_hdr);
	__u64 chunk_offset = r->offset;
	struct trace_gzip_trailer trailer;
	struct trace_chunk_hdr chunk;
	__u32 comp_len, raw_len, flags;
	size_t payload_len;
	ssize_t got;
	int err;

	got = source_read(r, &chunk, sizeof(chunk));
	if (got < 0)
		return reader_say(r, got, chunk_offset, "cannot read: %s", strerror(-got));
	if (got == 0) {
		if (r->complete) {
			r->state = READER_ENDED;
			r->msg_offset = chunk_offset;
			return 0;
		}
		return reader_say(
			r, 0, chunk_offset,
			"file ends without the chunk its writer marks as the last: the recording was cut short, or is still being written");
	}
	if (r->complete)
		return reader_say(
			r, -EBADMSG, chunk_offset,
			"data after the end of the trace (the chunk before was marked as the last)");
	if (!matches_so_far((const __u8 *)&chunk, got, 0, chunk_magic, sizeof(chunk_magic)) ||
	    !matches_so_far((const __u8 *)&chunk, got, offsetof(struct trace_gzip_hdr, si),
			    TRACE_SUBFIELD_CHUNK, 2))
		return reader_say(r, -EBADMSG, chunk_offset,
				  "bad chunk magic, not a chunk header (corrupt chunk)");
	if ((size_t)got < sizeof(chunk))
		return cut_short(r, chunk_offset, got, "a chunk header");
	if (le32toh(chunk.header_crc) !=
	    crc32_of(&chunk, offsetof(struct trace_chunk_hdr, header_crc)))
		return reader_say(r, -EBADMSG, chunk_offset,
				  "chunk header CRC mismatch (corrupt chunk)");
	if (le16toh(chunk.gz.xlen) != 4 + sublen || le16toh(chunk.gz.sublen) != sublen)
		return reader_say(
			r, -EBADMSG, chunk_offset,
			"chunk extra field is %u bytes, version %u has %zu (corrupt chunk)",
			le16toh(chunk.gz.xlen), TRACE_FORMAT_VERSION, 4 + sublen);
	flags = le32toh(chunk.flags);
	if (flags & ~TRACE_CHUNK_LAST)
		return reader_say(r, -EBADMSG, chunk_offset,
				  "unknown chunk flags 0x%x (corrupt chunk)", flags);
	comp_len = le32toh(chunk.comp_len);
	raw_len = le32toh(chunk.raw_len);
	if (comp_len > TRACE_CHUNK_MAX || raw_len > TRACE_CHUNK_MAX)
		return reader_say(
			r, -EBADMSG, chunk_offset,
			"chunk of %u compressed, %u record bytes is over the %u-byte limit (corrupt chunk)",
			comp_len, raw_len, TRACE_CHUNK_MAX);

	payload_len = (size_t)comp_len + sizeof(trailer);
	if (reserve(&r->comp, &r->comp_cap, payload_len) || reserve(&r->raw, &r->raw_cap, raw_len))
		return reader_say(r, -ENOMEM, chunk_offset, "out of memory for a chunk");
	got = source_read(r, r->comp, payload_len);
	if (got < 0)
		return reader_say(r, got, chunk_offset, "cannot read: %s", strerror(-got));
	if ((size_t)got < payload_len) {
		char what[64];

		snprintf(what, sizeof(what), "a %zu-byte chunk", sizeof(chunk) + payload_len);
		return cut_short(r, chunk_offset, sizeof(chunk) + got, what);
	}
	if (le32toh(chunk.payload_crc) != crc32_of(r->comp, payload_len))
		return reader_say(r, -EBADMSG, chunk_offset, "chunk CRC mismatch (corrupt chunk)");
	memcpy(&trailer, r->comp + comp_len, sizeof(trailer));
	if (le32toh(trailer.isize) != raw_len)
		return reader_say(
			r, -EBADMSG, chunk_offset,
			"chunk trailer says %u record bytes, its header %u (corrupt chunk)",
			le32toh(trailer.isize), raw_len);
	err = inflate_chunk(r, chunk_offset, comp_len, raw_len, &trailer);
	if (err)
		return err;
	err = check_records(r, chunk_offset, raw_len, le32toh(chunk.nr_records));
	if (err)
		return err;
	r->raw_len = raw_len;
	r->raw_pos = 0;
	r->complete = flags & TRACE_CHUNK_LAST;
	return 1;
}

int trace_reader__next(struct trace_reader *r, const void **rec, size_t *len)
{
	const struct rec_hdr *hdr;
	int ret;

	while (r->raw_pos == r->raw_len) {
		if (r->state != READER_READING)
			return r->err;
		ret = read_chunk(r);
		if (ret <= 0)
			return ret;
	}
	hdr = (const struct rec_hdr *)(r->raw + r->raw_pos);
	*rec = hdr;
	*len = hdr->size;
	r->raw_pos += hdr->size;
	return 1;
}

const char *trace_reader__error(const struct trace_reader *r, __u64 *offset)
{
	if (offset)
		*offset = r->msg_offset;
	return r->msg[0] ? r->msg : NULL;
}

bool trace_reader__truncated(const struct trace_reader *r, __u64 *offset)
{
	if (r->truncated && offset)
		*offset = r->msg_offset;
	return r->truncated;
}

bool trace_reader__complete(const struct trace_reader *r)
{
	return r->complete && r->state == READER_ENDED && !r->msg[0];
}

__u64 trace_reader__offset(const struct trace_reader *r)
{
	return r->offset;
}

void trace_reader__close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->inflate_ready)
		inflateEnd(&r->inflate_stream);
	if (r->decompressor)
		libdeflate_free_decompressor(r->decompressor);
	free(r->raw);
	free(r->comp);
	free(r->name);
	free(r);
}
