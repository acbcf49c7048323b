// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "html_escape.h"
#include "report_format.h"
#include "report_html.h"
#include "report_words.h"

/* Points stored per series, even (halving keeps every other one); the last
 * point seen is kept apart, so at most HTML_MAX_POINTS are drawn. */
#define SERIES_CAP (HTML_MAX_POINTS - 2)
#define SERIES_MAX_V 4
#define GO_WAIT PRIM_MAX

/*
 * A downsampled time series: every stride-th point, the stride doubling
 * whenever the store is full, and the last point as it was.
 */
struct series {
	unsigned int nv; /* values per point */
	unsigned int n, alloc;
	__u64 stride, seen;
	__u64 *ts;
	__s32 *v; /* n * nv */
	__u64 last_ts;
	__s32 last_v[SERIES_MAX_V];
};

enum proc_value { PV_THREADS, PV_GOROUTINES, PV_BLOCKED, PV_OTHER_BLOCKED };

struct html_site {
	bool goroutine;
	__u64 key, func_pc;
	char *name; /* raw, escaped when written */
	__u32 peak;
	struct series sr; /* live */
};

struct html_finding {
	char *key;  /* what it is about: kind and site, thread or part */
	__u64 ts_ns; /* established */
	enum finding_kind kind;
	bool goroutine;
	char *site; /* leaks: the site's name, raw */
	char *text; /* the text report's words (terminal-safe), as last restated */
	bool restated;
};

struct html_proc {
	__u32 pid;
	char comm[REC_COMM_LEN];
	bool go, exited;
	__u32 peak_threads;
	__s64 peak_goroutines;
	struct series sr; /* enum proc_value */
	struct html_site **sites;
	unsigned int nr_sites;
	bool sites_lost; /* some not followed: too many */
	struct html_finding *findings;
	unsigned int nr_findings, findings_dropped;
	__u64 prim_ts; /* the census by_prim is of */
	/* Waiting contexts by enum primitive; at GO_WAIT, goroutines that wait
	 * on no primitive (a channel, a select, a sleep). */
	__u32 by_prim[GO_WAIT + 1], by_prim_peak[GO_WAIT + 1];
};

struct report_html {
	struct report_html_opts opts;
	struct detector_sink next;
	struct html_proc **procs;
	unsigned int nr_procs, alloc_procs;
	bool procs_lost; /* some not followed: too many */
	unsigned int nr_sites; /* of all processes */
	void *by_pid; /* tsearch tree: the newest html_proc of each pid */
	__u64 first_ns, last_ns, censuses;
	int err;
};

/* Series */

static void series_init(struct series *sr, unsigned int nv)
{
	memset(sr, 0, sizeof(*sr));
	sr->nv = nv;
	sr->stride = 1;
}

static void series_free(struct series *sr)
{
	free(sr->ts);
	free(sr->v);
}

static int series_add(struct series *sr, __u64 ts, const __s32 *v)
{
	unsigned int i, j;

	sr->last_ts = ts;
	memcpy(sr->last_v, v, sr->nv * sizeof(*v));
	if (sr->seen++ % sr->stride)
		return 0;
	if (sr->n == sr->alloc) {
		unsigned int alloc = sr->alloc ? sr->alloc * 2 : 16;
		__u64 *nts;
		__s32 *nv;

		if (alloc > SERIES_CAP)
			alloc = SERIES_CAP;
		nts = realloc(sr->ts, alloc * sizeof(*nts));
		if (!nts)
			return -ENOMEM;
		sr->ts = nts;
		nv = realloc(sr->v, (size_t)alloc * sr->nv * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		sr->v = nv;
		sr->alloc = alloc;
	}
	sr->ts[sr->n] = ts;
	memcpy(&sr->v[(size_t)sr->n * sr->nv], v, sr->nv * sizeof(*v));
	if (++sr->n < SERIES_CAP)
		return 0;
	/* Full: keep every other point, and take every other one from now. */
	for (i = 0, j = 0; i < sr->n; i += 2, j++) {
		sr->ts[j] = sr->ts[i];
		memmove(&sr->v[(size_t)j * sr->nv], &sr->v[(size_t)i * sr->nv],
			sr->nv * sizeof(*v));
	}
	sr->n = j;
	sr->stride *= 2;
	return 0;
}

/* Points to draw: the ones kept, and the last one if it was not. */
static unsigned int series_len(const struct series *sr)
{
	return sr->n + (sr->seen && (sr->seen - 1) % sr->stride ? 1 : 0);
}

static void series_point(const struct series *sr, unsigned int i, __u64 *ts, const __s32 **v)
{
	if (i < sr->n) {
		*ts = sr->ts[i];
		*v = &sr->v[(size_t)i * sr->nv];
	} else {
		*ts = sr->last_ts;
		*v = sr->last_v;
	}
}

/* Collecting */

static int pid_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct html_proc *)a)->pid, y = ((const struct html_proc *)b)->pid;

	return x < y ? -1 : x > y;
}

