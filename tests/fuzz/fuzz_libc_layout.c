// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: glibc's struct pthread layout read from a libc ELF file
 * (libc_layout_read) and the libc found in a maps file
 * (libc_path_of_pid), on arbitrary bytes, as a target's files give them.
 * An input that starts as ELF is the libc, any other the maps of a process
 * under a proc root of the target's own, in /dev/shm. The offsets read
 * are whatever the file says: the census bounds them where it uses them.
 *
 * Seeds: a small shared object with the descriptors, and real maps files
 * (seed_libc_layout.sh).
 */
/* fuzz-srcs: src/libc_layout.c src/target_file.c src/target_call.c
 * fuzz-libs: -lelf -pthread
 * fuzz-flags: -max_len=65536 -malloc_limit_mb=64 */
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "libc_layout.h"

#define FAKE_PID 1

static char root[64], file[PATH_MAX];

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "we");

	fuzz_check(f != NULL, "fopen");
	fuzz_check(fwrite(data, 1, size, f) == size, "fwrite");
	fuzz_check(fclose(f) == 0, "fclose");
}

/* A proc root of our own, removed at exit. */
static void cleanup(void)
{
	char path[PATH_MAX];

	unlink(file);
	snprintf(path, sizeof(path), "%s/%d/maps", root, FAKE_PID);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, FAKE_PID);
	rmdir(path);
	rmdir(root);
}

static void make_root(void)
{
	char path[PATH_MAX];

	snprintf(root, sizeof(root), "/dev/shm/fuzz_libc_layout.%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/%d", root, FAKE_PID);
	fuzz_check(!mkdir(root, 0700) && !mkdir(path, 0700), "mkdir");
	snprintf(file, sizeof(file), "%s/libc.so.6", root);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pthread_layout layout;
	char path[PATH_MAX];
	int fd;

	if (!root[0])
		make_root();
	if (size >= 4 && !memcmp(data, "\177ELF", 4)) {
		write_file(file, data, size);
		(void)libc_layout_read(file, &layout);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%d/maps", root, FAKE_PID);
	write_file(path, data, size);
	fd = libc_open_of_pid(root, FAKE_PID);
	if (fd >= 0)
		close(fd);
	return 0;
}
