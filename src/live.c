// SPDX-License-Identifier: GPL-2.0
/*
 * The live event loop: one epoll set for the ring buffer, the signals and a
 * pidfd per target. A census runs every interval, and at once when a target
 * exits so its last counts are reported.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include "clock.h"
#include "libc_layout.h"
#include "live.h"
#include "proc_info.h"
#include "sandbox.h"

#define MAX_EVENTS 16
#define NSEC_PER_MSEC 1000000ULL

static void print_sudo_hint(int argc, char **argv)
{
	int i;

	fputs("; try: sudo", stderr);
	for (i = 0; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
}

/* Check the -p targets, turning thread ids into their process. */
static int check_targets(struct live_opts *opts)
{
	struct proc_identity id;
	int i, j, err;

	for (i = 0; i < opts->nr_pids; i++) {
		err = proc_identity(opts->inspector.proc_root, opts->pids[i], &id);
		if (err == -ESRCH) {
			fprintf(stderr, "threadleak: no such process: %d\n", opts->pids[i]);
			return err;
		}
		if (err) {
			fprintf(stderr, "threadleak: cannot read %s/%d: %s\n", opts->inspector.proc_root,
				opts->pids[i], strerror(-err));
			return err;
		}
		if (id.kthread) {
			fprintf(stderr, "threadleak: %d (%s) is a kernel thread, not a process\n",
				opts->pids[i], id.comm);
			return -EINVAL;
		}
		if (id.tgid != opts->pids[i]) {
			fprintf(stderr, "threadleak: %d is a thread of process %d; tracing %d\n",
				opts->pids[i], id.tgid, id.tgid);
			opts->pids[i] = id.tgid;
		}
		for (j = 0; j < i; j++) {
			if (opts->pids[j] == opts->pids[i]) {
				opts->pids[i--] = opts->pids[--opts->nr_pids];
				break;
			}
		}
	}
	return 0;
}

int live_check(struct live_opts *opts, int argc, char **argv)
{
	char msg[256];
	int err;

	err = check_targets(opts);
	if (err)
		return err;
	err = tracer__check(msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "threadleak: %s", msg);
		if (err == -EPERM)
			print_sudo_hint(argc, argv);
		else
			fputc('\n', stderr);
	}
	return err;
}

static __u32 start_routine_offset(const struct live_opts *opts)
{
	struct pthread_layout layout;

	if (libc_layout_of_pid(opts->inspector.proc_root, opts->nr_pids ? opts->pids[0] : getpid(),
			       &layout))
		return 0;
	return layout.start_routine_off;
}

/* A pidfd per target; returns how many targets are alive. */
static int watch_exits(int epfd, const struct live_opts *opts)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i, fd, alive = 0;

	for (i = 0; i < opts->nr_pids; i++) {
		fd = syscall(SYS_pidfd_open, opts->pids[i], 0);
		if (fd < 0)
			continue; /* already gone */
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			continue;
		}
		alive++;
	}
	return alive;
}

/*
 * A target alive after the first census that the census did not see: the
 * kernel hides it from BPF task iterators (a security module can).
 */
static bool missing_target(const struct live_opts *opts, const struct tracer *tracer)
{
	struct proc_identity id;
	int i;

	for (i = 0; i < opts->nr_pids; i++) {
		if (tracer__has_proc(tracer, opts->pids[i]))
			continue;
		if (proc_identity(opts->inspector.proc_root, opts->pids[i], &id) || id.state == 'Z')
			continue; /* it exited */
		fprintf(stderr,
			"threadleak: process %d is alive but hidden from BPF task iterators "
			"(a security module or sandbox hides it); cannot trace it\n",
			opts->pids[i]);
		return true;
	}
	return false;
}

struct loop {
	const struct live_opts *opts;
	struct tracer *tracer;
	int epfd, sfd;
	int targets_alive;
	bool census_due;
	/* -d counts from here: the start of tracing, less the time start-up
	 * reads of a target's files took (a target can stall them) */
	__u64 start_ns;
};

static int census(struct loop *l, unsigned int *censuses)
{
	int err = tracer__census(l->tracer);

	if (err) {
		fprintf(stderr, "threadleak: census failed: %s\n", strerror(-err));
		return err;
	}
	if (!(*censuses)++ && missing_target(l->opts, l->tracer))
		return -ENOENT;
	return l->opts->tick ? l->opts->tick(l->opts->ctx, mono_ns()) : 0;
}

