/* SPDX-License-Identifier: GPL-2.0 */
/* A fake procfs under a temporary directory, for code that takes a proc root. */
#ifndef __THREADLEAK_TEST_FAKE_PROC_H
#define __THREADLEAK_TEST_FAKE_PROC_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

/* Write @root/@pid/cgroup with @content. */
static inline int fake_proc_cgroup(const char *root, int pid, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%d/cgroup", root, pid);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(content, f);
	return fclose(f) ? -errno : 0;
}

/* Remove what fake_proc_cgroup() wrote for @pid. */
static inline void fake_proc_remove(const char *root, int pid)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%d/cgroup", root, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	rmdir(path);
}

#endif /* __THREADLEAK_TEST_FAKE_PROC_H */
