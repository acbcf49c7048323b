// SPDX-License-Identifier: GPL-2.0
/*
 * Text for people: one row per process per interval, then a summary. Every
 * string a target controls (comm, symbols, file names, Go wait reasons) goes
 * out through text_escape: a terminal acts on none of its bytes.
 */
#include "report_format.h"
#include "report_words.h"
#include "text_escape.h"

struct text_state {
	bool header_done;
	bool goroutine_column; /* a Go process was seen: rows show goroutines */
	bool rows_done;
	bool findings_header_done;
};

/* -t: each waiting thread under its process's row. */
static void text_waits(struct report_out *o, const struct sample *s)
{
	unsigned int i;
	char buf[64];

	for (i = 0; i < s->nr_waits; i++) {
		const struct ctx_wait *w = &s->waits[i];

		fprintf(o->out, "%8s %7llu ", "", (unsigned long long)w->id);
		text_escape_pad(o->out, w->comm, REC_COMM_LEN - 1);
		fputs("   ", o->out);
		if (w->prim == PRIM_SYSCALL) {
			fprintf(o->out, "%-10s", syscall_name(w->syscall_nr, buf, sizeof(buf)));
		} else {
			fprintf(o->out, "%-10s %s 0x%llx", primitive_name(w->prim),
				futex_op_name(w->futex_op, buf, sizeof(buf)),
				(unsigned long long)w->lock_addr);
			if (w->owner_tid >= 0)
				fprintf(o->out, " owner %lld", (long long)w->owner_tid);
		}
		fprintf(o->out, "  %.1f s\n", ns_to_s(w->wait_ns));
	}
}

static void text_sample(struct report_out *o, const struct sample *s)
{
	struct text_state *st = o->state;
	FILE *out = o->out;
	char t[16];

	/* Goroutines get a column from the first Go process on. */
	if (s->goroutines >= 0 && !st->goroutine_column) {
		st->goroutine_column = true;
		st->header_done = false;
	}
	if (!st->header_done) {
		if (st->rows_done)
			fputc('\n', out);
		fprintf(out, "%-8s %7s %-16s %7s %6s %6s %6s %6s %8s%s\n", "TIME", "PID", "COMM",
			"THREADS", "FUTEX", "OTHER", "NEW", "EXIT", "MAXWAIT",
			st->goroutine_column ? " GOROUTINES" : "");
		st->header_done = true;
	}
	st->rows_done = true;
	report_fmt_time(o, s->ts_ns, t, sizeof(t));
	fprintf(out, "%-8s %7u ", t, s->pid);
	text_escape_pad(out, s->comm, 16);
	fprintf(out, " %7u %6u %6u %6llu %6llu %7.1fs", s->threads, s->blocked, s->other_blocked,
		(unsigned long long)s->created, (unsigned long long)s->exited,
		ns_to_s(s->max_wait_ns));
	if (s->goroutines >= 0)
		fprintf(out, " %10lld", (long long)s->goroutines);
	else if (st->goroutine_column)
		fprintf(out, " %10s", "-");
	fprintf(out, "%s\n", s->final ? "  (exited)" : "");
	text_waits(o, s);
}

/* A Go process's goroutines, as its threads: counts, waits, where from. */
static void text_summary_goroutines(FILE *out, const struct proc_summary *ps)
{
	unsigned int i;

	if (ps->goroutines_first < 0)
		return;
	fprintf(out, "  goroutines %lld -> %lld (%+lld), peak %lld\n",
		(long long)ps->goroutines_first, (long long)ps->goroutines_last,
		(long long)(ps->goroutines_last - ps->goroutines_first),
		(long long)ps->goroutines_peak);
	if (ps->nr_go_blocked) {
		fputs("  goroutines waiting:", out);
		for (i = 0; i < ps->nr_go_blocked; i++) {
			fprintf(out, "%s%u ", i ? ", " : " ", ps->go_blocked[i].count);
			text_escape_write(out, ps->go_blocked[i].reason);
		}
		fputc('\n', out);
	}
	for (i = 0; i < ps->nr_go_sites; i++) {
		fprintf(out, "  %-16s %6u created by ", i ? "" : "goroutine sites:",
			ps->go_sites[i].live);
		text_escape_write(out, finding_site_name(&ps->go_sites[i].site));
		fputs(" in ", out);
		text_escape_write(out, ps->go_sites[i].function);
		fputc('\n', out);
	}
}

