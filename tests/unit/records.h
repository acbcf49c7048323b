/* SPDX-License-Identifier: GPL-2.0 */
/* Builders of synthetic records, as BPF and the tracer would make them. */
#ifndef __THREADLEAK_TEST_RECORDS_H
#define __THREADLEAK_TEST_RECORDS_H

#include <string.h>
#include "record.h"
#include "wait.h"

#define SEC_NS 1000000000ULL
#define FUTEX_WAIT_PRIVATE_OP 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAIT_BITSET_PRIVATE_OP (9 | 128)
#define FUTEX_WAKE_PRIVATE_OP (1 | 128)

static inline struct rec_task rec_task_running(__u32 tgid, __u32 tid, __u64 ts)
{
	struct rec_task t;

	memset(&t, 0, sizeof(t));
	t.hdr.type = REC_TASK;
	t.hdr.size = sizeof(t);
	t.hdr.tgid = tgid;
	t.hdr.ts_ns = ts;
	t.tid = tid;
	t.state = TRS_RUNNING;
	t.syscall_nr = -1;
	t.start_ns = tid; /* stable per tid for tests */
	strcpy(t.comm, "worker");
	return t;
}

/* A task asleep in syscall @nr since @since. */
static inline struct rec_task rec_task_syscall(__u32 tgid, __u32 tid, __u64 ts, int nr, __u64 since)
{
	struct rec_task t = rec_task_running(tgid, tid, ts);

	t.state = TRS_SLEEPING;
	t.flags = RTF_IN_SYSCALL | RTF_WAIT_START;
	t.syscall_nr = nr;
	t.wait_start_ns = since;
	return t;
}

static inline struct rec_task rec_task_futex(__u32 tgid, __u32 tid, __u64 ts, __u64 uaddr, __u32 op,
					     __u64 since)
{
	struct rec_task t = rec_task_syscall(tgid, tid, ts, NR_FUTEX, since);

	t.args[0] = uaddr;
	t.args[1] = op;
	return t;
}

static inline struct rec_proc rec_proc(__u32 tgid, __u64 start, __u64 ts, __u32 live, __u64 created,
				       __u64 exited, const char *comm)
{
	struct rec_proc p;

	memset(&p, 0, sizeof(p));
	p.hdr.type = REC_PROC;
	p.hdr.size = sizeof(p);
	p.hdr.tgid = tgid;
	p.hdr.ts_ns = ts;
	p.live = live;
	p.created = created;
	p.exited = exited;
	p.start_ns = start;
	strncpy(p.comm, comm, sizeof(p.comm) - 1);
	return p;
}

static inline struct rec_census rec_census(__u64 ts, __u64 lost_events)
{
	struct rec_census c;

	memset(&c, 0, sizeof(c));
	c.hdr.type = REC_CENSUS;
	c.hdr.size = sizeof(c);
	c.hdr.ts_ns = ts;
	c.lost_events = lost_events;
	return c;
}

#endif /* __THREADLEAK_TEST_RECORDS_H */
