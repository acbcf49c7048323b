// SPDX-License-Identifier: GPL-2.0
/*
 * threadleak's BPF side.
 *
 * Thread lifecycle comes from the scheduler tracepoints, whose rate is the
 * rate of thread creation: nothing here runs per futex call, per syscall or
 * per context switch. A thread started once the lifecycle programs are
 * attached (start time >= counted_from_ns) is counted by its fork and
 * uncounted by its exit, each of which fires once: no per-thread state.
 * Only the threads started before, which the seeding iterator and a fork
 * seen just after attaching may both find, have an entry in `threads`,
 * inserted at most once and deleted at most once, so the per-process
 * counters (struct proc_counts, in `procs` or with -p in target_counts) stay
 * exact however the seed races with forks and exits.
 *
 * The state of every traced thread (sleeping in which syscall, with which
 * arguments, since when) is read by the census, which userspace runs once
 * per interval and which costs nothing in between: `census_walk`, a walk of
 * each process's thread list, streamed through a small array, or on kernels
 * before 6.7 the `census` task iterator.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "record.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define __TASK_STOPPED 0x0004
#define __TASK_TRACED 0x0008
#define TASK_NOLOAD 0x0400
#define ENOSYS 38

/* Set by userspace before load. */
const volatile bool target_all = false;
const volatile __u64 wakeup_bytes = 0;
const volatile __u32 start_routine_off = 0;
/* Fallbacks for older kernels, forced on newer ones by tests (--compat). */
const volatile bool no_task_pt_regs = false;
const volatile bool no_rq_clock = false;

/*
 * Threads started at or after this time (task start time, CLOCK_MONOTONIC)
 * are counted without an entry in `threads`. Set by userspace once the
 * lifecycle programs are attached, a little ahead of its clock so that every
 * CPU sees the final value before any such thread starts: a fork and an exit
 * of one thread then always agree on which way it is counted.
 */
__u64 counted_from_ns SEC(".data") = ~0ULL;

/* Drop counters, read by userspace through the mmaped .bss. */
__u64 lost_events = 0;
__u64 lost_threads = 0;

struct thread_entry {
	struct proc_key proc;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* resized by userspace */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16); /* resized by userspace */
	__type(key, struct proc_key);
	__type(value, struct proc_counts);
} procs SEC(".maps");

/* The threads started before counted_from_ns, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20); /* resized by userspace */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct thread_entry);
} threads SEC(".maps");

/* With -p: the tgids to trace. Unused when target_all. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/*
 * With -p and at most TARGET_SLOTS targets, the same tgids again (0 once
 * exited), which every fork and exit on the host checks with plain loads:
 * a hash lookup there costs the processes not traced as much again.
 */
#define TARGET_SLOTS 8
const volatile bool targets_in_slots = false;
__u32 target_tgids[TARGET_SLOTS] = {};

/*
 * And their counters, in place of an entry in `procs`, whose lookup was a
 * fifth of the fork and of the exit program: target_counts[i] counts the
 * process target_tgids[i] that started at target_start_ns[i]. The start
 * times are set once, before the lifecycle programs are attached, by a run
 * of `seed` with seed_starts set; a target not found then (0) is counted in
 * `procs`.
 */
__u64 target_start_ns[TARGET_SLOTS] = {};
struct proc_counts target_counts[TARGET_SLOTS] = {};
bool seed_starts = false;

/* task->state before 5.14, for a CO-RE fallback. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* Is @tgid traced? *@slot: its index in target_tgids, or -1. */
static __always_inline bool traced_slot(__u32 tgid, int *slot)
{
	int i;

	*slot = -1;
	if (target_all)
		return true;
	if (!targets_in_slots)
		return bpf_map_lookup_elem(&targets, &tgid);
	if (!tgid)
		return false;
#pragma unroll
	for (i = 0; i < TARGET_SLOTS; i++) {
		if (target_tgids[i] == tgid) {
			*slot = i;
			return true;
		}
	}
	return false;
}

static __always_inline bool traced_tgid(__u32 tgid)
{
	int slot;

	return traced_slot(tgid, &slot);
}

