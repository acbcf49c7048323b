// SPDX-License-Identifier: GPL-2.0
/*
 * threadleak: find threads that start and never finish, in running
 * processes, without stopping them.
 *
 * Records flow one way: tracer (BPF ring buffer, census) -> decode ->
 * detector -> report.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include "decode.h"
#include "detector.h"
#include "env.h"
#include "inspector.h"
#include "libc_layout.h"
#include "proc_info.h"
#include "report.h"
#include "tracer.h"

#define MAX_EVENTS 16

struct pipeline {
	struct detector *det;
	__u64 bad_records;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __s64 realtime_offset_ns(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

/* decode -> detector */
static int on_record(void *ctx, const void *rec, size_t len)
{
	struct pipeline *pl = ctx;
	const char *why;
	int n;

	n = rec_decode(rec, len, &why);
	if (n < 0) {
		if (!pl->bad_records++)
			fprintf(stderr, "threadleak: skipping a malformed %s record: %s\n",
				rec_type_name(((const struct rec_hdr *)rec)->type), why);
		return 0;
	}
	return detector__feed(pl->det, rec);
}

/* Check the -p targets, turning thread ids into their process. */
static int check_targets(struct env *env)
{
	struct proc_identity id;
	int i, j, err;

	for (i = 0; i < env->nr_pids; i++) {
		err = proc_identity(env->proc_root, env->pids[i], &id);
		if (err == -ESRCH) {
			fprintf(stderr, "threadleak: no such process: %d\n", env->pids[i]);
			return err;
		}
		if (err) {
			fprintf(stderr, "threadleak: cannot read %s/%d: %s\n", env->proc_root,
				env->pids[i], strerror(-err));
			return err;
		}
		if (id.kthread) {
			fprintf(stderr, "threadleak: %d (%s) is a kernel thread, not a process\n",
				env->pids[i], id.comm);
			return -EINVAL;
		}
		if (id.tgid != env->pids[i]) {
			fprintf(stderr, "threadleak: %d is a thread of process %d; tracing %d\n",
				env->pids[i], id.tgid, id.tgid);
			env->pids[i] = id.tgid;
		}
		for (j = 0; j < i; j++) {
			if (env->pids[j] == env->pids[i]) {
				env->pids[i--] = env->pids[--env->nr_pids];
				break;
			}
		}
	}
	return 0;
}

static void print_sudo_hint(int argc, char **argv)
{
	int i;

	fputs("; try: sudo", stderr);
	for (i = 0; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
}

static __u32 start_routine_offset(const struct env *env)
{
	struct pthread_layout layout;

	if (env->nr_pids ? libc_layout_of_pid(env->proc_root, env->pids[0], &layout) :
			   libc_layout_of_pid(env->proc_root, getpid(), &layout))
		return 0;
	return layout.start_routine_off;
}

/*
 * A target alive after the first census that the census did not see: the
 * kernel hides it from BPF task iterators (a security module can).
 */
static bool missing_target(const struct env *env, const struct detector *det)
{
	int i;

	struct proc_identity id;

	for (i = 0; i < env->nr_pids; i++) {
		if (detector__saw_proc(det, env->pids[i]))
			continue;
		if (proc_identity(env->proc_root, env->pids[i], &id) || id.state == 'Z')
			continue; /* it exited */
		fprintf(stderr,
			"threadleak: process %d is alive but hidden from BPF task iterators "
			"(a security module or sandbox hides it); cannot trace it\n",
			env->pids[i]);
		return true;
	}
	return false;
}

static int watch_exits(int epfd, const struct env *env)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i, fd;

	for (i = 0; i < env->nr_pids; i++) {
		fd = syscall(SYS_pidfd_open, env->pids[i], 0);
		if (fd < 0)
			continue; /* the census still sees the exit */
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
			close(fd);
	}
	return 0;
}