static struct html_proc *proc_find(struct report_html *h, __u32 pid)
{
	struct html_proc key = { .pid = pid }, **node = tfind(&key, &h->by_pid, pid_cmp);

	return node ? *node : NULL;
}

/* The process @pid, a new one if the last of that pid exited. */
static struct html_proc *proc_get(struct report_html *h, __u32 pid)
{
	struct html_proc *p = proc_find(h, pid), **procs;

	if (p && !p->exited)
		return p;
	if (h->nr_procs == HTML_MAX_PROCS) {
		h->procs_lost = true;
		return NULL;
	}
	if (h->nr_procs == h->alloc_procs) {
		unsigned int alloc = h->alloc_procs ? h->alloc_procs * 2 : 16;

		procs = realloc(h->procs, alloc * sizeof(*procs));
		if (!procs)
			goto nomem;
		h->procs = procs;
		h->alloc_procs = alloc;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->pid = pid;
	p->peak_goroutines = -1;
	series_init(&p->sr, SERIES_MAX_V);
	if (proc_find(h, pid))
		tdelete(p, &h->by_pid, pid_cmp);
	if (!tsearch(p, &h->by_pid, pid_cmp)) {
		free(p);
		goto nomem;
	}
	h->procs[h->nr_procs++] = p;
	return p;
nomem:
	h->err = -ENOMEM;
	return NULL;
}

static void seen_at(struct report_html *h, __u64 ts)
{
	if (!h->first_ns || ts < h->first_ns)
		h->first_ns = ts;
	if (ts > h->last_ns)
		h->last_ns = ts;
}

static void on_sample(void *ctx, const struct sample *s)
{
	struct report_html *h = ctx;
	struct html_proc *p = proc_get(h, s->pid);
	__s32 v[SERIES_MAX_V] = { s->threads, s->goroutines, s->blocked, s->other_blocked };
	unsigned int i;

	if (h->next.sample)
		h->next.sample(h->next.ctx, s);
	if (!p)
		return;
	seen_at(h, s->ts_ns);
	memcpy(p->comm, s->comm, REC_COMM_LEN);
	p->comm[REC_COMM_LEN - 1] = '\0';
	p->exited = s->final;
	if (s->threads > p->peak_threads)
		p->peak_threads = s->threads;
	if (s->goroutines >= 0)
		p->go = true;
	if (s->goroutines > p->peak_goroutines)
		p->peak_goroutines = s->goroutines;
	if (p->prim_ts != s->ts_ns)
		memset(p->by_prim, 0, sizeof(p->by_prim)); /* no site waits now */
	p->prim_ts = s->ts_ns;
	for (i = 0; i <= GO_WAIT; i++)
		if (p->by_prim[i] > p->by_prim_peak[i])
			p->by_prim_peak[i] = p->by_prim[i];
	if (series_add(&p->sr, s->ts_ns, v))
		h->err = -ENOMEM;
}

static struct html_site *site_get(struct report_html *h, struct html_proc *p,
				  const struct site_sample *ss)
{
	struct html_site *site, **sites;
	const char *name;
	unsigned int i;

	for (i = 0; i < p->nr_sites; i++) {
		site = p->sites[i];
		if (site->goroutine == ss->goroutine && site->key == ss->key &&
		    site->func_pc == ss->func_pc)
			return site;
	}
	if (p->nr_sites == HTML_MAX_SITES || h->nr_sites == HTML_MAX_ALL_SITES) {
		p->sites_lost = true;
		return NULL;
	}
	sites = realloc(p->sites, (p->nr_sites + 1) * sizeof(*sites));
	if (!sites)
		goto nomem;
	p->sites = sites;
	site = calloc(1, sizeof(*site));
	name = finding_site_name(&ss->site);
	if (site)
		site->name = strdup(name ? name : "unknown");
	if (!site || !site->name) {
		free(site);
		goto nomem;
	}
	site->goroutine = ss->goroutine;
	site->key = ss->key;
	site->func_pc = ss->func_pc;
	series_init(&site->sr, 1);
	p->sites[p->nr_sites++] = site;
	h->nr_sites++;
	return site;
nomem:
	h->err = -ENOMEM;
	return NULL;
}

static void on_site(void *ctx, const struct site_sample *ss)
{
	struct report_html *h = ctx;
	struct html_proc *p = proc_get(h, ss->pid);
	struct html_site *site;
	__s32 live = ss->live;
	unsigned int i;

	if (h->next.site)
		h->next.site(h->next.ctx, ss);
	if (!p)
		return;
	if (p->prim_ts != ss->ts_ns) {
		memset(p->by_prim, 0, sizeof(p->by_prim));
		p->prim_ts = ss->ts_ns;
	}
	for (i = 0; i < PRIM_MAX; i++)
		p->by_prim[ss->goroutine && i == PRIM_NONE ? GO_WAIT : i] += ss->by_prim[i];
	site = site_get(h, p, ss);
	if (!site)
		return;
	if (ss->live > site->peak)
		site->peak = ss->live;
	if (series_add(&site->sr, ss->ts_ns, &live))
		h->err = -ENOMEM;
}

/* What a finding is about, to find its restatements. */
static char *finding_key(const struct finding *f)
{
	const char *site = finding_site_name(&f->site);
	__u64 id = 0;
	unsigned int i;
	char *key;

	switch (f->kind) {
	case FINDING_THREAD_LEAK:
	case FINDING_GOROUTINE_LEAK:
	case FINDING_THREAD_STUCK:
	case FINDING_GOROUTINE_STUCK:
		if (asprintf(&key, "%d %s", f->kind, site ? site : "") < 0)
			return NULL;
		return key;
	case FINDING_LONG_WAIT:
		id = f->waiter.id;
		break;
	case FINDING_DEADLOCK:
		for (i = 0; i < f->nr_members; i++)
			if (!id || f->members[i].id < id)
				id = f->members[i].id;
		break;
	case FINDING_INCOMPLETE:
		id = f->part;
		break;
	}
	if (asprintf(&key, "%d %llu", f->kind, (unsigned long long)id) < 0)
		return NULL;
	return key;
}

/* @f in the text report's words, without its leading blank line. */
static char *finding_text(const struct finding *f)
{
	struct finding plain = *f;
	char state[256] = {}; /* report_text's state, zeroed */
	struct report_out o = { .state = state };
	size_t len = 0;
	char *text = NULL;

	if (report_text.state_size > sizeof(state))
		return NULL;
	o.out = open_memstream(&text, &len);
	if (!o.out)
		return NULL;
	plain.summary = false; /* no "findings:" heading */
	report_text.finding(&o, &plain);
	if (fclose(o.out)) {
		free(text);
		return NULL;
	}
	if (text && text[0] == '\n')
		memmove(text, text + 1, len);
	return text;
}

static void on_finding(void *ctx, const struct finding *f)
{
	struct report_html *h = ctx;
	struct html_proc *p = proc_find(h, f->pid);
	struct html_finding *hf = NULL, *findings;
	const char *site = finding_site_name(&f->site);
	char *key, *text;
	unsigned int i;

	if (h->next.finding)
		h->next.finding(h->next.ctx, f);
	if (!p)
		p = proc_get(h, f->pid);
	if (!p)
		return;
	key = finding_key(f);
	text = finding_text(f);
	if (!key || !text)
		goto nomem;
	for (i = 0; i < p->nr_findings; i++)
		if (!strcmp(p->findings[i].key, key))
			hf = &p->findings[i];
	if (hf) {
		/* Restated: the newest numbers, the first moment. */
		free(hf->text);
		hf->text = text;
		hf->restated = true;
		free(key);
		return;
	}
	if (p->nr_findings == HTML_MAX_FINDINGS) {
		if (!f->summary && !f->update && !f->resolved)
			p->findings_dropped++; /* once, not at each restatement */
		free(key);
		free(text);
		return;
	}
	findings = realloc(p->findings, (p->nr_findings + 1) * sizeof(*findings));
	if (!findings)
		goto nomem;
	p->findings = findings;
	hf = &p->findings[p->nr_findings];
	memset(hf, 0, sizeof(*hf));
	hf->site = (f->kind == FINDING_THREAD_LEAK || f->kind == FINDING_GOROUTINE_LEAK) && site
			   ? strdup(site)
			   : NULL;
	hf->key = key;
	hf->text = text;
	hf->ts_ns = f->ts_ns;
	hf->kind = f->kind;
	hf->goroutine = f->kind == FINDING_GOROUTINE_LEAK;
	hf->restated = f->summary || f->update || f->resolved;
	p->nr_findings++;
	seen_at(h, f->ts_ns);
	return;
nomem:
	free(key);
	free(text);
	h->err = -ENOMEM;
}

static void on_census_end(void *ctx, const struct census_stats *cs)
{
	struct report_html *h = ctx;

	if (h->next.census_end)
		h->next.census_end(h->next.ctx, cs);
	h->censuses++;
}

static void on_summary(void *ctx, const struct proc_summary *ps)
{
	struct report_html *h = ctx;

	if (h->next.summary)
		h->next.summary(h->next.ctx, ps);
}

struct report_html *report_html__new(const struct report_html_opts *opts)
{
	struct report_html *h = calloc(1, sizeof(*h));

