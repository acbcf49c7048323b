/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The threadleak record protocol, shared by the BPF programs and userspace.
 *
 * Everything the detector learns arrives as one of these records: from the
 * BPF ring buffer (thread lifecycle), from the census iterator (the state of
 * every traced thread), from the tracer itself (per-process counters, the end
 * of a census) and from a trace file on replay. Every record starts with
 * struct rec_hdr; fields have fixed widths and natural alignment, so the same
 * bytes go through the ring buffer, into a trace file and back.
 *
 * Changing a record's layout means bumping REC_VERSION.
 */
#ifndef __THREADLEAK_RECORD_H
#define __THREADLEAK_RECORD_H

#ifndef __VMLINUX_H__ /* BPF programs get the types from vmlinux.h */
#include <linux/types.h>
#endif

#define REC_VERSION 1
#define REC_COMM_LEN 16

enum rec_type {
	REC_THREAD_START = 1, /* BPF: a thread or a process was created */
	REC_THREAD_EXIT = 2,  /* BPF: a thread exited */
	REC_PROC_EXEC = 3,    /* BPF: a process called exec */
	REC_TASK = 4,	      /* census: one thread's state right now */
	REC_PROC = 5,	      /* census: one process's thread counters */
	REC_CENSUS = 6,	      /* census complete; closes an interval */
	REC_TYPE_MAX,
};

struct rec_hdr {
	__u16 type;  /* enum rec_type */
	__u16 size;  /* of the whole record, in bytes */
	__u32 tgid;  /* process the record is about, 0 if none */
	__u64 ts_ns; /* CLOCK_MONOTONIC */
};

/* rec_thread_start.flags */
#define RTS_PROCESS 0x1 /* a new process (fork), not a thread (clone) */

struct rec_thread_start {
	struct rec_hdr hdr;
	__u32 tid;
	__u32 parent_tid;    /* the thread that called clone */
	__u32 parent_tgid;   /* differs from hdr.tgid for RTS_PROCESS */
	__u32 flags;	     /* RTS_* */
	__u64 start_ns;	     /* task start time: (tid, start_ns) names a thread */
	__u64 fsbase;	     /* TLS base; glibc's struct pthread lives there */
	__u64 start_routine; /* read from struct pthread at fork, 0 if unknown */
	char comm[REC_COMM_LEN];
};

/* rec_thread_exit.flags */
#define RTE_GROUP_DEAD 0x1 /* the last thread of its process */

struct rec_thread_exit {
	struct rec_hdr hdr;
	__u32 tid;
	__u32 flags; /* RTE_* */
	__u64 start_ns;
	__s32 exit_code;
	__u32 __pad;
};

struct rec_proc_exec {
	struct rec_hdr hdr;
	__u32 tid;     /* tid after exec: always the tgid */
	__u32 old_tid; /* the thread that called exec */
	char comm[REC_COMM_LEN];
};

/* rec_task.state: the scheduler state, reduced */
enum task_run_state {
	TRS_RUNNING = 0,  /* on a CPU or runnable */
	TRS_SLEEPING = 1, /* TASK_INTERRUPTIBLE */
	TRS_DISK = 2,	  /* TASK_UNINTERRUPTIBLE */
	TRS_STOPPED = 3,  /* stopped or traced */
	TRS_DEAD = 4,	  /* exiting, zombie */
};

/* rec_task.flags */
#define RTF_IN_SYSCALL 0x1 /* syscall_nr and args are valid */
#define RTF_WAIT_START 0x2 /* wait_start_ns is a kernel measurement */

struct rec_task {
	struct rec_hdr hdr;
	__u32 tid;
	__u32 state; /* enum task_run_state */
	__u32 flags; /* RTF_* */
	__s32 syscall_nr;
	__u64 args[6];	     /* syscall arguments, as the syscall got them */
	__u64 ip, sp, bp;    /* user registers saved at syscall entry */
	__u64 fsbase;	     /* TLS base */
	__u64 start_ns;	     /* task start time */
	__u64 wait_start_ns; /* when the task last stopped running */
	__u64 nr_switches;   /* voluntary + involuntary context switches */
	char comm[REC_COMM_LEN];
};

/* rec_proc.flags */
#define RP_EXITED 0x1 /* the process's last thread exited; final counters */

struct rec_proc {
	struct rec_hdr hdr;
	__u32 flags;	/* RP_* */
	__u32 live;	/* threads alive now */
	__u64 created;	/* threads created since tracing began */
	__u64 exited;	/* threads exited since tracing began */
	__u64 start_ns; /* process start time: (tgid, start_ns) names a process */
	char comm[REC_COMM_LEN];
};

struct rec_census {
	struct rec_hdr hdr; /* ts_ns: when the census began */
	__u32 nr_tasks;	    /* rec_task records in this census */
	__u32 nr_procs;	    /* rec_proc records in this census */
	__u64 duration_ns;  /* how long the census took */
	__u64 lost_events;  /* ring buffer records lost so far (full buffer) */
	__u64 lost_threads; /* threads not counted so far (full map) */
};

/*
 * The `procs` BPF map, which userspace reads at each census: per process
 * thread counters. The key holds the start time so a reused pid is a new key.
 */
struct proc_key {
	__u32 tgid;
	__u32 __pad;
	__u64 start_ns; /* group leader's start time, stable across exec */
};

struct proc_counts {
	__s64 live;
	__u64 created;
	__u64 exited;
	__u64 exit_ns; /* when the last thread exited, 0 while alive */
	char comm[REC_COMM_LEN];
};

#endif /* __THREADLEAK_RECORD_H */
