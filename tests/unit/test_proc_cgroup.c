// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup_identity.h"
#include "proc_cgroup.h"
#include "fake_proc.h"
#include "test.h"

static void remove_cgroup_file(const char *root, int pid)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%d/cgroup", root, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	rmdir(path);
}

void test_proc_cgroup(void)
{
	static const struct {
		const char *name, *content, *want;
		int err;
	} cases[] = {
		{ "v2", "0::/system.slice/nginx.service\n", "/system.slice/nginx.service", 0 },
		{ "v2_root", "0::/\n", "/", 0 },
		{ "v2_no_newline", "0::/user.slice/user-1000.slice/session-3.scope",
		  "/user.slice/user-1000.slice/session-3.scope", 0 },
		{ "hybrid",
		  "12:pids:/system.slice/db.service\n1:name=systemd:/system.slice/db.service\n0::/system.slice/db.service\n",
		  "/system.slice/db.service", 0 },
		{ "v1_systemd",
		  "12:pids:/docker/abc\n11:cpu,cpuacct:/docker/abc\n1:name=systemd:/system.slice/docker-abc.scope\n",
		  "/system.slice/docker-abc.scope", 0 },
		{ "v1_first", "4:memory:/lxc/web\n3:cpu:/lxc/other\n", "/lxc/web", 0 },
		{ "path_with_colon", "0::/machine.slice/a:b\n", "/machine.slice/a:b", 0 },
		{ "empty", "", NULL, -ENODATA },
		{ "garbage", "nonsense\n", NULL, -ENODATA },
	};
	char root[] = "/tmp/threadleak-cgroup-XXXXXX", buf[64];
	size_t i;

	if (!ASSERT_TRUE(mkdtemp(root), "mkdtemp"))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test__start_subtest(cases[i].name);
		if (!ASSERT_OK(fake_proc_cgroup(root, 100 + i, cases[i].content), "fixture"))
			continue;
		buf[0] = '\0';
		ASSERT_EQ(proc_cgroup(root, 100 + i, buf, sizeof(buf)), cases[i].err, "result");
		if (cases[i].want)
			ASSERT_STREQ(buf, cases[i].want, "path");
		remove_cgroup_file(root, 100 + i);
	}
	if (test__start_subtest("too_long") &&
	    ASSERT_OK(fake_proc_cgroup(root, 99, "0::/a/very/long/path/that/does/not/fit\n"),
		      "fixture")) {
		ASSERT_EQ(proc_cgroup(root, 99, buf, 16), -ENAMETOOLONG, "result");
		remove_cgroup_file(root, 99);
	}
	if (test__start_subtest("missing"))
		ASSERT_EQ(proc_cgroup(root, 4242, buf, sizeof(buf)), -ESRCH, "no such process");
	if (test__start_subtest("self")) {
		char self[4096];

		ASSERT_OK(proc_cgroup("/proc", getpid(), self, sizeof(self)), "read");
		ASSERT_EQ(self[0], '/', "a path");
	}
	rmdir(root);
}

/* Who a cgroup path says a process is (cgroup_identity.c). */
void test_cgroup_identity(void)
{
	static const char cid[] = "4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";
	static const struct {
		const char *name, *path, *runtime, *container, *pod, *qos, *unit;
	} cases[] = {
		{ "systemd_containerd_burstable",
		  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope",
		  "containerd", cid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "burstable", "" },
		{ "systemd_crio_guaranteed",
		  "/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/crio-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope",
		  "crio", cid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "guaranteed", "" },
		{ "systemd_docker_besteffort",
		  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/docker-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope",
		  "docker", cid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "besteffort", "" },
		{ "cgroupfs_burstable",
		  "/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
		  "", cid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "burstable", "" },
		{ "cgroupfs_guaranteed_pod_only",
		  "/kubepods/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "", "",
		  "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "guaranteed", "" },
		{ "crio_conmon", "/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/crio-conmon-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope",
		  "", "", "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "guaranteed", "" },
		{ "docker_systemd", "/system.slice/docker-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope",
		  "docker", cid, "", "", "" },
		{ "docker_cgroupfs", "/docker/4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
		  "docker", cid, "", "", "" },
		{ "podman", "/machine.slice/libpod-4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b.scope/container",
		  "podman", cid, "", "", "" },
		{ "service", "/system.slice/nginx.service", "", "", "", "", "nginx.service" },
		{ "user_service", "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
		  "", "", "", "", "foo.service" },
		{ "session", "/user.slice/user-1000.slice/session-3.scope", "", "", "", "", "session-3.scope" },
		{ "short_id", "/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/4f3c2a", "", "",
		  "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "burstable", "" },
		{ "bad_uid", "/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6X/x", "", "", "",
		  "burstable", "" },
		{ "root", "/", "", "", "", "", "" },
		{ "not_below_kubepods", "/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
		  "", "", "", "", "" },
	};
	struct cgroup_identity id;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test__start_subtest(cases[i].name);
		cgroup_identity_parse(cases[i].path, &id);
		ASSERT_STREQ(id.runtime, cases[i].runtime, "runtime");
		ASSERT_STREQ(id.container_id, cases[i].container, "container id");
		ASSERT_STREQ(id.pod_uid, cases[i].pod, "pod uid");
		ASSERT_STREQ(id.qos, cases[i].qos, "qos");
		ASSERT_STREQ(id.systemd_unit, cases[i].unit, "unit");
	}
}

/* A hybrid host whose kubelet uses cgroupfs: the pod is in v1 only. */
void test_proc_cgroup_hybrid_kubepods(void)
{
	char root[] = "/tmp/threadleak-cgroup-XXXXXX", buf[512];

	if (!ASSERT_TRUE(mkdtemp(root), "mkdtemp"))
		return;
	if (ASSERT_OK(fake_proc_cgroup(root, 7,
				       "12:pids:/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b\n"
				       "1:name=systemd:/system.slice/containerd.service\n"
				       "0::/system.slice/containerd.service\n"),
		      "fixture")) {
		ASSERT_OK(proc_cgroup(root, 7, buf, sizeof(buf)), "result");
		ASSERT_STREQ(buf,
			     "/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
			     "the v1 path that names the pod");
		remove_cgroup_file(root, 7);
	}
	rmdir(root);
}
