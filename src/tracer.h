/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracer: loads and attaches the BPF programs, and turns what they see
 * into records (ring buffer events, censuses) handed to a sink.
 */
#ifndef __THREADLEAK_TRACER_H
#define __THREADLEAK_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Where records go: called with one decoded record (rec_decode() accepted
 * it, @len is its size); returns 0 or -errno.
 */
typedef int (*rec_sink_fn)(void *ctx, const void *rec, size_t len);

struct tracer_opts {
	const int *pids; /* processes to trace; none: every process */
	int nr_pids;
	size_t ringbuf_bytes;	 /* power of two, >= page size */
	__u32 max_threads;	 /* threads that can be counted at once */
	__u32 max_procs;	 /* processes that can be counted at once */
	__u32 census_slots;	 /* threads a census walk writes at a time; 0: 4096 */
	__u32 start_routine_off; /* glibc struct pthread layout, 0 if unknown */
	bool verbose;		 /* libbpf's messages */
	bool compat;		 /* use every fallback (tests of older-kernel paths) */
};

struct tracer;

/*
 * Can this process and kernel run the tracer? Returns 0, or -errno with a
 * one-line explanation in @msg.
 */
int tracer__check(char *msg, size_t len);

int tracer__open(struct tracer **tp, const struct tracer_opts *opts, rec_sink_fn sink, void *ctx);
void tracer__close(struct tracer *t);

/* Readable (epoll) when ring buffer records are waiting. */
int tracer__fd(const struct tracer *t);

/* Hand every waiting ring buffer record to the sink. Returns count or -errno. */
int tracer__drain(struct tracer *t);

/* Take one census: rec_task for each traced thread, rec_proc for each
 * process, then rec_census. Returns 0 or -errno. */
int tracer__census(struct tracer *t);

/* Does the tracer count a process with this tgid? */
bool tracer__has_proc(const struct tracer *t, __u32 tgid);

#endif /* __THREADLEAK_TRACER_H */
