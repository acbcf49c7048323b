// SPDX-License-Identifier: GPL-2.0
/*
 * Unwinding a blocked thread of another process from the registers the
 * kernel saved when it entered its syscall, with DWARF CFI (.eh_frame,
 * .debug_frame) through libdwfl: Debian's libc has no frame pointers.
 *
 * libdwfl's own process support (dwfl_linux_proc_attach) ptrace-stops every
 * thread it unwinds; here libdwfl gets our Dwfl_Thread_Callbacks instead,
 * which hand it the registers we already have and read memory with
 * process_vm_readv. The thread keeps running (or sleeping) throughout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "file_pages.h"
#include "proc_mem.h"
#include "proc_syms_internal.h"

/* Bytes of stack read at once: deep enough for ~100 ordinary frames. */
#define UNWIND_STACK_BYTES (64 * 1024)
/* Below sp, the x86-64 red zone, where a leaf function may keep registers. */
#define UNWIND_RED_ZONE 128

/* x86-64 DWARF register numbers (System V psABI, figure 3.36). */
enum x86_64_dwarf_reg {
	DWARF_RBX = 3,
	DWARF_RBP = 6,
	DWARF_RSP = 7,
	DWARF_R12 = 12,
};

/* Only the thread of the current request exists for libdwfl. */
static pid_t next_thread(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
	struct proc_syms *ps = dwfl_arg;

	if (*thread_argp || !ps->request.tid)
		return 0;
	*thread_argp = ps;
	return ps->request.tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
	struct proc_syms *ps = dwfl_arg;

	if (!ps->request.tid || tid != ps->request.tid)
		return false;
	*thread_argp = ps;
	return true;
}

/* One word of the target: from the stack snapshot if it has it. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *dwfl_arg)
{
	struct proc_syms *ps = dwfl_arg;
	const struct unwind_request *req = &ps->request;

	if (addr >= req->stack_start && req->stack_len >= sizeof(*result) &&
	    addr - req->stack_start <= req->stack_len - sizeof(*result)) {
		memcpy(result, req->stack + (addr - req->stack_start), sizeof(*result));
		return true;
	}
	if (proc_mem_read(ps->pid, addr, result, sizeof(*result)) == sizeof(*result))
		return true;
	ps->request.read_failed = true;
	return false;
}

/*
 * The registers saved at syscall entry: the callee-saved ones CFI may
 * restore from, the stack pointer the CFA is computed from, and the pc.
 * The others (rax, rcx, ...) stay unknown: CFI never needs them across a
 * call, and an unknown register is better than a wrong one.
 */
static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct proc_syms *ps = thread_arg;
	const struct rec_regs *regs = ps->request.regs;
	Dwarf_Word rbx = regs->bx;
	Dwarf_Word rbp_rsp[2] = { regs->bp, regs->sp };
	Dwarf_Word r12_r15[4] = { regs->r12, regs->r13, regs->r14, regs->r15 };

	if (!dwfl_thread_state_registers(thread, DWARF_RBX, 1, &rbx) ||
	    !dwfl_thread_state_registers(thread, DWARF_RBP, 2, rbp_rsp) ||
	    !dwfl_thread_state_registers(thread, DWARF_R12, 4, r12_r15))
		return false;
	dwfl_thread_state_register_pc(thread, regs->ip);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/*
 * Read the stack once, [sp - red zone, sp + UNWIND_STACK_BYTES), clipped to
 * the mapping holding sp: one process_vm_readv instead of one per word.
 * A stack mapped after the last refresh is not in our maps; then the read
 * simply comes back short at its end. Returns 0 or -ESRCH.
 */
static int take_stack_snapshot(struct proc_syms *ps, __u64 sp)
{
	struct unwind_request *req = &ps->request;
	__u64 start = sp, end = sp + UNWIND_STACK_BYTES;
	struct proc_mapping m;
	ssize_t n;

	req->stack_start = 0;
	req->stack_len = 0;
	if (proc_syms__mapping_of(ps, sp, &m)) {
		start = sp - m.start >= UNWIND_RED_ZONE ? sp - UNWIND_RED_ZONE : m.start;
		if (end > m.end)
			end = m.end;
	}
	n = proc_mem_read(ps->pid, start, req->stack, end - start);
	if (n == -ESRCH)
		return -ESRCH;
	if (n > 0) {
		req->stack_start = start;
		req->stack_len = n;
	}
	return 0;
}

