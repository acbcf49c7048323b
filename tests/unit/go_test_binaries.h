/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real Go binaries for the unit tests: tests/go/parked.go built with each
 * installed Go toolchain (/usr/lib/go-1.NN/bin/go), once per test run, in a
 * temporary directory removed at exit. Go's build cache is shared between
 * runs ($THREADLEAK_GOCACHE, default /var/tmp/threadleak-gocache-UID).
 */
#ifndef __THREADLEAK_GO_TEST_BINARIES_H
#define __THREADLEAK_GO_TEST_BINARIES_H

#define GO_TEST_MAX_VERSIONS 16

/* The installed toolchains, as "1.19", "1.21", ...; returns how many. */
int go_test_versions(const char **versions, int max);

/* What `go env GOVERSION` says for toolchain @version ("go1.19.8"), or NULL. */
const char *go_test_goversion(const char *version);

/*
 * The path of tests/go/parked.go built with Go @version in @mode: "normal",
 * "stripped" (-ldflags='-s -w'), "pie" or "pie-stripped". NULL if the build
 * failed (the reason is on stderr).
 */
const char *go_test_binary(const char *version, const char *mode);

/* A subtest name that lasts until exit (the harness keeps the pointer). */
const char *go_test_name(const char *version, const char *mode);

/* Run @path with @arg and return its output (malloc'd), or NULL. */
char *go_test_run(const char *path, const char *arg);

#endif /* __THREADLEAK_GO_TEST_BINARIES_H */