	if (h)
		h->opts = *opts;
	return h;
}

static void no_free(void *p)
{
}

void report_html__free(struct report_html *h)
{
	unsigned int i, j;

	if (!h)
		return;
	tdestroy(h->by_pid, no_free);
	for (i = 0; i < h->nr_procs; i++) {
		struct html_proc *p = h->procs[i];

		series_free(&p->sr);
		for (j = 0; j < p->nr_sites; j++) {
			series_free(&p->sites[j]->sr);
			free(p->sites[j]->name);
			free(p->sites[j]);
		}
		for (j = 0; j < p->nr_findings; j++) {
			free(p->findings[j].key);
			free(p->findings[j].site);
			free(p->findings[j].text);
		}
		free(p->sites);
		free(p->findings);
		free(p);
	}
	free(h->procs);
	free(h);
}

void report_html__sink(struct report_html *h, const struct detector_sink *next,
		       struct detector_sink *sink)
{
	h->next = *next;
	memset(sink, 0, sizeof(*sink));
	sink->sample = on_sample;
	sink->census_end = on_census_end;
	sink->summary = on_summary;
	sink->finding = on_finding;
	sink->site = on_site;
	sink->ctx = h;
}

/* Writing */

#define PLOT_W 880
#define PLOT_H 200
#define PLOT_LEFT 56
#define PLOT_TOP 10
#define PLOT_BOTTOM 28
#define SVG_W (PLOT_LEFT + PLOT_W + 16)
#define SVG_H (PLOT_TOP + PLOT_H + PLOT_BOTTOM)

static const char *const colors[] = { "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e",
				      "#9467bd", "#8c564b", "#e377c2", "#17becf" };

/* One line of a chart: value @vi of each point of @sr. */
struct plot_line {
	const char *label; /* raw: target-controlled */
	const char *kind;  /* threadleak's: "threads", "site" */
	const struct series *sr;
	unsigned int vi;
	__s64 peak;
};

struct plot_mark {
	__u64 ts_ns;
	const char *kind;  /* threadleak's words */
	const char *label; /* raw */
	int line;	   /* the line it sits on, or -1 */
};

static double plot_x(const struct report_html *h, __u64 ts)
{
	__u64 span = h->last_ns > h->first_ns ? h->last_ns - h->first_ns : 1;

	if (ts < h->first_ns)
		ts = h->first_ns;
	return PLOT_LEFT + (double)(ts - h->first_ns) * PLOT_W / span;
}

static double plot_y(__s64 v, __s64 max)
{
	return PLOT_TOP + PLOT_H - (double)v * PLOT_H / max;
}

/* The value of @l at the last point at or before @ts. */
static __s64 line_value_at(const struct plot_line *l, __u64 ts)
{
	unsigned int i, n = series_len(l->sr);
	const __s32 *v;
	__s64 val = 0;
	__u64 t;

	for (i = 0; i < n; i++) {
		series_point(l->sr, i, &t, &v);
		if (t > ts)
			break;
		val = v[l->vi];
	}
	return val;
}

static void write_chart(struct report_html *h, FILE *out, const char *title,
			const struct plot_line *lines, unsigned int nr_lines,
			const struct plot_mark *marks, unsigned int nr_marks)
{
	double span_s = h->last_ns > h->first_ns ? (h->last_ns - h->first_ns) / 1e9 : 0;
	unsigned int i, j, n;
	const __s32 *v;
	__s64 max = 1;
	__u64 ts;

	for (i = 0; i < nr_lines; i++)
		if (lines[i].peak > max)
			max = lines[i].peak;
	fprintf(out, "<figure><figcaption>%s</figcaption>\n", title);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fprintf(out,
		"<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n"
		"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>\n"
		"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>\n"
		"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
		PLOT_LEFT, PLOT_TOP, PLOT_W, PLOT_H, PLOT_LEFT - 6, PLOT_TOP + 10, (long long)max,
		PLOT_LEFT - 6, PLOT_TOP + PLOT_H / 2 + 4, (long long)(max / 2), PLOT_LEFT - 6,
		PLOT_TOP + PLOT_H);
	fprintf(out,
		"<text class=\"axis\" x=\"%d\" y=\"%d\">0 s</text>\n"
		"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.1f s</text>\n"
		"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f s</text>\n",
		PLOT_LEFT, SVG_H - 8, PLOT_LEFT + PLOT_W / 2, SVG_H - 8, span_s / 2,
		PLOT_LEFT + PLOT_W, SVG_H - 8, span_s);
	for (i = 0; i < nr_lines; i++) {
		const struct plot_line *l = &lines[i];

		n = series_len(l->sr);
		series_point(l->sr, n - 1, &ts, &v);
		fprintf(out, "<polyline class=\"series\" data-kind=\"%s\" data-label=\"", l->kind);
		html_escape_target(out, l->label);
		fprintf(out,
			"\" data-points=\"%u\" data-last=\"%lld\" data-peak=\"%lld\" "
			"stroke=\"%s\" points=\"",
			n, (long long)v[l->vi], (long long)l->peak, colors[i % 8]);
		for (j = 0; j < n; j++) {
			series_point(l->sr, j, &ts, &v);
			fprintf(out, "%s%.1f,%.1f", j ? " " : "", plot_x(h, ts),
				plot_y(v[l->vi], max));
		}
		fputs("\"><title>", out);
		html_escape_target(out, l->label);
		fputs("</title></polyline>\n", out);
	}
	for (i = 0; i < nr_marks; i++) {
		const struct plot_mark *m = &marks[i];
		double x = plot_x(h, m->ts_ns);

		fprintf(out, "<g class=\"marker\" data-kind=\"%s\" data-ts=\"%.3f\">", m->kind,
			(m->ts_ns - h->first_ns) / 1e9);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", x, PLOT_TOP, x,
			PLOT_TOP + PLOT_H);
		if (m->line >= 0)
			fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>", x,
				plot_y(line_value_at(&lines[m->line], m->ts_ns), max),
				colors[m->line % 8]);
		fprintf(out, "<title>%s established at %.1f s", m->kind,
			(m->ts_ns - h->first_ns) / 1e9);
		if (m->label) {
			fputs(": ", out);
			html_escape_target(out, m->label);
		}
		fputs("</title></g>\n", out);
	}
	fputs("</svg>\n<ul class=\"legend\">", out);
	for (i = 0; i < nr_lines; i++) {
		fprintf(out, "<li><span class=\"swatch\" style=\"background:%s\"></span>",
			colors[i % 8]);
		html_escape_target(out, lines[i].label);
		fprintf(out, " (%speak %lld)</li>",
			!strcmp(lines[i].kind, "thread site")	 ? "threads, "
			: !strcmp(lines[i].kind, "goroutine site") ? "goroutines, "
								   : "",
			(long long)lines[i].peak);
	}
	if (nr_marks)
		fputs("<li><span class=\"swatch mark\"></span>a finding established</li>", out);
	fputs("</ul></figure>\n", out);
}

