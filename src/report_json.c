// SPDX-License-Identifier: GPL-2.0
/* JSON lines for machines: one object per line, schema in README.md. */
#include "cgroup_identity.h"
#include "json.h"
#include "report_format.h"
#include "report_words.h"

static void json_str_field(FILE *out, const char *key, const char *val)
{
	fprintf(out, ",\"%s\":", key);
	json_write_str(out, val ? val : "", 4096);
}

/* Goroutines by wait reason: ,"KEY":{"chan receive":10000,...} */
static void json_reasons(FILE *out, const char *key, const struct reason_count *v, unsigned int n)
{
	unsigned int i;

	fprintf(out, ",\"%s\":{", key);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_write_str(out, v[i].reason, REC_WAIT_REASON_LEN);
		fprintf(out, ":%u", v[i].count);
	}
	fputc('}', out);
}

/* -t: one line per waiting thread. */
static void json_waits(struct report_out *o, const struct sample *s)
{
	unsigned int i;
	char buf[64];

	for (i = 0; i < s->nr_waits; i++) {
		const struct ctx_wait *w = &s->waits[i];

		fprintf(o->out, "{\"type\":\"wait\",\"ts\":%.3f,\"pid\":%u,\"tid\":%llu,",
			report_wall_s(o, s->ts_ns), s->pid, (unsigned long long)w->id);
		if (w->prim == PRIM_SYSCALL) {
			fprintf(o->out, "\"primitive\":\"syscall\",\"syscall\":\"%s\"",
				syscall_name(w->syscall_nr, buf, sizeof(buf)));
		} else {
			fprintf(o->out, "\"primitive\":\"%s\",\"syscall\":\"%s\"",
				primitive_name(w->prim), syscall_name(w->syscall_nr, buf, sizeof(buf)));
			fprintf(o->out, ",\"futex_op\":\"%s\",\"futex_addr\":\"0x%llx\"",
				futex_op_name(w->futex_op, buf, sizeof(buf)),
				(unsigned long long)w->lock_addr);
		}
		if (w->owner_tid >= 0)
			fprintf(o->out, ",\"owner_tid\":%lld", (long long)w->owner_tid);
		else
			fputs(",\"owner_tid\":null", o->out);
		fprintf(o->out, ",\"wait_s\":%.3f}\n", ns_to_s(w->wait_ns));
	}
}

static void json_sample(struct report_out *o, const struct sample *s)
{
	FILE *out = o->out;

	fprintf(out,
		"{\"type\":\"sample\",\"ts\":%.3f,\"pid\":%u,\"comm\":", report_wall_s(o, s->ts_ns),
		s->pid);
	json_write_str(out, s->comm, sizeof(s->comm));
	fprintf(out,
		",\"threads\":%u,\"blocked\":%u,\"other_blocked\":%u,\"created\":%llu,"
		"\"exited\":%llu,\"max_wait_s\":%.3f",
		s->threads, s->blocked, s->other_blocked, (unsigned long long)s->created,
		(unsigned long long)s->exited, ns_to_s(s->max_wait_ns));
	if (o->top)
		fprintf(out, ",\"growth\":%d", s->growth);
	if (s->goroutines >= 0)
		fprintf(out, ",\"goroutines\":%lld", (long long)s->goroutines);
	if (s->final)
		fputs(",\"final\":true", out);
	fputs("}\n", out);
	json_waits(o, s);
}

