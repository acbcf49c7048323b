// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox: capabilities kept, then a seccomp allow list, on every
 * thread. Capabilities belong to each thread (capset(2) changes the
 * caller's only), so the threads already running (libmicrohttpd's, the
 * inspector's) drop theirs in a signal handler, the way glibc changes the
 * uid of every thread; the seccomp filter is synchronized to them by the
 * kernel (SECCOMP_FILTER_FLAG_TSYNC), and both pass to threads created
 * later.
 *
 * The allow list is what `strace -f` and the kernel's seccomp log showed
 * every command doing after this point, over the live tests (see
 * THREADLEAK_SANDBOX_LOG in sandbox.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <seccomp.h>
#include "sandbox.h"
#include "target_call.h"

#define SANDBOX_SIGNAL SIGURG
#define DROP_PAUSE_NS 2000000
#define DROP_ROUNDS 1000 /* of DROP_PAUSE_NS at least: 2 s */
#define CAP_BIT(cap) (1ULL << (cap))

/* What every thread is to keep; set before any is signalled. */
static __u64 keep_caps;
/* The first error a thread met dropping its capabilities. */
static int drop_err;

/*
 * The calling thread keeps @keep: effective and permitted, nothing
 * inheritable or ambient; the rest leaves its bounding set too when it has
 * CAP_SETPCAP (without it, no_new_privs and a filter without execve make
 * the bounding set moot). Async-signal-safe.
 */
static int drop_caps_self(__u64 keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	int cap, in;

	for (cap = 0; cap < 64; cap++) {
		in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0)
			break; /* past the kernel's last capability */
		if (in && !(keep & CAP_BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
		    errno != EPERM)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	data[0].effective = data[0].permitted = (__u32)keep;
	data[1].effective = data[1].permitted = (__u32)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static void on_drop_signal(int sig)
{
	int saved = errno, err = drop_caps_self(keep_caps);

	if (err)
		__atomic_compare_exchange_n(&drop_err, &(int){ 0 }, err, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	errno = saved;
}

/* The value of a "Key:\t%llx" line of a status file. */
static int status_hex(const char *status, const char *key, __u64 *val)
{
	const char *p = strstr(status, key);

	if (!p)
		return -ENOENT;
	*val = strtoull(p + strlen(key), NULL, 16);
	return 0;
}

/* /proc/self/task/TID/status into @buf; -ENOENT when the thread has exited. */
static int read_task_status(int tid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	return 0;
}

/*
 * Has thread @tid of this process dropped to @keep? 1 yes, 0 not yet,
 * -ENOENT when it has exited.
 */
static int task_dropped(int tid, __u64 keep)
{
	__u64 prm, eff, inh, amb;
	char status[4096];

	if (read_task_status(tid, status, sizeof(status)))
		return -ENOENT;
	if (status_hex(status, "\nCapPrm:\t", &prm) || status_hex(status, "\nCapEff:\t", &eff) ||
	    status_hex(status, "\nCapInh:\t", &inh) || status_hex(status, "\nCapAmb:\t", &amb))
		return -ENOENT;
	return prm == keep && eff == keep && !inh && !amb;
}

/* Was @tid signalled already? If not, it is now counted as such. */
static int signalled_once(pid_t **tids, size_t *nr, size_t *cap, pid_t tid)
{
	pid_t *grown;
	size_t i;

	for (i = 0; i < *nr; i++)
		if ((*tids)[i] == tid)
			return 1;
	if (*nr == *cap) {
		grown = realloc(*tids, (*cap ? *cap * 2 : 16) * sizeof(**tids));
		if (!grown)
			return -ENOMEM;
		*tids = grown;
		*cap = *cap ? *cap * 2 : 16;
	}
	(*tids)[(*nr)++] = tid;
	return 0;
}

/*
 * Signal every other thread, once each, until each shows @keep in its
 * status, for about two seconds at most: then -ETIMEDOUT with *@tid one
 * that did not. Once each: a handler still to run when the filter is
 * loaded would meet it.
 */
static int drop_caps_others(__u64 keep, int *tid)
{
	struct timespec pause = { .tv_nsec = DROP_PAUSE_NS };
	pid_t self = gettid(), pid = getpid(), *tids = NULL;
	size_t nr = 0, cap = 0;
	struct dirent *de;
	int t, err, round;
	bool all;
	DIR *dir;

	for (round = 0;; round++) {
		dir = opendir("/proc/self/task");
		if (!dir) {
			err = -errno;
			break;
		}
		all = true;
		err = 0;
		while (!err && (de = readdir(dir))) {
			t = atoi(de->d_name);
			/* a reader stuck in the kernel keeps its capabilities
			 * for the one call it finishes before it exits */
			if (t <= 0 || t == self || task_dropped(t, keep) != 0 ||
			    target_call_is_stuck(t))
				continue;
			all = false;
			*tid = t;
			err = signalled_once(&tids, &nr, &cap, t);
			if (!err)
				syscall(SYS_tgkill, pid, t, SANDBOX_SIGNAL);
			err = err < 0 ? err : 0;
		}
		closedir(dir);
		if (!err)
			err = __atomic_load_n(&drop_err, __ATOMIC_RELAXED);
		if (all || err)
			break;
		if (round == DROP_ROUNDS) {
			err = -ETIMEDOUT;
			break;
		}
		nanosleep(&pause, NULL);
	}
	free(tids);
	return err;
}

/* The capabilities @uses needs, of those the process has. */
static __u64 caps_needed(unsigned int uses)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 have, want = 0;

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	have = data[0].permitted | (__u64)data[1].permitted << 32;
	if (uses & SANDBOX_BPF) {
		/* A map created (the census array grown): CAP_BPF, or
		 * CAP_SYS_ADMIN where that is what the loading took. */
		if (have & CAP_BIT(CAP_BPF))
			want |= CAP_BIT(CAP_BPF);
		else
			want |= CAP_BIT(CAP_SYS_ADMIN);
	}
	if (uses & SANDBOX_TARGETS)
		want |= CAP_BIT(CAP_SYS_PTRACE) | CAP_BIT(CAP_DAC_READ_SEARCH);
	return want & have;
}

struct sc_rule {
	int nr;
	unsigned int uses; /* 0: every command */
};

/*
 * Calls allowed without conditions. Files: reading /proc, targets' ELF
 * files, trace files; writing outputs (trace rotation, textfile, pprof,
 * -o reopened). Memory, threads, time, signals as glibc, libelf, libdw and
 * libbpf use them.
 */
static const struct sc_rule allowed[] = {
	/* Files */
	{ SCMP_SYS(read) },
	{ SCMP_SYS(readv) },
	{ SCMP_SYS(pread64) },
	{ SCMP_SYS(write) },
	{ SCMP_SYS(writev) },
	{ SCMP_SYS(pwrite64) },
	{ SCMP_SYS(lseek) },
	{ SCMP_SYS(fadvise64) },
	{ SCMP_SYS(openat) },
	{ SCMP_SYS(openat2) },
	{ SCMP_SYS(open) },
	{ SCMP_SYS(close) },
	{ SCMP_SYS(fstat) },
	{ SCMP_SYS(newfstatat) },
	{ SCMP_SYS(statx) },
	{ SCMP_SYS(stat) },
	{ SCMP_SYS(lstat) },
	{ SCMP_SYS(fstatfs) },
	{ SCMP_SYS(statfs) },
	{ SCMP_SYS(access) },
	{ SCMP_SYS(faccessat) },
	{ SCMP_SYS(faccessat2) },
	{ SCMP_SYS(readlink) },
	{ SCMP_SYS(readlinkat) },
	{ SCMP_SYS(getdents64) },
	{ SCMP_SYS(fcntl) },
	{ SCMP_SYS(dup) },
	{ SCMP_SYS(dup3) },
	{ SCMP_SYS(fsync) },
	{ SCMP_SYS(fdatasync) },
	{ SCMP_SYS(ftruncate) },
	{ SCMP_SYS(fchmod) },
	{ SCMP_SYS(rename) },
	{ SCMP_SYS(renameat) },
	{ SCMP_SYS(renameat2) },
	{ SCMP_SYS(unlink) },
	{ SCMP_SYS(unlinkat) },
	{ SCMP_SYS(getcwd) },
	/* Memory */
	{ SCMP_SYS(brk) },
	{ SCMP_SYS(mmap) },
	{ SCMP_SYS(munmap) },
	{ SCMP_SYS(mremap) },
	{ SCMP_SYS(mprotect) },
	{ SCMP_SYS(madvise) },
	/* Threads (clone below) */
	{ SCMP_SYS(futex) },
	{ SCMP_SYS(set_robust_list) },
	{ SCMP_SYS(rseq) },
	{ SCMP_SYS(sched_yield) },
	{ SCMP_SYS(sched_getaffinity) },
	{ SCMP_SYS(gettid) },
	{ SCMP_SYS(getpid) },
	{ SCMP_SYS(getuid) },
	{ SCMP_SYS(geteuid) },
	{ SCMP_SYS(getgid) },
	{ SCMP_SYS(getegid) },
	{ SCMP_SYS(exit) },
	{ SCMP_SYS(exit_group) },
	/* Signals (tgkill and rt_sigqueueinfo below) */
	{ SCMP_SYS(rt_sigaction) },
	{ SCMP_SYS(rt_sigprocmask) },
	{ SCMP_SYS(rt_sigreturn) },
	{ SCMP_SYS(rt_sigtimedwait) },
	{ SCMP_SYS(sigaltstack) },
	/* Time and the machine */
	{ SCMP_SYS(clock_gettime) },
	{ SCMP_SYS(clock_getres) },
	{ SCMP_SYS(clock_nanosleep) },
	{ SCMP_SYS(nanosleep) },
	{ SCMP_SYS(gettimeofday) },
	{ SCMP_SYS(getrusage) },
	{ SCMP_SYS(sysinfo) },
	{ SCMP_SYS(uname) },
	{ SCMP_SYS(getrandom) },
	/* Waiting: the event loop, signalfd, pidfds */
	{ SCMP_SYS(epoll_wait) },
	{ SCMP_SYS(epoll_pwait) },
	{ SCMP_SYS(epoll_pwait2) },
	{ SCMP_SYS(epoll_ctl) },
	{ SCMP_SYS(poll) },
	{ SCMP_SYS(ppoll) },
	{ SCMP_SYS(select) },
	{ SCMP_SYS(pselect6) },
	{ SCMP_SYS(pidfd_open) },
	{ SCMP_SYS(waitid) },
	/* Other processes */
	{ SCMP_SYS(process_vm_readv), SANDBOX_TARGETS },
	/* The metrics endpoint */
	{ SCMP_SYS(accept), SANDBOX_HTTP },
	{ SCMP_SYS(accept4), SANDBOX_HTTP },
	{ SCMP_SYS(recvfrom), SANDBOX_HTTP },
	{ SCMP_SYS(recvmsg), SANDBOX_HTTP },
	{ SCMP_SYS(sendto), SANDBOX_HTTP },
	{ SCMP_SYS(sendmsg), SANDBOX_HTTP },
	{ SCMP_SYS(sendfile), SANDBOX_HTTP },
	{ SCMP_SYS(shutdown), SANDBOX_HTTP },
	{ SCMP_SYS(setsockopt), SANDBOX_HTTP },
	{ SCMP_SYS(getsockopt), SANDBOX_HTTP },
	{ SCMP_SYS(getsockname), SANDBOX_HTTP },
	{ SCMP_SYS(getpeername), SANDBOX_HTTP },
	{ SCMP_SYS(eventfd2), SANDBOX_HTTP },
};

/* bpf(2) commands on what is loaded already; never BPF_PROG_LOAD. */
static const int bpf_cmds[] = {
	BPF_MAP_CREATE,	     BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM,	  BPF_MAP_DELETE_ELEM,
	BPF_MAP_GET_NEXT_KEY, BPF_PROG_TEST_RUN,   BPF_ITER_CREATE,	  BPF_OBJ_GET_INFO_BY_FD,
};

/* prctl(2) options: thread names (glibc, libmicrohttpd). */
static const int prctl_options[] = { PR_SET_NAME, PR_GET_NAME };

static int add_rules(scmp_filter_ctx ctx, unsigned int uses)
{
	pid_t pid = getpid();
	size_t i;
	int err;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (allowed[i].uses && !(allowed[i].uses & uses))
			continue;
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i].nr, 0);
		if (err)
			return err;
	}
	/* Threads, never processes: glibc falls back from clone3 (whose
	 * flags are out of the filter's reach) to clone. */
	err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* Signals to this process's threads only (pthread_kill, pthread_cancel). */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				       SCMP_A0(SCMP_CMP_EQ, pid));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_tgsigqueueinfo), 1,
				       SCMP_A0(SCMP_CMP_EQ, pid));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigqueueinfo), 1,
				       SCMP_A0(SCMP_CMP_EQ, pid));
	for (i = 0; !err && i < sizeof(prctl_options) / sizeof(prctl_options[0]); i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, prctl_options[i]));
	/* isatty() */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TCGETS));
	for (i = 0; !err && (uses & SANDBOX_BPF) && i < sizeof(bpf_cmds) / sizeof(bpf_cmds[0]);
	     i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 1,
				       SCMP_A0(SCMP_CMP_EQ, bpf_cmds[i]));
	return err;
}

