// SPDX-License-Identifier: GPL-2.0
/*
 * gocensus: the goroutine census of a running Go program, as lines the live
 * tests read; a test driver for src/go_runtime.c until threadleak's own
 * commands use it.
 *
 *   gocensus PID            groups: count, wait reason, start and creating function
 *   gocensus -a PID         also one line per goroutine, with its stack's depth
 *                           and RS_* flags (taken from inside the census)
 *   gocensus -s GOID PID    the stack of one goroutine, every frame
 *   gocensus -t PID         what each OS thread waits for (idle M, ...)
 *   gocensus -b N[,MS] PID  N censuses, timed, MS milliseconds apart (default 0);
 *                           the CPU (user, system) a census after the first
 *   gocensus -r N PID       N censuses: per wait reason and start function
 *                           counts, and goroutines whose start or creating
 *                           pc is no Go function (a misread)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "go_runtime.h"

#define MAX_GROUPS 4096
#define MAX_FRAMES 64

struct group {
	char reason[REC_WAIT_REASON_LEN];
	char start[256], creator[256], site[300];
	bool system;
	__u64 first_goid;
	int count;
};

struct census_out {
	struct go_proc *gp;
	bool each;
	struct group *groups;
	int nr_groups;
	__u64 want_goid;
	struct go_goroutine found;
	bool have_found;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sym_name(struct go_proc *gp, __u64 pc, bool retaddr, struct go_sym *sym)
{
	if (go_proc__symbolize(gp, pc, retaddr, sym)) {
		snprintf(sym->func, sizeof(sym->func), "?");
		snprintf(sym->file, sizeof(sym->file), "?");
	}
}

static int on_goroutine(void *ctx, const struct go_goroutine *g)
{
	struct census_out *out = ctx;
	struct go_sym start, creator;
	__u64 pcs[MAX_FRAMES];
	char site[300];
	__u16 flags = 0;
	int i, nr_pcs = 0;

	if (out->want_goid) {
		if (g->goid == out->want_goid) {
			out->found = *g;
			out->have_found = true;
		}
		return 0;
	}
	sym_name(out->gp, g->start_pc, false, &start);
	sym_name(out->gp, g->go_pc, true, &creator);
	snprintf(site, sizeof(site), "%s:%u", creator.file, creator.line);
	if (out->each) {
		/* the stack, from inside the census, as a consumer would take it */
		nr_pcs = go_proc__stack(out->gp, g, pcs, MAX_FRAMES, &flags);
		printf("goroutine %llu [%s] status=%u system=%d parent=%llu wait_since=%llu "
		       "start=%s created_by=%s %s stack=%d/%u\n",
		       (unsigned long long)g->goid, g->wait_reason, g->status, g->system,
		       (unsigned long long)g->parent_goid, (unsigned long long)g->wait_since_ns,
		       start.func, creator.func, site, nr_pcs, flags);
	}
	for (i = 0; i < out->nr_groups; i++) {
		struct group *grp = &out->groups[i];

		if (!strcmp(grp->reason, g->wait_reason) && !strcmp(grp->start, start.func) &&
		    !strcmp(grp->creator, creator.func) && grp->system == g->system) {
			grp->count++;
			return 0;
		}
	}
	if (out->nr_groups == MAX_GROUPS)
		return 0;
	i = out->nr_groups++;
	snprintf(out->groups[i].reason, sizeof(out->groups[i].reason), "%s", g->wait_reason);
	snprintf(out->groups[i].start, sizeof(out->groups[i].start), "%s", start.func);
	snprintf(out->groups[i].creator, sizeof(out->groups[i].creator), "%s", creator.func);
	snprintf(out->groups[i].site, sizeof(out->groups[i].site), "%s", site);
	out->groups[i].system = g->system;
	out->groups[i].first_goid = g->goid;
	out->groups[i].count = 1;
	return 0;
}

