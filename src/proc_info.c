// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

int proc_identity(const char *proc_root, int pid, struct proc_identity *id)
{
	char path[256], buf[4096];
	unsigned long flags;
	char *p, *end;
	int err;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "%s/%d/status", proc_root, pid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	p = strstr(buf, "\nTgid:");
	if (!p)
		return -EINVAL;
	id->tgid = strtol(p + 6, NULL, 10);
	if (!strncmp(buf, "Name:\t", 6)) {
		end = strchr(buf + 6, '\n');
		if (end)
			snprintf(id->comm, sizeof(id->comm), "%.*s", (int)(end - buf - 6), buf + 6);
	}

	/* stat: pid (comm) state ppid pgrp session tty tpgid flags ... */
	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &id->state, &flags) != 2)
		return -EINVAL;
	id->kthread = flags & PF_KTHREAD;
	return 0;
}

int proc_task_in_syscall(const char *proc_root, int tgid, int tid, long nr, __u64 sp)
{
	unsigned long long args[6], cur_sp, pc;
	char path[256], buf[512];
	long cur_nr;
	int err;

	snprintf(path, sizeof(path), "%s/%d/task/%d/syscall", proc_root, tgid, tid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	/* "nr arg0 .. arg5 sp pc", or "running", or "-1 sp pc" */
	if (sscanf(buf, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", &cur_nr, &args[0], &args[1],
		   &args[2], &args[3], &args[4], &args[5], &cur_sp, &pc) != 9)
		return 0;
	return cur_nr == nr && cur_sp == sp;
}
