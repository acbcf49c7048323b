// SPDX-License-Identifier: GPL-2.0
/*
 * The command line. Each command has its own help and option table, built
 * from shared option groups; one parser handles every option.
 */
#include <argp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "metrics_http.h"
#include "module_cache.h"
#include "option_number.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define EXIT_USAGE 2

const char *argp_program_version = "threadleak 0.1";

static const char trace_doc[] =
	"Find threads that start and never finish, in running processes.\n"
	"\n"
	"USAGE: threadleak [-p PID ...] [-i SECONDS] [-d SECONDS] [--json]\n"
	"       threadleak record|replay|monitor|goroutines ... (see threadleak COMMAND --help)\n"
	"\n"
	"With -p, one row per process per interval: live threads, threads in futex\n"
	"waits (mutex, condvar, join, semaphore), threads in other blocking\n"
	"syscalls, threads created and exited since the last row, and the longest\n"
	"current futex wait. Findings are printed as soon as they are established:\n"
	"thread leaks (a start routine whose threads keep piling up), stuck sites\n"
	"(thousands of goroutines or threads of one site blocked in one wait since\n"
	"before attach: a leak already done), long waits\n"
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

static const char record_doc[] =
	"Record what threadleak sees, for `threadleak replay` on any machine.\n"
	"\n"
	"USAGE: threadleak record [-p PID ...] -o FILE [-d SECONDS] [--max-size SIZE]\n"
	"\n"
	"Writes thread lifecycle records, censuses, and the stacks and symbols the\n"
	"inspector read: everything replay needs, without the host. Without -p,\n"
	"every process. Chunks are flushed and synced every second: a recorder that\n"
	"is killed, or a host that crashes, loses at most the last second. It prints\n"
	"what threadleak with the same options prints; replay prints it again.\n"
	"\n"
	"EXAMPLES:\n"
	"    sudo threadleak record -p 4242 -o api.tl -d 600   # ten minutes of one process\n"
	"    sudo threadleak record -o host.tl --max-size 100M --keep 5  # everything, rotated\n"
	"    threadleak replay api.tl                           # later, anywhere, no root\n";

static const char replay_doc[] =
	"Replay a trace recorded by `threadleak record`: the rows and findings a live\n"
	"run with the same options would have printed. No root, no BPF.\n"
	"\n"
	"USAGE: threadleak replay [--json] [-t] [--wait-threshold S] ... FILE\n"
	"       threadleak replay --info FILE\n"
	"\n"
	"EXAMPLES:\n"
	"    threadleak replay api.tl\n"
	"    threadleak replay --json --fail-on-leak api.tl\n"
	"    threadleak replay --html api.html api.tl  # growth curves and findings, one page\n"
	"    threadleak replay --info api.tl     # host, duration, processes, counts\n"
	"\v"
	"Exit status: 0, 1 on errors (a corrupt or foreign file: the offset and the\n"
	"reason), 2 on bad usage, 3 with --fail-on-leak when a leak or a deadlock was\n"
	"found. A file cut short replays up to its last complete chunk and says where.\n";

static const char monitor_doc[] =
	"Watch every process on the host, continuously, for Prometheus and\n"
	"Alertmanager: findings as JSON lines on stdout (when established, and again\n"
	"only when they change), metrics on --metrics-addr and/or in a\n"
	"node_exporter textfile directory.\n"
	"\n"
	"USAGE: threadleak monitor [--metrics-addr ADDR] [--textfile DIR] [--max-series N]\n"
	"\n"
	"EXAMPLES:\n"
	"    sudo threadleak monitor                    # metrics on http://127.0.0.1:9464/metrics\n"
	"    sudo threadleak monitor --metrics-addr none \\\n"
	"         --textfile /var/lib/prometheus/node-exporter\n"
	"\v"
	"SIGTERM and SIGINT stop it cleanly; SIGHUP reopens its outputs.\n";

