/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace files: what `threadleak record` writes and `threadleak replay` reads.
 *
 * A trace file is a header, then chunks of records, each chunk a complete
 * gzip member, framed with its lengths and CRCs in the member's extra field;
 * so `zcat trace.tl` prints the raw records and `gzip -t` checks the file.
 * docs/trace-format.md describes every byte.
 *
 * The writer flushes a chunk at least every flush_ns (and fdatasyncs it), so
 * a recorder killed with SIGKILL, or a host that crashes, loses at most the
 * last second. The reader reads a file cut short up to its last complete
 * chunk, and rejects anything else that is wrong with the offset and the
 * reason, in bounded memory, whatever the bytes.
 */
#ifndef __THREADLEAK_TRACE_FILE_H
#define __THREADLEAK_TRACE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define TRACE_FORMAT_VERSION 1

/* A chunk's compressed bytes, and the records they inflate to, at most. */
#define TRACE_CHUNK_MAX (4U << 20)

/* What is in the header (struct trace_file_hdr on disk). */
struct trace_info {
	__u32 format_version;	  /* of the file format; set by the writer */
	__u32 rec_version;	  /* REC_VERSION of the records inside; set by the writer */
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start, for wall-clock times */
	__u64 start_ns;		  /* CLOCK_MONOTONIC at start */
	/* uname of the recording host, NUL-terminated */
	char sysname[65], release[65], version[65], machine[65], hostname[65];
	/* 0 for the first file of a recording; the writer adds 1 at each rotation */
	__u32 segment;
};

/* Fill @info for a recording starting now on this host. */
int trace_info__from_host(struct trace_info *info);

struct trace_writer;

struct trace_writer_opts {
	__u64 max_bytes;   /* rotate when the file reaches this size; 0: never */
	unsigned int keep; /* rotated files kept: PATH.1 .. PATH.keep; 0: none */
	__u64 flush_ns;	   /* flush a record at most this long after it was written (default 1 s) */
	size_t chunk_bytes; /* flush when this much is pending (default 256 KiB, max TRACE_WRITER_CHUNK_MAX) */
	/*
	 * Called after a rotation, so the caller can write again what a reader
	 * of the new file needs (process info, symbols); it may call
	 * trace_writer__write. Its error is returned by the call that rotated.
	 */
	int (*on_rotate)(void *ctx, struct trace_writer *w);
	void *ctx;
};

#define TRACE_WRITER_CHUNK_MAX (TRACE_CHUNK_MAX - (128U << 10))

/*
 * Create @path (mode 0600; an existing regular file is replaced by a new one,
 * a symlink is refused with -ELOOP) and write the header from @info. @opts
 * may be NULL for the defaults. Returns 0 or -errno (-EINVAL for bad options
 * or uname strings that are not NUL-terminated).
 */
int trace_writer__open(struct trace_writer **w, const char *path, const struct trace_info *info,
		       const struct trace_writer_opts *opts);
/*
 * Append one decoded record (rec_decode() accepted it where it entered) of
 * exactly @len bytes; a header that does not say so is refused (-EINVAL). Writes a chunk when chunk_bytes are pending, and flushes
 * (writes and fdatasyncs) once the oldest unflushed record is flush_ns old
 * by @now_ns (CLOCK_MONOTONIC, never going back).
 */
int trace_writer__write(struct trace_writer *w, const void *rec, size_t len, __u64 now_ns);
/* Flush if due; call at least every second. */
int trace_writer__tick(struct trace_writer *w, __u64 now_ns);
/* The latest now_ns given to write or tick: the time for on_rotate, which is given none. */
__u64 trace_writer__now(const struct trace_writer *w);
/* Compress what is pending, write it and fdatasync. */
int trace_writer__flush(struct trace_writer *w);
/*
 * Write the last chunk, marked as the end of the trace, fdatasync and close;
 * frees @w. After a write error, which every later call returns, it only
 * closes.
 */
int trace_writer__close(struct trace_writer *w);

struct trace_writer_stats {
	__u64 records;	  /* accepted by trace_writer__write */
	__u64 chunks;	  /* written, in every file */
	__u64 raw_bytes;  /* of records accepted */
	__u64 file_bytes; /* written, in every file, headers included */
	__u64 rotations;
};
void trace_writer__stats(const struct trace_writer *w, struct trace_writer_stats *st);
/* trace_writer__close(), and the totals once the last chunk is written. */
int trace_writer__close_stats(struct trace_writer *w, struct trace_writer_stats *st);

struct trace_reader;

/*
 * Open @path and read its header into @info. On failure returns -errno:
 * -EINVAL not a threadleak trace, -ENOTSUP a format or record version or
 * flags this threadleak does not read, -EBADMSG a corrupt header, -ENODATA a
 * header cut short, or what open/read failed with. Unless it is -ENOMEM, *r
 * is set even on failure, so trace_reader__error() can say what happened;
 * always call trace_reader__close(*r).
 */