static int cmd_trace(struct env *env, int argc, char **argv)
{
	struct report_opts ropts = {
		.out = stdout,
		.format = env->json ? REPORT_JSON : REPORT_TEXT,
		.top = env->nr_pids == 0,
		.top_n = env->top_n,
		.sort = env->sort,
		.clear_screen = !env->json && isatty(STDOUT_FILENO),
	};
	struct detector_opts dopts = {
		.keep_exited = env->nr_pids > 0,
		.list_waits = env->list_waits && env->nr_pids > 0,
		.wait_threshold_ns = env->wait_threshold_ns,
	};
	struct tracer_opts topts = {
		.pids = env->pids,
		.ringbuf_bytes = env->ringbuf_bytes,
		.max_threads = 1 << 20,
		.max_procs = env->nr_pids ? 1024 : 1 << 16,
		.verbose = env->verbose,
		.compat = env->compat,
	};
	struct epoll_event ev = { .events = EPOLLIN }, evs[MAX_EVENTS];
	struct pipeline pl = {};
	struct detector_sink sink;
	struct inspector_opts iopts = {
		.proc_root = env->proc_root,
		.unwind_after_ns = 0,
	};
	struct inspector *inspector = NULL;
	struct tracer *tracer = NULL;
	struct report *report = NULL;
	__u64 now, next_census, deadline;
	const char *why = "interrupted";
	int err, epfd = -1, sfd = -1, i, n;
	unsigned int leaks = 0, censuses = 0;
	char msg[256];
	sigset_t mask;

	err = check_targets(env);
	if (err)
		return 1;
	err = tracer__check(msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "threadleak: %s", msg);
		if (err == -EPERM)
			print_sudo_hint(argc, argv);
		else
			fputc('\n', stderr);
		return 1;
	}

	ropts.realtime_offset_ns = realtime_offset_ns();
	report = report__new(&ropts);
	if (!report)
		goto nomem;
	report__sink(report, &sink);
	pl.det = detector__new(&dopts, &sink);
	if (!pl.det)
		goto nomem;

	if (env->leak_window_ns) {
		leak_params_default(&dopts.leak);
		dopts.leak.window_ns = env->leak_window_ns;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || epfd < 0) {
		err = -errno;
		fprintf(stderr, "threadleak: %s\n", strerror(errno));
		goto out;
	}

	topts.nr_pids = env->nr_pids;
	topts.start_routine_off = start_routine_offset(env);
	/* System-wide, only waits long enough for a finding are worth a stack. */
	if (!env->nr_pids)
		iopts.unwind_after_ns = dopts.wait_threshold_ns ? dopts.wait_threshold_ns
								: 10000000000ULL;
	iopts.bpf_start_routine_off = topts.start_routine_off;
	inspector = inspector__new(&iopts, on_record, &pl);
	if (!inspector)
		goto nomem;
	err = tracer__open(&tracer, &topts, inspector__record, inspector);
	if (err) {
		fprintf(stderr, "threadleak: failed to load and attach the BPF programs: %s%s\n",
			strerror(-err), env->verbose ? "" : "; run with -v for libbpf's log");
		goto out;
	}

	ev.data.fd = tracer__fd(tracer);
	epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	watch_exits(epfd, env);

	now = mono_ns();
	next_census = now;
	deadline = env->duration_ns ? now + env->duration_ns : 0;
	for (;;) {
		int timeout_ms;
		__u64 wake;

		now = mono_ns();
		if (now >= next_census) {
			err = tracer__census(tracer);
			if (err) {
				fprintf(stderr, "threadleak: census failed: %s\n", strerror(-err));
				goto out;
			}
			next_census += env->interval_ns;
			if (next_census <= now)
				next_census = now + env->interval_ns;
			if (!censuses++ && missing_target(env, pl.det)) {
				err = -ENOENT;
				goto out;
			}
			if (env->nr_pids && !detector__live_procs(pl.det)) {
				why = env->nr_pids > 1 ? "all targets exited" : "target exited";
				break;
			}
		}
		if (deadline && now >= deadline) {
			why = "duration elapsed";
			break;
		}
		wake = deadline && deadline < next_census ? deadline : next_census;
		timeout_ms = wake > now ? (wake - now + 999999) / 1000000 : 0;
		n = epoll_wait(epfd, evs, MAX_EVENTS, timeout_ms);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			fprintf(stderr, "threadleak: epoll: %s\n", strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) < 0)
					continue;
				goto finish;
			} else if (fd == tracer__fd(tracer)) {
				err = tracer__drain(tracer);
				if (err < 0) {
					fprintf(stderr, "threadleak: reading events: %s\n",
						strerror(-err));
					goto out;
				}
			} else {
				/* A target exited: census now to report it. */
				epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				next_census = mono_ns();
			}
		}
	}
	goto summary;
finish:
	/* Interrupted: one last census so the summary is current. */
	err = tracer__census(tracer);
	if (err)
		fprintf(stderr, "threadleak: census failed: %s\n", strerror(-err));
summary:
	err = 0;
	detector__finish(pl.det);
	report__end(report, why);
	leaks = detector__leaks(pl.det);
out:
	tracer__close(tracer);
	inspector__free(inspector);
	detector__free(pl.det);
	report__free(report);
	if (epfd >= 0)
		close(epfd);
	if (sfd >= 0)
		close(sfd);
	if (err)
		return 1;
	return env->fail_on_leak && leaks ? 3 : 0;
nomem:
	fprintf(stderr, "threadleak: out of memory\n");
	err = -ENOMEM;
	goto out;
}

int main(int argc, char **argv)
{
	struct env env;

	env_parse(&env, argc, argv);
	switch (env.cmd) {
	case CMD_TRACE:
	default:
		return cmd_trace(&env, argc, argv);
	}
}
