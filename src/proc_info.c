// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc_info.h"

#define PF_KTHREAD 0x00200000

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

int proc_status_parse(const char *status, struct proc_identity *id)
{
	const char *p, *end;
	long tgid;

	p = strstr(status, "\nTgid:");
	if (!p)
		return -EINVAL;
	errno = 0;
	tgid = strtol(p + 6, NULL, 10);
	if (errno || tgid <= 0 || tgid > INT_MAX)
		return -EINVAL;
	id->tgid = tgid;
	if (!strncmp(status, "Name:\t", 6)) {
		end = strchr(status + 6, '\n');
		if (end)
			snprintf(id->comm, sizeof(id->comm), "%.*s", (int)(end - status - 6),
				 status + 6);
	}
	return 0;
}

int proc_stat_parse(const char *stat, struct proc_identity *id)
{
	unsigned long flags;
	const char *p;

	/* stat: pid (comm) state ppid pgrp session tty tpgid flags ...; comm may hold ')' */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &id->state, &flags) != 2)
		return -EINVAL;
	id->kthread = flags & PF_KTHREAD;
	return 0;
}

int proc_identity(const char *proc_root, int pid, struct proc_identity *id)
{
	char path[256], buf[4096];
	int err;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "%s/%d/status", proc_root, pid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	err = proc_status_parse(buf, id);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	return proc_stat_parse(buf, id);
}

int proc_syscall_parse(const char *text, long *nr, __u64 *sp)
{
	unsigned long long args[6], cur_sp, pc;

	/* "nr arg0 .. arg5 sp pc", or "running", or "-1 sp pc" */
	if (sscanf(text, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", nr, &args[0], &args[1],
		   &args[2], &args[3], &args[4], &args[5], &cur_sp, &pc) != 9)
		return -ENODATA;
	*sp = cur_sp;
	return 0;
}

int proc_task_in_syscall(const char *proc_root, int tgid, int tid, long nr, __u64 sp)
{
	char path[256], buf[512];
	__u64 cur_sp;
	long cur_nr;
	int err;

	snprintf(path, sizeof(path), "%s/%d/task/%d/syscall", proc_root, tgid, tid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	if (proc_syscall_parse(buf, &cur_nr, &cur_sp))
		return 0;
	return cur_nr == nr && cur_sp == sp;
}
