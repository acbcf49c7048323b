// SPDX-License-Identifier: GPL-2.0
/*
 * The floor under threadleak's fork and exit programs (issue 15, item 3):
 * programs on the same tracepoints that each do one piece of their work,
 * for bench/bpf_floor/run.sh to read the kernel's accounting of. Each
 * ring buffer is a program's own, so that none pays for another's cache
 * misses; none is read (each holds a whole run's records).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define RINGBUF(name)                                          \
	struct {                                               \
		__uint(type, BPF_MAP_TYPE_RINGBUF);            \
		__uint(max_entries, 1 << 24);                  \
	} name SEC(".maps")

RINGBUF(rb_fork);
RINGBUF(rb_fork_read);
RINGBUF(rb_exit);

/* A process's counters, keyed as threadleak's procs map. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16);
	__type(key, __u64[2]);
	__type(value, __u64[8]);
} procs SEC(".maps");

/* About where struct pthread keeps the start routine (glibc x86-64): the
 * same page, which is what the cost depends on. */
#define START_ROUTINE_OFF 0x620

__u64 sink;
__u64 dropped;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_empty, struct task_struct *parent, struct task_struct *child)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_empty, struct task_struct *task)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_ktime, struct task_struct *task)
{
	sink += bpf_ktime_get_ns();
	return 0;
}

/* threadleak's thread-start record is 72 bytes, its thread-exit record 40. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_ringbuf72, struct task_struct *parent, struct task_struct *child)
{
	__u64 *rec = bpf_ringbuf_reserve(&rb_fork, 72, 0);

	if (!rec) {
		dropped++;
		return 0;
	}
	rec[0] = child->pid;
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_ringbuf40, struct task_struct *task)
{
	__u64 *rec = bpf_ringbuf_reserve(&rb_exit, 40, 0);

	if (!rec) {
		dropped++;
		return 0;
	}
	rec[0] = task->pid;
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	return 0;
}

/* The start routine, read into the BPF stack. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_read_user_stack, struct task_struct *parent, struct task_struct *child)
{
	__u64 v = 0, fsbase = child->thread.fsbase;

	if (fsbase)
		bpf_probe_read_user(&v, sizeof(v), (void *)(fsbase + START_ROUTINE_OFF));
	sink += v;
	return 0;
}

/* The same ring buffer record as fork_ringbuf72, the start routine read into it. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_ringbuf72_read_user, struct task_struct *parent, struct task_struct *child)
{
	__u64 *rec = bpf_ringbuf_reserve(&rb_fork_read, 72, 0);
	__u64 fsbase = child->thread.fsbase;

	if (!rec) {
		dropped++;
		return 0;
	}
	rec[0] = child->pid;
	if (fsbase)
		bpf_probe_read_user(&rec[1], sizeof(rec[1]), (void *)(fsbase + START_ROUTINE_OFF));
	else
		rec[1] = 0;
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	return 0;
}

/* One lookup in a hash keyed (tgid, start time), as procs (a miss here). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_hash_lookup, struct task_struct *parent, struct task_struct *child)
{
	__u64 key[2] = { child->tgid, child->group_leader->start_time };
	__u64 *v = bpf_map_lookup_elem(&procs, key);

	if (v)
		sink += v[0];
	return 0;
}