/* @tgid has exited: a new process that gets its number is not traced. */
static __always_inline void untarget(__u32 tgid)
{
	int i;

	bpf_map_delete_elem(&targets, &tgid);
	if (!targets_in_slots)
		return;
#pragma unroll
	for (i = 0; i < TARGET_SLOTS; i++)
		if (target_tgids[i] == tgid)
			target_tgids[i] = 0;
}

static __always_inline void task_comm(struct task_struct *t, char *comm)
{
	__builtin_memcpy(comm, t->comm, REC_COMM_LEN);
}

static __always_inline void proc_key_of(struct task_struct *task,
					struct proc_key *key)
{
	struct task_struct *leader = task->group_leader;

	key->tgid = task->tgid;
	key->__pad = 0;
	key->start_ns = leader->start_time;
}

/* The counters of the process @key, in target slot @slot (-1: none), or NULL. */
static __always_inline struct proc_counts *proc_find(struct proc_key *key, int slot)
{
	if (slot >= 0 && slot < TARGET_SLOTS && target_start_ns[slot] == key->start_ns)
		return &target_counts[slot];
	return bpf_map_lookup_elem(&procs, key);
}

static __always_inline struct proc_counts *proc_get(struct proc_key *key, int slot,
						    struct task_struct *task)
{
	struct proc_counts *pc, zero = {};

	pc = proc_find(key, slot);
	if (pc)
		return pc;
	task_comm(task->group_leader, zero.comm);
	bpf_map_update_elem(&procs, key, &zero, BPF_NOEXIST);
	pc = bpf_map_lookup_elem(&procs, key);
	if (!pc)
		__sync_fetch_and_add(&lost_threads, 1);
	return pc;
}

static __always_inline void *rb_reserve(__u32 size)
{
	void *rec = bpf_ringbuf_reserve(&events, size, 0);

	if (!rec)
		__sync_fetch_and_add(&lost_events, 1);
	return rec;
}

/* A record's room in the ring buffer: its 8-byte header, rounded to 8. */
#define RB_ROOM(size) (((size) + 8 + 7) & ~7ull)

/*
 * Wake the reader once a batch has accumulated (it also polls): when this
 * record's room took the unread data across a multiple of wakeup_bytes.
 * Waking at every record past the threshold, until the reader has caught up,
 * made each one pay an interprocessor interrupt (irq_work), microseconds in
 * a VM; a crossing missed in a race with another CPU is caught at the next.
 */
