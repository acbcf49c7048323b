// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include "wait.h"
#include "syscall_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

static const char *const futex_cmd_names[] = {
	[FUTEX_WAIT] = "FUTEX_WAIT",
	[FUTEX_WAKE] = "FUTEX_WAKE",
	[FUTEX_FD] = "FUTEX_FD",
	[FUTEX_REQUEUE] = "FUTEX_REQUEUE",
	[FUTEX_CMP_REQUEUE] = "FUTEX_CMP_REQUEUE",
	[FUTEX_WAKE_OP] = "FUTEX_WAKE_OP",
	[FUTEX_LOCK_PI] = "FUTEX_LOCK_PI",
	[FUTEX_UNLOCK_PI] = "FUTEX_UNLOCK_PI",
	[FUTEX_TRYLOCK_PI] = "FUTEX_TRYLOCK_PI",
	[FUTEX_WAIT_BITSET] = "FUTEX_WAIT_BITSET",
	[FUTEX_WAKE_BITSET] = "FUTEX_WAKE_BITSET",
	[FUTEX_WAIT_REQUEUE_PI] = "FUTEX_WAIT_REQUEUE_PI",
	[FUTEX_CMP_REQUEUE_PI] = "FUTEX_CMP_REQUEUE_PI",
	[FUTEX_LOCK_PI2] = "FUTEX_LOCK_PI2",
};

static int futex_cmd_sleeps(__u32 cmd)
{
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		return 1;
	default:
		return 0;
	}
}

enum wait_kind task_wait_kind(const struct rec_task *task)
{
	if (task->state != TRS_SLEEPING && task->state != TRS_DISK)
		return WAIT_NONE;
	if (!(task->flags & RTF_IN_SYSCALL))
		return WAIT_NONE;
	switch (task->syscall_nr) {
	case NR_FUTEX:
		if (futex_cmd_sleeps(task->args[1] & FUTEX_CMD_MASK))
			return WAIT_FUTEX;
		return WAIT_SYSCALL;
	case NR_FUTEX_WAITV:
	case NR_FUTEX_WAIT:
		return WAIT_FUTEX;
	default:
		return WAIT_SYSCALL;
	}
}

bool syscall_is_idle_wait(int nr)
{
	switch (nr) {
	case 7:	  /* poll */
	case 23:  /* select */
	case 34:  /* pause */
	case 35:  /* nanosleep */
	case 61:  /* wait4 */
	case 128: /* rt_sigtimedwait */
	case 130: /* rt_sigsuspend */
	case 208: /* io_getevents */
	case 219: /* restart_syscall: a sleep resumed after a signal */
	case 230: /* clock_nanosleep */
	case 232: /* epoll_wait */
	case 247: /* waitid */
	case 270: /* pselect6 */
	case 271: /* ppoll */
	case 281: /* epoll_pwait */
	case 333: /* io_pgetevents */
	case 441: /* epoll_pwait2 */
		return true;
	default:
		return false;
	}
}

__u64 task_futex_addr(const struct rec_task *task)
{
	if (task->syscall_nr == NR_FUTEX || task->syscall_nr == NR_FUTEX_WAIT)
		return task->args[0];
	return 0;
}

const char *syscall_name(int nr, char *buf, size_t len)
{
	/* Newer than the UAPI headers Debian 12 ships. */
	static const struct {
		int nr;
		const char *name;
	} newer[] = {
		{ 451, "cachestat" },	      { 452, "fchmodat2" },
		{ 453, "map_shadow_stack" },  { 454, "futex_wake" },
		{ 455, "futex_wait" },	      { 456, "futex_requeue" },
		{ 457, "statmount" },	      { 458, "listmount" },
		{ 459, "lsm_get_self_attr" }, { 460, "lsm_set_self_attr" },
		{ 461, "lsm_list_modules" },  { 462, "mseal" },
	};
	size_t i;

	if (nr >= 0 && (size_t)nr < ARRAY_SIZE(syscall_names) && syscall_names[nr])
		return syscall_names[nr];
	for (i = 0; i < ARRAY_SIZE(newer); i++)
		if (newer[i].nr == nr)
			return newer[i].name;
	snprintf(buf, len, "syscall_%d", nr);
	return buf;
}

const char *futex_op_name(__u32 op, char *buf, size_t len)
{
	__u32 cmd = op & FUTEX_CMD_MASK;
	const char *name = cmd < ARRAY_SIZE(futex_cmd_names) ? futex_cmd_names[cmd] : NULL;

	if (!name)
		snprintf(buf, len, "FUTEX_%u", cmd);
	else
		snprintf(buf, len, "%s%s%s", name, op & FUTEX_PRIVATE_FLAG ? "|PRIVATE" : "",
			 op & FUTEX_CLOCK_REALTIME ? "|CLOCK_REALTIME" : "");
	return buf;
}

