// SPDX-License-Identifier: GPL-2.0
/* target_call_lend() and the reads that use it (proc_mem_readv_buf()). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "../../src/proc_mem.h"
#include "../../src/target_call.h"
#include "test.h"

struct lend_io {
	int fd; /* read a byte from it first (blocks until written) */
	char data[64];
};

static long lend_released = -1000; /* what release got, once it ran */

static long lend_run(void *arg)
{
	struct lend_io *io = arg;
	char c;

	if (io->fd >= 0 && read(io->fd, &c, 1) != 1)
		return -EIO;
	/* a late write: after an abandonment it must land in what the reader owns */
	memset(io->data, 'w', sizeof(io->data));
	return 7;
}

static void lend_release(void *arg, long ret)
{
	free(arg);
	__atomic_store_n(&lend_released, ret, __ATOMIC_SEQ_CST);
}

void test_target_call_lend_in_time(void)
{
	struct lend_io *io = calloc(1, sizeof(*io));

	ASSERT_TRUE(io != NULL, "target_call_lend/alloc");
	io->fd = -1;
	ASSERT_EQ(target_call_lend(lend_run, lend_release, io), 7, "target_call_lend/ret");
	/* written in place, and still the caller's */
	ASSERT_EQ(io->data[0], 'w', "target_call_lend/written");
	ASSERT_EQ(io->data[63], 'w', "target_call_lend/written_last");
	ASSERT_EQ(__atomic_load_n(&lend_released, __ATOMIC_SEQ_CST), -1000,
		  "target_call_lend/not_released");
	free(io);
}

void test_target_call_lend_abandoned(void)
{
	struct lend_io *io = calloc(1, sizeof(*io)), *next;
	unsigned int stuck = target_call_stuck();
	__u64 timeouts = target_call_timeouts();
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int fds[2], i;

	ASSERT_TRUE(io != NULL, "target_call_lend_abandoned/alloc");
	ASSERT_OK(pipe(fds), "target_call_lend_abandoned/pipe");
	io->fd = fds[0];
	__atomic_store_n(&lend_released, -1000, __ATOMIC_SEQ_CST);
	ASSERT_EQ(target_call_lend(lend_run, lend_release, io), -ETIMEDOUT,
		  "target_call_lend_abandoned/timed_out");
	ASSERT_EQ(target_call_stuck(), stuck + 1, "target_call_lend_abandoned/stuck");
	ASSERT_EQ(target_call_timeouts(), timeouts + 1, "target_call_lend_abandoned/timeouts");
	ASSERT_EQ(__atomic_load_n(&lend_released, __ATOMIC_SEQ_CST), -1000,
		  "target_call_lend_abandoned/kept_while_stuck");

	/* the next call gets a new reader and its own io back */
	next = calloc(1, sizeof(*next));
	ASSERT_TRUE(next != NULL, "target_call_lend_abandoned/alloc_next");
	next->fd = -1;
	ASSERT_EQ(target_call_lend(lend_run, lend_release, next), 7,
		  "target_call_lend_abandoned/next_call");
	ASSERT_EQ(next->data[0], 'w', "target_call_lend_abandoned/next_written");
	free(next);

	/* the stuck one wakes, writes into the io it kept, and frees it */
	ASSERT_EQ(write(fds[1], "x", 1), 1, "target_call_lend_abandoned/wake");
	for (i = 0; i < 300 && __atomic_load_n(&lend_released, __ATOMIC_SEQ_CST) == -1000; i++)
		nanosleep(&ts, NULL);
	ASSERT_EQ(__atomic_load_n(&lend_released, __ATOMIC_SEQ_CST), 7,
		  "target_call_lend_abandoned/released");
	for (i = 0; i < 300 && target_call_stuck() != stuck; i++)
		nanosleep(&ts, NULL);
	ASSERT_EQ(target_call_stuck(), stuck, "target_call_lend_abandoned/unstuck");
	close(fds[0]);
	close(fds[1]);
}

/*
 * The lend in two halves: the caller makes other calls while the lent one
 * runs, and one that stalls is abandoned at its time, its io kept.
 */