struct frame_collector {
	struct unwind_request *req;
	__u64 *pcs;
	int max, nr;
	bool truncated;
};

static int collect_frame(Dwfl_Frame *frame, void *arg)
{
	struct frame_collector *fc = arg;
	bool activation;
	Dwarf_Addr pc;

	/* asking for @activation unwinds the caller now: its reads come next */
	fc->req->read_failed = false;
	if (!dwfl_frame_pc(frame, &pc, &activation))
		return -1;
	if (fc->nr == fc->max) {
		fc->truncated = true;
		return DWARF_CB_ABORT;
	}
	/*
	 * pcs[0] is where the thread is (an activation); the others are
	 * return addresses, except right after a signal frame, where libdwfl
	 * reports the interrupted pc as an activation: kept as is, the record
	 * has no place to say so.
	 */
	fc->pcs[fc->nr++] = pc;
	return DWARF_CB_OK;
}

static int attach_unwinder(struct proc_syms *ps)
{
	if (ps->unwinder_attached)
		return 0;
	if (!ps->request.stack) {
		ps->request.stack = malloc(UNWIND_STACK_BYTES + UNWIND_RED_ZONE);
		if (!ps->request.stack)
			return -ENOMEM;
	}
	/*
	 * Once per Dwfl. With no Elf given, libdwfl takes the architecture
	 * from the first module whose ELF it can open.
	 */
	if (!dwfl_attach_state(ps->dwfl, NULL, ps->pid, &thread_callbacks, ps))
		return -ENOEXEC;
	ps->unwinder_attached = true;
	return 0;
}

static int unwind_once(struct proc_syms *ps, int tid, const struct rec_regs *regs, __u64 *pcs,
		       int max, __u16 *flags)
{
	struct frame_collector fc = { .req = &ps->request, .pcs = pcs, .max = max };
	int err;

	*flags = 0;
	err = take_stack_snapshot(ps, regs->sp);
	if (err)
		return err;

	ps->request.tid = tid;
	ps->request.regs = regs;
	ps->request.read_failed = false;
	err = dwfl_getthread_frames(ps->dwfl, tid, collect_frame, &fc);
	ps->request.tid = 0;
	ps->request.regs = NULL;
	ps->request.stack_len = 0;

	/*
	 * Stopped on an error, not at the outermost frame. elfutils 0.188
	 * returns 0 also when it could not read the last return address: the
	 * register stays unset and it takes that for "undefined", the mark
	 * of the outermost frame (_start, clone3). A read that failed while
	 * unwinding the last frame tells the two apart.
	 */
	if (fc.truncated)
		*flags |= RS_TRUNCATED;
	else if (err || ps->request.read_failed)
		*flags |= RS_INCOMPLETE;
	return fc.nr ? fc.nr : -EIO;
}

int proc_syms__unwind(struct proc_syms *ps, int tid, const struct rec_regs *regs, __u64 *pcs,
		      int max, __u16 *flags)
{
	size_t heap = module_cache__heap_bytes(), cached = proc_syms_cache_bytes(ps);
	int n;

	*flags = 0;
	if (tid <= 0 || !regs || !regs->ip || !regs->sp || max <= 0)
		return -EINVAL;
	n = attach_unwinder(ps);
	if (n)
		return n;
	proc_syms_refresh_for(ps, regs->ip);
	n = unwind_once(ps, tid, regs, pcs, max, flags);
	/* stopped in code mapped since the maps were read (dlopen): once more */
	if (n > 1 && proc_syms_refresh_for(ps, pcs[n - 1] - 1))
		n = unwind_once(ps, tid, regs, pcs, max, flags);
	proc_syms_charge(ps, heap, cached);
	file_pages__cap(FILE_PAGES_CAP);
	return n;
}