/* Load the filter on every thread; -errno. */
static int load_filter(unsigned int uses, bool log)
{
	scmp_filter_ctx ctx;
	int err;

	ctx = seccomp_init(log ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return -ENOMEM;
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	/* Refused calls logged by the kernel too, where it can (4.14). */
	if (!err)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (!err)
		err = add_rules(ctx, uses);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err > 0 ? -ESRCH : err; /* > 0: a thread TSYNC could not sync */
}

/* A new thread's try: created after the filter, is it under it? */
static void *selftest_thread(void *arg)
{
	char *const argv[] = { "threadleak-sandbox-selftest", NULL };

	execve("/nonexistent/threadleak-sandbox-selftest", argv, argv + 1);
	*(int *)arg = errno;
	return NULL;
}

/*
 * Calls the filter forbids, each of which would fail otherwise with
 * another error (and without side effects): execve of a missing file
 * (ENOENT), ptrace of a process not traced (ESRCH), bpf(BPF_PROG_LOAD)
 * of no instructions (E2BIG, with the CAP_BPF kept). Under the filter,
 * each gets EPERM.
 */
static void selftest(void)
{
	char *const argv[] = { "threadleak-sandbox-selftest", NULL };
	union bpf_attr attr = {};
	int e_exec, e_ptrace, e_bpf, e_thread = 0;
	char status[4096];
	__u64 eff = ~0ULL;
	pthread_t th;

	errno = 0;
	execve("/nonexistent/threadleak-sandbox-selftest", argv, argv + 1);
	e_exec = errno;
	errno = 0;
	syscall(SYS_ptrace, 2 /* PTRACE_PEEKDATA */, 1, 0, 0);
	e_ptrace = errno;
	errno = 0;
	syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	e_bpf = errno;
	if (pthread_create(&th, NULL, selftest_thread, &e_thread) || pthread_join(th, NULL))
		e_thread = -1;
	if (!read_task_status(gettid(), status, sizeof(status)))
		status_hex(status, "\nCapEff:\t", &eff);
	fprintf(stderr,
		"threadleak: sandbox selftest: execve %s, ptrace %s, bpf(BPF_PROG_LOAD) %s, "
		"execve in a new thread %s; capabilities %#llx\n",
		strerrorname_np(e_exec) ?: "0", strerrorname_np(e_ptrace) ?: "0",
		strerrorname_np(e_bpf) ?: "0",
		e_thread < 0 ? "no thread" : strerrorname_np(e_thread) ?: "0",
		(unsigned long long)eff);
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

int sandbox__enter(unsigned int uses)
{
	struct sigaction sa = { .sa_handler = on_drop_signal }, old;
	bool log = env_set("THREADLEAK_SANDBOX_LOG");
	int err, tid = 0;

	keep_caps = caps_needed(uses);
	drop_err = 0;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SANDBOX_SIGNAL, &sa, &old)) {
		err = -errno;
		goto fail;
	}
	err = drop_caps_self(keep_caps);
	if (!err)
		err = drop_caps_others(keep_caps, &tid);
	sigaction(SANDBOX_SIGNAL, &old, NULL);
	if (err == -ETIMEDOUT) {
		fprintf(stderr,
			"threadleak: cannot enter the sandbox: thread %d did not drop its "
			"capabilities (it blocks SIGURG?); run with --no-sandbox to do without\n",
			tid);
		return err;
	}
	if (err)
		goto fail;
	err = load_filter(uses, log);
	if (err) {
		fprintf(stderr,
			"threadleak: cannot enter the sandbox: loading the seccomp filter: %s; "
			"run with --no-sandbox to do without\n",
			strerror(-err));
		return err;
	}
	if (env_set("THREADLEAK_SANDBOX_SELFTEST"))
		selftest();
	return 0;

fail:
	fprintf(stderr,
		"threadleak: cannot enter the sandbox: dropping capabilities: %s; run with "
		"--no-sandbox to do without\n",
		strerror(-err));
	return err;
}