static __always_inline void rb_submit(void *rec, __u64 room)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (avail >= room && avail / wakeup_bytes != (avail - room) / wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

/* @task started after the lifecycle programs were attached. */
static __always_inline bool counted_by_fork(struct task_struct *task)
{
	return task->start_time >= counted_from_ns;
}

/*
 * Count @task as live in its process unless it is already counted. Returns
 * true if this call counted it.
 */
static __always_inline bool thread_insert(struct task_struct *task,
					  struct proc_key *key, struct proc_counts *pc)
{
	struct thread_entry te = { .proc = *key }, *old;
	__u32 tid = task->pid;
	struct proc_counts *old_pc;
	int old_slot;

	te.start_ns = task->start_time;
	if (!bpf_map_update_elem(&threads, &tid, &te, BPF_NOEXIST)) {
		__sync_fetch_and_add(&pc->live, 1);
		return true;
	}
	old = bpf_map_lookup_elem(&threads, &tid);
	if (!old) {
		__sync_fetch_and_add(&lost_threads, 1);
		return false;
	}
	if (old->start_ns == te.start_ns)
		return false; /* already counted */
	/*
	 * A thread with this tid exited without us seeing it: its exit
	 * happened before we attached, or in a window we cannot close.
	 * Take it off its process and count the new one.
	 */
	traced_slot(old->proc.tgid, &old_slot);
	old_pc = proc_find(&old->proc, old_slot);
	if (bpf_map_delete_elem(&threads, &tid))
		return false;
	if (old_pc)
		__sync_fetch_and_add(&old_pc->live, -1);
	if (bpf_map_update_elem(&threads, &tid, &te, BPF_NOEXIST))
		return false;
	__sync_fetch_and_add(&pc->live, 1);
	return true;
}

/* Uncount @tid. Returns true if this call uncounted it. */
static __always_inline bool thread_delete(__u32 tid, __u64 start_ns, struct proc_counts *pc)
{
	struct thread_entry *te = bpf_map_lookup_elem(&threads, &tid);

	if (!te || te->start_ns != start_ns)
		return false;
	if (bpf_map_delete_elem(&threads, &tid))
		return false; /* someone else deleted it first */
	__sync_fetch_and_add(&pc->live, -1);
	return true;
}

static __always_inline int handle_fork(struct task_struct *parent,
				       struct task_struct *child)
{
	__u32 tgid = child->tgid;
	struct rec_thread_start *rec;
	struct proc_counts *pc;
	struct proc_key key;
	__u64 fsbase;
	bool is_process;
	int slot;

	if (child->flags & PF_KTHREAD)
		return 0;
	if (!traced_slot(tgid, &slot))
		return 0;
	is_process = tgid != parent->tgid;
	proc_key_of(child, &key);
	pc = proc_get(&key, slot, child);
	if (!pc)
		return 0;
	/* A thread counted by its fork is live by created - exited alone:
	 * one atomic add here, one in its exit (see proc_counts). */
	if (!counted_by_fork(child)) {
		if (!thread_insert(child, &key, pc))
			return 0;
		__sync_fetch_and_add(&pc->created_counted, 1);
	}
	__sync_fetch_and_add(&pc->created, 1);

	rec = rb_reserve(sizeof(*rec));
	if (!rec)
		return 0;
	rec->hdr.type = REC_THREAD_START;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.tgid = tgid;
	/* The kernel took the time (CLOCK_MONOTONIC) as it created the thread,
	 * microseconds ago: one clock read less, a tenth of this program here. */
	rec->hdr.ts_ns = child->start_time;
	rec->tid = child->pid;
	rec->parent_tid = parent->pid;
	rec->parent_tgid = parent->tgid;
	rec->flags = is_process ? RTS_PROCESS : 0;
	rec->start_ns = child->start_time;
	/*
	 * pthread_create filled in struct pthread (at the new thread's TLS
	 * base) before calling clone, and we run in the creating thread, which
	 * shares the address space: one user read, at thread-creation rate.
	 * Straight into the record: a copy to the BPF stack cost about 100 ns
	 * more on 6.18 (bench/bpf_floor: fork_read_user_stack against
	 * fork_ringbuf72_read_user). The helper zeroes the field if the read
	 * fails.
	 */
	fsbase = child->thread.fsbase;
	rec->fsbase = fsbase;
	if (!is_process && start_routine_off && fsbase)
		bpf_probe_read_user(&rec->start_routine, sizeof(rec->start_routine),
				    (void *)(fsbase + start_routine_off));
	else
		rec->start_routine = 0;
	task_comm(child, rec->comm);
	rb_submit(rec, RB_ROOM(sizeof(*rec)));
	return 0;
}

static __always_inline int handle_exit(struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct rec_thread_exit *rec;
	struct signal_struct *signal;
	struct proc_counts *pc;
	struct proc_key key;
	bool group_dead;
	__u64 start_ns;
	__u32 tid;
	int slot;

	if (task->flags & PF_KTHREAD)
		return 0;
	if (!traced_slot(tgid, &slot))
		return 0;
	proc_key_of(task, &key);
	pc = proc_find(&key, slot);
	if (!pc)
		return 0;
	tid = task->pid;
	start_ns = task->start_time;
	if (start_ns < counted_from_ns) {
		if (!thread_delete(tid, start_ns, pc))
			return 0;
		__sync_fetch_and_add(&pc->exited_counted, 1);
	}
	__sync_fetch_and_add(&pc->exited, 1);
	signal = task->signal;
	group_dead = signal->live.counter == 0;
	if (group_dead) {
		pc->exit_ns = bpf_ktime_get_ns();
		if (!target_all)
			untarget(tgid);
	}

	rec = rb_reserve(sizeof(*rec));
	if (!rec)
		return 0;
	rec->hdr.type = REC_THREAD_EXIT;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.tgid = tgid;
	/* No time (see rec_thread_exit): a clock read was a fifth of this
	 * program, and the record's place in the stream is all its readers use. */
	rec->hdr.ts_ns = 0;
	rec->tid = tid;
	rec->flags = group_dead ? RTE_GROUP_DEAD : 0;
	rec->start_ns = start_ns;
	rec->exit_code = task->exit_code;
	rec->__pad = 0;
	rb_submit(rec, RB_ROOM(sizeof(*rec)));
	return 0;
}

/*
 * exec kills every other thread first (each goes through exit). If a
 * non-leader thread called exec, it has taken over the leader's tid and start
 * time: it stays counted, under its new name. If the leader started after
 * attaching, so did the thread: neither name has an entry, nothing moves.
 * Otherwise the new name needs one: the old name's entry moves to it or, if
 * the thread had none (it started after attaching), its count does.
 */
static __always_inline int handle_exec(struct task_struct *task, __u32 old_tid)
{
	__u32 tgid = task->tgid;
	__u32 tid = task->pid;
	struct rec_proc_exec *rec;
	struct proc_counts *pc;
	struct proc_key key;
	int slot;

	if (!traced_slot(tgid, &slot))
		return 0;
	proc_key_of(task, &key);
	pc = proc_get(&key, slot, task);
	if (!pc)
		return 0;
	if (!counted_by_fork(task)) {
		if (old_tid != tid) {
			struct thread_entry *te = bpf_map_lookup_elem(&threads, &old_tid);

			if (!te || te->proc.tgid != tgid || !bpf_map_delete_elem(&threads, &old_tid))
				__sync_fetch_and_add(&pc->live, -1);
		}
		thread_insert(task, &key, pc);
	}
	task_comm(task, pc->comm);

	rec = rb_reserve(sizeof(*rec));
	if (!rec)
		return 0;
	rec->hdr.type = REC_PROC_EXEC;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.tgid = tgid;
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->tid = tid;
	rec->old_tid = old_tid;
	task_comm(task, rec->comm);
	rb_submit(rec, RB_ROOM(sizeof(*rec)));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *task, pid_t old_pid)
{
	return handle_exec(task, old_pid);
}

/* An iterator's task (a trusted pointer) on its way out. */
static __always_inline bool task_exiting(struct task_struct *task)
{
	return (task->flags & PF_EXITING) || task->exit_state;
}

/*
 * Count the threads that existed before the lifecycle programs were
 * attached. Runs once, after attaching, so every thread is either seen here
 * or forked later; thread_insert() counts each one once. A thread can start
 * exiting between the check and the insert, after its exit handler found
 * nothing to delete: PF_EXITING is set before that handler runs, so checking
 * again after the insert and undoing it closes the window.
 */
SEC("iter/task")
int seed(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct proc_counts *pc;
	struct proc_key key;
	int slot;
	__u32 tid;

	if (!task || (task->flags & PF_KTHREAD))
		return 0;
	if (!traced_slot(task->tgid, &slot))
		return 0;
	if (seed_starts) {
		/* Before attaching: each target's start time, no counting. */
		if (slot >= 0 && slot < TARGET_SLOTS) {
			proc_key_of(task, &key);
			target_start_ns[slot] = key.start_ns;
			task_comm(task->group_leader, target_counts[slot].comm);
		}
		return 0;
	}
	if (task_exiting(task) || counted_by_fork(task))
		return 0;
	proc_key_of(task, &key);
	pc = proc_get(&key, slot, task);
	if (!pc)
		return 0;
	if (!thread_insert(task, &key, pc))
		return 0;
	if (task_exiting(task)) {
		tid = task->pid;
		thread_delete(tid, task->start_time, pc);
	}
	return 0;
}

/*
 * The census runs for every task on the host once per interval, so it reads
 * the task with plain loads, which the verifier allows on the iterator's
 * trusted task pointer, not with one probe-read helper call per field.
 */
static __always_inline __u32 task_run_state(struct task_struct *task)
{
	struct task_struct___pre514 *old = (void *)task;
	unsigned int state;

	if (task_exiting(task))
		return TRS_DEAD;
	if (bpf_core_field_exists(task->__state))
		state = task->__state;
	else
		state = old->state;
	if (state & (__TASK_STOPPED | __TASK_TRACED))
		return TRS_STOPPED;
	if ((state & TASK_UNINTERRUPTIBLE) && !(state & TASK_NOLOAD))
		return TRS_DISK;
	if (state & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE))
		return TRS_SLEEPING;
	return TRS_RUNNING;
}