static const char *const primitive_names[PRIM_MAX] = {
	[PRIM_NONE] = "none",	    [PRIM_MUTEX] = "mutex",	[PRIM_CONDVAR] = "condvar",
	[PRIM_RWLOCK] = "rwlock",   [PRIM_SEMAPHORE] = "semaphore", [PRIM_JOIN] = "join",
	[PRIM_FUTEX] = "futex",	    [PRIM_SYSCALL] = "syscall",
	[PRIM_CHANNEL_RECV] = "channel receive", [PRIM_CHANNEL_SEND] = "channel send",
};

const char *primitive_name(enum primitive prim)
{
	return prim < PRIM_MAX ? primitive_names[prim] : "unknown";
}

/*
 * The APIs a wait goes through, by function name (leading underscores
 * stripped, and the '<' Rust's v0 names start with: "<std::sys::sync::
 * mutex::futex::Mutex>::lock_contended"): glibc's, then C++'s and Rust's
 * standard libraries where they do not call glibc's. Rust's std has moved
 * its futex locks from sys::unix::locks (1.63) through sys::locks and
 * sys::pal::unix::locks to sys::sync (1.79 on). The innermost frame that
 * matches tells the primitive.
 */
static const struct {
	const char *prefix;
	enum primitive prim;
} wait_apis[] = {
	{ "pthread_mutex_", PRIM_MUTEX },
	{ "lll_lock_wait", PRIM_MUTEX },
	{ "pthread_cond_", PRIM_CONDVAR },
	{ "pthread_rwlock_", PRIM_RWLOCK },
	{ "new_sem_wait", PRIM_SEMAPHORE },
	{ "old_sem_wait", PRIM_SEMAPHORE },
	{ "sem_wait", PRIM_SEMAPHORE },
	{ "sem_timedwait", PRIM_SEMAPHORE },
	{ "sem_clockwait", PRIM_SEMAPHORE },
	{ "pthread_join", PRIM_JOIN },
	{ "pthread_clockjoin", PRIM_JOIN },
	{ "pthread_timedjoin", PRIM_JOIN },
	{ "std::sys::sync::mutex::", PRIM_MUTEX },
	{ "std::sys::locks::futex_mutex::", PRIM_MUTEX },
	{ "std::sys::sync::condvar::", PRIM_CONDVAR },
	{ "std::sys::locks::futex_condvar::", PRIM_CONDVAR },
	{ "std::sys::sync::rwlock::", PRIM_RWLOCK },
	{ "std::sys::locks::futex_rwlock::", PRIM_RWLOCK },
	{ "std::sys::unix::locks::futex::Mutex", PRIM_MUTEX },
	{ "std::sys::unix::locks::futex::Condvar", PRIM_CONDVAR },
	{ "std::sys::unix::locks::futex_mutex::", PRIM_MUTEX },
	{ "std::sys::unix::locks::futex_condvar::", PRIM_CONDVAR },
	{ "std::sys::unix::locks::futex_rwlock::", PRIM_RWLOCK },
	{ "std::sys::pal::unix::locks::futex_mutex::", PRIM_MUTEX },
	{ "std::sys::pal::unix::locks::futex_condvar::", PRIM_CONDVAR },
	{ "std::sys::pal::unix::locks::futex_rwlock::", PRIM_RWLOCK },
	{ "std::sync::condvar::Condvar", PRIM_CONDVAR },
	{ "std::sync::poison::condvar::Condvar", PRIM_CONDVAR },
	{ "std::thread::JoinInner", PRIM_JOIN },
	{ "std::thread::JoinHandle", PRIM_JOIN },
};

/*
 * Rust's channels (std::sync::mpsc, and mpmc under it since 1.67) park the
 * thread: which way it waits is in the name of a frame of the channel's,
 * "...::Receiver<T>::recv", "...::list::Channel<T>::send". Frames of the
 * channel that say neither (its Context::wait_until) tell nothing.
 */
static enum primitive channel_primitive(const char *func)
{
	const char *paren = strchr(func, '(');
	size_t len = paren ? (size_t)(paren - func) : strlen(func);

	if (strncmp(func, "std::sync::mpsc::", 17) && strncmp(func, "std::sync::mpmc::", 17))
		return PRIM_NONE;
	if (memmem(func, len, "::recv", 6))
		return PRIM_CHANNEL_RECV;
	if (memmem(func, len, "::send", 6))
		return PRIM_CHANNEL_SEND;
	return PRIM_NONE;
}

static enum primitive api_primitive(const char *func)
{
	size_t i;

	while (*func == '_' || *func == '<')
		func++;
	for (i = 0; i < sizeof(wait_apis) / sizeof(wait_apis[0]); i++)
		if (!strncmp(func, wait_apis[i].prefix, strlen(wait_apis[i].prefix)))
			return wait_apis[i].prim;
	return channel_primitive(func);
}

