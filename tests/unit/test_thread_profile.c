// SPDX-License-Identifier: GPL-2.0
/*
 * The threads at the end of a run as profiles: a simulated process's threads
 * through detector__threads() into folded stacks and a pprof profile,
 * checked line by line and label by label.
 */
#include <string.h>
#include <zlib.h>
#include "sim.h"
#include "test.h"
#include "thread_profile.h"

#define T0 (100 * SEC_NS)

enum {
	PC_LLL_LOCK_WAIT = 0x7f0001000,
	PC_MUTEX_LOCK = 0x7f0002000,
	PC_WORKER = 0x401000,
	PC_START_THREAD = 0x7f0006000,
	PC_IDLER = 0x401800,
	LOCK_A = 0x404040,
};

static const __u64 mutex_stack[] = { PC_LLL_LOCK_WAIT, PC_MUTEX_LOCK, PC_WORKER, PC_START_THREAD };

/* Two threads blocked on lock_a with their stack; one idle thread with none. */
static void simulate(struct sim *s)
{
	__u32 tid;
	int i;

	sim_init(s, 700, NULL);
	sim_symbol(s, PC_LLL_LOCK_WAIT, "__lll_lock_wait", "", 0);
	sim_symbol(s, PC_MUTEX_LOCK, "pthread_mutex_lock", "", 0);
	sim_symbol(s, PC_WORKER, "worker", "app.c", 10);
	sim_symbol(s, PC_START_THREAD, "start_thread", "", 0);
	sim_symbol(s, PC_IDLER, "idler", "app.c", 30);
	sim_symbol(s, LOCK_A, "lock_a", "", 0);
	for (i = 0; i < 2; i++) {
		tid = sim_spawn(s, T0, PC_WORKER);
		sim_wait(s, tid, T0, NR_FUTEX, LOCK_A, FUTEX_WAIT_PRIVATE_OP);
		sim_stack(s, tid, mutex_stack, 4);
	}
	tid = sim_spawn(s, T0, PC_IDLER);
	sim_wait(s, tid, T0, 34 /* pause */, 0, 0);
	for (i = 0; i <= 3; i++)
		sim_census(s, T0 + i * SEC_NS);
}

void test_thread_profile_folded(void)
{
	struct thread_profile *tp = thread_profile__new(0);
	unsigned int with_stack = 0;
	char *text = NULL;
	size_t len = 0;
	struct sim s;
	FILE *f;

	if (!ASSERT_NOT_NULL(tp, "new"))
		return;
	simulate(&s);
	detector__threads(s.d, thread_profile__add, tp);
	/* main (asleep, no stack), two workers, the idler */
	ASSERT_EQ(thread_profile__threads(tp, &with_stack), 4, "threads");
	ASSERT_EQ(with_stack, 2, "with their stack");
	f = open_memstream(&text, &len);
	ASSERT_OK(thread_profile__write_folded(tp, f), "folded");
	fclose(f);
	ASSERT_STREQ(text,
		     "worker;idler (app.c:30);[pause] 1\n"
		     "worker;main thread;[nanosleep] 1\n"
		     "worker;start_thread;worker;pthread_mutex_lock;__lll_lock_wait 2\n",
		     "lines, root first, in byte order");
	free(text);
	thread_profile__free(tp);
	sim_free(&s);
}

/* The gzipped profile, inflated: its strings hold every label. */
void test_thread_profile_pprof(void)
{
	struct thread_profile *tp = thread_profile__new(0);
	char path[] = "/tmp/threadleak-test-profile.XXXXXX";
	static const char *const want[] = {
		"threads", "count", "pid", "comm", "worker", "tid", "state", "mutex wait", "site",
		"worker (app.c:10)", "primitive", "mutex", "lock", "lock_a", "[nanosleep]",
		"main thread", "__lll_lock_wait", "app.c",
	};
	unsigned char raw[1 << 16];
	struct sim s;
	gzFile gz;
	size_t i;
	int fd, n;

	if (!ASSERT_NOT_NULL(tp, "new"))
		return;
	simulate(&s);
	detector__threads(s.d, thread_profile__add, tp);
	fd = mkstemp(path);
	if (!ASSERT_GT(fd, -1, "mkstemp"))
		goto out;
	ASSERT_OK(thread_profile__write_pprof(tp, fd), "write");
	lseek(fd, 0, SEEK_SET);
	gz = gzdopen(fd, "rb");
	n = gz ? gzread(gz, raw, sizeof(raw)) : -1;
	if (gz)
		gzclose(gz);
	unlink(path);
	if (!ASSERT_GT(n, 0, "inflates"))
		goto out;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ASSERT_TRUE(memmem(raw, n, want[i], strlen(want[i])) != NULL, want[i]);
	ASSERT_TRUE(memmem(raw, n, "19 threads", 10) == NULL, "no stray count");
	ASSERT_TRUE(memmem(raw, n, "4 threads, 2 with the stack", 27) != NULL, "comment");
out:
	thread_profile__free(tp);
	sim_free(&s);
}