static int loop_run(struct loop *l, const char **why)
{
	const struct live_opts *opts = l->opts;
	struct epoll_event evs[MAX_EVENTS];
	__u64 now = mono_ns(), next_census = now, deadline, next_tick;
	unsigned int censuses = 0;
	int err, i, n;

	deadline = opts->duration_ns ? l->start_ns + opts->duration_ns : 0;
	*why = "interrupted";
	for (;;) {
		int timeout_ms;
		__u64 wake;

		now = mono_ns();
		if (now >= next_census || l->census_due) {
			l->census_due = false;
			err = census(l, &censuses);
			if (err)
				return err;
			next_census += opts->interval_ns;
			if (next_census <= now)
				next_census = now + opts->interval_ns;
			if (opts->nr_pids && l->targets_alive <= 0) {
				*why = opts->nr_pids > 1 ? "all targets exited" : "target exited";
				return 0;
			}
		}
		if (deadline && now >= deadline) {
			*why = "duration elapsed";
			return 0;
		}
		/* Wake for the census, the end, and every 200 ms for the tick:
		 * a trace file flushes what is 800 ms old, so a recorder killed
		 * loses at most the last second. */
		next_tick = now + 200 * NSEC_PER_MSEC;
		wake = next_census;
		if (deadline && deadline < wake)
			wake = deadline;
		if (next_tick < wake)
			wake = next_tick;
		timeout_ms = wake > now ? (wake - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC : 0;
		n = epoll_wait(l->epfd, evs, MAX_EVENTS, timeout_ms);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "threadleak: epoll: %s\n", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == l->sfd) {
				struct signalfd_siginfo si;

				if (read(l->sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					if (l->opts->reopen)
						l->opts->reopen(l->opts->ctx);
					continue;
				}
				/* One last census, so the summary is current. */
				return census(l, &censuses);
			} else if (fd == tracer__fd(l->tracer)) {
				err = tracer__drain(l->tracer);
				if (err < 0) {
					fprintf(stderr, "threadleak: reading events: %s\n",
						strerror(-err));
					return err;
				}
			} else {
				/* A target exited: census now to report it. */
				epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				l->targets_alive--;
				l->census_due = true;
			}
		}
		if (n <= 0 && l->opts->tick) {
			err = l->opts->tick(l->opts->ctx, mono_ns());
			if (err)
				return err;
		}
	}
}

static void live_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
}

void live_block_signals(void)
{
	sigset_t mask;

	live_signals(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
}

int live_run(const struct live_opts *opts, const char **why)
{
	struct tracer_opts topts = opts->tracer;
	struct inspector_opts iopts = opts->inspector;
	struct epoll_event ev = { .events = EPOLLIN };
	struct loop l = { .opts = opts, .epfd = -1, .sfd = -1 };
	__u64 t0, stalled_ns;
	struct inspector *inspector = NULL;
	sigset_t mask;
	int err;

	topts.pids = opts->pids;
	topts.nr_pids = opts->nr_pids;
	topts.max_threads = 1 << 20;
	topts.max_procs = opts->nr_pids ? 1024 : 1 << 16;
	live_block_signals();
	live_signals(&mask);
	l.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.sfd < 0 || l.epfd < 0) {
		err = -errno;
		fprintf(stderr, "threadleak: %s\n", strerror(errno));
		goto out;
	}
	t0 = mono_ns();
	topts.start_routine_off = start_routine_offset(opts);
	stalled_ns = mono_ns() - t0;
	iopts.bpf_start_routine_off = topts.start_routine_off;
	inspector = inspector__new(&iopts, opts->sink, opts->ctx);
	if (!inspector) {
		err = -ENOMEM;
		fprintf(stderr, "threadleak: out of memory\n");
		goto out;
	}
	err = tracer__open(&l.tracer, &topts, inspector__record, inspector);
	if (err) {
		fprintf(stderr, "threadleak: failed to load and attach the BPF programs: %s%s\n",
			strerror(-err), topts.verbose ? "" : "; run with -v for libbpf's log");
		goto out;
	}
	ev.data.fd = tracer__fd(l.tracer);
	epoll_ctl(l.epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = l.sfd;
	epoll_ctl(l.epfd, EPOLL_CTL_ADD, l.sfd, &ev);
	l.targets_alive = watch_exits(l.epfd, opts);
	if (!opts->no_sandbox)
		err = sandbox__enter(SANDBOX_BPF | SANDBOX_TARGETS | opts->sandbox_uses);
	l.start_ns = mono_ns() - stalled_ns;
	if (!err)
		err = loop_run(&l, why);
out:
	tracer__close(l.tracer);
	inspector__free(inspector);
	if (l.epfd >= 0)
		close(l.epfd);
	if (l.sfd >= 0)
		close(l.sfd);
	return err;
}
