// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
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
