// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "go_test_binaries.h"

#define MAX_BUILDS 64

static char tmpdir[64];
static struct {
	char version[16], mode[16], path[PATH_MAX];
	bool ok;
} builds[MAX_BUILDS];
static int nr_builds;

static void remove_tmpdir(void)
{
	char cmd[128];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "go tests: could not remove %s\n", tmpdir);
}

static const char *get_tmpdir(void)
{
	if (tmpdir[0])
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/threadleak-go-unit.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		return NULL;
	}
	atexit(remove_tmpdir);
	return tmpdir;
}

static int compare_versions(const void *a, const void *b)
{
	int ma = 0, mb = 0;

	sscanf(*(const char *const *)a, "1.%d", &ma);
	sscanf(*(const char *const *)b, "1.%d", &mb);
	return ma - mb;
}

int go_test_versions(const char **versions, int max)
{
	static char names[GO_TEST_MAX_VERSIONS][16];
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir("/usr/lib");
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max && n < GO_TEST_MAX_VERSIONS) {
		if (strncmp(de->d_name, "go-1.", 5) || strlen(de->d_name + 3) >= sizeof(names[0]))
			continue;
		snprintf(path, sizeof(path), "/usr/lib/%s/bin/go", de->d_name);
		if (access(path, X_OK))
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", de->d_name + 3);
		versions[n] = names[n];
		n++;
	}
	closedir(dir);
	qsort(versions, n, sizeof(*versions), compare_versions);
	return n;
}

/* The environment of every go command: offline, hermetic, cached. */
static void go_env(char *env, size_t len)
{
	const char *cache = getenv("THREADLEAK_GOCACHE");
	char dflt[64];

	snprintf(dflt, sizeof(dflt), "/var/tmp/threadleak-gocache-%d", (int)getuid());
	snprintf(env, len,
		 "GOCACHE='%s' GOPATH='%s/gopath' GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local "
		 "CGO_ENABLED=0",
		 cache ? cache : dflt, tmpdir);
}

const char *go_test_goversion(const char *version)
{
	static char out[GO_TEST_MAX_VERSIONS][32];
	static char which[GO_TEST_MAX_VERSIONS][16];
	char cmd[PATH_MAX + 512], env[512];
	FILE *p;
	int i;

	for (i = 0; i < GO_TEST_MAX_VERSIONS && which[i][0]; i++)
		if (!strcmp(which[i], version))
			return out[i];
	if (i == GO_TEST_MAX_VERSIONS || !get_tmpdir())
		return NULL;
	go_env(env, sizeof(env));
	snprintf(cmd, sizeof(cmd), "%s /usr/lib/go-%s/bin/go env GOVERSION", env, version);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (!fgets(out[i], sizeof(out[i]), p)) {
		pclose(p);
		return NULL;
	}
	pclose(p);
	out[i][strcspn(out[i], "\n")] = '\0';
	snprintf(which[i], sizeof(which[i]), "%s", version);
	return out[i];
}

const char *go_test_binary(const char *version, const char *mode)
{
	char cmd[2 * PATH_MAX + 1024], env[512], src[PATH_MAX];
	const char *flags = "", *dir = getenv("TEST_GO_SRC");
	int i;

	for (i = 0; i < nr_builds; i++)
		if (!strcmp(builds[i].version, version) && !strcmp(builds[i].mode, mode))
			return builds[i].ok ? builds[i].path : NULL;
	if (nr_builds == MAX_BUILDS || !get_tmpdir())
		return NULL;
	if (!strcmp(mode, "stripped"))
		flags = "-ldflags='-s -w'";
	else if (!strcmp(mode, "pie"))
		flags = "-buildmode=pie";
	else if (!strcmp(mode, "pie-stripped"))
		flags = "-buildmode=pie -ldflags='-s -w'";
	if (!realpath(dir ? dir : "tests/go", src))
		return NULL;
	i = nr_builds++;
	snprintf(builds[i].version, sizeof(builds[i].version), "%s", version);
	snprintf(builds[i].mode, sizeof(builds[i].mode), "%s", mode);
	snprintf(builds[i].path, sizeof(builds[i].path), "%s/parked-%s-%s", tmpdir, version, mode);
	go_env(env, sizeof(env));
	snprintf(cmd, sizeof(cmd), "%s /usr/lib/go-%s/bin/go build %s -o '%s' '%s/parked.go'", env,
		 version, flags, builds[i].path, src);
	builds[i].ok = system(cmd) == 0;
	if (!builds[i].ok)
		fprintf(stderr, "go tests: failed: %s\n", cmd);
	return builds[i].ok ? builds[i].path : NULL;
}

const char *go_test_name(const char *version, const char *mode)
{
	static char names[MAX_BUILDS * 4][48];
	static int nr_names;
	char *name = names[nr_names % (MAX_BUILDS * 4)];

	nr_names++;
	snprintf(name, sizeof(names[0]), "go%s%s%s", version, mode ? "/" : "", mode ? mode : "");
	return name;
}

char *go_test_run(const char *path, const char *arg)
{
	char cmd[PATH_MAX + 64], *out = NULL;
	size_t len = 0, cap = 0, n;
	char buf[4096];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' %s", path, arg);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		if (len + n + 1 > cap) {
			char *more;

			cap = (len + n + 1) * 2;
			more = realloc(out, cap);
			if (!more)
				break;
			out = more;
		}
		memcpy(out + len, buf, n);
		len += n;
		out[len] = '\0';
	}
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