static const char goroutines_doc[] =
	"Dump the goroutines of a running Go program from outside, without\n"
	"stopping it or its cooperation: no pprof endpoint needed.\n"
	"\n"
	"USAGE: threadleak goroutines -p PID [--debug 1|2] [--pprof FILE]\n"
	"\n"
	"--debug 1 groups goroutines by stack with counts, like pprof's debug=1;\n"
	"--debug 2 prints each one like a Go traceback (\"goroutine 18 [chan send,\n"
	"3 minutes]:\" ... \"created by\").\n"
	"\n"
	"EXAMPLES:\n"
	"    sudo threadleak goroutines -p 4242\n"
	"    sudo threadleak goroutines -p 4242 --debug 2\n"
	"    sudo threadleak goroutines -p 4242 --pprof g.pb.gz && go tool pprof -top g.pb.gz\n";

enum {
	OPT_RINGBUF = 0x100,
	OPT_PROC_ROOT,
	OPT_COMPAT,
	OPT_CENSUS_SLOTS,
	OPT_WAIT_THRESHOLD,
	OPT_FAIL_ON_LEAK,
	OPT_LEAK_WINDOW,
	OPT_MAX_SIZE,
	OPT_KEEP,
	OPT_INFO,
	OPT_METRICS_ADDR,
	OPT_TEXTFILE,
	OPT_MAX_SERIES,
	OPT_DEBUG,
	OPT_PPROF,
	OPT_NO_SANDBOX,
	OPT_SYMBOL_CACHE,
	OPT_INSPECT_BUDGET,
	OPT_FOLDED,
	OPT_PROC_SYMBOLS,
	OPT_STUCK_GOROUTINES,
	OPT_STUCK_THREADS,
	OPT_STUCK_PERCENT,
	OPT_STUCK_WAIT,
	OPT_HTML,
};

/* Option groups, shared by the commands that take them. */

static const struct argp_option opt_targets[] = {
	{ NULL, 0, NULL, 0, "Targets:", 1 },
	{ "pid", 'p', "PID", 0, "Trace this process (repeat, or PID,PID,...)", 1 },
	{},
};