/*
 * FRED's entry frame (x86, CONFIG_X86_FRED, 6.9 on): pt_regs followed by
 * fred_info. Only its existence in the kernel's BTF is asked: where it is,
 * the kernel keeps TOP_OF_KERNEL_STACK_PADDING (2 * 8 bytes) free above
 * pt_regs at the top of each task's stack.
 */
struct fred_info___tl {
	__u64 edata;
	__u64 resv;
};

struct fred_frame___tl {
	struct pt_regs regs;
	struct fred_info___tl info;
};

#define THREAD_SIZE (16 << 10) /* x86-64 without KASAN */

/*
 * The user registers saved at kernel entry. From 5.15 on, bpf_task_pt_regs
 * finds them and returns a BTF pointer: the fields census_task uses are
 * read with plain loads (the JIT's fault-safe ones), a third faster than a
 * helper's copy of the whole pt_regs at 20,000 threads. Before it, one
 * copy from where the kernel's task_pt_regs() finds them: below the top of
 * the kernel stack, less the padding FRED kernels keep there.
 */
static __always_inline long user_regs(struct task_struct *task, struct pt_regs *regs)
{
	struct pt_regs *saved;
	long top;

	if (!no_task_pt_regs && bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs)) {
		saved = (struct pt_regs *)bpf_task_pt_regs(task);
		regs->orig_ax = saved->orig_ax;
		regs->ax = saved->ax;
		regs->di = saved->di;
		regs->si = saved->si;
		regs->dx = saved->dx;
		regs->r10 = saved->r10;
		regs->r8 = saved->r8;
		regs->r9 = saved->r9;
		regs->ip = saved->ip;
		regs->sp = saved->sp;
		regs->bp = saved->bp;
		regs->bx = saved->bx;
		regs->r12 = saved->r12;
		regs->r13 = saved->r13;
		regs->r14 = saved->r14;
		regs->r15 = saved->r15;
		return 0;
	}
	top = (long)task->stack + THREAD_SIZE;
	if (bpf_core_type_exists(struct fred_frame___tl))
		top -= sizeof(struct fred_info___tl);
	return bpf_probe_read_kernel(regs, sizeof(*regs), (struct pt_regs *)top - 1);
}

