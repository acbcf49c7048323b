// SPDX-License-Identifier: GPL-2.0
/* System-wide: the processes with the most threads (or growth), per census. */
#include <stdlib.h>
#include "report.h"
#include "text_escape.h"

static int by_threads(const void *a, const void *b)
{
	const struct sample *sa = a, *sb = b;

	if (sa->threads != sb->threads)
		return sa->threads < sb->threads ? 1 : -1;
	return sa->pid < sb->pid ? -1 : sa->pid > sb->pid;
}

static int by_growth(const void *a, const void *b)
{
	const struct sample *sa = a, *sb = b;

	if (sa->growth != sb->growth)
		return sa->growth < sb->growth ? 1 : -1;
	return by_threads(a, b);
}

void top_table(struct report *r, const struct census_stats *cs)
{
	size_t i, n = r->nr_samples;
	FILE *out = r->opts.out;
	__u64 threads = 0, blocked = 0;
	char t[16];

	qsort(r->samples, n, sizeof(*r->samples),
	      r->opts.sort == SORT_GROWTH ? by_growth : by_threads);
	if (r->opts.top_n && n > r->opts.top_n)
		n = r->opts.top_n;
	if (r->opts.format == REPORT_JSON) {
		for (i = 0; i < n; i++)
			json_sample(r, &r->samples[i]);
		return;
	}
	for (i = 0; i < r->nr_samples; i++) {
		threads += r->samples[i].threads;
		blocked += r->samples[i].blocked;
	}
	report_fmt_time(r, cs->ts_ns, t, sizeof(t));
	if (r->opts.clear_screen)
		fputs("\033[H\033[J", out);
	else if (r->header_done)
		fputc('\n', out);
	r->header_done = true;
	fprintf(out,
		"threadleak %s  %zu processes, %llu threads, %llu in futex waits  "
		"census %.1f ms  lost %llu\n",
		t, r->nr_samples, (unsigned long long)threads, (unsigned long long)blocked,
		cs->duration_ns / 1e6, (unsigned long long)cs->lost_events);
	fprintf(out, "%7s %-16s %7s %7s %6s %6s %6s %6s %8s\n", "PID", "COMM", "THREADS", "GROWTH",
		"FUTEX", "OTHER", "NEW", "EXIT", "MAXWAIT");
	for (i = 0; i < n; i++) {
		const struct sample *s = &r->samples[i];

		fprintf(out, "%7u ", s->pid);
		text_escape_pad(out, s->comm, 16);
		fprintf(out, " %7u %+7d %6u %6u %6llu %6llu %7.1fs\n", s->threads, s->growth,
			s->blocked, s->other_blocked, (unsigned long long)s->created,
			(unsigned long long)s->exited, ns_to_s(s->max_wait_ns));
	}
	if (r->nr_recent) {
		/* Escaped when they were made (text_finding_line). */
		fputs("\nfindings (latest last):\n", out);
		for (i = 0; i < r->nr_recent; i++)
			fprintf(out, "  %s\n", r->recent[i]);
	}
}
