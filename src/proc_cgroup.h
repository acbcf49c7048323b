/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup of a process, as /proc/PID/cgroup gives it: the container or
 * systemd unit it runs in, e.g. "/system.slice/nginx.service". The root is a
 * parameter so tests can point it at a directory of their own.
 */
#ifndef __THREADLEAK_PROC_CGROUP_H
#define __THREADLEAK_PROC_CGROUP_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write the cgroup path of process @pid under @proc_root into @buf (@len
 * bytes): a path that names a container or a pod (cgroup_identity.h) in
 * any hierarchy, else the cgroup v2 path ("0::/path"); on a cgroup v1 host
 * the path of the name=systemd hierarchy, else of the first hierarchy
 * listed. Returns 0,
 * -ESRCH if there is no such process, -ENODATA if the file lists no cgroup,
 * -ENAMETOOLONG if the path does not fit, or another -errno.
 */
int proc_cgroup(const char *proc_root, int pid, char *buf, size_t len);

/*
 * The same on the contents of such a file, read from @f (for the tests and
 * the fuzzer). -EFBIG: more lines, or longer, than any kernel writes.
 */
int proc_cgroup_read(FILE *f, char *buf, size_t len);

#endif /* __THREADLEAK_PROC_CGROUP_H */
