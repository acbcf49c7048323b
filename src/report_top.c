// SPDX-License-Identifier: GPL-2.0
/* System-wide: the processes with the most threads (or growth), per census. */
#include <string.h>
#include "report_format.h"
#include "report_words.h"
#include "text_escape.h"

struct top_state {
	bool header_done;
	/* the latest findings, one line each, under the table */
	char recent[8][160];
	unsigned int nr_recent;
};

static void top_rows(struct report_out *o, const struct report_rows *rows,
		     const struct census_stats *cs)
{
	struct top_state *st = o->state;
	size_t i, n = rows->nr_shown;
	FILE *out = o->out;
	__u64 threads = 0, blocked = 0;
	char t[16];

	for (i = 0; i < rows->nr_samples; i++) {
		threads += rows->samples[i].threads;
		blocked += rows->samples[i].blocked;
	}
	report_fmt_time(o, cs->ts_ns, t, sizeof(t));
	if (o->clear_screen)
		fputs("\033[H\033[J", out);
	else if (st->header_done)
		fputc('\n', out);
	st->header_done = true;
	fprintf(out,
		"threadleak %s  %zu processes, %llu threads, %llu in futex waits  "
		"census %.1f ms  lost %llu\n",
		t, rows->nr_samples, (unsigned long long)threads, (unsigned long long)blocked,
		cs->duration_ns / 1e6, (unsigned long long)cs->lost_events);
	fprintf(out, "%7s %-16s %7s %7s %6s %6s %6s %6s %8s\n", "PID", "COMM", "THREADS", "GROWTH",
		"FUTEX", "OTHER", "NEW", "EXIT", "MAXWAIT");
	for (i = 0; i < n; i++) {
		const struct sample *s = &rows->samples[i];

		fprintf(out, "%7u ", s->pid);
		text_escape_pad(out, s->comm, 16);
		fprintf(out, " %7u %+7d %6u %6u %6llu %6llu %7.1fs\n", s->threads, s->growth,
			s->blocked, s->other_blocked, (unsigned long long)s->created,
			(unsigned long long)s->exited, ns_to_s(s->max_wait_ns));
	}
	if (st->nr_recent) {
		/* Escaped when they were made (text_finding_line). */
		fputs("\nfindings (latest last):\n", out);
		for (i = 0; i < st->nr_recent; i++)
			fprintf(out, "  %s\n", st->recent[i]);
	}
}

/* A finding in one line, for under the table. */
static void text_finding_line(const struct finding *f, char *buf, size_t len)
{
	const char *site = finding_site_name(&f->site);
	char line[512], state[FINDING_WORDS_LEN];

	switch (f->kind) {
	case FINDING_THREAD_LEAK:
		snprintf(line, sizeof(line),
			 "thread leak: pid %u (%s): %u threads %s %s (%+lld)", f->pid, f->comm,
			 f->live, f->site.name_pattern ? "named" : "started by", site,
			 (long long)f->growth);
		break;
	case FINDING_GOROUTINE_LEAK:
		snprintf(line, sizeof(line),
			 "goroutine leak: pid %u (%s): %u goroutines created by %s (%+lld)", f->pid,
			 f->comm, f->live, site, (long long)f->growth);
		break;
	case FINDING_LONG_WAIT:
		snprintf(line, sizeof(line), "long wait: pid %u (%s): thread %llu [%s, %.1f s]",
			 f->pid, f->comm, (unsigned long long)f->waiter.id,
			 finding_state_name(&f->waiter, state, sizeof(state)),
			 ns_to_s(f->waiter.wait_ns));
		break;
	case FINDING_DEADLOCK:
		snprintf(line, sizeof(line), "deadlock: pid %u (%s): %u threads (%s)", f->pid,
			 f->comm, f->nr_members, primitive_name(f->prim));
		break;
	case FINDING_GOROUTINE_STUCK:
		snprintf(line, sizeof(line),
			 "stuck goroutines: pid %u (%s): %u goroutines created by %s in %s",
			 f->pid, f->comm, f->stuck, site, f->wait_reason ? f->wait_reason : "?");
		break;
	case FINDING_THREAD_STUCK:
		snprintf(line, sizeof(line),
			 "stuck threads: pid %u (%s): %u threads started by %s in %s waits", f->pid,
			 f->comm, f->stuck, site, primitive_name(f->stuck_prim));
		break;
	case FINDING_INCOMPLETE:
		snprintf(line, sizeof(line), "incomplete: pid %u (%s): %s not read: %s", f->pid,
			 f->comm, incomplete_part_name(f->part), f->why);
		break;
	}
	/* Only the names in it need it: the rest is ours, and plain. */
	text_escape(buf, len, line);
}


/* Redrawn tables would hide a finding: keep a line under the table. */
static void top_finding(struct report_out *o, const struct finding *f)
{
	struct top_state *st = o->state;

	if (f->summary)
		return;
	if (st->nr_recent == 8) {
		memmove(st->recent[0], st->recent[1], sizeof(st->recent[0]) * 7);
		st->nr_recent--;
	}
	text_finding_line(f, st->recent[st->nr_recent++], sizeof(st->recent[0]));
}

const struct report_ops report_top = {
	.state_size = sizeof(struct top_state),
	.lost = text_lost,
	.end = text_end,
	.finding = top_finding,
	.rows = top_rows,
};
