/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The goroutines of a running Go program, read from its memory without
 * stopping it: no ptrace, no probes, no help from the program.
 *
 * The runtime keeps every goroutine's g in runtime.allgs and never frees
 * one (a finished goroutine's g becomes _Gdead and waits for reuse), and
 * publishes the array through runtime.allglen and runtime.allgptr for
 * lock-free readers. A census reads those two words, the array, then every
 * g in batches, all with process_vm_readv. Field offsets come from the
 * binary's DWARF, or from a table per Go version for stripped binaries,
 * where allglen and allgptr are found by decoding runtime.forEachGRace.
 *
 * Addresses here are runtime addresses (with a PIE's load bias). A go_proc
 * is used by one thread at a time.
 */
#ifndef __THREADLEAK_GO_RUNTIME_H
#define __THREADLEAK_GO_RUNTIME_H

#include <linux/types.h>
#include <stdbool.h>
#include <sys/types.h>
#include "go_thread_wait.h"
#include "record.h"

/* g.atomicstatus (runtime/runtime2.go) */
enum go_g_status {
	GO_G_IDLE = 0,
	GO_G_RUNNABLE = 1,
	GO_G_RUNNING = 2,
	GO_G_SYSCALL = 3,
	GO_G_WAITING = 4,
	GO_G_MORIBUND_UNUSED = 5,
	GO_G_DEAD = 6,
	GO_G_ENQUEUE_UNUSED = 7,
	GO_G_COPYSTACK = 8,
	GO_G_PREEMPTED = 9,
	GO_G_LEAKED = 10,    /* Go 1.26+: a waiting goroutine the GC proved unreachable */
	GO_G_DEADEXTRA = 11, /* Go 1.26+: dead, kept for a cgo callback's extra M */
};
#define GO_G_SCAN 0x1000 /* the GC is scanning its stack; cleared in go_goroutine.status */

/*
 * What the census's caller made of the g at one address at its last census
 * (go_inspect: the goroutine it sent and a hash of its state), kept with
 * the g from one census to the next; zero for a g it has not seen.
 */
struct go_g_memo {
	__u64 goid;
	__u64 state;
};

struct go_goroutine {
	__u64 g_addr; /* address of its g */
	struct go_g_memo *memo; /* in a census: its g's memo, which @cb may change */
	__u64 goid;
	__u64 parent_goid; /* 0 if this Go version does not record it (before 1.21) */
	/*
	 * g.waitsince, runtime nanotime (CLOCK_MONOTONIC ns), what Go prints
	 * "[chan send, 3 minutes]" from: the first GC whose stack scan sees
	 * the goroutine blocked sets it to work.tstart, the start of the
	 * previous GC's mark termination. So it is 0 until a GC other than
	 * the program's first has run since the goroutine blocked, and can
	 * be up to one GC cycle before the wait began.
	 */
	__u64 wait_since_ns;
	__u64 start_pc; /* the function it runs */
	__u64 go_pc;	/* return address of the go statement's call that created it */
	__u64 sched_pc, sched_sp, sched_bp; /* where it resumes; not valid while running */
	__u64 stack_lo, stack_hi;
	__u32 status;		 /* enum go_g_status, GO_G_SCAN cleared */
	__u32 wait_reason_index; /* g.waitreason */
	bool system;		 /* a runtime goroutine, as Go's isSystemGoroutine says */
	/* what Go prints in "goroutine N [...]": the wait reason, or the status */
	char wait_reason[REC_WAIT_REASON_LEN];
};

struct go_sym {
	char func[256];
	char file[256];
	__u32 line;   /* 0 if unknown */
	__u64 entry;  /* runtime address of the (outermost) function */
	__u64 offset; /* pc - entry */
	bool found;
	bool inlined; /* this frame was inlined into the next one */
};

struct go_proc;
struct iovec;

typedef int (*go_census_cb)(void *ctx, const struct go_goroutine *g);

/*
 * Open process @pid (through @proc_root, "/proc" or a test's directory).
 * -ESRCH: no such process; -ENOEXEC: not a Go program; -ENOTSUP: a Go this
 * reader cannot read (before 1.18, or stripped and not in the table: see
 * scripts/gen-go-offsets.sh); -EPROTO: the runtime does not look as
 * expected; -EPERM: not allowed to read its memory.
 */
int go_proc__open(struct go_proc **gp, const char *proc_root, int pid);

/*
 * A Go program's memory as something else holds it (a test's fake address
 * space): @readv reads @nr ranges, each @remote[i] into @local[i], with
 * process_vm_readv's semantics (proc_mem_readv()): the bytes read, in
 * order, short at the first byte it cannot read, -EFAULT if that is the
 * first one.
 */
struct go_mem {
	ssize_t (*readv)(void *ctx, const struct iovec *local, const struct iovec *remote, int nr);
	void *ctx;
};

/*
 * Open the program at @exe, loaded at @bias, whose memory @mem reads. The
 * same errors as go_proc__open(); -EINVAL without @mem.
 */
int go_proc__open_binary(struct go_proc **gp, const char *exe, __u64 bias,
			 const struct go_mem *mem);
void go_proc__close(struct go_proc *gp);

/*
 * What one census of one process may cost. A census that needs more fails
 * with -E2BIG (memory) or -ETIME (time); 0 fields take the defaults.
 */
struct go_proc_limits {
	size_t mem_bytes; /* allgs: 32 bytes a goroutine (its pointer, sorted, its memo) */
	__u64 time_ns;	  /* one census, the stacks taken in it included, */
};
#define GO_PROC_MEM_DEFAULT (64u << 20) /* 2M goroutines */
#define GO_PROC_TIME_DEFAULT 2000000000ull
/* ... and this much more a g in allgs: the first census of a million
 * goroutines hands each to the detector anew, on a machine maybe busy */
#define GO_PROC_TIME_PER_G_NS 2000ull

void go_proc__set_limits(struct go_proc *gp, const struct go_proc_limits *limits);

/*
 * Why the last call failed with -EPROTO (what the process holds is not
 * what a Go runtime writes), -E2BIG or -ETIME, in a few words; "" if
 * it did not.
 */
const char *go_proc__why(const struct go_proc *gp);

/* "go1.22.2"; "" if the binary does not say. */
const char *go_proc__version(const struct go_proc *gp);

/* Where the field offsets came from: "dwarf" or "table go1.22.12". */
const char *go_proc__layout_source(const struct go_proc *gp);

/* How allgs was found: "symbols" or "forEachGRace". */
const char *go_proc__allgs_source(const struct go_proc *gp);

/*
 * Call @cb for each live goroutine (not _Gdead), and for each g no longer
 * live whose memo has a goid (with its status as read, and that memo).
 * Returns how many live ones, or a
 * negative errno (-ESRCH if the process is gone; -EPROTO, -E2BIG, -ETIME:
 * see go_proc__why()); a negative return of @cb stops the census and is
 * returned. *incomplete is set when some gs
 * could not be read, or allgs kept moving while it was read: the counts
 * are then a lower bound.
 */
int go_proc__census(struct go_proc *gp, go_census_cb cb, void *ctx, bool *incomplete);

/*
 * Whether the gs of the census under way (from its first callback) have
 * the memos the last census's callbacks left them; false when allgs was
 * not the last census's plus new gs (then every memo is zero).
 */
bool go_proc__memos_kept(const struct go_proc *gp);

/*
 * The stack of goroutine @g, innermost first, as Go's traceback walks it.
 * pcs[0] is where it resumes, the others return addresses; the last is
 * runtime.goexit+1 when the walk reached the goroutine's base. *flags gets
 * RS_TRUNCATED and RS_INCOMPLETE (record.h). May be called from a census
 * callback. Returns the number of pcs;
 * -EBUSY if it is running (its saved registers are stale), -EAGAIN if it
 * ran while being read, -ESRCH if its g was reused, -EPROTO if its stack
 * bounds are impossible, -ETIME if the census is over its time budget.
 */
int go_proc__stack(struct go_proc *gp, const struct go_goroutine *g, __u64 *pcs, int max,
		   __u16 *flags);

/*
 * Symbolize @pc: the function it is in (the physical one where code was
 * inlined), with the file and line of the innermost code there. @retaddr: @pc is a return address, so
 * the line is that of the call (pc - 1), as Go does. Returns 0, or -ENOENT
 * if @pc is not Go code (out->found is false).
 */
int go_proc__symbolize(struct go_proc *gp, __u64 pc, bool retaddr, struct go_sym *out);

/*
 * All frames of @pc, innermost first: the inlined functions, then the
 * physical one (the last has inlined == false). Returns how many (0 if not
 * Go code).
 */
int go_proc__symbolize_frames(struct go_proc *gp, __u64 pc, bool retaddr, struct go_sym *frames,
			      int max);

/*
 * What an OS thread waits for, from its user registers at the syscall
 * (rec_task.regs). Walks its stack with the function table; @bp is unused
 * (the walk does not need frame pointers).
 */
enum go_thread_wait go_proc__thread_wait(struct go_proc *gp, __u64 ip, __u64 sp, __u64 bp);

/* A thread the runtime parked (idle M, sysmon, note sleep): no leak. */
bool go_proc__is_idle_m(struct go_proc *gp, __u64 ip, __u64 sp, __u64 bp);

/* Go's name for a status: "runnable", "waiting", ... */
const char *go_g_status_name(__u32 status);
/* Waiting, or waiting and marked leaked by Go's own detector: parked with a wait reason. */
bool go_g_parked(__u32 status);
/* A goroutine, not a g waiting for reuse (idle, dead, or a status no Go has). */
bool go_g_live(__u32 status);

/*
 * isSystemGoroutine, from the name of the start function: runtime.*
 * except runtime.main, runtime.handleAsyncEvent and runtime.corostart.
 * The finalizer goroutine (runtime.runfinq) counts as a system one even
 * while it runs a finalizer, which Go counts as user code.
 */
bool go_is_system_goroutine(const char *start_func);

#endif /* __THREADLEAK_GO_RUNTIME_H */
