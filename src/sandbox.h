/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: once the BPF programs are loaded and attached (or, for
 * commands without BPF, before the first byte from a target or a trace file
 * is parsed), threadleak keeps only the capabilities the rest of its run
 * needs and a seccomp filter that allows only the system calls it makes,
 * on every thread of the process.
 */
#ifndef __THREADLEAK_SANDBOX_H
#define __THREADLEAK_SANDBOX_H

/* What the run still does after entering the sandbox. */
enum sandbox_use {
	/* bpf(2) on the maps and programs already loaded: ring buffer,
	 * census walk and iterator, the census array grown (a map created:
	 * keeps CAP_BPF). Never a program loaded or attached. */
	SANDBOX_BPF = 1 << 0,
	/* Read other processes: process_vm_readv, /proc/PID files, their ELF
	 * files through /proc/PID/root (keeps CAP_SYS_PTRACE and
	 * CAP_DAC_READ_SEARCH). */
	SANDBOX_TARGETS = 1 << 1,
	/* Serve HTTP on a listening socket opened before: accept and talk on
	 * connections, never open a socket. */
	SANDBOX_HTTP = 1 << 2,
};

/*
 * Drop every capability not needed by @uses (SANDBOX_*) from the
 * effective, permitted, inheritable and ambient sets of every thread, and
 * from their bounding sets when CAP_SETPCAP allows; set no_new_privs; load
 * the seccomp filter on every thread (threads created later inherit both).
 * A forbidden system call fails with EPERM, and the kernel logs it (dmesg,
 * "audit: type=1326 ... syscall=N").
 *
 * Threads running when it is called take their capabilities off in a
 * SIGURG handler: they must not block SIGURG meanwhile.
 *
 * THREADLEAK_SANDBOX_LOG=1 in the environment: forbidden calls are allowed
 * and logged, to find what the filter misses without changing the run. THREADLEAK_SANDBOX_SELFTEST=1: after
 * entering, try calls the filter forbids and print what each returned.
 *
 * Returns 0, or -errno after printing one line on stderr.
 */
int sandbox__enter(unsigned int uses);

#endif /* __THREADLEAK_SANDBOX_H */
