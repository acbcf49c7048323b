/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What /proc says about a process. The root is a parameter so tests can
 * point it at a directory of their own.
 */
#ifndef __THREADLEAK_PROC_INFO_H
#define __THREADLEAK_PROC_INFO_H

#include <stdbool.h>
#include "record.h"

struct proc_identity {
	int tgid;     /* the process @pid belongs to */
	bool kthread; /* a kernel thread */
	char state;   /* R, S, D, Z, ... as in /proc/PID/stat */
	char comm[REC_COMM_LEN];
};

/*
 * Read /proc/@pid/stat and status under @proc_root. Returns 0, -ESRCH if
 * there is no such process, or another -errno.
 */
int proc_identity(const char *proc_root, int pid, struct proc_identity *id);

/*
 * Is thread @tid of @tgid asleep in syscall @nr with stack pointer @sp, as
 * /proc/@tgid/task/@tid/syscall says? 1 yes, 0 no, or -errno. Tells whether
 * a stack read after a census still belongs to the wait the census saw.
 */
int proc_task_in_syscall(const char *proc_root, int tgid, int tid, long nr, __u64 sp);

/*
 * The parsers of those files, on their text (NUL-terminated), for the
 * tests and the fuzzer: the Tgid (1..INT_MAX) and Name of a status file,
 * the state and flags of a stat file (-EINVAL if absent), the syscall
 * number and stack pointer of a syscall file (-ENODATA: not in a syscall).
 */
int proc_status_parse(const char *status, struct proc_identity *id);
int proc_stat_parse(const char *stat, struct proc_identity *id);
int proc_syscall_parse(const char *text, long *nr, __u64 *sp);

#endif /* __THREADLEAK_PROC_INFO_H */