/*
 * This CPU's rq clock (sched_clock), read through the running task's CFS
 * runqueue: the per-CPU `runqueues` symbol is not visible to BPF on kernels
 * without CONFIG_KALLSYMS_ALL. The clock is updated at least every tick
 * while a task runs, so it lags by at most one tick.
 */
static __always_inline bool rq_clock_now(__u64 *clock)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();

	if (no_rq_clock)
		return false;
	if (!bpf_core_field_exists(cur->se.cfs_rq) || !bpf_core_field_exists(struct cfs_rq, rq))
		return false;
	*clock = BPF_CORE_READ(cur, se.cfs_rq, rq, clock);
	return *clock != 0;
}

/*
 * Both clocks, read once when a census begins (at its first task, whichever
 * task that is: usually a kernel thread). A census is a snapshot at that
 * time: it is over in milliseconds, and reading the clocks for every task
 * would cost more than the rest of the work.
 */
__u64 census_ktime0 = 0;
__u64 census_rq0 = 0;

static __always_inline void census_clocks(void)
{
	census_ktime0 = bpf_ktime_get_ns();
	/* Without the rq clock, take sched_clock as CLOCK_MONOTONIC: they
	 * start equal at boot and drift apart by the NTP correction only. */
	if (!rq_clock_now(&census_rq0))
		census_rq0 = census_ktime0;
}

/*
 * When @task last stopped running, in bpf_ktime_get_ns() time. The scheduler
 * records when the task last got a CPU (sched_info.last_arrival, rq clock)
 * and how long it has run since (sum - prev_sum exec runtime). The rq clock is
 * sched_clock, which drifts from CLOCK_MONOTONIC over days of uptime, so the
 * wait is measured against the rq clock and subtracted from monotonic now.
 */
