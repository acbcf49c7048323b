// SPDX-License-Identifier: GPL-2.0
/* Text for people: one row per process per interval, then a summary. */
#include "report.h"

void text_sample(struct report *r, const struct sample *s)
{
	FILE *out = r->opts.out;
	char t[16];

	if (!r->header_done) {
		fprintf(out, "%-8s %7s %-16s %7s %6s %6s %6s %6s %8s\n", "TIME", "PID", "COMM",
			"THREADS", "FUTEX", "OTHER", "NEW", "EXIT", "MAXWAIT");
		r->header_done = true;
	}
	report_fmt_time(r, s->ts_ns, t, sizeof(t));
	fprintf(out, "%-8s %7u %-16s %7u %6u %6u %6llu %6llu %7.1fs%s\n", t, s->pid, s->comm,
		s->threads, s->blocked, s->other_blocked, (unsigned long long)s->created,
		(unsigned long long)s->exited, ns_to_s(s->max_wait_ns),
		s->final ? "  (exited)" : "");
}

void text_summary(struct report *r, const struct proc_summary *ps)
{
	FILE *out = r->opts.out;

	fprintf(out, "\npid %u (%s): %.1f s traced%s\n", ps->pid, ps->comm,
		ns_to_s(ps->last_ns - ps->first_ns), ps->exited_proc ? ", process exited" : "");
	fprintf(out, "  threads   %u -> %u (%+d), peak %u\n", ps->threads_first, ps->threads_last,
		(int)ps->threads_last - (int)ps->threads_first, ps->threads_peak);
	fprintf(out, "  lifecycle %llu created, %llu exited\n", (unsigned long long)ps->created,
		(unsigned long long)ps->exited);
	if (!ps->exited_proc)
		fprintf(out, "  blocked   %u in futex waits, %u in other syscalls\n",
			ps->blocked_last, ps->other_blocked_last);
	fprintf(out, "  longest futex wait seen %.1f s\n", ns_to_s(ps->max_wait_ns));
}

void text_lost(struct report *r, const struct census_stats *cs)
{
	fprintf(r->opts.out,
		"threadleak: warning: %llu events lost to a full ring buffer, %llu threads not "
		"counted (map full): per-thread details are incomplete\n",
		(unsigned long long)cs->lost_events, (unsigned long long)cs->lost_threads);
}

void text_end(struct report *r, const char *why)
{
	fprintf(r->opts.out, "\nthreadleak: %s; %llu events lost, %llu threads not counted\n", why,
		(unsigned long long)r->lost_events, (unsigned long long)r->lost_threads);
}
