// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "target_file.h"

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/* @path inside @root: symlinks, "..", absolute names all stay in it. */
static int open_in_root(const char *root, const char *path)
{
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int dir, fd;

	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	fd = syscall(SYS_openat2, dir, path, &how, sizeof(how));
	fd = fd < 0 ? -errno : fd;
	close(dir);
	return fd;
}

static int check_file(int fd)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) || fstatfs(fd, &sfs))
		return -errno;
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > TARGET_FILE_MAX_SIZE ||
	    sfs.f_type == FUSE_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	return 0;
}

int target_file_open(const char *root, const char *path)
{
	int fd, err;

	fd = root ? open_in_root(root, path) : open(path, OPEN_FLAGS);
	if (fd < 0)
		return root ? fd : -errno;
	err = check_file(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