static void text_summary(struct report_out *o, const struct proc_summary *ps)
{
	FILE *out = o->out;

	fprintf(out, "\npid %u (", ps->pid);
	text_escape_write(out, ps->comm);
	fprintf(out, "): %.1f s traced%s\n", ns_to_s(ps->last_ns - ps->first_ns),
		ps->exited_proc ? ", process exited" : "");
	fprintf(out, "  threads   %u -> %u (%+d), peak %u\n", ps->threads_first, ps->threads_last,
		(int)ps->threads_last - (int)ps->threads_first, ps->threads_peak);
	fprintf(out, "  lifecycle %llu created, %llu exited\n", (unsigned long long)ps->created,
		(unsigned long long)ps->exited);
	if (!ps->exited_proc)
		fprintf(out, "  blocked   %u in futex waits, %u in other syscalls\n",
			ps->blocked_last, ps->other_blocked_last);
	fprintf(out, "  longest futex wait seen %.1f s\n", ns_to_s(ps->max_wait_ns));
	text_summary_goroutines(out, ps);
	if (ps->long_waits_dropped)
		fprintf(out, "  %u more long waits not reported (at most 20 per process)\n",
			ps->long_waits_dropped);
}

void text_lost(struct report_out *o, const struct census_stats *cs)
{
	fprintf(o->out,
		"threadleak: warning: %llu events lost to a full ring buffer, %llu threads not "
		"counted (map full): per-thread details are incomplete\n",
		(unsigned long long)cs->lost_events, (unsigned long long)cs->lost_threads);
}

void text_end(struct report_out *o, const struct report_totals *t, const char *why)
{
	fprintf(o->out, "\nthreadleak: %s; %llu events lost, %llu threads not counted\n", why,
		(unsigned long long)t->lost_events, (unsigned long long)t->lost_threads);
}

/* How long, as people say it: "8.0 s", "72 minutes", "5.5 hours". */
static const char *duration(__u64 ns, char *buf, size_t len)
{
	double s = ns_to_s(ns);

	if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 2 * 3600)
		snprintf(buf, len, "%.0f minutes", s / 60);
	else
		snprintf(buf, len, "%.1f hours", s / 3600);
	return buf;
}

/* A thread's name, if known: ' "pool-3-thread-1"'. */
static void text_thread_name(FILE *out, const struct finding_ctx *fc)
{
	if (!fc->thread_name)
		return;
	fputs(" \"", out);
	text_escape_write(out, fc->thread_name);
	fputc('"', out);
}

/* "condvar wait" or "read", and how long. */
static void text_ctx_line(FILE *out, const char *indent, const char *what,
			  const struct finding_ctx *fc)
{
	const char *site = finding_site_name(&fc->site);
	char buf[32], state[FINDING_WORDS_LEN];

	fprintf(out, "%s%s %llu", indent, what, (unsigned long long)fc->id);
	text_thread_name(out, fc);
	if (site) {
		fputs(" (", out);
		text_escape_write(out, site);
		fputc(')', out);
	}
	fputs(" [", out);
	text_escape_write(out, finding_state_name(fc, state, sizeof(state)));
	if (fc->wait_ns)
		fprintf(out, ", %s", duration(fc->wait_ns, buf, sizeof(buf)));
	fprintf(out, "]%s\n", fc->nr_stack ? ":" : "");
}

static void text_stack(FILE *out, const char *indent, const struct finding_ctx *fc)
{
	unsigned int i;

	for (i = 0; i < fc->nr_stack; i++) {
		fputs(indent, out);
		text_escape_write(out, fc->stack[i]);
		fputc('\n', out);
	}
}

static void text_blocked(FILE *out, const struct finding *f)
{
	unsigned int p, kinds = 0, last = 0;
	const char *sep = "", *syscall;
	char buf[32], name[FINDING_WORDS_LEN];

	if (!f->blocked) {
		fprintf(out, "  none blocked\n");
		return;
	}
	for (p = 0; p < PRIM_MAX; p++)
		if (f->by_prim[p]) {
			kinds++;
			last = p;
		}
	if (kinds == 1) {
		fprintf(out, "  %s%u blocked in %s waits, up to %s\n",
			f->blocked == f->live ? "all " : "", f->blocked,
			last == PRIM_SYSCALL &&
					(syscall = finding_syscall_name(&f->sample, name, sizeof(name)))
				? syscall
				: primitive_name(last),
			duration(f->max_wait_ns, buf, sizeof(buf)));
		return;
	}
	fprintf(out, "  %u blocked (", f->blocked);
	for (p = 0; p < PRIM_MAX; p++) {
		if (!f->by_prim[p])
			continue;
		fprintf(out, "%s%u %s", sep, f->by_prim[p], primitive_name(p));
		sep = ", ";
	}
	fprintf(out, "), up to %s\n", duration(f->max_wait_ns, buf, sizeof(buf)));
}

