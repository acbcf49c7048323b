// SPDX-License-Identifier: GPL-2.0
/* JSON lines for machines: one object per line, schema in README.md. */
#include "json.h"
#include "report.h"

void json_sample(struct report *r, const struct sample *s)
{
	FILE *out = r->opts.out;

	fprintf(out,
		"{\"type\":\"sample\",\"ts\":%.3f,\"pid\":%u,\"comm\":", report_wall_s(r, s->ts_ns),
		s->pid);
	json_write_str(out, s->comm, sizeof(s->comm));
	fprintf(out,
		",\"threads\":%u,\"blocked\":%u,\"other_blocked\":%u,\"created\":%llu,"
		"\"exited\":%llu,\"max_wait_s\":%.3f",
		s->threads, s->blocked, s->other_blocked, (unsigned long long)s->created,
		(unsigned long long)s->exited, ns_to_s(s->max_wait_ns));
	if (r->opts.top)
		fprintf(out, ",\"growth\":%d", s->growth);
	if (s->final)
		fputs(",\"final\":true", out);
	fputs("}\n", out);
}

void json_summary(struct report *r, const struct proc_summary *ps)
{
	FILE *out = r->opts.out;

	fprintf(out, "{\"type\":\"summary\",\"pid\":%u,\"comm\":", ps->pid);
	json_write_str(out, ps->comm, sizeof(ps->comm));
	fprintf(out,
		",\"duration_s\":%.3f,\"threads_first\":%u,\"threads_last\":%u,"
		"\"threads_peak\":%u,\"created\":%llu,\"exited\":%llu,\"blocked\":%u,"
		"\"other_blocked\":%u,\"max_wait_s\":%.3f,\"process_exited\":%s}\n",
		ns_to_s(ps->last_ns - ps->first_ns), ps->threads_first, ps->threads_last,
		ps->threads_peak, (unsigned long long)ps->created, (unsigned long long)ps->exited,
		ps->blocked_last, ps->other_blocked_last, ns_to_s(ps->max_wait_ns),
		ps->exited_proc ? "true" : "false");
}

void json_lost(struct report *r, const struct census_stats *cs)
{
	fprintf(r->opts.out, "{\"type\":\"lost\",\"ts\":%.3f,\"events\":%llu,\"threads\":%llu}\n",
		report_wall_s(r, cs->ts_ns), (unsigned long long)cs->lost_events,
		(unsigned long long)cs->lost_threads);
}

void json_end(struct report *r, const char *why)
{
	fprintf(r->opts.out, "{\"type\":\"end\",\"reason\":");
	json_write_str(r->opts.out, why, 256);
	fprintf(r->opts.out,
		",\"duration_s\":%.3f,\"events\":%llu,\"lost_events\":%llu,\"lost_threads\":%llu}\n",
		ns_to_s(r->last_ns - r->first_ns), (unsigned long long)r->events,
		(unsigned long long)r->lost_events, (unsigned long long)r->lost_threads);
}