static const struct argp_option opt_timing[] = {
	{ NULL, 0, NULL, 0, "Timing:", 2 },
	{ "interval", 'i', "SECONDS", 0, "Seconds between censuses (default 1)", 2 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this long (default: until Ctrl-C)", 2 },
	{},
};

static const struct argp_option opt_findings[] = {
	{ NULL, 0, NULL, 0, "Findings:", 3 },
	{ "wait-threshold", OPT_WAIT_THRESHOLD, "SECONDS", 0,
	  "A wait longer than this is a long wait (default 10)", 3 },
	{ "leak-window", OPT_LEAK_WINDOW, "SECONDS", 0,
	  "How far back the leak test looks (default 60)", 3 },
	{ "stuck-goroutines", OPT_STUCK_GOROUTINES, "N", 0,
	  "A stuck site has at least N goroutines of one go statement (default 1000)", 3 },
	{ "stuck-threads", OPT_STUCK_THREADS, "N", 0,
	  "A stuck site has at least N threads of one start routine (default 500)", 3 },
	{ "stuck-percent", OPT_STUCK_PERCENT, "P", 0,
	  "...at least P % of them in one kind of wait (default 90)", 3 },
	{ "stuck-wait", OPT_STUCK_WAIT, "SECONDS", 0,
	  "...each waiting at least this long (default 60)", 3 },
	{ "fail-on-leak", OPT_FAIL_ON_LEAK, NULL, 0,
	  "Exit with status 3 if a leak or a deadlock was found", 3 },
	{},
};

static const struct argp_option opt_output[] = {
	{ NULL, 0, NULL, 0, "Output:", 4 },
	{ "json", 'j', NULL, 0, "One JSON object per line", 4 },
	{},
};

static const struct argp_option opt_threads[] = {
	{ "threads", 't', NULL, 0, "With -p: list each waiting thread under its row", 4 },
	{},
};

static const struct argp_option opt_profile[] = {
	{ "pprof", OPT_PPROF, "FILE", 0,
	  "At the end, write the live threads as a pprof profile (gzip) to FILE: one sample "
	  "each, by stack, labelled by state, primitive and site",
	  4 },
	{ "folded", OPT_FOLDED, "FILE", 0,
	  "At the end, write the live threads' stacks folded (frame;frame count) for flame "
	  "graph tools to FILE",
	  4 },
	{ "html", OPT_HTML, "FILE", 0,
	  "At the end, write an HTML report to FILE: per process, live threads and goroutines "
	  "over time per site, the findings with their stacks, blocked threads by primitive",
	  4 },
	{},
};

static const struct argp_option opt_top[] = {
	{ "top", 'n', "N", 0, "System-wide: show the top N processes (default 20, 0: all)", 4 },
	{ "sort", 's', "KEY", 0, "System-wide: order by threads (default) or growth", 4 },
	{},
};

static const struct argp_option opt_tuning[] = {
	{ NULL, 0, NULL, 0, "Tuning:", 6 },
	{ "ringbuf-size", OPT_RINGBUF, "SIZE", 0, "BPF ring buffer size, e.g. 1M (default), 64K",
	  6 },
	{ "symbol-cache", OPT_SYMBOL_CACHE, "SIZE", 0,
	  "Memory for symbols of the programs' files, shared by the processes mapping them; "
	  "past it the least recently used are dropped (default 16M)",
	  6 },
	{ "inspect-budget", OPT_INSPECT_BUDGET, "MS", 0,
	  "Time to read one process's threads (stacks, symbols, locks) in a census; a process "
	  "over it three censuses in a row is reported incomplete (default 500)",
	  6 },
	{ "proc-symbols", OPT_PROC_SYMBOLS, "SIZE", 0,
	  "Memory one process's own symbol and unwind data may hold beyond the shared cache; "
	  "past it the process is reported incomplete (default 8M)",
	  6 },
	{ "proc-root", OPT_PROC_ROOT, "DIR", OPTION_HIDDEN, "Where procfs is (tests)", 6 },
	{ "compat", OPT_COMPAT, NULL, OPTION_HIDDEN, "Use the older-kernel fallbacks (tests)", 6 },
	{ "census-slots", OPT_CENSUS_SLOTS, "N", OPTION_HIDDEN,
	  "Threads a census walk writes at a time (tests)", 6 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages (verifier log on failure)", 6 },
	{},
};

static const struct argp_option opt_sandbox[] = {
	{ NULL, 0, NULL, 0, "Security:", 7 },
	{ "no-sandbox", OPT_NO_SANDBOX, NULL, 0,
	  "Do not drop capabilities or filter system calls once started (debugging; see "
	  "Security in README)",
	  7 },
	{},
};

static const struct argp_option opt_record[] = {
	{ NULL, 0, NULL, 0, "Recording:", 5 },
	{ "output", 'o', "FILE", 0, "Write the trace to FILE (required)", 5 },
	{ "max-size", OPT_MAX_SIZE, "SIZE", 0, "Rotate FILE at this size, e.g. 100M", 5 },
	{ "keep", OPT_KEEP, "N", 0, "Rotated files kept: FILE.1 .. FILE.N (default 3)", 5 },
	{},
};

static const struct argp_option opt_replay[] = {
	{ NULL, 0, NULL, 0, "Replay:", 5 },
	{ "info", OPT_INFO, NULL, 0, "Say what is in the file instead of replaying it", 5 },
	{},
};

static const struct argp_option opt_monitor[] = {
	{ NULL, 0, NULL, 0, "Monitoring:", 5 },
	{ "metrics-addr", OPT_METRICS_ADDR, "ADDR", 0,
	  "Serve Prometheus metrics here (default " METRICS_HTTP_DEFAULT_ADDR "; none: do not)", 5 },
	{ "textfile", OPT_TEXTFILE, "DIR", 0,
	  "Also write DIR/threadleak.prom for node_exporter's textfile collector", 5 },
	{ "max-series", OPT_MAX_SERIES, "N", 0,
	  "Processes with series of their own; the rest are summed (default " STR(METRICS_DEFAULT_MAX_SERIES) ")",
	  5 },
	{ "output", 'o', "FILE", 0, "Findings to FILE (appended; reopened on SIGHUP), not stdout",
	  5 },
	{},
};

static const struct argp_option opt_goroutines[] = {
	{ NULL, 0, NULL, 0, "Goroutines:", 5 },
	{ "debug", OPT_DEBUG, "N", 0, "1: grouped by stack (default); 2: each goroutine", 5 },
	{ "pprof", OPT_PPROF, "FILE", 0, "Write a goroutine profile (pprof, gzip) to FILE", 5 },
	{},
};

#define SECONDS_NS(s) ((unsigned long long)(s) * 1000000000ULL)
#define MAX_SECONDS_NS SECONDS_NS(10000000) /* what option_number_parse() takes */

/* The options that take one number: its limits, and what a bad one is. */
static const struct numeric_option {
	int key;
	struct option_number num;
	const char *what;   /* "invalid WHAT: 'ARG'" */
	const char *limits; /* after that, or "" */
} numeric_options[] = {
	{ 'i', { OPTION_SECONDS, 10000000ULL, MAX_SECONDS_NS }, "interval",
	  " (seconds, at least 0.01)" },
	{ 'd', { OPTION_SECONDS, 1, MAX_SECONDS_NS }, "duration", " (seconds, > 0)" },
	{ 'n', { OPTION_COUNT, 0, 1000000 }, "row count", "" },
	{ OPT_WAIT_THRESHOLD, { OPTION_SECONDS, 1, MAX_SECONDS_NS }, "wait threshold",
	  " (seconds, > 0)" },
	{ OPT_LEAK_WINDOW, { OPTION_SECONDS, SECONDS_NS(10), MAX_SECONDS_NS }, "leak window",
	  " (seconds, at least 10)" },
	{ OPT_STUCK_GOROUTINES, { OPTION_COUNT, 1, UINT_MAX }, "stuck count", " (at least 1)" },
	{ OPT_STUCK_THREADS, { OPTION_COUNT, 1, UINT_MAX }, "stuck count", " (at least 1)" },
	{ OPT_STUCK_PERCENT, { OPTION_COUNT, 1, 100 }, "stuck percent", " (1 to 100)" },
	{ OPT_STUCK_WAIT, { OPTION_SECONDS, 1, MAX_SECONDS_NS }, "stuck wait", " (seconds, > 0)" },
	{ OPT_RINGBUF, { OPTION_BYTES, 4096, 1ULL << 30, true }, "ring buffer size",
	  " (a power of 2, 4K to 1024M)" },
	{ OPT_SYMBOL_CACHE, { OPTION_BYTES, 1ULL << 20, 1ULL << 32 }, "symbol cache size",
	  " (1M to 4096M)" },
	{ OPT_INSPECT_BUDGET, { OPTION_COUNT, 1, 60000 }, "inspection budget",
	  " (milliseconds, 1 to 60000)" },
	{ OPT_PROC_SYMBOLS, { OPTION_BYTES, 4096, 1ULL << 32 }, "per-process symbol memory",
	  " (4K to 4096M)" },
	{ OPT_MAX_SIZE, { OPTION_BYTES, 1ULL << 20, ~0ULL }, "size", " (at least 1M)" },
	{ OPT_KEEP, { OPTION_COUNT, 0, 1000 }, "count", "" },
	{ OPT_MAX_SERIES, { OPTION_COUNT, 1, 100000 }, "series count", "" },
	{ OPT_DEBUG, { OPTION_COUNT, 1, 2 }, "debug level", " (1 or 2)" },
};

static const struct option_number pid_number = { OPTION_COUNT, 1, INT_MAX };
static const struct option_number census_slots_number = { OPTION_COUNT, 1, 1 << 24 };

static const struct numeric_option *numeric_option_of(int key)
{
	size_t i;

	for (i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]); i++)
		if (numeric_options[i].key == key)
			return &numeric_options[i];
	return NULL;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	const struct numeric_option *numeric = numeric_option_of(key);
	struct env *env = state->input;
	char *tok, *save = NULL;
	unsigned long long val;

	if (numeric && option_number_parse(&numeric->num, arg, &val))
		argp_error(state, "invalid %s: '%s'%s", numeric->what, arg, numeric->limits);
	switch (key) {
	case 'p': {
		int nr = env->nr_pids;

		/* On a copy: argv is printed again in the "try: sudo" hint. */
		for (tok = strtok_r(strdupa(arg), ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (option_number_parse(&pid_number, tok, &val))
				argp_error(state, "invalid PID: '%s'", tok);
			if (env->nr_pids == MAX_PIDS)
				argp_error(state, "at most %d PIDs", MAX_PIDS);
			env->pids[env->nr_pids++] = val;
		}
		/* -p "$(pidof app)" with app gone must not trace everything. */
		if (env->nr_pids == nr)
			argp_error(state, "invalid PID: '%s'", arg);
		break;
	}
	case 'i':
		env->interval_ns = val;
		break;
	case 'd':
		env->duration_ns = val;
		break;
	case 'j':
		env->json = true;
		break;
	case 't':
		env->list_waits = true;
		break;
	case 'n':
		env->top_n = val;
		break;
	case 's':
		if (!strcmp(arg, "threads"))
			env->sort_growth = false;
		else if (!strcmp(arg, "growth"))
			env->sort_growth = true;
		else
			argp_error(state, "invalid sort key: '%s' (threads or growth)", arg);
		break;
	case OPT_WAIT_THRESHOLD:
		env->wait_threshold_ns = val;
		break;
	case OPT_LEAK_WINDOW:
		env->leak_window_ns = val;
		break;
	case OPT_STUCK_GOROUTINES:
		env->stuck.min_goroutines = val;
		break;
	case OPT_STUCK_THREADS:
		env->stuck.min_threads = val;
		break;
	case OPT_STUCK_PERCENT:
		env->stuck.min_percent = val;
		break;
	case OPT_STUCK_WAIT:
		env->stuck.min_wait_ns = val;
		break;
	case OPT_FAIL_ON_LEAK:
		env->fail_on_leak = true;
		break;
	case OPT_RINGBUF:
		env->ringbuf_bytes = val;
		break;
	case OPT_SYMBOL_CACHE:
		module_cache__set_budget(val);
		break;
	case OPT_INSPECT_BUDGET:
		env->inspect_budget_ns = val * 1000000ULL;
		break;
	case OPT_PROC_SYMBOLS:
		env->proc_syms_budget = val;
		break;
	case OPT_PROC_ROOT:
		env->proc_root = arg;
		break;
	case OPT_COMPAT:
		env->compat = true;
		break;
	case OPT_CENSUS_SLOTS:
		if (option_number_parse(&census_slots_number, arg, &val))
			argp_error(state, "invalid census slots: '%s'", arg);
		env->census_slots = val;
		break;
	case 'v':
		env->verbose = true;
		break;
	case 'o':
		env->output = arg;
		break;
	case OPT_MAX_SIZE:
		env->max_size = val;
		break;
	case OPT_KEEP:
		env->keep = val;
		break;
	case OPT_INFO:
		env->info = true;
		break;
	case OPT_METRICS_ADDR:
		env->metrics_addr = strcmp(arg, "none") ? arg : NULL;
		break;
	case OPT_TEXTFILE:
		env->textfile_dir = arg;
		break;
	case OPT_MAX_SERIES:
		env->max_series = val;
		break;
	case OPT_DEBUG:
		env->debug_level = val;
		break;
	case OPT_FOLDED:
		env->folded_path = arg;
		break;
	case OPT_PPROF:
		env->pprof_path = arg;
		break;
	case OPT_HTML:
		env->html_path = arg;
		break;
	case OPT_NO_SANDBOX:
		env->no_sandbox = true;
		break;
	case ARGP_KEY_ARG:
		if (env->cmd == CMD_REPLAY && !env->input) {
			env->input = arg;
			break;
		}
		argp_error(state, "unexpected argument: '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (env->cmd == CMD_RECORD && !env->output)
			argp_error(state, "no output file: -o FILE");
		if (env->cmd == CMD_REPLAY && !env->input)
			argp_error(state, "no trace file to replay");
		if (env->cmd == CMD_GOROUTINES && env->nr_pids != 1)
			argp_error(state, "goroutines needs one process: -p PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The option table of a command: its groups, one after the other. */
static struct argp_option *join_options(const struct argp_option *const *groups)
{
	static struct argp_option table[128];
	size_t n = 0, i;

	for (; *groups; groups++) {
		for (i = 0; (*groups)[i].name || (*groups)[i].doc; i++) {
			if (n == sizeof(table) / sizeof(table[0]) - 1) {
				/* a command would lose options: a build error, in effect */
				fprintf(stderr, "threadleak: internal error: option table full\n");
				abort();
			}
			table[n++] = (*groups)[i];
		}
	}
	memset(&table[n], 0, sizeof(table[n]));
	return table;
}

static const struct {
	const char *name;
	enum command cmd;
	const char *doc;
	const char *args;
	const struct argp_option *groups[12];
} commands[] = {
	{ "threadleak", CMD_TRACE, trace_doc, NULL,
	  { opt_targets, opt_timing, opt_findings, opt_output, opt_threads, opt_profile, opt_top,
	    opt_tuning, opt_sandbox } },
	{ "record", CMD_RECORD, record_doc, NULL,
	  { opt_targets, opt_timing, opt_record, opt_findings, opt_output, opt_threads,
	    opt_profile, opt_top, opt_tuning, opt_sandbox } },
	{ "replay", CMD_REPLAY, replay_doc, "FILE",
	  { opt_replay, opt_findings, opt_output, opt_threads, opt_profile, opt_top,
	    opt_sandbox } },
	{ "monitor", CMD_MONITOR, monitor_doc, NULL,
	  { opt_monitor, opt_timing, opt_findings, opt_output, opt_tuning, opt_sandbox } },
	{ "goroutines", CMD_GOROUTINES, goroutines_doc, NULL,
	  { opt_targets, opt_goroutines, opt_sandbox } },
};

void env_parse(struct env *env, int argc, char **argv)
{
	char *argv0, name[64];
	struct argp argp = { .parser = parse_opt };
	size_t c = 0, i;

	memset(env, 0, sizeof(*env));
	env->interval_ns = 1000000000ULL;
	env->top_n = 20;
	env->ringbuf_bytes = 1 << 20;
	env->proc_root = "/proc";
	env->keep = 3;
	env->metrics_addr = METRICS_HTTP_DEFAULT_ADDR;
	env->max_series = METRICS_DEFAULT_MAX_SERIES;
	env->debug_level = 1;

	if (argc > 1) {
		for (i = 1; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (!strcmp(argv[1], commands[i].name)) {
				c = i;
				argc--;
				argv++;
				break;
			}
		}
	}
	env->cmd = commands[c].cmd;
	argp.options = join_options(commands[c].groups);
	argp.doc = commands[c].doc;
	argp.args_doc = commands[c].args;
	if (c)
		snprintf(name, sizeof(name), "threadleak %s", commands[c].name);
	else
		snprintf(name, sizeof(name), "threadleak");
	/* getopt names the program after argv[0] in its messages. */
	argv0 = argv[0];
	argv[0] = name;
	argp_err_exit_status = EXIT_USAGE;
	argp_parse(&argp, argc, argv, 0, NULL, env);
	argv[0] = argv0;
}