static int census(struct go_proc *gp, bool each)
{
	struct census_out out = { .gp = gp, .each = each };
	bool incomplete;
	__u64 t0, t1;
	int n, i;

	out.groups = calloc(MAX_GROUPS, sizeof(*out.groups));
	if (!out.groups)
		return 1;
	t0 = now_ns();
	n = go_proc__census(gp, on_goroutine, &out, &incomplete);
	t1 = now_ns();
	if (n < 0) {
		fprintf(stderr, "gocensus: census: %s\n", strerror(-n));
		free(out.groups);
		return 1;
	}
	for (i = 0; i < out.nr_groups; i++)
		printf("group %d [%s] start=%s created_by=%s %s system=%d first=%llu\n",
		       out.groups[i].count, out.groups[i].reason, out.groups[i].start,
		       out.groups[i].creator, out.groups[i].site, out.groups[i].system,
		       (unsigned long long)out.groups[i].first_goid);
	printf("census %d incomplete=%d time_us=%llu now_ns=%llu\n", n, incomplete,
	       (unsigned long long)(t1 - t0) / 1000, (unsigned long long)t1);
	free(out.groups);
	return 0;
}

/* Go's traceback at its default level shows these frames (showfuncinfo). */
static bool go_shows_frame(const char *func)
{
	if (!strchr(func, '.'))
		return false;
	if (strncmp(func, "runtime.", 8))
		return true;
	return func[8] >= 'A' && func[8] <= 'Z';
}

static int stack(struct go_proc *gp, __u64 goid)
{
	struct census_out out = { .gp = gp, .want_goid = goid };
	struct go_sym frames[8], creator;
	__u64 pcs[MAX_FRAMES];
	bool incomplete;
	__u16 flags;
	int n, i, j, nf;

	n = go_proc__census(gp, on_goroutine, &out, &incomplete);
	if (n < 0 || !out.have_found) {
		fprintf(stderr, "gocensus: no goroutine %llu\n", (unsigned long long)goid);
		return 1;
	}
	n = go_proc__stack(gp, &out.found, pcs, MAX_FRAMES, &flags);
	if (n < 0) {
		fprintf(stderr, "gocensus: stack: %s\n", strerror(-n));
		return 1;
	}
	for (i = 0; i < n; i++) {
		nf = go_proc__symbolize_frames(gp, pcs[i], true, frames, 8);
		if (!nf)
			printf("frame ? ?:0 shown=0 inlined=0 pc=%#llx\n",
			       (unsigned long long)pcs[i]);
		for (j = 0; j < nf; j++)
			printf("frame %s %s:%u shown=%d inlined=%d pc=%#llx\n", frames[j].func,
			       frames[j].file, frames[j].line, go_shows_frame(frames[j].func),
			       frames[j].inlined, (unsigned long long)pcs[i]);
	}
	sym_name(gp, out.found.go_pc, true, &creator);
	printf("created_by %s %s:%u parent=%llu\n", creator.func, creator.file, creator.line,
	       (unsigned long long)out.found.parent_goid);
	printf("stack_flags %u\n", flags);
	return 0;
}

static int threads(struct go_proc *gp, int pid)
{
	char path[512], line[512];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((de = readdir(dir))) {
		unsigned long long sp, pc;
		enum go_thread_wait wait;
		FILE *f;
		int nr;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", pid, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "%d %*x %*x %*x %*x %*x %*x %llx %llx", &nr, &sp, &pc) != 3) {
			fclose(f);
			printf("thread %s running\n", de->d_name);
			continue;
		}
		fclose(f);
		wait = go_proc__thread_wait(gp, pc, sp, 0);
		printf("thread %s syscall %d wait=%s idle=%d\n", de->d_name, nr,
		       go_thread_wait_name(wait), go_thread_wait_is_idle(wait));
	}
	closedir(dir);
	return 0;
}

struct repeat_out {
	struct go_proc *gp;
	int receivers, unknown;
};

static int on_repeat(void *ctx, const struct go_goroutine *g)
{
	struct repeat_out *out = ctx;
	struct go_sym start, creator;

	if (go_proc__symbolize(out->gp, g->start_pc, false, &start) ||
	    go_proc__symbolize(out->gp, g->go_pc, true, &creator)) {
		out->unknown++;
		return 0;
	}
	if (!strcmp(g->wait_reason, "chan receive") && !strcmp(start.func, "main.chanReceiver"))
		out->receivers++;
	return 0;
}