static __always_inline bool stopped_at(struct task_struct *task, __u64 *stopped)
{
	__u64 arrival;

	if (!bpf_core_field_exists(task->sched_info.last_arrival))
		return false;
	arrival = task->sched_info.last_arrival;
	if (!arrival)
		return false;
	*stopped = arrival + (task->se.sum_exec_runtime - task->se.prev_sum_exec_runtime);
	return true;
}

/* @stopped (rq clock) in bpf_ktime_get_ns() time, as of this census. */
static __always_inline __u64 wait_start(__u64 stopped)
{
	if (stopped > census_rq0)
		stopped = census_rq0;
	return census_ktime0 - (census_rq0 - stopped);
}

/* What every census record of @task has, read anew each census, into @rec (zeroed). */
static __always_inline void census_head(struct task_struct *task, __u32 tgid, struct rec_task *rec)
{
	rec->hdr.type = REC_TASK;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.tgid = tgid;
	rec->hdr.ts_ns = census_ktime0;
	rec->tid = task->pid;
	rec->state = task_run_state(task);
	rec->start_ns = task->start_time;
	rec->nr_switches = task->nvcsw + task->nivcsw;
	__builtin_memcpy(rec->comm, task->comm, sizeof(rec->comm));
}

/* The rest of a traced task's census record, after census_head; when it stopped in *@stopped. */
static __always_inline void census_body(struct task_struct *task, struct rec_task *rec,
					__u64 *stopped)
{
	struct pt_regs regs;
	long nr;

	rec->fsbase = task->thread.fsbase;
	if (stopped_at(task, stopped)) {
		rec->wait_start_ns = wait_start(*stopped);
		rec->flags |= RTF_WAIT_START;
	}

	/*
	 * Registers saved at kernel entry are only stable while the task is
	 * off the CPU. A syscall in progress has its number in orig_ax and
	 * -ENOSYS in ax; a page fault has its error code in orig_ax instead.
	 */
	rec->syscall_nr = -1;
	if ((rec->state == TRS_SLEEPING || rec->state == TRS_DISK || rec->state == TRS_STOPPED) &&
	    !user_regs(task, &regs)) {
		nr = regs.orig_ax;
		if (nr >= 0 && regs.ax == -ENOSYS) {
			rec->flags |= RTF_IN_SYSCALL;
			rec->syscall_nr = nr;
			rec->args[0] = regs.di;
			rec->args[1] = regs.si;
			rec->args[2] = regs.dx;
			rec->args[3] = regs.r10;
			rec->args[4] = regs.r8;
			rec->args[5] = regs.r9;
		}
		rec->regs.ip = regs.ip;
		rec->regs.sp = regs.sp;
		rec->regs.bp = regs.bp;
		rec->regs.bx = regs.bx;
		rec->regs.r12 = regs.r12;
		rec->regs.r13 = regs.r13;
		rec->regs.r14 = regs.r14;
		rec->regs.r15 = regs.r15;
	}
}

/* A traced task's state, as one census record, into @rec (zeroed). */
static __always_inline void census_task(struct task_struct *task, __u32 tgid,
					struct rec_task *rec)
{
	__u64 stopped;

	census_head(task, tgid, rec);
	census_body(task, rec, &stopped);
}

/*
 * The census as a task iterator, for kernels before 6.7: the kernel looks up
 * every task on the host by pid, about 400 ns each here, for one program run
 * per task.
 */
