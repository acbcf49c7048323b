// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "cgroup_identity.h"

#define CONTAINER_ID_LEN 64
#define POD_UID_LEN 36

/* Container scopes of the systemd driver: "<prefix><id>.scope". */
static const struct {
	const char *prefix, *runtime;
} scopes[] = {
	{ "cri-containerd-", "containerd" },
	{ "crio-", "crio" },
	{ "docker-", "docker" },
	{ "libpod-", "podman" },
};

static const char *const qos_classes[] = { "burstable", "besteffort", "guaranteed" };

static bool is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/* A pod UID, with '_' for '-' in systemd's naming: 8-4-4-4-12 hex. */
static bool take_pod_uid(const char *s, size_t len, struct cgroup_identity *id)
{
	size_t i;

	if (len != POD_UID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' && s[i] != '_' : !is_hex(&s[i], 1))
			return false;
	}
	for (i = 0; i < len; i++)
		id->pod_uid[i] = s[i] == '_' ? '-' : s[i];
	id->pod_uid[len] = '\0';
	return true;
}

static bool take_container(const char *s, size_t len, const char *runtime,
			   struct cgroup_identity *id)
{
	if (len != CONTAINER_ID_LEN || !is_hex(s, len))
		return false;
	memcpy(id->container_id, s, len);
	id->container_id[len] = '\0';
	strcpy(id->runtime, runtime);
	return true;
}

static void take_qos(const char *s, size_t len, struct cgroup_identity *id)
{
	size_t i;

	for (i = 0; i < sizeof(qos_classes) / sizeof(qos_classes[0]); i++)
		if (len == strlen(qos_classes[i]) && !memcmp(s, qos_classes[i], len))
			strcpy(id->qos, qos_classes[i]);
}

/* kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice */
static void kubepods_slice(const char *c, size_t len, struct cgroup_identity *id)
{
	const char *pod;

	c += strlen("kubepods-");
	len -= strlen("kubepods-") + strlen(".slice");
	pod = memmem(c, len, "pod", 3);
	if (!pod) {
		take_qos(c, len, id);
		return;
	}
	if (pod > c)
		take_qos(c, pod - c - 1, id); /* "burstable-pod…" */
	take_pod_uid(pod + 3, len - (pod + 3 - c), id);
}

/* One path component, @c of @len bytes; @in_kubepods: below kubepods. */
static void component(const char *c, size_t len, const char *parent, size_t parent_len,
		      bool in_kubepods, struct cgroup_identity *id)
{
	size_t i;

	if (ends_with(c, len, ".scope")) {
		for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
			size_t n = strlen(scopes[i].prefix);

			if (starts_with(c, len, scopes[i].prefix) &&
			    take_container(c + n, len - n - strlen(".scope"), scopes[i].runtime, id))
				return;
		}
		if (starts_with(c, len, "crio-conmon-"))
			return; /* CRI-O's monitor of a container, not the container */
	}
	if (ends_with(c, len, ".service") || ends_with(c, len, ".scope")) {
		if (len < sizeof(id->systemd_unit)) {
			memcpy(id->systemd_unit, c, len);
			id->systemd_unit[len] = '\0';
		}
		return;
	}
	if (starts_with(c, len, "kubepods-") && ends_with(c, len, ".slice")) {
		kubepods_slice(c, len, id);
		return;
	}
	if (!in_kubepods) {
		/* cgroupfs docker: /docker/<id> */
		if (parent_len == 6 && !memcmp(parent, "docker", 6))
			take_container(c, len, "docker", id);
		return;
	}
	if (starts_with(c, len, "pod") && take_pod_uid(c + 3, len - 3, id))
		return;
	take_qos(c, len, id);
	if (id->pod_uid[0])
		take_container(c, len, "", id); /* cgroupfs: the runtime is not named */
}

void cgroup_identity_parse(const char *path, struct cgroup_identity *id)
{
	const char *c = path, *parent = "", *end;
	size_t parent_len = 0;
	bool in_kubepods = false;

	memset(id, 0, sizeof(*id));
	while (*c) {
		while (*c == '/')
			c++;
		end = strchrnul(c, '/');
		if (end > c) {
			size_t len = end - c;

			if ((len == 8 && !memcmp(c, "kubepods", 8)) ||
			    (len == 14 && !memcmp(c, "kubepods.slice", 14)))
				in_kubepods = true;
			else
				component(c, len, parent, parent_len, in_kubepods, id);
			parent = c;
			parent_len = len;
		}
		c = end;
	}
	if (id->pod_uid[0] && !id->qos[0])
		strcpy(id->qos, "guaranteed"); /* its pod sits right under kubepods */
}

bool cgroup_identity_is_container(const struct cgroup_identity *id)
{
	return id->container_id[0] || id->pod_uid[0];
}