void test_target_call_lend_start(void)
{
	struct lend_io *io = calloc(1, sizeof(*io)), *other = calloc(1, sizeof(*other));
	unsigned int stuck = target_call_stuck();
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct target_lend t;
	int fds[2], i;

	ASSERT_TRUE(io && other, "target_call_lend_start/alloc");
	io->fd = other->fd = -1;
	__atomic_store_n(&lend_released, -1000, __ATOMIC_SEQ_CST);
	target_call_lend_start(&t, lend_run, lend_release, io);
	ASSERT_EQ(target_call_lend_wait(&t), 7, "target_call_lend_start/ret");
	ASSERT_EQ(io->data[63], 'w', "target_call_lend_start/written");

	/* one that waits on a pipe, with another call made meanwhile */
	ASSERT_OK(pipe(fds), "target_call_lend_start/pipe");
	io->fd = fds[0];
	memset(io->data, 0, sizeof(io->data));
	target_call_lend_start(&t, lend_run, lend_release, io);
	ASSERT_EQ(target_call_lend(lend_run, lend_release, other), 7,
		  "target_call_lend_start/call_beside");
	ASSERT_EQ(io->data[0], 0, "target_call_lend_start/not_yet");
	ASSERT_EQ(write(fds[1], "x", 1), 1, "target_call_lend_start/wake");
	ASSERT_EQ(target_call_lend_wait(&t), 7, "target_call_lend_start/woken");
	ASSERT_EQ(io->data[0], 'w', "target_call_lend_start/written_after");

	/* never woken in time: abandoned, the io the reader's */
	target_call_lend_start(&t, lend_run, lend_release, io);
	ASSERT_EQ(target_call_lend(lend_run, lend_release, other), 7,
		  "target_call_lend_start/call_beside_stuck");
	ASSERT_EQ(target_call_lend_wait(&t), -ETIMEDOUT, "target_call_lend_start/timed_out");
	ASSERT_EQ(target_call_stuck(), stuck + 1, "target_call_lend_start/stuck");
	ASSERT_EQ(__atomic_load_n(&lend_released, __ATOMIC_SEQ_CST), -1000,
		  "target_call_lend_start/kept_while_stuck");
	/* the next start gets a new reader */
	target_call_lend_start(&t, lend_run, lend_release, other);
	ASSERT_EQ(target_call_lend_wait(&t), 7, "target_call_lend_start/next");
	ASSERT_EQ(write(fds[1], "x", 1), 1, "target_call_lend_start/wake_stuck");
	for (i = 0; i < 300 && __atomic_load_n(&lend_released, __ATOMIC_SEQ_CST) == -1000; i++)
		nanosleep(&ts, NULL);
	ASSERT_EQ(__atomic_load_n(&lend_released, __ATOMIC_SEQ_CST), 7,
		  "target_call_lend_start/released");
	for (i = 0; i < 300 && target_call_stuck() != stuck; i++)
		nanosleep(&ts, NULL);
	ASSERT_EQ(target_call_stuck(), stuck, "target_call_lend_start/unstuck");
	free(other);
	close(fds[0]);
	close(fds[1]);
}

static __u8 pattern[3 << 20];

void test_proc_mem_readv_buf(void)
{
	struct proc_mem_buf *buf = NULL;
	struct iovec local[2], remote[2];
	size_t i, half = sizeof(pattern) / 2;
	__u8 *data, outside[16];

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 7 + (i >> 12);
	data = proc_mem_buf_reserve(&buf, sizeof(pattern) + 100);
	ASSERT_TRUE(data != NULL, "proc_mem_readv_buf/reserve");
	ASSERT_TRUE(proc_mem_buf_reserve(&buf, 10) == data, "proc_mem_readv_buf/kept");
	/* two ranges, swapped, the second past the first job's bytes */
	local[0] = (struct iovec){ data + 100, half };
	remote[0] = (struct iovec){ pattern + half, half };
	local[1] = (struct iovec){ data, 100 };
	remote[1] = (struct iovec){ pattern, 100 };
	ASSERT_EQ(proc_mem_readv_buf(&buf, getpid(), local, remote, 2), (ssize_t)(half + 100),
		  "proc_mem_readv_buf/read");
	ASSERT_OK(memcmp(data + 100, pattern + half, half), "proc_mem_readv_buf/first");
	ASSERT_OK(memcmp(data, pattern, 100), "proc_mem_readv_buf/second");
	/* somewhere else than the buffer: refused */
	local[0] = (struct iovec){ outside, sizeof(outside) };
	remote[0] = (struct iovec){ pattern, sizeof(outside) };
	ASSERT_EQ(proc_mem_readv_buf(&buf, getpid(), local, remote, 1), -EINVAL,
		  "proc_mem_readv_buf/outside");
	local[0] = (struct iovec){ data + sizeof(pattern), 101 };
	remote[0] = (struct iovec){ pattern, 101 };
	ASSERT_EQ(proc_mem_readv_buf(&buf, getpid(), local, remote, 1), -EINVAL,
		  "proc_mem_readv_buf/past_end");
	proc_mem_buf_free(buf);
}

