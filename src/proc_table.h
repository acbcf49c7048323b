/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process table: what its consumers (the inspector, the recorder, the
 * detector) keep per process, one entry per process, and the one reading
 * of the record stream that says when a process is new, runs a new
 * program, is gone or is stale. A process is named by (tgid, start time): a
 * record that names the tgid of an entry with another start time is about
 * a new process with a reused pid. The pipeline owns one, shared by all its
 * consumers (pipeline.h); a consumer made alone makes and feeds its own.
 *
 * The rules, all here:
 * - new: the first record about a process that is alive (not its exit or
 *   exec, nor a thread's exit) makes its entry; every consumer's new_proc
 *   hook gets its data, zeroed.
 * - reused pid: a record that carries the process's start time (a fork:
 *   rec_thread_start with RTS_PROCESS, rec_proc, rec_proc_info) other than
 *   the entry's known one means the entry's process is gone: gone hooks,
 *   entry freed, a new entry made.
 * - exec: exec hooks; the entry stays (the start time does not change).
 * - exit: rec_proc with RP_EXITED for the entry's process marks it exited:
 *   its consumers see its last census, and when that census closes, gone
 *   hooks, entry freed. The exit of a process without an entry, or of
 *   another process of that pid (an older one's, late), changes nothing.
 * - stale: an entry no rec_proc counted in the last STALE_CENSUSES censuses
 *   (its process left and its exit was never recorded) is dropped when a
 *   rec_census closes: stale hooks, entry freed.
 */
#ifndef __THREADLEAK_PROC_TABLE_H
#define __THREADLEAK_PROC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Censuses a process may go uncounted before it is taken for gone. */
#define STALE_CENSUSES 3

/* The most consumers one table serves. */
#define PROC_TABLE_MAX_CONSUMERS 4

/* A consumer: its data per process and what it does at each step. */
struct proc_hooks {
	size_t size; /* of its data per process */
	/* @data is zeroed; an error drops the new entry */
	int (*new_proc)(void *ctx, __u32 tgid, void *data);
	void (*exec)(void *ctx, void *data);
	/* exited, or its pid now names another process; also at proc_table__free */
	void (*gone)(void *ctx, void *data);
	void (*stale)(void *ctx, void *data); /* NULL: gone is called */
	void *ctx;
};

struct proc_table;

struct proc_table *proc_table__new(void);

/* Call @t's consumers' gone hooks and free @t. */
void proc_table__free(struct proc_table *t);

/* Add a consumer before the first entry: its slot, or -EBUSY/-E2BIG. */
int proc_table__attach(struct proc_table *t, const struct proc_hooks *hooks);

/*
 * Consumer @slot leaves: its gone hook for every entry, and no call after.
 * Its data stays in the entries, unused.
 */
void proc_table__detach(struct proc_table *t, int slot);

/*
 * A consumer joins @shared (the pipeline's), or without one (a unit test, a
 * lone consumer) a table of its own that it feeds itself: *@own says which,
 * *@t is the table. Its slot, or a negative errno (*@t left untouched).
 */
int proc_table__join(struct proc_table **t, struct proc_table *shared,
		     const struct proc_hooks *hooks, bool *own);

/* It leaves: a table of its own freed, a shared one detached from. */
void proc_table__leave(struct proc_table *t, int slot, bool own);

/*
 * Read one valid record (rec_decode passed): make, drop or tell the
 * consumers about the process it names. The caller does what it does with
 * a rec_census before, since the census closes here. 0 or -ENOMEM.
 */
int proc_table__record(struct proc_table *t, const void *rec);

/* Consumer @slot's data for process @tgid, NULL if it has no entry: the
 * last record's process without a hash lookup (a hashed one is counted). */
void *proc_table__find(struct proc_table *t, int slot, __u32 tgid);

/* The census in progress, counted from 1. */
__u64 proc_table__census(const struct proc_table *t);

/* Hash lookups so far: the last record's entry is found without one. */
__u64 proc_table__lookups(const struct proc_table *t);

/* Entries in @t. */
unsigned int proc_table__count(const struct proc_table *t);

/* Call @fn on consumer @slot's data of every entry, oldest first. */
void proc_table__for_each(struct proc_table *t, int slot, void (*fn)(void *ctx, void *data),
			  void *ctx);

#endif /* __THREADLEAK_PROC_TABLE_H */
