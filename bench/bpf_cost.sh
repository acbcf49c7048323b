#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What each of threadleak's BPF programs costs per run, by the kernel's own
# accounting (kernel.bpf_stats_enabled: run_time_ns and run_cnt of every
# program, read from the fdinfo of threadleak's program fds), while
# bench/churn creates and joins COST_THREADS threads (issue 15, item 3).
#
#     sudo bench/bpf_cost.sh [OUTPUT]      # OUTPUT: the build directory (default: build)
#
# Prints a Markdown section on stdout, progress on stderr; with
# BPF_COST_GOALS set, also writes the goals' rows of bench/run.sh's table to
# that file, with the churn workload's slowdown beside the ns when run.sh
# passes it (CHURN_RATIO_PID, CHURN_RATIO_SYSTEM: its overhead table's cells).
# Environment: THREADLEAK, BENCH_BIN (as bench/run.sh),
# COST_THREADS (default 20000), COST_REPS (runs of each case, default 3: each
# number is their median), COST_CASES (which cases, default "traced untraced
# system").
#
# Three runs, each of bench/churn held until threadleak is attached, the
# programs' counters read just before it is released and just after it
# ends:
#  - traced: `threadleak -p CHURN,ANCHOR` (ANCHOR, a sleep, keeps threadleak
#    running once churn has exited, so that its counters can be read);
#  - untraced: `threadleak -p ANCHOR`, churn not traced: what a fork and an
#    exit of another process cost in -p mode;
#  - system-wide: `threadleak -n 0 --json`, every process traced.
# Other processes on the host fork and exit meanwhile: their runs are
# counted too, a small share next to churn's (the run count says how many).
# kernel.bpf_stats_enabled is put back as it was found.
#
# Goals: fork + exit <= 500 ns a thread traced, with -p and system-wide;
# fork of an untraced process <= 100 ns in -p mode.
#
# Then, unless COST_FLOOR=0, the floor under the fork and exit programs
# (bench/bpf_floor/run.sh): what an empty program, a ring-buffer
# reserve/submit of a record's size, a clock read, a user read and a hash
# lookup each cost on the same tracepoints under the same churn.

set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTPUT=${1:-build}
BENCH_NAME=bpf_cost
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
THREADS=${COST_THREADS:-20000}
REPS=${COST_REPS:-3}
TRACED_GOAL_NS=500
UNTRACED_GOAL_NS=100

[[ -x $BENCH_BIN/churn ]] || die "$BENCH_BIN/churn missing; build the workloads (make bench)"
command -v bpftool >/dev/null || die "bpftool missing; run scripts/install-deps.sh"

TMP=$(mktemp -d /tmp/threadleak-bpfcost.XXXXXX) || die "mktemp failed"
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled) || die "no kernel.bpf_stats_enabled"
ANCHOR='' T_PID='' W_PID=''

cleanup() {
	local pid

	for pid in $T_PID $W_PID $ANCHOR; do
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	[[ -n ${COST_KEEP:-} ]] && cp "$TMP/cost.tsv" "$COST_KEEP"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wait_for SECONDS COMMAND...: poll COMMAND every 10 ms.
wait_for() {
	local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))

	shift
	until "$@"; do
		((${EPOCHREALTIME/./} < deadline)) || return 1
		sleep 0.01
	done
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# The BPF programs PID holds: "prog_id run_time_ns run_cnt" lines.
prog_counters() {
	local f

	for f in /proc/"$1"/fdinfo/*; do
		awk '$1 == "prog_type:" { prog = 1 }
			$1 == "prog_id:" { id = $2 } $1 == "run_time_ns:" { t = $2 }
			$1 == "run_cnt:" { n = $2 }
			END { if (prog && id != "") print id, t + 0, n + 0 }' "$f" 2>/dev/null
	done | sort -u -k1,1
}

# prog_names PID: "prog_id name" of the programs PID holds.
prog_names() {
	local id

	prog_counters "$1" | while read -r id _; do
		echo "$id $(bpftool prog show id "$id" --json 2>/dev/null | jq -r '.name // "?"')"
	done
}

# run_case NAME TRACER_ARGS...: run churn under threadleak, append
# "case program runs ns_per_run run_time_ns" lines to $TMP/cost.tsv.
run_case() {
	local name=$1 fifo=$TMP/go.$1 args

	shift
	mkfifo "$fifo" || die "mkfifo failed"
	"$BENCH_BIN/churn" "$THREADS" <"$fifo" >"$TMP/churn.$name" 2>&1 &
	W_PID=$!
	exec {go}>"$fifo"
	rm -f "$fifo"
	wait_for 30 grep -qs '^ready' "$TMP/churn.$name" || die "churn did not start"
	args=("${@//CHURN/$W_PID}")
	"$THREADLEAK" "${args[@]}" --json </dev/null >"$TMP/tl.$name" 2>"$TMP/tl.$name.err" &
	T_PID=$!
	if ! wait_for 60 grep -qs '"type":"sample"' "$TMP/tl.$name"; then
		die "threadleak ${args[*]} did not attach: $(head -c 300 "$TMP/tl.$name.err")"
	fi
	prog_names "$T_PID" >"$TMP/names.$name"
	prog_counters "$T_PID" >"$TMP/before.$name"
	echo go >&"$go"
	exec {go}>&-
	wait "$W_PID"
	W_PID=''
	prog_counters "$T_PID" >"$TMP/after.$name"
	kill -INT "$T_PID"
	wait_for 10 gone "$T_PID" || kill -KILL "$T_PID"
	wait "$T_PID" 2>/dev/null
	T_PID=''
	join "$TMP/before.$name" "$TMP/after.$name" | join "$TMP/names.$name" - |
	while read -r id prog t0 n0 t1 n1; do
		printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$prog" \
			$((n1 - n0)) "$(awk -v t=$((t1 - t0)) -v n=$((n1 - n0)) \
				'BEGIN { if (n) printf "%.0f", t / n; else print "-" }')" $((t1 - t0))
	done >>"$TMP/cost.tsv"
	log "$name: $(sed -n 's/^result .*elapsed_s=\([0-9.]*\).*/churn \1 s/p' "$TMP/churn.$name")"
}