void test_proc_mem_readv_short(void)
{
	long page = sysconf(_SC_PAGESIZE);
	__u8 *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static __u8 out[3 << 20];
	struct iovec local[2], remote[2];

	ASSERT_TRUE(map != MAP_FAILED, "proc_mem_readv_short/mmap");
	memset(map, 'm', page);
	munmap(map + page, page);
	/* the copying path: more than one job, then a range cut by an unmapped page */
	local[0] = (struct iovec){ out, sizeof(pattern) };
	remote[0] = (struct iovec){ pattern, sizeof(pattern) };
	local[1] = (struct iovec){ out, 2 * page };
	remote[1] = (struct iovec){ map, 2 * page };
	ASSERT_EQ(proc_mem_readv(getpid(), local, remote, 1), (ssize_t)sizeof(pattern),
		  "proc_mem_readv_short/whole");
	ASSERT_OK(memcmp(out, pattern, sizeof(pattern)), "proc_mem_readv_short/bytes");
	ASSERT_EQ(proc_mem_readv(getpid(), local + 1, remote + 1, 1), page,
		  "proc_mem_readv_short/cut");
	ASSERT_EQ(out[page - 1], 'm', "proc_mem_readv_short/cut_bytes");
	ASSERT_EQ(proc_mem_read(getpid(), (unsigned long)map + page, out, 8), -EFAULT,
		  "proc_mem_readv_short/unmapped");
	munmap(map, page);
}

/*
 * A read that stalls in the kernel (its page is a userfaultfd's, resolved
 * by no one until it is abandoned) keeps the buffer it reads into, and
 * finishes into it once the page comes.
 */
