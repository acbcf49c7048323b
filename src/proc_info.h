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
	char comm[REC_COMM_LEN];
};

/*
 * Read /proc/@pid/stat and status under @proc_root. Returns 0, -ESRCH if
 * there is no such process, or another -errno.
 */
int proc_identity(const char *proc_root, int pid, struct proc_identity *id);

#endif /* __THREADLEAK_PROC_INFO_H */
