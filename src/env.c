// SPDX-License-Identifier: GPL-2.0
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"

#define EXIT_USAGE 2

const char *argp_program_version = "threadleak 0.1";

static const char trace_doc[] =
	"Find threads that start and never finish, in running processes.\n"
	"\n"
	"USAGE: threadleak [-p PID ...] [-i SECONDS] [-d SECONDS] [--json]\n"
	"\n"
	"With -p, one row per process per interval: live threads, threads in futex\n"
	"waits (mutex, condvar, join, semaphore), threads in other blocking\n"
	"syscalls, threads created and exited since the last row, and the longest\n"
	"current futex wait. Findings are printed as soon as they are established:\n"
	"thread leaks (a start routine whose threads keep piling up), long waits\n"
	"(with the primitive and the thread holding it), deadlocks; all of them\n"
	"again in the summary at the end. Without -p, a top-like table of all\n"
	"processes.\n"
	"\n"
	"EXAMPLES:\n"
	"    sudo threadleak -p 4242             # one row a second for process 4242\n"
	"    sudo threadleak -p 4242,4243 -d 60 --json  # two processes, JSON lines\n"
	"    sudo threadleak                     # all processes, most threads first\n"
	"    sudo threadleak -s growth -n 10     # the 10 processes that grew most\n"
	"    sudo threadleak -p 4242 -d 60 --fail-on-leak  # in CI: exit 3 on a leak\n"
	"\v"
	"Exit status: 0 when tracing ends normally (duration, Ctrl-C, or every target\n"
	"exited), 1 on errors, 2 on bad usage, 3 with --fail-on-leak when a leak or a\n"
	"deadlock was found.\n";

enum {
	OPT_RINGBUF = 0x100,
	OPT_PROC_ROOT,
	OPT_COMPAT,
	OPT_WAIT_THRESHOLD,
	OPT_FAIL_ON_LEAK,
	OPT_LEAK_WINDOW,
};

static const struct argp_option trace_options[] = {
	{ NULL, 0, NULL, 0, "Targets:", 1 },
	{ "pid", 'p', "PID", 0, "Trace this process (repeat, or PID,PID,...)", 1 },
	{ NULL, 0, NULL, 0, "Timing:", 2 },
	{ "interval", 'i', "SECONDS", 0, "Seconds between rows (default 1)", 2 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this long (default: until Ctrl-C)", 2 },
	{ NULL, 0, NULL, 0, "Findings:", 3 },
	{ "wait-threshold", OPT_WAIT_THRESHOLD, "SECONDS", 0,
	  "A wait longer than this is a long wait (default 10)", 3 },
	{ "leak-window", OPT_LEAK_WINDOW, "SECONDS", 0,
	  "How far back the leak test looks (default 60)", 3 },
	{ "fail-on-leak", OPT_FAIL_ON_LEAK, NULL, 0,
	  "Exit with status 3 if a leak or a deadlock was found", 3 },
	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "threads", 't', NULL, 0, "With -p: list each waiting thread under its row", 3 },
	{ "json", 'j', NULL, 0, "One JSON object per line", 3 },
	{ "top", 'n', "N", 0, "System-wide: show the top N processes (default 20, 0: all)", 3 },
	{ "sort", 's', "KEY", 0, "System-wide: order by threads (default) or growth", 3 },
	{ NULL, 0, NULL, 0, "Tuning:", 4 },
	{ "ringbuf-size", OPT_RINGBUF, "SIZE", 0, "BPF ring buffer size, e.g. 16M (default), 64K",
	  4 },
	{ "proc-root", OPT_PROC_ROOT, "DIR", OPTION_HIDDEN, "Where procfs is (tests)", 4 },
	{ "compat", OPT_COMPAT, NULL, OPTION_HIDDEN, "Use the older-kernel fallbacks (tests)", 4 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages (verifier log on failure)", 4 },
	{},
};

static int parse_seconds(const char *arg, __u64 *ns)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(s) || s <= 0 || s > 1e7)
		return -EINVAL;
	*ns = (__u64)(s * 1e9);
	return *ns ? 0 : -EINVAL;
}