static void readv_buf_stalled(bool started)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_copy copy = { 0 };
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct proc_mem_buf *buf = NULL;
	unsigned int stuck = target_call_stuck();
	struct iovec local, remote;
	__u8 *map, *src, *data;
	int uffd, i;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		test__skip("no userfaultfd");
		return;
	}
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = aligned_alloc(page, page);
	ASSERT_TRUE(map != MAP_FAILED && src, "proc_mem_readv_buf_stalled/mmap");
	reg.range.start = (unsigned long)map;
	reg.range.len = page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_OK(ioctl(uffd, UFFDIO_REGISTER, &reg), "proc_mem_readv_buf_stalled/register");
	data = proc_mem_buf_reserve(&buf, page);
	ASSERT_TRUE(data != NULL, "proc_mem_readv_buf_stalled/reserve");
	local = (struct iovec){ data, page };
	remote = (struct iovec){ map, page };
	if (started) {
		struct proc_mem_pending p;
		__u64 word = 0;

		proc_mem_readv_buf_start(&p, &buf, getpid(), &local, &remote, 1);
		/* a read beside it works */
		ASSERT_EQ(proc_mem_read(getpid(), (unsigned long)pattern, &word, sizeof(word)),
			  (ssize_t)sizeof(word), "proc_mem_readv_buf_stalled/read_beside");
		ASSERT_OK(memcmp(&word, pattern, sizeof(word)), "proc_mem_readv_buf_stalled/beside");
		ASSERT_EQ(proc_mem_readv_buf_wait(&p), -ETIMEDOUT,
			  "proc_mem_readv_buf_stalled/timed_out");
	} else {
		ASSERT_EQ(proc_mem_readv_buf(&buf, getpid(), &local, &remote, 1), -ETIMEDOUT,
			  "proc_mem_readv_buf_stalled/timed_out");
	}
	ASSERT_TRUE(buf == NULL, "proc_mem_readv_buf_stalled/buffer_given_up");
	ASSERT_EQ(target_call_stuck(), stuck + 1, "proc_mem_readv_buf_stalled/stuck");
	/* the page comes: the stuck reader copies it into the buffer it kept, frees it, exits */
	memset(src, 'u', page);
	copy.dst = (unsigned long)map;
	copy.src = (unsigned long)src;
	copy.len = page;
	ASSERT_OK(ioctl(uffd, UFFDIO_COPY, &copy), "proc_mem_readv_buf_stalled/resolve");
	for (i = 0; i < 300 && target_call_stuck() != stuck; i++)
		nanosleep(&ts, NULL);
	ASSERT_EQ(target_call_stuck(), stuck, "proc_mem_readv_buf_stalled/unstuck");
	/* and a read now works, into a new buffer */
	data = proc_mem_buf_reserve(&buf, page);
	ASSERT_TRUE(data != NULL, "proc_mem_readv_buf_stalled/reserve_again");
	local = (struct iovec){ data, page };
	ASSERT_EQ(proc_mem_readv_buf(&buf, getpid(), &local, &remote, 1), page,
		  "proc_mem_readv_buf_stalled/read_after");
	ASSERT_EQ(data[page - 1], 'u', "proc_mem_readv_buf_stalled/bytes");
	proc_mem_buf_free(buf);
	free(src);
	munmap(map, page);
	close(uffd);
}

void test_proc_mem_readv_buf_stalled(void)
{
	readv_buf_stalled(false);
}

/* ... started and waited for later (proc_mem_readv_buf_start()) */
void test_proc_mem_readv_buf_start_stalled(void)
{
	readv_buf_stalled(true);
}

/* A read started, another made beside it, both land. */
void test_proc_mem_readv_buf_start(void)
{
	struct proc_mem_buf *buf = NULL;
	struct proc_mem_pending p;
	struct iovec local[2], remote[2];
	size_t half = sizeof(pattern) / 2;
	__u8 *data, out[100];

	data = proc_mem_buf_reserve(&buf, half + 100);
	ASSERT_TRUE(data != NULL, "proc_mem_readv_buf_start/reserve");
	local[0] = (struct iovec){ data + 100, half };
	remote[0] = (struct iovec){ pattern + half, half };
	local[1] = (struct iovec){ data, 100 };
	remote[1] = (struct iovec){ pattern, 100 };
	proc_mem_readv_buf_start(&p, &buf, getpid(), local, remote, 2);
	ASSERT_EQ(proc_mem_read(getpid(), (unsigned long)pattern + 7, out, sizeof(out)),
		  (ssize_t)sizeof(out), "proc_mem_readv_buf_start/beside");
	ASSERT_OK(memcmp(out, pattern + 7, sizeof(out)), "proc_mem_readv_buf_start/beside_bytes");
	ASSERT_EQ(proc_mem_readv_buf_wait(&p), (ssize_t)(half + 100),
		  "proc_mem_readv_buf_start/read");
	ASSERT_TRUE(buf != NULL, "proc_mem_readv_buf_start/kept");
	ASSERT_OK(memcmp(data + 100, pattern + half, half), "proc_mem_readv_buf_start/first");
	ASSERT_OK(memcmp(data, pattern, 100), "proc_mem_readv_buf_start/second");
	/* outside the buffer: refused, by the wait */
	local[0] = (struct iovec){ out, sizeof(out) };
	remote[0] = (struct iovec){ pattern, sizeof(out) };
	proc_mem_readv_buf_start(&p, &buf, getpid(), local, remote, 1);
	ASSERT_EQ(proc_mem_readv_buf_wait(&p), -EINVAL, "proc_mem_readv_buf_start/outside");
	proc_mem_buf_free(buf);
}