/* The 32-bit word at @off bytes from the futex word, if it was read. */
static bool futex_word(const struct rec_futex *f, int off, __u32 *val)
{
	int idx = (REC_FUTEX_BEFORE + off) / 4;

	if (!f || !(f->flags & RF_READ_OK) || idx < 0 || idx >= REC_FUTEX_WORDS)
		return false;
	*val = f->words[idx];
	return true;
}

#define FUTEX_TID_MASK_ 0x3fffffff
#define PTHREAD_MUTEX_ROBUST_NORMAL_NP_ 16
#define PTHREAD_MUTEX_PRIO_INHERIT_NP_ 32

static bool live_thread(const struct wait_evidence *ev, __u32 tid)
{
	return tid && ev->is_thread && ev->is_thread(ev->ctx, tid);
}

/*
 * Owners, from what glibc keeps in the lock (x86-64, pthread_mutex_t):
 * __lock at 0, __owner at 8, __kind at 16; PI and robust mutexes keep the
 * owner's tid in __lock. pthread_rwlock_t: __readers 0, __wrphase_futex 8,
 * __writers_futex 12, __cur_writer 24, and a waiter sleeps on one of the
 * three futexes. pthread_join sleeps on the joined thread's tid field.
 */
static __s64 find_owner(const struct wait_evidence *ev, enum primitive prim, bool pi,
			const char *via)
{
	static const int rwlock_futex_offs[] = { 0, 8, 12 };
	__u32 lock, owner, kind;
	size_t i;

	switch (prim) {
	case PRIM_MUTEX:
		if (!futex_word(ev->futex, 0, &lock))
			return -1;
		if (via && strstr(via, "lll_lock_wait_private"))
			return -1; /* glibc's internal locks record no owner */
		if (!futex_word(ev->futex, 16, &kind))
			kind = 0;
		if (pi || (kind & (PTHREAD_MUTEX_ROBUST_NORMAL_NP_ | PTHREAD_MUTEX_PRIO_INHERIT_NP_)))
			owner = lock & FUTEX_TID_MASK_;
		else if (!futex_word(ev->futex, 8, &owner))
			return -1;
		return owner ? (__s64)owner : -1;
	case PRIM_RWLOCK:
		for (i = 0; i < sizeof(rwlock_futex_offs) / sizeof(rwlock_futex_offs[0]); i++) {
			if (futex_word(ev->futex, 24 - rwlock_futex_offs[i], &owner) &&
			    live_thread(ev, owner))
				return owner;
		}
		return -1;
	case PRIM_JOIN:
		if (!futex_word(ev->futex, 0, &owner) || !owner)
			return -1;
		return owner;
	default:
		return -1;
	}
}

void classify_wait(const struct wait_evidence *ev, struct wait_class *wc)
{
	const struct rec_task *t = ev->task;
	__u32 cmd = t->args[1] & FUTEX_CMD_MASK;
	bool pi = false;
	unsigned int i;

	memset(wc, 0, sizeof(*wc));
	wc->owner_tid = -1;
	switch (task_wait_kind(t)) {
	case WAIT_NONE:
		return;
	case WAIT_SYSCALL:
		wc->prim = PRIM_SYSCALL;
		return;
	case WAIT_FUTEX:
		break;
	}
	wc->lock_addr = task_futex_addr(t);
	if (t->syscall_nr == NR_FUTEX)
		pi = cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2;
	for (i = 0; i < ev->nr_funcs && !wc->prim; i++) {
		if (ev->funcs[i] && (wc->prim = api_primitive(ev->funcs[i])))
			wc->via = ev->funcs[i];
	}
	if (!wc->prim && ev->same_word != PRIM_NONE)
		wc->prim = ev->same_word;
	if (!wc->prim) {
		/* No stack, or none we know: what the futex op tells. glibc's
		 * contended mutexes use FUTEX_WAIT, its condvars, semaphores,
		 * joins and rwlocks FUTEX_WAIT_BITSET. */
		__u32 word;

		if (pi || (t->syscall_nr == NR_FUTEX && cmd == FUTEX_WAIT))
			wc->prim = PRIM_MUTEX;
		else if (futex_word(ev->futex, 0, &word) && word != t->tid &&
			 live_thread(ev, word))
			wc->prim = PRIM_JOIN; /* sleeping on a live thread's tid */
		else
			wc->prim = PRIM_FUTEX;
	}
	wc->owner_tid = find_owner(ev, wc->prim, pi, wc->via);
	/* A guess from the op alone names only owners that exist. */
	if (!wc->via && wc->owner_tid >= 0 && !live_thread(ev, wc->owner_tid))
		wc->owner_tid = -1;
}