/* @ts_ns (CLOCK_MONOTONIC) as a local date and time. */
static const char *wall_date(const struct report_out *o, __u64 ts_ns, char *buf, size_t len)
{
	time_t t = ((__s64)ts_ns + o->realtime_offset_ns) / 1000000000LL;
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "?");
	return buf;
}

/*
 * "10000 goroutines created by main.startWorkers in main.worker, all in chan
 * receive, for at least 72 hours (the oldest since 2026-12-03 09:14:02)",
 * then the spread of the waits, the creators and one stack.
 */
static void text_stuck(struct report_out *o, const struct finding *f)
{
	bool go = f->kind == FINDING_GOROUTINE_STUCK;
	char buf[32], date[32];
	FILE *out = o->out;
	unsigned int i;

	fprintf(out, "stuck %s: pid %u (", go ? "goroutines" : "threads", f->pid);
	text_escape_write(out, f->comm);
	fprintf(out, "): %u %s %s ", f->stuck, go ? "goroutines" : "threads",
		go ? "created by" : "started by");
	text_escape_write(out, finding_site_name(&f->site));
	if (go) {
		fputs(" in ", out);
		text_escape_write(out, f->function ? f->function : "?");
	}
	if (f->stuck == f->live)
		fputs(", all in ", out);
	else
		fprintf(out, " (of %u), in ", f->live);
	if (go)
		text_escape_write(out, f->wait_reason ? f->wait_reason : "?");
	else
		fprintf(out, "%s waits", primitive_name(f->stuck_prim));
	if (f->waits_known)
		fprintf(out, ", for at least %s (the oldest since %s)\n",
			duration(f->wait_min_ns, buf, sizeof(buf)),
			wall_date(o, f->ts_ns - f->max_wait_ns, date, sizeof(date)));
	else
		fputs(", for an unknown time\n", out);
	if (f->waits_known) {
		fprintf(out, "  waits: min %s", duration(f->wait_min_ns, buf, sizeof(buf)));
		fprintf(out, ", median %s", duration(f->wait_median_ns, buf, sizeof(buf)));
		fprintf(out, ", 90%% %s", duration(f->wait_p90_ns, buf, sizeof(buf)));
		fprintf(out, ", max %s", duration(f->max_wait_ns, buf, sizeof(buf)));
		if (f->waits_known < f->stuck)
			fprintf(out, " (%u of %u measured)", f->waits_known, f->stuck);
		fputc('\n', out);
	}
	if (f->waits_known < f->stuck)
		fprintf(out, go ? "  %u waits unknown: the Go runtime records when a goroutine "
				  "parked only at its next GC\n"
				: "  %u waits unknown: the kernel did not say when they began\n",
			f->stuck - f->waits_known);
	for (i = 0; i < f->nr_parents; i++) {
		fprintf(out, "  %s goroutine %llu", i ? "  which" : "created in",
			(unsigned long long)f->parents[i].goid);
		if (f->parents[i].alive) {
			fputs(" (", out);
			text_escape_write(out, f->parents[i].function);
			fputs(", created by ", out);
			text_escape_write(out, finding_site_name(&f->parents[i].site));
			fputc(')', out);
		} else {
			fputs(" (ended)", out);
		}
		fputc('\n', out);
	}
	if (f->sample.id) {
		text_ctx_line(out, "  ", go ? "goroutine" : "thread", &f->sample);
		text_stack(out, "    ", &f->sample);
	}
}