# median CASE PROG COLUMN: the median over the repetitions of COLUMN (3:
# runs, 4: ns per run) of PROG in CASE, "-" if it never ran.
median() {
	awk -F'\t' -v c="$1" -v p="$2" -v k="$3" '$1 == c && $2 == p && $k != "-" { print $k }' \
		"$TMP/cost.tsv" | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "-"; else printf "%.0f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ns CASE PROG: ns per run of PROG in CASE.
ns() { median "$1" "$2" 4; }

# sum_ns NAME: fork + exit ns of case NAME.
sum_ns() {
	awk -v a="$(ns "$1" fork_btf)" -v b="$(ns "$1" exit_btf)" \
		'BEGIN { if (a == "-" || b == "-") print "-"; else print a + b }'
}

verdict() {
	awk -v v="$1" -v g="$2" 'BEGIN { print (v != "-" && v <= g) ? "met" : "**missed**" }'
}

sysctl -qw kernel.bpf_stats_enabled=1 || die "cannot enable kernel.bpf_stats_enabled"
sleep 600 &
ANCHOR=$!
: >"$TMP/cost.tsv"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for ((rep = 1; rep <= REPS; rep++)); do
	for c in ${COST_CASES:-traced untraced system}; do
		case $c in
		traced) run_case traced -p CHURN,"$ANCHOR" ;;
		untraced) run_case untraced -p "$ANCHOR" ;;
		system) run_case system -n 0 ;;
		*) die "unknown case $c in COST_CASES" ;;
		esac
	done
done
kill "$ANCHOR"
wait "$ANCHOR" 2>/dev/null
ANCHOR=''

TRACED=$(sum_ns traced)
UNTRACED_FORK=$(ns untraced fork_btf)
SYSTEM=$(sum_ns system)

echo "## What each BPF program costs per run, by the kernel's accounting"
echo
echo "bench/bpf_cost.sh: bench/churn creates and joins $THREADS threads, one after the other,"
echo "under threadleak; \`kernel.bpf_stats_enabled=1\` for the run, each program's \`run_time_ns\`"
echo "and \`run_cnt\` read from the fdinfo of threadleak's program fds before churn is released"
echo "and after it ends. ns/run is the difference of the two over the runs in between;"
echo "each number is the median of $REPS such runs."
echo "Forks and exits of other processes on the host fall in the window too (runs above"
echo "$THREADS). Load average at start: $LOAD."
echo
echo "| program | -p, churn traced: runs | ns/run | -p, churn not traced: runs | ns/run | system-wide: runs | ns/run |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for prog in $(cut -f2 "$TMP/cost.tsv" | awk '!seen[$0]++'); do
	printf '| %s |' "$prog"
	for c in traced untraced system; do
		printf ' %s | %s |' "$(median "$c" "$prog" 3)" "$(ns "$c" "$prog")"
	done
	echo
done
echo
echo "| goal | measured | met |"
echo "| --- | ---: | --- |"
echo "| fork + exit <= $TRACED_GOAL_NS ns a thread, \`-p\` | $TRACED ns | $(verdict "$TRACED" $TRACED_GOAL_NS) |"
echo "| fork + exit <= $TRACED_GOAL_NS ns a thread, system-wide | $SYSTEM ns | $(verdict "$SYSTEM" $TRACED_GOAL_NS) |"
echo "| fork of an untraced process <= $UNTRACED_GOAL_NS ns, \`-p\` | $UNTRACED_FORK ns | $(verdict "$UNTRACED_FORK" $UNTRACED_GOAL_NS) |"
echo
if [[ ${COST_FLOOR:-1} != 0 ]]; then
	echo "### The floor: programs that each do one piece of the work (bench/bpf_floor)"
	echo
	echo "The empty program's ns are the kernel's accounting itself (two clock reads around"
	echo "each run), which every number above includes."
	echo
	COST_REPS=$REPS COST_THREADS=$THREADS "$BENCH_DIR/bpf_floor/run.sh" "$OUTPUT" ||
		echo "(bench/bpf_floor/run.sh failed: the floor is not measured)"
	echo
fi
if [[ -n ${BPF_COST_GOALS:-} ]]; then
	{
		echo "| churn: fork + exit programs <= $TRACED_GOAL_NS ns a thread, \`-p\` (kernel-accounted) | $TRACED ns (fork $(ns traced fork_btf), exit $(ns traced exit_btf))${CHURN_RATIO_PID:+; churn workload $CHURN_RATIO_PID} | $(verdict "$TRACED" $TRACED_GOAL_NS) |"
		echo "| churn: fork + exit programs <= $TRACED_GOAL_NS ns a thread, system-wide | $SYSTEM ns (fork $(ns system fork_btf), exit $(ns system exit_btf))${CHURN_RATIO_SYSTEM:+; churn workload $CHURN_RATIO_SYSTEM} | $(verdict "$SYSTEM" $TRACED_GOAL_NS) |"
		echo "| churn: fork of an untraced process <= $UNTRACED_GOAL_NS ns, \`-p\` | $UNTRACED_FORK ns (exit $(ns untraced exit_btf)) | $(verdict "$UNTRACED_FORK" $UNTRACED_GOAL_NS) |"
	} >"$BPF_COST_GOALS"
fi
