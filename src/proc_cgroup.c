// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_identity.h"
#include "proc_cgroup.h"

#define CGROUP_MAX_LINES 256
#define CGROUP_MAX_LINE (PATH_MAX + 256)

/* Which line of /proc/PID/cgroup names the process's cgroup, least wanted first. */
enum cgroup_line_rank {
	LINE_NONE,
	LINE_FIRST_V1,	 /* the first v1 hierarchy */
	LINE_V1_SYSTEMD, /* v1 name=systemd: the unit */
	LINE_V2,	 /* the unified hierarchy */
	LINE_CONTAINER,	 /* any that names a container or a pod: on a hybrid host
			  * kubelet's cgroupfs driver puts them in v1 only */
};

/* Lines are "hierarchy-ID:controller-list:cgroup-path". */
static enum cgroup_line_rank rank_line(const char *line, const char **path, bool first)
{
	const char *controllers, *colon;
	struct cgroup_identity id;

	controllers = strchr(line, ':');
	if (!controllers)
		return LINE_NONE;
	controllers++;
	colon = strchr(controllers, ':');
	if (!colon)
		return LINE_NONE;
	*path = colon + 1;
	cgroup_identity_parse(*path, &id);
	if (cgroup_identity_is_container(&id))
		return LINE_CONTAINER;
	if (!strncmp(line, "0::", 3))
		return LINE_V2;
	if ((size_t)(colon - controllers) == strlen("name=systemd") &&
	    !strncmp(controllers, "name=systemd", colon - controllers))
		return LINE_V1_SYSTEMD;
	return first ? LINE_FIRST_V1 : LINE_NONE;
}

int proc_cgroup_read(FILE *f, char *buf, size_t len)
{
	enum cgroup_line_rank best = LINE_NONE, rank;
	size_t line_cap = 0, nr_lines = 0;
	char *line = NULL;
	const char *path;
	bool first = true;
	int err = -ENODATA;
	ssize_t n;

	errno = 0;
	while ((n = getline(&line, &line_cap, f)) > 0) {
		/* the kernel lists one line per hierarchy, each path within PATH_MAX */
		if (++nr_lines > CGROUP_MAX_LINES || (size_t)n > CGROUP_MAX_LINE) {
			err = -EFBIG;
			break;
		}
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		rank = rank_line(line, &path, first);
		first = false;
		if (rank <= best)
			continue;
		best = rank;
		if (strlen(path) >= len) {
			err = -ENAMETOOLONG;
			continue;
		}
		strcpy(buf, path);
		err = 0;
	}
	if (ferror(f))
		err = errno ? -errno : -EIO; /* -ESRCH: it exited while read */
	free(line);
	return err;
}

int proc_cgroup(const char *proc_root, int pid, char *buf, size_t len)
{
	char path_name[PATH_MAX];
	FILE *f;
	int err;

	if (snprintf(path_name, sizeof(path_name), "%s/%d/cgroup", proc_root, pid) >=
	    (int)sizeof(path_name))
		return -ENAMETOOLONG;
	f = fopen(path_name, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	err = proc_cgroup_read(f, buf, len);
	fclose(f);
	return err;
}
