/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inspector: reads what the kernel cannot tell, from the traced
 * processes' memory and ELF files, without stopping them, and adds it to the
 * record stream: where each thread comes from (rec_site), the stack of each
 * waiting thread (rec_stack), the memory around the futex word it waits on
 * (rec_futex), what the addresses in those are (rec_symbol), and each
 * process's executable (rec_proc_info).
 *
 * It sits on the live path between the tracer and the detector, so the
 * detector stays pure and a recorded trace replays without the host.
 */
#ifndef __THREADLEAK_INSPECTOR_H
#define __THREADLEAK_INSPECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "tracer.h"

struct inspector_opts {
	const char *proc_root;
	/* The start routine offset BPF read with (0: none): processes whose
	 * glibc differs get theirs read again here. */
	__u32 bpf_start_routine_off;
	/* Stacks taken per census at most, and how long a wait must have
	 * lasted first (transient waits are not worth an unwind). */
	unsigned int max_unwinds;
	__u64 unwind_after_ns;
	/* Processes whose symbols are kept open at once (each can hold
	 * megabytes of DWARF); the least recently used is closed. */
	unsigned int max_open_procs;
	/* Per process and census: time to read its threads (stacks, symbols,
	 * locks), and heap its own symbol and unwind data may hold; past
	 * either it is reported incomplete. 0: the defaults, 500 ms and 8M. */
	__u64 inspect_budget_ns;
	size_t proc_syms_budget;
	/* The process table the pipeline shares with the other consumers:
	 * records enter here, so the inspector feeds it. NULL: its own. */
	struct proc_table *procs;
};

struct inspector_stats {
	__u64 unwinds, unwind_errors, futex_reads, sites_read, symbols;
	__u64 unwinds_deferred; /* over the per-census budget, taken later */
	__u64 unwinds_stale;	/* the thread had moved on: stack dropped */
	__u64 incomplete;	/* rec_proc_incomplete sent */
};

struct inspector;
struct proc_table;

/* Records go on to @sink after the inspector has seen them. */
struct inspector *inspector__new(const struct inspector_opts *opts, rec_sink_fn sink, void *ctx);
void inspector__free(struct inspector *in);

/* A rec_sink_fn: pass @rec on, with what the inspector adds. */
int inspector__record(void *in, const void *rec, size_t len);

void inspector__stats(const struct inspector *in, struct inspector_stats *st);

#endif /* __THREADLEAK_INSPECTOR_H */