static const char *finding_kind_name(enum finding_kind kind)
{
	switch (kind) {
	case FINDING_THREAD_LEAK:
		return "thread leak";
	case FINDING_GOROUTINE_LEAK:
		return "goroutine leak";
	case FINDING_LONG_WAIT:
		return "long wait";
	case FINDING_DEADLOCK:
		return "deadlock";
	case FINDING_INCOMPLETE:
		return "incomplete";
	case FINDING_THREAD_STUCK:
		return "stuck threads";
	case FINDING_GOROUTINE_STUCK:
		return "stuck goroutines";
	}
	return "finding";
}

static int site_peak_cmp(const void *a, const void *b)
{
	const struct html_site *x = *(const struct html_site *const *)a;
	const struct html_site *y = *(const struct html_site *const *)b;

	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void write_proc_charts(struct report_html *h, FILE *out, struct html_proc *p)
{
	struct plot_line lines[HTML_SHOWN_SITES > 4 ? HTML_SHOWN_SITES : 4];
	struct plot_mark marks[HTML_SHOWN_FINDINGS];
	unsigned int nr_lines = 0, nr_marks = 0, i, j, shown;

	if (p->sr.seen) {
		lines[nr_lines++] = (struct plot_line){ "threads", "threads", &p->sr, PV_THREADS,
							p->peak_threads };
		if (p->go)
			lines[nr_lines++] = (struct plot_line){ "goroutines", "goroutines", &p->sr,
								PV_GOROUTINES,
								p->peak_goroutines };
		lines[nr_lines++] = (struct plot_line){ "threads in futex waits", "blocked",
							&p->sr, PV_BLOCKED, 0 };
		lines[nr_lines++] = (struct plot_line){ "threads in other blocking syscalls",
							"other_blocked", &p->sr,
							PV_OTHER_BLOCKED, 0 };
		for (i = 2 - !p->go; i < nr_lines; i++) {
			unsigned int n = series_len(&p->sr);
			const __s32 *v;
			__u64 ts;

			for (j = 0; j < n; j++) {
				series_point(&p->sr, j, &ts, &v);
				if (v[lines[i].vi] > lines[i].peak)
					lines[i].peak = v[lines[i].vi];
			}
		}
		for (i = 0; i < p->nr_findings && nr_marks < HTML_SHOWN_FINDINGS; i++)
			marks[nr_marks++] = (struct plot_mark){ p->findings[i].ts_ns,
								finding_kind_name(p->findings[i].kind),
								p->findings[i].site, -1 };
		write_chart(h, out, p->go ? "Live threads and goroutines over time" : "Live threads over time",
			    lines, nr_lines, marks, nr_marks);
	}
	if (!p->nr_sites)
		return;
	qsort(p->sites, p->nr_sites, sizeof(*p->sites), site_peak_cmp);
	shown = p->nr_sites < HTML_SHOWN_SITES ? p->nr_sites : HTML_SHOWN_SITES;
	nr_lines = nr_marks = 0;
	for (i = 0; i < shown; i++) {
		struct html_site *s = p->sites[i];

		lines[nr_lines++] = (struct plot_line){ s->name,
							s->goroutine ? "goroutine site" : "thread site",
							&s->sr, 0, s->peak };
	}
	for (i = 0; i < p->nr_findings && nr_marks < HTML_SHOWN_FINDINGS; i++) {
		const struct html_finding *f = &p->findings[i];

		if (!f->site)
			continue;
		for (j = 0; j < shown; j++)
			if (p->sites[j]->goroutine == f->goroutine &&
			    !strcmp(p->sites[j]->name, f->site))
				break;
		if (j < shown)
			marks[nr_marks++] = (struct plot_mark){ f->ts_ns, finding_kind_name(f->kind),
								f->site, (int)j };
	}
	write_chart(h, out, "Live threads and goroutines per site (where they start)", lines,
		    nr_lines, marks, nr_marks);
	if (p->nr_sites > shown)
		fprintf(out,
			"<p class=\"left-out\">%u more sites not drawn (fewer live at their "
			"peak)</p>\n",
			p->nr_sites - shown);
	if (p->sites_lost)
		fprintf(out, "<p class=\"left-out\">More sites not followed: over %u in this "
			     "process or %u in all</p>\n",
			HTML_MAX_SITES, HTML_MAX_ALL_SITES);
}

static void write_blocked(FILE *out, const struct html_proc *p)
{
	unsigned int i, any = 0;

	for (i = 0; i <= GO_WAIT; i++)
		any |= p->by_prim_peak[i];
	if (!any) {
		fputs("<p>No thread was seen blocked.</p>\n", out);
		return;
	}
	fputs("<table class=\"blocked\"><caption>Blocked threads and goroutines by "
	      "primitive</caption>\n<tr><th>primitive</th><th>at the last census</th>"
	      "<th>most at one census</th></tr>\n",
	      out);
	for (i = 0; i <= GO_WAIT; i++) {
		const char *name = i == GO_WAIT ? "goroutine wait" : primitive_name(i);

		if (p->by_prim_peak[i])
			fprintf(out,
				"<tr data-primitive=\"%s\"><td>%s%s</td><td>%u</td><td>%u</td></tr>\n",
				name, name, i == GO_WAIT ? " (channel, select, sleep, &#8230;)" : "",
				p->by_prim[i], p->by_prim_peak[i]);
	}
	fputs("</table>\n", out);
}

static void write_findings(struct report_html *h, FILE *out, const struct html_proc *p)
{
	unsigned int i, shown = p->nr_findings < HTML_SHOWN_FINDINGS ? p->nr_findings
								    : HTML_SHOWN_FINDINGS;

	if (!p->nr_findings)
		return;
	fprintf(out, "<h3>Findings (%u)</h3>\n<ol class=\"findings\">\n",
		p->nr_findings + p->findings_dropped);
	for (i = 0; i < shown; i++) {
		const struct html_finding *f = &p->findings[i];

		fprintf(out,
			"<li class=\"finding\" data-kind=\"%s\"><p>%s, established at %.1f s%s</p>"
			"<pre>",
			finding_kind_name(f->kind), finding_kind_name(f->kind),
			(f->ts_ns - h->first_ns) / 1e9,
			f->restated ? "; as last restated:" : ":");
		html_escape_text(out, f->text);
		fputs("</pre></li>\n", out);
	}
	fputs("</ol>\n", out);
	if (p->nr_findings + p->findings_dropped > shown)
		fprintf(out, "<p class=\"left-out\">%u more findings not shown</p>\n",
			p->nr_findings + p->findings_dropped - shown);
}

static void write_proc(struct report_html *h, FILE *out, struct html_proc *p)
{
	unsigned int n = series_len(&p->sr);
	const __s32 *first = NULL, *last = NULL;
	__u64 ts;

	fprintf(out, "<section class=\"proc\" id=\"pid-%u\" data-pid=\"%u\">\n<h2>pid %u (", p->pid,
		p->pid, p->pid);
	html_escape_target(out, p->comm);
	fprintf(out, ")%s</h2>\n", p->exited ? ", exited" : "");
	if (n) {
		series_point(&p->sr, 0, &ts, &first);
		series_point(&p->sr, n - 1, &ts, &last);
		fprintf(out, "<p>threads: %d at first, %d at last, %u at peak", first[PV_THREADS],
			last[PV_THREADS], p->peak_threads);
		if (p->go)
			fprintf(out, "; goroutines: %d at last, %lld at peak", last[PV_GOROUTINES],
				(long long)p->peak_goroutines);
		fprintf(out, "; %llu censuses%s</p>\n", (unsigned long long)p->sr.seen,
			p->sr.stride > 1 ? " (drawn downsampled)" : "");
	}
	write_proc_charts(h, out, p);
	write_blocked(out, p);
	write_findings(h, out, p);
	fputs("</section>\n", out);
}

/* Processes with findings first, then by their peak threads. */
static int proc_rank_cmp(const void *a, const void *b)
{
	const struct html_proc *x = *(const struct html_proc *const *)a;
	const struct html_proc *y = *(const struct html_proc *const *)b;

	if (!x->nr_findings != !y->nr_findings)
		return x->nr_findings ? -1 : 1;
	if (x->peak_threads != y->peak_threads)
		return x->peak_threads > y->peak_threads ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static const char style[] =
	"body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222;max-width:1000px}"
	"h1{font-size:1.5em}h2{font-size:1.2em;border-top:1px solid #ccc;padding-top:.6em}"
	"figure{margin:.5em 0}figcaption{font-weight:bold}"
	"svg .plot{fill:#fafafa;stroke:#bbb}svg .axis{font-size:11px;fill:#555}"
	"svg polyline{fill:none;stroke-width:2}"
	"svg .marker line{stroke:#000;stroke-dasharray:4 3}"
	".legend{list-style:none;padding:0;margin:.2em 0}.legend li{display:inline-block;"
	"margin-right:1.2em}.swatch{display:inline-block;width:12px;height:12px;"
	"margin-right:4px;vertical-align:middle}.swatch.mark{border-left:2px dashed #000;"
	"width:0}"
	"pre{background:#f4f4f4;padding:.5em;overflow-x:auto;white-space:pre-wrap;"
	"word-break:break-all}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
	"caption{text-align:left;font-weight:bold}.left-out{color:#777;font-style:italic}";

int report_html__write(struct report_html *h, FILE *out)
{
	unsigned int i, shown, findings = 0;
	struct html_proc **ranked;
	char when[64] = "?";
	time_t t;
	struct tm tm;

	if (h->err)
		return h->err;
	ranked = malloc((h->nr_procs ? h->nr_procs : 1) * sizeof(*ranked));
	if (!ranked)
		return -ENOMEM;
	memcpy(ranked, h->procs, h->nr_procs * sizeof(*ranked));
	qsort(ranked, h->nr_procs, sizeof(*ranked), proc_rank_cmp);
	for (i = 0; i < h->nr_procs; i++)
		findings += ranked[i]->nr_findings + ranked[i]->findings_dropped;
	shown = h->nr_procs < HTML_SHOWN_PROCS ? h->nr_procs : HTML_SHOWN_PROCS;
	t = ((__s64)h->first_ns + h->opts.realtime_offset_ns) / 1000000000LL;
	if (h->first_ns && localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<title>threadleak: ",
	      out);
	html_escape_target(out, h->opts.source ? h->opts.source : "live run");
	fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n<h1>threadleak: ", style);
	html_escape_target(out, h->opts.source ? h->opts.source : "live run");
	fprintf(out,
		"</h1>\n<p class=\"run\">From %s, %.1f s, %llu censuses; processes seen: %u; "
		"findings: %u.</p>\n",
		when, h->last_ns > h->first_ns ? (h->last_ns - h->first_ns) / 1e9 : 0,
		(unsigned long long)h->censuses, h->nr_procs, findings);
	if (h->nr_procs > shown)
		fprintf(out,
			"<p class=\"left-out\">%u processes shown: those with findings first, then "
			"by most threads at their peak; %u left out.</p>\n",
			shown, h->nr_procs - shown);
	if (h->procs_lost)
		fprintf(out, "<p class=\"left-out\">More processes not followed at all: over "
			     "%u.</p>\n",
			HTML_MAX_PROCS);
	if (shown > 1) {
		fputs("<ul class=\"toc\">", out);
		for (i = 0; i < shown; i++) {
			fprintf(out, "<li><a href=\"#pid-%u\">pid %u (", ranked[i]->pid,
				ranked[i]->pid);
			html_escape_target(out, ranked[i]->comm);
			fprintf(out, ")</a>: %u threads at peak, %u findings</li>",
				ranked[i]->peak_threads, ranked[i]->nr_findings);
		}
		fputs("</ul>\n", out);
	}
	for (i = 0; i < shown; i++)
		write_proc(h, out, ranked[i]);
	fputs("</body></html>\n", out);
	free(ranked);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