SEC("iter/task")
int census(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct rec_task rec = {};
	__u32 tgid;

	if (ctx->meta->seq_num == 0)
		census_clocks();
	if (!task || (task->flags & PF_KTHREAD))
		return 0;
	tgid = task->tgid;
	if (!traced_tgid(tgid))
		return 0;
	census_task(task, tgid, &rec);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/*
 * The census as a thread-list walk (6.7+: open-coded task iterator) of one
 * process, into the census_slots array, which userspace reads in place.
 * About twice as fast as the iterator: no pid lookups, no program run per
 * task. The walk is streamed: a run writes as many threads as the array
 * holds and stops at the first that does not fit, which the next run starts
 * from; userspace reads the array between runs. If that thread exited in
 * between, the next run starts after the last thread the run wrote (see
 * census_walk).
 */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;
extern struct task_struct *bpf_task_from_pid(s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;
extern void bpf_rcu_read_lock(void) __weak __ksym;
extern void bpf_rcu_read_unlock(void) __weak __ksym;

/*
 * census_slots[0] is the array the walk writes to: userspace creates it, of
 * the size it streams the census in.
 */
struct census_slot_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* any size: BPF_F_INNER_MAP */
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct rec_task));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct census_slot_array);
} census_slots SEC(".maps");

/*
 * census_prevs[0]: what the last census read, by census position (struct
 * census_prev). Userspace creates it, as large as the census; without it,
 * or past its end, every thread is read whole.
 */
struct census_prev_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* any size: BPF_F_INNER_MAP */
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct census_prev));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct census_prev_array);
} census_prevs SEC(".maps");

/*
 * Can the last census's read of @task, @prev, stand for this one's? Only if
 * the task has not run since: it is off the CPU now and its context switch
 * count is the same (a task that got a CPU since was switched out again to
 * be off it, which counts), in the same sleep (the freezer changes a
 * sleeper's state without running it). Not when stopped: a tracer may have
 * set its registers.
 */
static __always_inline bool census_unchanged(struct task_struct *task, struct rec_task *rec,
					     struct census_prev *prev)
{
	if (rec->state != TRS_SLEEPING && rec->state != TRS_DISK)
		return false;
	if (!bpf_core_field_exists(task->on_cpu) || task->on_cpu)
		return false;
	return prev->tid == rec->tid && prev->start_ns == rec->start_ns &&
	       prev->nr_switches == rec->nr_switches && prev->state == rec->state;
}

/*
 * The census record of @task, copied from @kept (what the last census read
 * of it, or NULL) if it has not run since, else read; kept at its census
 * position, @prev, for the next census.
 */
static __always_inline void census_task_prev(struct task_struct *task, __u32 tgid,
					     struct rec_task *rec, struct census_prev *kept,
					     struct census_prev *prev)
{
	__u64 stopped = 0;

	census_head(task, tgid, rec);
	if (kept && census_unchanged(task, rec, kept)) {
		if (kept != prev)
			*prev = *kept;
		rec->flags = prev->flags;
		rec->syscall_nr = prev->syscall_nr;
		__builtin_memcpy(rec->args, prev->args, sizeof(rec->args));
		__builtin_memcpy(&rec->regs, &prev->regs, sizeof(rec->regs));
		rec->fsbase = prev->fsbase;
		if (rec->flags & RTF_WAIT_START)
			rec->wait_start_ns = wait_start(prev->stopped);
		return;
	}
	census_body(task, rec, &stopped);
	/* Its place, whatever its state (prev_of finds the threads after it
	 * by their places); the rest only if a copy could stand for it. */
	prev->tid = rec->tid;
	prev->state = rec->state;
	prev->start_ns = rec->start_ns;
	prev->nr_switches = rec->nr_switches;
	if (rec->state != TRS_SLEEPING && rec->state != TRS_DISK)
		return;
	prev->stopped = stopped;
	prev->flags = rec->flags;
	prev->syscall_nr = rec->syscall_nr;
	__builtin_memcpy(prev->args, rec->args, sizeof(prev->args));
	__builtin_memcpy(&prev->regs, &rec->regs, sizeof(prev->regs));
	prev->fsbase = rec->fsbase;
}

/*
 * What the last census kept of thread @tid, whose census position is @pos:
 * at @pos + *@skew, or a few past it, where a thread before it that exited
 * since has moved it (each such thread adds one to *@skew, for the rest of
 * the process; threads that started since are after it). NULL if none.
 */
#define PREV_LOOKAHEAD 4
static __always_inline struct census_prev *prev_of(void *prevs, __u32 pos, __u32 tid, __u32 *skew)
{
	struct census_prev *kept;
	__u32 k, at;

	for (k = 0; k <= PREV_LOOKAHEAD; k++) {
		at = pos + *skew + k;
		kept = bpf_map_lookup_elem(prevs, &at);
		if (!kept)
			return NULL;
		if (kept->tid == tid) {
			*skew += k;
			return kept;
		}
	}
	return NULL;
}

