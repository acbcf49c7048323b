/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The threadleak record protocol, shared by the BPF programs and userspace.
 *
 * Everything the detector learns arrives as one of these records: from the
 * BPF ring buffer (thread lifecycle), from the census (the state of
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
	REC_SITE = 7,	      /* inspector: where a thread comes from */
	REC_STACK = 8,	      /* inspector: a waiting thread's or goroutine's stack */
	REC_FUTEX = 9,	      /* inspector: memory around a waited-on futex word */
	REC_SYMBOL = 10,      /* inspector: what an address in a process is */
	REC_PROC_INFO = 11,   /* inspector: a process's executable and command line */
	REC_GOROUTINE = 12,   /* Go census: one goroutine's state */
	REC_GO_CENSUS = 13,   /* Go census of one process complete */
	REC_SESSION = 14,     /* recorder: how the trace was taken */
	REC_PROC_INCOMPLETE = 15, /* inspector: part of a process could not be read */
	REC_GOROUTINE_GONE = 16,  /* Go census: a goroutine a delta census no longer finds */
	REC_TYPE_MAX,
};

/* Kinds of execution context: a goroutine is one more kind. */
enum ctx_kind {
	CTX_THREAD = 0,
	CTX_GOROUTINE = 1,
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

/*
 * A thread exited. hdr.ts_ns is 0: no clock is read for it (a fifth of the
 * exit program's cost); the record's place in the stream, between two
 * censuses, is what every reader uses. Traces recorded before carry the
 * time, which nothing reads either.
 */

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

/*
 * User registers saved at kernel entry: enough to start a DWARF CFI unwind
 * (the callee-saved ones, which CFI may restore from) on x86-64.
 */
struct rec_regs {
	__u64 ip, sp, bp, bx, r12, r13, r14, r15;
};

struct rec_task {
	struct rec_hdr hdr;
	__u32 tid;
	__u32 state; /* enum task_run_state */
	__u32 flags; /* RTF_* */
	__s32 syscall_nr;
	__u64 args[6];	     /* syscall arguments, as the syscall got them */
	struct rec_regs regs; /* valid when not TRS_RUNNING */
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
	__u64 duration_ns;  /* how long the kernel's walk took, read included */
	__u64 events;	    /* ring buffer records delivered so far */
	__u64 lost_events;  /* ring buffer records lost so far (full buffer) */
	__u64 lost_threads; /* threads not counted so far (full map) */
};

/*
 * Records from the inspector, which reads what the kernel cannot tell from
 * the target's memory and ELF files, without stopping it.
 */

/* rec_site.source */
enum site_source {
	SITE_UNKNOWN = 0,	/* the start routine could not be read */
	SITE_START_ROUTINE = 1, /* the function passed to pthread_create */
	SITE_STACK = 2,		/* the outermost frame of the program's own */
	SITE_PYTHON = 3,	/* the Python function the thread runs (REC_PC_PYTHON) */
};

/* Where a thread comes from; overrides rec_thread_start.start_routine. */
struct rec_site {
	struct rec_hdr hdr;
	__u64 id;	/* tid */
	__u64 start_ns; /* thread start time */
	__u64 pc;	/* the site: a function's address, 0 if unknown */
	__u8 kind;	/* enum ctx_kind */
	__u8 source;	/* enum site_source */
	__u16 __pad0;
	__u32 __pad1;
};

#define REC_STACK_MAX 32

/*
 * A pc of a rec_stack or rec_site with these top bits (never a user
 * address) is not an address but a Python frame: a code object and a line
 * (py_frames.h), which a rec_symbol names like any other pc.
 */
#define REC_PC_PYTHON (3ull << 62)
#define rec_pc_is_python(pc) (((pc) & REC_PC_PYTHON) == REC_PC_PYTHON)

/* rec_stack.flags */
#define RS_TRUNCATED 0x1 /* more frames than REC_STACK_MAX */
#define RS_INCOMPLETE 0x2 /* the unwind stopped on an error */
#define RS_IDLE 0x4	  /* a thread its language runtime parked (an idle Go M): no wait */

/*
 * The stack of a waiting thread or goroutine, innermost frame first. pcs[0]
 * is where it is; the others are return addresses.
 */
struct rec_stack {
	struct rec_hdr hdr;
	__u64 id;	/* tid or goid */
	__u64 start_ns; /* thread start time, 0 for a goroutine */
	__u64 wait_id;	/* the wait it was taken in: nr_switches, or waitsince */
	__u8 kind;	/* enum ctx_kind */
	__u8 nr_pcs;
	__u16 flags;	/* RS_* */
	__u32 __pad;
	__u64 pcs[REC_STACK_MAX];
};

#define REC_FUTEX_WORDS 16
#define REC_FUTEX_BEFORE 16 /* words[] starts this many bytes before uaddr */

/* rec_futex.flags */
#define RF_READ_OK 0x1

/*
 * The memory around a futex word a thread waits on, read while it waits:
 * glibc keeps a normal mutex's owner at +8, an rwlock's writer at +24 of
 * the lock, a joined thread's tid in the word itself.
 */
struct rec_futex {
	struct rec_hdr hdr;
	__u32 tid;
	__u32 flags; /* RF_* */
	__u64 start_ns;
	__u64 wait_id; /* nr_switches at the census */
	__u64 uaddr;
	__u32 words[REC_FUTEX_WORDS]; /* from uaddr - REC_FUTEX_BEFORE */
};

#define REC_SYMBOL_TEXT_MAX 4096

/* rec_symbol.flags */
#define RSYM_FOUND 0x1	 /* func is known */
#define RSYM_RETADDR 0x2 /* looked up as a return address (pc - 1) */

#define REC_INLINE_MAX 16	      /* inlined frames one rec_symbol carries */
#define REC_INLINE_TEXT_MAX 2048 /* bytes of them, rec_inline_frame included */

/*
 * One function inlined at a rec_symbol's pc: its name and the line in it
 * the pc is at (for the innermost, the line table's line; for the others,
 * the call site of the function inlined into it).
 */
struct rec_inline_frame {
	__u32 line; /* 0 if unknown */
	__u16 func_len;
	__u16 file_len;
};

/*
 * What address @pc is in process hdr.tgid: func, file and module, in that
 * order, in text[] without NULs, then the inlined frames (inline_len
 * bytes), padded with NULs to a multiple of 8.
 *
 * func is the function the code belongs to (its ELF symbol), and file:line
 * the line in it: where the outermost inlined call is when @pc is inside
 * inlined code. The inlined frames are what the function runs there,
 * innermost first, as eu-addr2line -i shows them: nr_inline struct
 * rec_inline_frame (at any alignment: read them with memcpy), then each
 * one's func and file. Traces written before inline frames have 0 and 0.
 */
struct rec_symbol {
	struct rec_hdr hdr;
	__u64 pc;
	__u64 offset; /* pc - start of func; if func is unknown, pc - start of module */
	__u32 line;   /* 0 if unknown */
	__u16 flags;  /* RSYM_* */
	__u16 func_len;
	__u16 file_len;
	__u16 module_len;
	__u16 inline_len; /* bytes of inlined frames after module */
	__u16 nr_inline;  /* at most REC_INLINE_MAX */
	char text[];
};

/*
 * A process's executable and command line (NUL-separated arguments), in
 * text[], padded like rec_symbol.
 */
struct rec_proc_info {
	struct rec_hdr hdr;
	__u64 start_ns;
	__u16 exe_len;
	__u16 cmdline_len;
	__u32 __pad;
	char text[];
};

#define REC_WAIT_REASON_LEN 32

/* rec_goroutine.flags */
#define RG_WAIT_SINCE 0x1 /* wait_since_ns is the runtime's own waitsince */
#define RG_SYSTEM 0x2	  /* a runtime goroutine (GC workers, finalizers, ...) */

/* One goroutine, read from runtime.allgs. */
struct rec_goroutine {
	struct rec_hdr hdr;
	__u64 goid;
	__u64 parent_goid;   /* 0 if this Go version does not record it */
	__u32 status;	     /* runtime _G* status, _Gscan bit cleared */
	__u32 flags;	     /* RG_* */
	__u64 wait_since_ns; /* CLOCK_MONOTONIC */
	__u64 start_pc;	     /* the function it runs */
	__u64 go_pc;	     /* the go statement that created it */
	char wait_reason[REC_WAIT_REASON_LEN];
};

/* A goroutine of the last census that has ended (delta censuses only). */
struct rec_goroutine_gone {
	struct rec_hdr hdr;
	__u64 goid;
};

/* rec_go_census.flags */
#define RGC_INCOMPLETE 0x1 /* allgs changed under the reader, or a read failed */
/*
 * A delta census: it sent a rec_goroutine only for each goroutine that is
 * new or changed since the process's last census (status, wait reason,
 * waitsince or where it resumes), and a rec_goroutine_gone for each that
 * ended; every other goroutine is as it was, still there.
 */
#define RGC_DELTA 0x2

/* The goroutine census of one process is complete. */
struct rec_go_census {
	struct rec_hdr hdr;
	__u32 nr_goroutines;
	__u32 flags; /* RGC_* */
	__u64 duration_ns;
	char go_version[16]; /* "go1.22.2" */
};

/* rec_proc_incomplete.part: what of the process was being read */
enum rec_incomplete_part {
	RPI_PART_GOROUTINES = 1, /* the goroutine census and its stacks */
	RPI_PART_THREADS = 2,	 /* threads' start routines, stacks and locks */
};

/* rec_proc_incomplete.reason */
enum rec_incomplete_reason {
	RPI_MALFORMED = 1,     /* it holds what its runtime never writes */
	RPI_MEMORY_BUDGET = 2, /* reading it needs more memory than its budget */
	RPI_TIME_BUDGET = 3,   /* reading it takes longer than its budget */
	RPI_STALLED = 4,       /* a read of its memory or files did not return */
	RPI_FILE_REFUSED = 5,  /* a file it maps is not a regular file of sane size */
	RPI_READ_FAILED = 6,   /* a read failed, with errno -err */
};

#define REC_INCOMPLETE_WHY_LEN 64

/*
 * The inspector could not read part of a process: that part of the report
 * is missing or a lower bound, and the rest of the process and every other
 * process are read as usual. Written to the trace, so a replay says it too.
 */
struct rec_proc_incomplete {
	struct rec_hdr hdr;
	__u16 part;   /* enum rec_incomplete_part */
	__u16 reason; /* enum rec_incomplete_reason */
	__s32 err;    /* negative errno */
	/* threadleak's own words for it, never bytes from the process */
	char why[REC_INCOMPLETE_WHY_LEN];
};

#define REC_SESSION_MAX_TARGETS 64

/* How a trace was taken: the first record of each trace file. */
struct rec_session {
	struct rec_hdr hdr;
	__u32 nr_targets; /* 0: every process */
	__u32 flags;
	__u64 interval_ns;
	__u32 targets[REC_SESSION_MAX_TARGETS];
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

/*
 * A process's thread counters, kept by the BPF side. A thread started after
 * the lifecycle programs were attached is counted only by created (its
 * fork) and exited (its exit); `live` counts the others, which
 * created_counted and exited_counted say how many of created and exited
 * were: threads alive = proc_counts_live().
 */
struct proc_counts {
	__s64 live;
	__u64 created;
	__u64 exited;
	__u64 exit_ns; /* when the last thread exited, 0 while alive */
	char comm[REC_COMM_LEN];
	__u64 created_counted; /* of created, those also counted in live */
	__u64 exited_counted;  /* of exited, those also uncounted from live */
};

static inline __s64 proc_counts_live(const struct proc_counts *pc)
{
	return pc->live + (__s64)(pc->created - pc->created_counted) -
	       (__s64)(pc->exited - pc->exited_counted);
}

/*
 * The context of the census_walk program (BPF_PROG_RUN). A census is
 * streamed: each run writes at most as many rec_task as the census slots
 * hold, from slot 0, and says where to resume, so that userspace reads the
 * slots and runs it again until the process is done, with memory that does
 * not grow with the number of threads.
 */
struct census_walk_args {
	__u32 tgid;  /* in: the process */
	__u32 flags; /* in: CWA_* */
	__u64 proc_start_ns; /* in: its start time, 0: any (a reused pid is another) */
	__u32 nr;    /* out: rec_task records in slots [0, nr) */
	/* in/out: the thread to start at, the first that did not fit; 0 on
	 * the way in: from the first thread, on the way out: all written */
	__u32 resume_tid;
	__u64 resume_start_ns; /* in/out: its start time */
	__u32 pos;	       /* in: the census position of slot 0 (census_prevs) */
	__u32 skew;	       /* in/out: how far the process's threads moved in census_prevs
				* since the last census (threads that exited): 0 at its first walk */
	/* in/out: the last thread the run wrote, where the next run starts
	 * (after it) if the resume thread exited; 0: none */
	__u32 last_tid;
	__u32 by_start; /* out: both exited: the run skipped threads by start time */
	__u64 last_start_ns;
};

/*
 * What the last census read of the thread at one census position (the
 * thread lists are walked in the same order each census), kept by the BPF
 * side for the next: a thread still off the CPU, in the same sleep, with
 * the same context switch count has not run since, so its saved registers,
 * syscall, TLS base and when it stopped are what they were, and are copied
 * from here instead of read again from its kernel stack.
 */
struct census_prev {
	__u32 tid; /* 0: nothing kept */
	__u32 state;
	__u64 start_ns;
	__u64 nr_switches;
	__u64 stopped; /* rq clock: when it stopped running (wait_start_ns) */
	__u32 flags;
	__s32 syscall_nr;
	__u64 args[6];
	struct rec_regs regs;
	__u64 fsbase;
};

/* census_walk_args.flags */
#define CWA_CENSUS_START 0x1 /* the first run of a census: read the clocks */

#ifndef __VMLINUX_H__ /* userspace: decoding and building records */
#include <stddef.h>

/*
 * Check that @buf holds one whole, well-formed record of at most @len bytes:
 * a record is decoded once, where it enters (the tracer's sink, the trace
 * reader), and passed on decoded. On success, returns its size; on failure,
 * -EINVAL (or -ENODATA if @len is too short to tell) and points @why at the
 * reason.
 */
int rec_decode(const void *buf, size_t len, const char **why);

const char *rec_type_name(unsigned int type);

/*
 * Build a rec_symbol in @buf (@cap bytes) for @pc of process @tgid; the
 * strings are clipped to fit. Returns its size.
 */
size_t rec_symbol_make(void *buf, size_t cap, __u32 tgid, __u64 ts, __u64 pc, __u64 offset,
		       __u32 line, __u16 flags, const char *func, const char *file,
		       const char *module);

/*
 * Likewise, with @nr_inline inlined frames in @inl (@inl_len bytes, laid
 * out as rec_symbol's, checked by rec_inline_check): dropped if they do
 * not fit.
 */
size_t rec_symbol_make_inlined(void *buf, size_t cap, __u32 tgid, __u64 ts, __u64 pc,
			       __u64 offset, __u32 line, __u16 flags, const char *func,
			       const char *file, const char *module, const void *inl,
			       size_t inl_len, unsigned int nr_inline);

/*
 * Are @len bytes at @inl @nr inlined frames, rec_inline_frame headers
 * then their text, and nothing more? 0 or -EINVAL.
 */
int rec_inline_check(const void *inl, size_t len, unsigned int nr);

/*
 * Frame @i of the @nr inlined frames at @inl (checked by rec_inline_check):
 * its header into @f; returns its text, func then file.
 */
const char *rec_inline_frame(const void *inl, unsigned int nr, unsigned int i,
			     struct rec_inline_frame *f);
#endif /* !__VMLINUX_H__ */

#endif /* __THREADLEAK_RECORD_H */