int trace_reader__open(struct trace_reader **r, const char *path, struct trace_info *info);
/* The same, reading the @size bytes at @data (not copied), named @name in messages. */
int trace_reader__open_mem(struct trace_reader **r, const char *name, const void *data, size_t size,
			   struct trace_info *info);
/*
 * Next record: 1 and *rec, *len set (valid until the next call; rec_decode()
 * passed on it), 0 at the end, -errno on error: -EBADMSG for a corrupt chunk,
 * -ENOMEM, -EIO. The records of a chunk are returned only once the whole
 * chunk has been checked. After an error or the end, every call returns the
 * same.
 */
int trace_reader__next(struct trace_reader *r, const void **rec, size_t *len);
/*
 * After an error or the end: what happened and where ("PATH: offset N:
 * reason"), with *offset (if not NULL) set to the offset of the header or
 * chunk concerned. NULL when there is nothing to say: still reading, or the
 * file ended cleanly with the chunk its writer marked as the last.
 */
const char *trace_reader__error(const struct trace_reader *r, __u64 *offset);
/* The file ended in a partial chunk, at *offset: the records before it were read. */
bool trace_reader__truncated(const struct trace_reader *r, __u64 *offset);
/* The file ended with the chunk its writer marked as the last (closed, or rotated). */
bool trace_reader__complete(const struct trace_reader *r);
/* The byte offset the reader has read up to. */
__u64 trace_reader__offset(const struct trace_reader *r);
void trace_reader__close(struct trace_reader *r);

/*
 * The layout on disk, all little-endian; for tests and tools that need to
 * look inside a file. docs/trace-format.md explains each field.
 */

#define TRACE_GZIP_ID1 0x1f
#define TRACE_GZIP_ID2 0x8b
#define TRACE_GZIP_CM_DEFLATE 8
#define TRACE_GZIP_FLG_FEXTRA 0x04
#define TRACE_GZIP_OS_UNIX 3
#define TRACE_SUBFIELD_HEADER "TL" /* gzip extra subfield ID of the file header */
#define TRACE_SUBFIELD_CHUNK "TC"  /* ... of a chunk */
#define TRACE_MAGIC "TLTRACE"	   /* and a NUL: 8 bytes */

/* The start of every gzip member in a trace file: 16 bytes. */
struct trace_gzip_hdr {
	__u8 id1, id2; /* 0x1f 0x8b */
	__u8 cm;       /* 8: deflate */
	__u8 flg;      /* 0x04: FEXTRA, nothing else */
	__le32 mtime;  /* 0 */
	__u8 xfl;      /* 0, or 4 for a chunk: fastest compression */
	__u8 os;       /* 3: Unix */
	__le16 xlen;   /* bytes of the extra field: 4 + sublen */
	char si[2];    /* subfield ID: TRACE_SUBFIELD_HEADER or TRACE_SUBFIELD_CHUNK */
	__le16 sublen; /* bytes of the subfield after this */
};

/* The file header: a gzip member of no data. */
struct trace_file_hdr {
	struct trace_gzip_hdr gz;
	char magic[8]; /* TRACE_MAGIC */
	/* Bytes 0-27 are the same in every version; the version decides the rest. */
	__le32 format_version;
	__le32 rec_version;
	__le64 realtime_offset_ns;
	__le64 start_ns;
	__le32 segment;
	__le32 flags; /* none defined: 0 */

	/* uname of the recording host, NUL-padded */
	char sysname[65], release[65], version[65], machine[65], hostname[65];
	__u8 __pad[7];
	__le32 header_crc; /* crc32 of bytes 0-387 */
};

/* After struct trace_file_hdr: an empty deflate block and the gzip trailer of no data. */
#define TRACE_FILE_HDR_BODY "\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"
#define TRACE_FILE_HDR_BODY_LEN 10
#define TRACE_FILE_HDR_LEN (sizeof(struct trace_file_hdr) + TRACE_FILE_HDR_BODY_LEN)

/* trace_chunk_hdr.flags */
#define TRACE_CHUNK_LAST 0x1 /* the writer closed the file after this chunk */

/* A chunk: this, comp_len bytes of raw deflate data, then struct trace_gzip_trailer. */
struct trace_chunk_hdr {
	struct trace_gzip_hdr gz;
	__le32 comp_len;    /* bytes of deflate data after this header */
	__le32 raw_len;	    /* bytes of records they inflate to */
	__le32 nr_records;  /* records in them */
	__le32 flags;	    /* TRACE_CHUNK_* */
	__le32 payload_crc; /* crc32 of the deflate data and the trailer */
	__le32 header_crc;  /* crc32 of bytes 0-35 of this header */
};

struct trace_gzip_trailer {
	__le32 crc;   /* crc32 of the records */
	__le32 isize; /* raw_len */
};

#endif /* __THREADLEAK_TRACE_FILE_H */