static void text_finding(struct report_out *o, const struct finding *f)
{
	struct text_state *st = o->state;
	unsigned int i, n = f->nr_members;
	char buf[32], words[FINDING_WORDS_LEN];
	FILE *out = o->out;

	/* Rows go on after it: give them their header again. */
	if (!f->summary)
		st->header_done = false;
	if (f->summary && !st->findings_header_done) {
		fprintf(out, "\nfindings:\n");
		st->findings_header_done = true;
	}
	fputc('\n', out);
	switch (f->kind) {
	case FINDING_THREAD_LEAK:
		fprintf(out, "thread leak: pid %u (", f->pid);
		text_escape_write(out, f->comm);
		fprintf(out, "): %u threads ", f->live);
		if (f->site.name_pattern) {
			fputs("named ", out);
			text_escape_write(out, f->site.name_pattern);
			fputc(' ', out);
		}
		fputs("started by ", out);
		text_escape_write(out, f->site.name_pattern ? f->site.symbol
							    : finding_site_name(&f->site));
		fprintf(out, ", %+lld in %s, ", (long long)f->growth,
			duration(f->window_ns, buf, sizeof(buf)));
		if (f->exited)
			fprintf(out, "%llu exited\n", (unsigned long long)f->exited);
		else
			fprintf(out, "none exited\n");
		text_blocked(out, f);
		for (i = 0; i < f->nr_reasons; i++) { /* Python threads: in what API */
			fprintf(out, "  %u in ", f->reasons[i].count);
			text_escape_write(out, f->reasons[i].reason);
			fputc('\n', out);
		}
		if (f->sample.id) {
			text_ctx_line(out, "  ", "thread", &f->sample);
			text_stack(out, "    ", &f->sample);
		}
		break;
	case FINDING_GOROUTINE_LEAK:
		fprintf(out, "goroutine leak: pid %u (", f->pid);
		text_escape_write(out, f->comm);
		fprintf(out, "): %+lld goroutines in %s created by ", (long long)f->growth,
			duration(f->window_ns, buf, sizeof(buf)));
		text_escape_write(out, finding_site_name(&f->site));
		fprintf(out, ", %u live, %llu exited\n", f->live, (unsigned long long)f->exited);
		for (i = 0; i < f->nr_reasons; i++) {
			fprintf(out, "  %u [", f->reasons[i].count);
			text_escape_write(out, f->reasons[i].reason);
			fprintf(out, ", up to %s] in ", duration(f->max_wait_ns, buf, sizeof(buf)));
			text_escape_write(out, f->function ? f->function : "?");
			fputc('\n', out);
		}
		if (f->sample.id) {
			text_ctx_line(out, "  ", "goroutine", &f->sample);
			text_stack(out, "    ", &f->sample);
		}
		break;
	case FINDING_LONG_WAIT:
		fprintf(out, "long wait: pid %u (", f->pid);
		text_escape_write(out, f->comm);
		fprintf(out, "): thread %llu in ", (unsigned long long)f->waiter.id);
		if (f->waiter.prim == PRIM_SYSCALL) {
			const char *syscall = finding_syscall_name(&f->waiter, words, sizeof(words));

			fprintf(out, "%s", syscall ? syscall : "a syscall");
		} else {
			fprintf(out, "a %s wait", primitive_name(f->waiter.prim));
		}
		fprintf(out, " for %s", duration(f->waiter.wait_ns, buf, sizeof(buf)));
		if (f->waiter.lock_addr) {
			fputs(" on ", out);
			text_escape_write(out, finding_lock_name(&f->waiter, words, sizeof(words)));
		}
		if (f->has_owner)
			fprintf(out, ", %s thread %llu",
				f->waiter.prim == PRIM_JOIN ? "joining" : "held by",
				(unsigned long long)f->owner.id);
		fputc('\n', out);
		text_ctx_line(out, "  ", "thread", &f->waiter);
		text_stack(out, "    ", &f->waiter);
		if (f->has_owner) {
			text_ctx_line(out, "  ", "owner thread", &f->owner);
			text_stack(out, "    ", &f->owner);
		}
		break;
	case FINDING_DEADLOCK:
		fprintf(out, "deadlock: pid %u (", f->pid);
		text_escape_write(out, f->comm);
		fprintf(out, "): %u threads wait for each other (%s)\n", f->nr_members,
			primitive_name(f->prim));
		for (i = 0; i < f->nr_members; i++) {
			const struct finding_ctx *m = &f->members[i];
			/* It holds what the one before it waits for. */
			const struct finding_ctx *prev = &f->members[(i + n - 1) % n];

			fprintf(out, "  thread %llu", (unsigned long long)m->id);
			text_thread_name(out, m);
			fputs(" (", out);
			text_escape_write(out, finding_site_name(&m->site));
			fputs(") holds ", out);
			text_escape_write(out, finding_wait_target(prev, words, sizeof(words)));
			fputs(", waits for ", out);
			text_escape_write(out, finding_wait_target(m, words, sizeof(words)));
			fprintf(out, "%s\n", m->nr_stack ? ":" : "");
			text_stack(out, "    ", m);
		}
		break;
	case FINDING_GOROUTINE_STUCK:
	case FINDING_THREAD_STUCK:
		text_stuck(o, f);
		break;
	case FINDING_INCOMPLETE:
		/* why is threadleak's own words */
		fprintf(out, "incomplete: pid %u (", f->pid);
		text_escape_write(out, f->comm);
		fprintf(out, "): its %s could not be read (%s): %s\n", incomplete_part_name(f->part),
			incomplete_reason_name(f->reason), f->why);
		break;
	}
}

const struct report_ops report_text = {
	.state_size = sizeof(struct text_state),
	.sample = text_sample,
	.summary = text_summary,
	.lost = text_lost,
	.end = text_end,
	.finding = text_finding,
};
