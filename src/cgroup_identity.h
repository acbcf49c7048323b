/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a cgroup path says a process is: a container (its runtime and id), a
 * Kubernetes pod (its UID and QoS class), a systemd unit. Read from the
 * names kubelet, containerd, CRI-O, docker and podman give cgroups, in both
 * the systemd driver's naming
 *
 *   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
 *
 * and the cgroupfs driver's
 *
 *   /kubepods/burstable/pod<uid>/<id>
 *
 * A delegated cgroup can be named like this by its owner: this is what the
 * cgroup claims, not proof.
 */
#ifndef __THREADLEAK_CGROUP_IDENTITY_H
#define __THREADLEAK_CGROUP_IDENTITY_H

#include <stdbool.h>

struct cgroup_identity {
	char runtime[16];	/* "containerd", "crio", "docker", "podman", "" */
	char container_id[65];	/* hex, "" if none */
	char pod_uid[37];	/* 8-4-4-4-12, "" if none */
	char qos[12];		/* "guaranteed", "burstable", "besteffort", "" */
	char systemd_unit[128]; /* the innermost .service or .scope, "" if none */
};

/* Parse @path (a cgroup path, e.g. from /proc/PID/cgroup) into @id. */
void cgroup_identity_parse(const char *path, struct cgroup_identity *id);

/* Does @id name a container or a pod? */
bool cgroup_identity_is_container(const struct cgroup_identity *id);

#endif /* __THREADLEAK_CGROUP_IDENTITY_H */