static void json_summary_goroutines(FILE *out, const struct proc_summary *ps)
{
	unsigned int i;

	fprintf(out, ",\"goroutines_first\":%lld,\"goroutines_last\":%lld,\"goroutines_peak\":%lld",
		(long long)ps->goroutines_first, (long long)ps->goroutines_last,
		(long long)ps->goroutines_peak);
	json_reasons(out, "goroutines_waiting", ps->go_blocked, ps->nr_go_blocked);
	fputs(",\"goroutine_sites\":[", out);
	for (i = 0; i < ps->nr_go_sites; i++) {
		fprintf(out, "%s{\"live\":%u", i ? "," : "", ps->go_sites[i].live);
		json_str_field(out, "created_by", finding_site_name(&ps->go_sites[i].site));
		json_str_field(out, "function", ps->go_sites[i].function);
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_summary(struct report_out *o, const struct proc_summary *ps)
{
	FILE *out = o->out;

	fprintf(out, "{\"type\":\"summary\",\"pid\":%u,\"comm\":", ps->pid);
	json_write_str(out, ps->comm, sizeof(ps->comm));
	fprintf(out,
		",\"duration_s\":%.3f,\"threads_first\":%u,\"threads_last\":%u,"
		"\"threads_peak\":%u,\"created\":%llu,\"exited\":%llu,\"blocked\":%u,"
		"\"other_blocked\":%u,\"max_wait_s\":%.3f,\"long_waits_dropped\":%u,"
		"\"process_exited\":%s",
		ns_to_s(ps->last_ns - ps->first_ns), ps->threads_first, ps->threads_last,
		ps->threads_peak, (unsigned long long)ps->created, (unsigned long long)ps->exited,
		ps->blocked_last, ps->other_blocked_last, ns_to_s(ps->max_wait_ns),
		ps->long_waits_dropped, ps->exited_proc ? "true" : "false");
	if (ps->goroutines_first >= 0)
		json_summary_goroutines(out, ps);
	fputs("}\n", out);
}

static void json_lost(struct report_out *o, const struct census_stats *cs)
{
	fprintf(o->out, "{\"type\":\"lost\",\"ts\":%.3f,\"events\":%llu,\"threads\":%llu}\n",
		report_wall_s(o, cs->ts_ns), (unsigned long long)cs->lost_events,
		(unsigned long long)cs->lost_threads);
}

static void json_end(struct report_out *o, const struct report_totals *t, const char *why)
{
	fprintf(o->out, "{\"type\":\"end\",\"reason\":");
	json_write_str(o->out, why, 256);
	fprintf(o->out,
		",\"duration_s\":%.3f,\"events\":%llu,\"lost_events\":%llu,\"lost_threads\":%llu,"
		"\"censuses\":%llu,\"census_avg_ms\":%.3f,\"census_max_ms\":%.3f",
		ns_to_s(t->last_ns - t->first_ns), (unsigned long long)t->events,
		(unsigned long long)t->lost_events, (unsigned long long)t->lost_threads,
		(unsigned long long)t->censuses,
		t->censuses ? t->census_ns_total / 1e6 / t->censuses : 0.0, t->census_ns_max / 1e6);
	if (t->go_censuses)
		fprintf(o->out,
			",\"goroutine_censuses\":%llu,\"goroutine_census_avg_ms\":%.3f,"
			"\"goroutine_census_max_ms\":%.3f",
			(unsigned long long)t->go_censuses,
			t->go_census_ns_total / 1e6 / t->go_censuses, t->go_census_ns_max / 1e6);
	fputs("}\n", o->out);
}

static void json_stack(FILE *out, const struct finding_ctx *fc)
{
	unsigned int i;

	if (!fc->goroutine && fc->wait_reason) /* a Python thread's API */
		json_str_field(out, "python_wait", fc->wait_reason);
	fputs(",\"stack\":[", out);
	for (i = 0; i < fc->nr_stack; i++) {
		if (i)
			fputc(',', out);
		json_write_str(out, fc->stack[i], 4096);
	}
	fputc(']', out);
}

/* A thread's name and its pattern, if known. */
static void json_names(FILE *out, const struct finding_ctx *fc)
{
	if (!fc->thread_name)
		return;
	json_str_field(out, "thread_name", fc->thread_name);
	json_str_field(out, "name_pattern", fc->name_pattern);
}

/* A site refined by its threads' names: the runtime's trampoline too. */
static void json_start_routine(FILE *out, const struct finding_site *site)
{
	if (site->name_pattern)
		json_str_field(out, "start_routine", site->symbol);
}

/* "mutex", ..., or for a syscall wait the syscall: "read". */
static const char *json_primitive(const struct finding_ctx *fc, char *buf, size_t len)
{
	const char *syscall = finding_syscall_name(fc, buf, len);

	return syscall ? syscall : primitive_name(fc->prim);
}

/* A context that is not the finding's subject: the owner of a lock. */
static void json_ctx(FILE *out, const char *key, const struct finding_ctx *fc)
{
	char state[FINDING_WORDS_LEN];

	fprintf(out, ",\"%s\":{\"tid\":%llu", key, (unsigned long long)fc->id);
	json_names(out, fc);
	json_str_field(out, "site", finding_site_name(&fc->site));
	json_start_routine(out, &fc->site);
	json_str_field(out, "state", finding_state_name(fc, state, sizeof(state)));
	if (fc->wait_ns)
		fprintf(out, ",\"wait_s\":%.3f", ns_to_s(fc->wait_ns));
	json_stack(out, fc);
	fputc('}', out);
}

/* A wait in seconds, or null when none was measured. */
static void json_wait_field(FILE *out, const char *key, bool known, __u64 ns)
{
	if (known)
		fprintf(out, ",\"%s\":%.3f", key, ns_to_s(ns));
	else
		fprintf(out, ",\"%s\":null", key);
}

static void json_stuck(struct report_out *o, const struct finding *f)
{
	bool go = f->kind == FINDING_GOROUTINE_STUCK, known = f->waits_known;
	FILE *out = o->out;
	unsigned int i;

	if (go) {
		json_str_field(out, "created_by", finding_site_name(&f->site));
		json_str_field(out, "function", f->function);
	} else {
		json_str_field(out, "site", finding_site_name(&f->site));
	}
	fprintf(out, ",\"live\":%u,\"stuck\":%u", f->live, f->stuck);
	json_str_field(out, "wait_class", stuck_class_name(f->wait_class));
	if (go)
		json_str_field(out, "wait_reason", f->wait_reason);
	else
		json_str_field(out, "primitive", primitive_name(f->stuck_prim));
	fprintf(out, ",\"waits_known\":%u", f->waits_known);
	json_wait_field(out, "wait_min_s", known, f->wait_min_ns);
	json_wait_field(out, "wait_median_s", known, f->wait_median_ns);
	json_wait_field(out, "wait_p90_s", known, f->wait_p90_ns);
	json_wait_field(out, "wait_max_s", known, f->max_wait_ns);
	if (known)
		fprintf(out, ",\"oldest_since\":%.3f", report_wall_s(o, f->ts_ns - f->max_wait_ns));
	if (go) {
		json_reasons(out, "wait_reasons", f->reasons, f->nr_reasons);
		fputs(",\"parents\":[", out);
		for (i = 0; i < f->nr_parents; i++) {
			fprintf(out, "%s{\"goid\":%llu", i ? "," : "",
				(unsigned long long)f->parents[i].goid);
			if (f->parents[i].alive) {
				json_str_field(out, "created_by",
					       finding_site_name(&f->parents[i].site));
				json_str_field(out, "function", f->parents[i].function);
			}
			fputc('}', out);
		}
		fputc(']', out);
	}
	if (f->sample.id)
		fprintf(out, ",\"%s\":%llu", go ? "goid" : "tid", (unsigned long long)f->sample.id);
	json_stack(out, &f->sample);
}

/* The monitor's: the cgroup, and the container, pod and unit it names. */
static void json_where(FILE *out, const struct finding *f)
{
	const struct cgroup_identity *w = f->where;

	if (f->cgroup)
		json_str_field(out, "cgroup", f->cgroup);
	if (!w)
		return;
	if (w->container_id[0]) {
		json_str_field(out, "container_id", w->container_id);
		if (w->runtime[0])
			json_str_field(out, "container_runtime", w->runtime);
	}
	if (w->pod_uid[0]) {
		json_str_field(out, "pod_uid", w->pod_uid);
		json_str_field(out, "qos_class", w->qos);
	}
	if (w->systemd_unit[0])
		json_str_field(out, "systemd_unit", w->systemd_unit);
}

static void json_finding(struct report_out *o, const struct finding *f)
{
	static const char *const kinds[] = {
		[FINDING_THREAD_LEAK] = "thread_leak",
		[FINDING_LONG_WAIT] = "long_wait",
		[FINDING_DEADLOCK] = "deadlock",
		[FINDING_GOROUTINE_LEAK] = "goroutine_leak",
		[FINDING_INCOMPLETE] = "incomplete",
		[FINDING_GOROUTINE_STUCK] = "goroutine_stuck",
		[FINDING_THREAD_STUCK] = "thread_stuck",
	};
	unsigned int i, n = f->nr_members;
	char words[FINDING_WORDS_LEN];
	FILE *out = o->out;

	fprintf(out, "{\"type\":\"finding\",\"kind\":\"%s\",\"ts\":%.3f,\"pid\":%u", kinds[f->kind],
		report_wall_s(o, f->ts_ns), f->pid);
	json_str_field(out, "comm", f->comm);
	json_where(out, f);
	switch (f->kind) {
	case FINDING_THREAD_LEAK:
	case FINDING_GOROUTINE_LEAK:
		if (f->kind == FINDING_THREAD_LEAK) {
			json_str_field(out, "site", finding_site_name(&f->site));
			json_start_routine(out, &f->site);
		} else {
			json_str_field(out, "created_by", finding_site_name(&f->site));
			json_str_field(out, "function", f->function);
		}
		fprintf(out, ",\"live\":%u,\"growth\":%lld,\"created\":%llu,\"exited\":%llu,"
			     "\"window_s\":%.3f,\"blocked\":%u",
			f->live, (long long)f->growth, (unsigned long long)f->created,
			(unsigned long long)f->exited, ns_to_s(f->window_ns), f->blocked);
		if (f->kind == FINDING_THREAD_LEAK) {
			const char *sep = "";
			unsigned int p;

			fputs(",\"blocked_on\":{", out);
			for (p = 0; p < PRIM_MAX; p++) {
				if (!f->by_prim[p])
					continue;
				fprintf(out, "%s\"%s\":%u", sep,
					p == PRIM_SYSCALL ? json_primitive(&f->sample, words,
									   sizeof(words))
							  : primitive_name(p),
					f->by_prim[p]);
				sep = ",";
			}
			fputc('}', out);
			if (f->nr_reasons) /* Python threads: in what API */
				json_reasons(out, "python_waits", f->reasons, f->nr_reasons);
		} else {
			json_reasons(out, "wait_reasons", f->reasons, f->nr_reasons);
		}
		fprintf(out, ",\"max_wait_s\":%.3f", ns_to_s(f->max_wait_ns));
		if (f->sample.id)
			fprintf(out, ",\"%s\":%llu", f->kind == FINDING_THREAD_LEAK ? "tid" : "goid",
				(unsigned long long)f->sample.id);
		json_names(out, &f->sample);
		if (f->sample.owner_tid >= 0)
			fprintf(out, ",\"owner_tid\":%lld", (long long)f->sample.owner_tid);
		json_stack(out, &f->sample);
		break;
	case FINDING_LONG_WAIT:
		fprintf(out, ",\"tid\":%llu", (unsigned long long)f->waiter.id);
		json_names(out, &f->waiter);
		json_str_field(out, "site", finding_site_name(&f->waiter.site));
		json_start_routine(out, &f->waiter.site);
		fprintf(out, ",\"wait_s\":%.3f", ns_to_s(f->waiter.wait_ns));
		json_str_field(out, "primitive", json_primitive(&f->waiter, words, sizeof(words)));
		if (f->waiter.lock_addr)
			fprintf(out, ",\"lock_addr\":\"0x%llx\"",
				(unsigned long long)f->waiter.lock_addr);
		if (f->has_owner)
			fprintf(out, ",\"owner_tid\":%llu", (unsigned long long)f->owner.id);
		else
			fputs(",\"owner_tid\":null", out);
		json_stack(out, &f->waiter);
		if (f->has_owner)
			json_ctx(out, "owner", &f->owner);
		break;
	case FINDING_DEADLOCK:
		fputs(",\"threads\":[", out);
		for (i = 0; i < f->nr_members; i++) {
			const struct finding_ctx *m = &f->members[i];
			/* It holds what the one before it waits for. */
			const struct finding_ctx *prev = &f->members[(i + n - 1) % n];

			fprintf(out, "%s{\"tid\":%llu", i ? "," : "", (unsigned long long)m->id);
			json_names(out, m);
			json_str_field(out, "site", finding_site_name(&m->site));
			json_start_routine(out, &m->site);
			json_str_field(out, "holds", finding_wait_target(prev, words, sizeof(words)));
			json_str_field(out, "waits_for", finding_wait_target(m, words, sizeof(words)));
			json_stack(out, m);
			fputc('}', out);
		}
		fputc(']', out);
		json_str_field(out, "primitive", primitive_name(f->prim));
		break;
	case FINDING_GOROUTINE_STUCK:
	case FINDING_THREAD_STUCK:
		json_stuck(o, f);
		break;
	case FINDING_INCOMPLETE:
		json_str_field(out, "part", incomplete_part_name(f->part));
		json_str_field(out, "reason", incomplete_reason_name(f->reason));
		fprintf(out, ",\"errno\":%d", -f->err);
		json_str_field(out, "why", f->why);
		break;
	}
	if (f->summary)
		fputs(",\"summary\":true", out);
	if (f->update)
		fputs(",\"update\":true", out);
	if (f->resolved)
		fputs(",\"resolved\":true", out);
	fputs("}\n", out);
}

static void json_rows(struct report_out *o, const struct report_rows *rows,
		      const struct census_stats *cs)
{
	size_t i;

	for (i = 0; i < rows->nr_shown; i++)
		json_sample(o, &rows->samples[i]);
}

const struct report_ops report_json = {
	.sample = json_sample,
	.summary = json_summary,
	.lost = json_lost,
	.end = json_end,
	.finding = json_finding,
	.rows = json_rows,
};