static int repeat(struct go_proc *gp, int runs)
{
	bool incomplete;
	int i, n;

	for (i = 0; i < runs; i++) {
		struct repeat_out out = { .gp = gp };

		n = go_proc__census(gp, on_repeat, &out, &incomplete);
		if (n < 0 && n != -EAGAIN) {
			fprintf(stderr, "gocensus: census: %s\n", strerror(-n));
			return 1;
		}
		printf("run %d count=%d receivers=%d unknown=%d incomplete=%d\n", i, n,
		       out.receivers, out.unknown, incomplete);
	}
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* CPU time of this process (the reader thread's too), ns */
static __u64 cpu_ns(bool sys)
{
	struct rusage ru;
	struct timeval *tv = sys ? &ru.ru_stime : &ru.ru_utime;

	getrusage(RUSAGE_SELF, &ru);
	return tv->tv_sec * 1000000000ull + tv->tv_usec * 1000ull;
}

static int bench(struct go_proc *gp, int runs, long period_ms)
{
	__u64 *times = calloc(runs, sizeof(*times));
	__u64 user = 0, sys = 0;
	bool incomplete;
	int i, n = 0;

	if (!times)
		return 1;
	for (i = 0; i < runs; i++) {
		struct timespec period = { period_ms / 1000, (period_ms % 1000) * 1000000 };
		__u64 t0;

		if (i && period_ms)
			nanosleep(&period, NULL);
		if (i == 1) {
			/* the censuses after the first: what each costs from then on */
			user = cpu_ns(false);
			sys = cpu_ns(true);
		}
		t0 = now_ns();
		n = go_proc__census(gp, NULL, NULL, &incomplete);
		times[i] = now_ns() - t0;
		if (n < 0) {
			fprintf(stderr, "gocensus: census: %s\n", strerror(-n));
			free(times);
			return 1;
		}
	}
	if (runs > 1) {
		user = (cpu_ns(false) - user) / (runs - 1);
		sys = (cpu_ns(true) - sys) / (runs - 1);
	}
	printf("bench goroutines=%d runs=%d first_ms=%.2f ", n, runs, times[0] / 1e6);
	qsort(times, runs, sizeof(*times), compare_u64);
	printf("min_ms=%.2f median_ms=%.2f max_ms=%.2f user_ms=%.2f sys_ms=%.2f\n", times[0] / 1e6,
	       times[runs / 2] / 1e6, times[runs - 1] / 1e6, user / 1e6, sys / 1e6);
	free(times);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: gocensus [-a | -s GOID | -t | -b RUNS[,MS] | -r RUNS] PID\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char mode = 'g', *end;
	long arg = 0, period_ms = 0;
	struct go_proc *gp;
	int pid, err, ret;

	if (argc == 3 && !strcmp(argv[1], "-a")) {
		mode = 'a';
	} else if (argc == 3 && !strcmp(argv[1], "-t")) {
		mode = 't';
	} else if (argc == 4 &&
		   (!strcmp(argv[1], "-s") || !strcmp(argv[1], "-b") || !strcmp(argv[1], "-r"))) {
		mode = argv[1][1];
		arg = strtol(argv[2], &end, 10);
		if (mode == 'b' && *end == ',')
			period_ms = strtol(end + 1, &end, 10);
		if (*end)
			usage();
	} else if (argc != 2) {
		usage();
	}
	pid = strtol(argv[argc - 1], NULL, 10);
	if (pid <= 0 || (mode != 'g' && mode != 'a' && mode != 't' && arg <= 0))
		usage();

	err = go_proc__open(&gp, "/proc", pid);
	if (err) {
		fprintf(stderr, "gocensus: pid %d: %s\n", pid, strerror(-err));
		return err == -ENOEXEC ? 3 : 1;
	}
	printf("go %s layout=%s allgs=%s\n", go_proc__version(gp), go_proc__layout_source(gp),
	       go_proc__allgs_source(gp));
	switch (mode) {
	case 's':
		ret = stack(gp, arg);
		break;
	case 't':
		ret = threads(gp, pid);
		break;
	case 'b':
		ret = bench(gp, arg, period_ms);
		break;
	case 'r':
		ret = repeat(gp, arg);
		break;
	default:
		ret = census(gp, mode == 'a');
	}
	go_proc__close(gp);
	return ret;
}