/* A power of two of at least a page, with an optional K or M suffix. */
static int parse_size(const char *arg, size_t *bytes)
{
	unsigned long long val;
	char *end;

	errno = 0;
	val = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		return -EINVAL;
	if (*end == 'K' || *end == 'k') {
		val <<= 10;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		val <<= 20;
		end++;
	}
	if (*end || val < 4096 || val > (1ULL << 30) || (val & (val - 1)))
		return -EINVAL;
	*bytes = val;
	return 0;
}

static int parse_uint(const char *arg, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *val < 0 || *val > max)
		return -EINVAL;
	return 0;
}

static error_t parse_trace_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	char *tok, *save = NULL;
	long val;

	switch (key) {
	case 'p':
		for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (parse_uint(tok, INT_MAX, &val) || val == 0)
				argp_error(state, "invalid PID: '%s'", tok);
			if (env->nr_pids == MAX_PIDS)
				argp_error(state, "at most %d PIDs", MAX_PIDS);
			env->pids[env->nr_pids++] = val;
		}
		break;
	case 'i':
		if (parse_seconds(arg, &env->interval_ns) || env->interval_ns < 10000000ULL)
			argp_error(state, "invalid interval: '%s' (seconds, at least 0.01)", arg);
		break;
	case 'd':
		if (parse_seconds(arg, &env->duration_ns))
			argp_error(state, "invalid duration: '%s' (seconds, > 0)", arg);
		break;
	case 'j':
		env->json = true;
		break;
	case 't':
		env->list_waits = true;
		break;
	case OPT_WAIT_THRESHOLD:
		if (parse_seconds(arg, &env->wait_threshold_ns))
			argp_error(state, "invalid wait threshold: '%s' (seconds, > 0)", arg);
		break;
	case OPT_LEAK_WINDOW:
		if (parse_seconds(arg, &env->leak_window_ns) || env->leak_window_ns < 10000000000ULL)
			argp_error(state, "invalid leak window: '%s' (seconds, at least 10)", arg);
		break;
	case OPT_FAIL_ON_LEAK:
		env->fail_on_leak = true;
		break;
	case 'n':
		if (parse_uint(arg, 1000000, &val))
			argp_error(state, "invalid row count: '%s'", arg);
		env->top_n = val;
		break;
	case 's':
		if (!strcmp(arg, "threads"))
			env->sort = SORT_THREADS;
		else if (!strcmp(arg, "growth"))
			env->sort = SORT_GROWTH;
		else
			argp_error(state, "invalid sort key: '%s' (threads or growth)", arg);
		break;
	case OPT_RINGBUF:
		if (parse_size(arg, &env->ringbuf_bytes))
			argp_error(state,
				   "invalid ring buffer size: '%s' (a power of 2, 4K to 1024M)",
				   arg);
		break;
	case OPT_COMPAT:
		env->compat = true;
		break;
	case OPT_PROC_ROOT:
		env->proc_root = arg;
		break;
	case 'v':
		env->verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument: '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp trace_argp = {
	.options = trace_options,
	.parser = parse_trace_opt,
	.doc = trace_doc,
};

void env_parse(struct env *env, int argc, char **argv)
{
	char *argv0 = argv[0];

	memset(env, 0, sizeof(*env));
	env->cmd = CMD_TRACE;
	env->interval_ns = 1000000000ULL;
	env->top_n = 20;
	env->sort = SORT_THREADS;
	env->ringbuf_bytes = 16 << 20;
	env->proc_root = "/proc";

	/* getopt names the program after argv[0] in its messages. */
	argv[0] = program_invocation_short_name;
	argp_err_exit_status = EXIT_USAGE;
	argp_parse(&trace_argp, argc, argv, 0, NULL, env);
	argv[0] = argv0;
}