/* Thread @tid of @tgid started at @start_ns, if it is still there; else NULL. */
static __always_inline struct task_struct *thread_of(__u32 tid, __u64 start_ns, __u32 tgid)
{
	struct task_struct *task;

	if (!tid)
		return NULL;
	task = bpf_task_from_pid(tid);
	if (task && (task->tgid != tgid || task->start_time != start_ns)) {
		bpf_task_release(task);
		task = NULL;
	}
	return task;
}

SEC("syscall")
int census_walk(struct census_walk_args *args)
{
	struct task_struct *leader, *from, *task;
	__u32 n = 0, zero = 0, tgid = args->tgid;
	__u64 skip_before = 0;
	struct bpf_iter_task it;
	bool past_leader, skip_first = false;
	struct census_prev *prev;
	struct rec_task *rec;
	void *slots, *prevs;
	__u32 pos, skew = args->skew;

	args->nr = 0;
	slots = bpf_map_lookup_elem(&census_slots, &zero);
	if (!slots)
		return -2; /* -ENOENT: userspace has not set them */
	prevs = bpf_map_lookup_elem(&census_prevs, &zero);
	if (args->flags & CWA_CENSUS_START)
		census_clocks();
	leader = bpf_task_from_pid(tgid);
	if (leader && args->proc_start_ns && leader->start_time != args->proc_start_ns) {
		bpf_task_release(leader);
		leader = NULL;
	}
	if (!leader) {
		args->resume_tid = 0;
		return 0; /* gone: its exit record says so */
	}
	/*
	 * Where the run before stopped: at the thread that did not fit; if it
	 * exited, after the last thread written (the list only loses threads
	 * between them); if that exited too, from the first thread, skipping
	 * those started before the resume thread (threads made at once on two
	 * CPUs can be listed out of start-time order: one may be missed or
	 * written twice, which by_start tells).
	 */
	args->by_start = 0;
	from = thread_of(args->resume_tid, args->resume_start_ns, tgid);
	if (args->resume_tid && !from) {
		from = thread_of(args->last_tid, args->last_start_ns, tgid);
		skip_first = from != NULL;
		if (!from) {
			skip_before = args->resume_start_ns;
			args->by_start = 1;
		}
	}
	past_leader = from && from->pid != tgid;
	args->resume_tid = 0;
	bpf_rcu_read_lock();
	if (from)
		bpf_iter_task_new(&it, from, BPF_TASK_ITER_PROC_THREADS);
	else
		bpf_iter_task_new(&it, leader, BPF_TASK_ITER_PROC_THREADS);
	while ((task = bpf_iter_task_next(&it))) {
		/* An iterator that goes round the thread list (next_thread(),
		 * older kernels) comes back to the leader: a walk that
		 * started past it ends there. */
		if (past_leader && task->pid == tgid)
			break;
		if (skip_first) {
			skip_first = false;
			continue; /* the last thread the run before wrote */
		}
		if (task->flags & PF_KTHREAD)
			continue;
		if (task->start_time < skip_before)
			continue; /* written by the runs before */
		rec = bpf_map_lookup_elem(slots, &n);
		if (!rec) {
			/* full: the next run starts here */
			args->resume_tid = task->pid;
			args->resume_start_ns = task->start_time;
			break;
		}
		args->last_tid = task->pid;
		args->last_start_ns = task->start_time;
		__builtin_memset(rec, 0, sizeof(*rec));
		pos = args->pos + n;
		prev = prevs ? bpf_map_lookup_elem(prevs, &pos) : NULL;
		if (prev)
			census_task_prev(task, tgid, rec, prev_of(prevs, pos, task->pid, &skew),
					 prev);
		else
			census_task(task, tgid, rec);
		n++;
	}
	bpf_iter_task_destroy(&it);
	bpf_rcu_read_unlock();
	if (from)
		bpf_task_release(from);
	bpf_task_release(leader);
	args->nr = n;
	args->skew = skew;
	return 0;
}
