#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A hundred thousand threads (issue 15): what a thread census of 100,000
# threads costs threadleak, in one process (threadleak -p) and spread over
# 100 processes (threadleak monitor). Part of make bench (bench/run.sh);
# runs alone too:
#
#     sudo bench/threads100k.sh [OUTPUT]      # OUTPUT: the build directory (default: build)
#
# Prints a Markdown section on stdout, progress on stderr; with THREADS_GOALS
# set, also writes the goals' rows of bench/run.sh's table to that file.
# Environment: THREADLEAK, BENCH_BIN (as bench/run.sh), THREADS_SECONDS (how
# long each threadleak run lasts, default 12), THREADS_N (default 100000).
# Takes about 2 minutes: four runs, each starting and stopping N threads.
#
# The workload (bench/threads100k.c) holds the threads either waking (each
# sleeps 1-4 s and wakes, so every census finds most of them in a new wait)
# or idle (half in a futex wait, half in read() on a pipe, as leaked threads
# wait). For each run: the census time, average and maximum (census_avg_ms,
# census_max_ms of the end line: the kernel's walk and its reading), the
# peak RSS (VmHWM) and the largest anonymous and file-backed parts seen
# (RssAnon, RssFile + RssShmem, sampled every 0.2 s), and whether every
# census counted every thread: each -p sample's threads, or monitor's
# threadleak_process_threads of each of the 100 processes, summed, in the
# textfile it writes each census.
#
# kernel.pid_max (32768 on a default kernel), kernel.threads-max and
# vm.max_map_count (two mappings a thread: its stack and its guard page) are
# raised for the run and put back on exit, whatever happens.
# The goals: census <= 30 ms, peak RSS <= 64 MB, every count exact.

set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTPUT=${1:-build}
BENCH_NAME=threads100k
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
TL=$THREADLEAK
SECONDS_TL=${THREADS_SECONDS:-12}
N=${THREADS_N:-100000}
PROCS=100
CENSUS_GOAL_MS=30
RSS_GOAL_MB=64
TMP=$(mktemp -d /tmp/threadleak-threads100k.XXXXXX)
PROG_PID='' TL_PID=''
SYSCTLS=(kernel.pid_max kernel.threads-max vm.max_map_count)
declare -A SAVED

cleanup() {
	local s
	[ -n "$TL_PID" ] && kill "$TL_PID" 2>/dev/null && wait "$TL_PID" 2>/dev/null
	if [ -n "$PROG_PID" ]; then
		kill "$PROG_PID" 2>/dev/null
		wait "$PROG_PID" 2>/dev/null
	fi
	for s in "${!SAVED[@]}"; do
		sysctl -qw "$s=${SAVED[$s]}" || log "could not put $s back to ${SAVED[$s]}"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$1" | tail -1; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
at_most() { awk -v v="$1" -v g="$2" 'BEGIN { exit !(v != "" && v + 0 <= g + 0) }'; }

# raise NAME VALUE: at least VALUE for the run, put back on exit.
raise() {
	local cur
	cur=$(sysctl -n "$1") || return 1
	SAVED[$1]=$cur
	[ "$cur" -ge "$2" ] || sysctl -qw "$1=$2"
}

# start_workload PROCS MODE: the workload's pids in PIDS, its threads in THREADS.
start_workload() {
	mkfifo "$TMP/hold"
	"$BENCH_BIN/threads100k" "$N" "$1" "$2" <"$TMP/hold" >"$TMP/prog.out" 2>&1 &
	PROG_PID=$!
	exec {HOLD_FD}>"$TMP/hold"
	for _ in $(seq 1200); do
		grep -q '^ready' "$TMP/prog.out" && break
		kill -0 "$PROG_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready' "$TMP/prog.out" || return 1
	PIDS=$(sed -n 's/^ready .*pids=\([0-9,]*\).*/\1/p' "$TMP/prog.out")
	THREADS=$(sed -n 's/^ready .*threads=\([0-9]*\).*/\1/p' "$TMP/prog.out")
}

stop_workload() {
	exec {HOLD_FD}>&-
	wait "$PROG_PID" 2>/dev/null
	PROG_PID=''
	rm -f "$TMP/hold"
}

# watch PID: until it ends, its peak RSS (VmHWM) and largest RssAnon,
# RssFile + RssShmem in HWM, ANON, FILE (kB); while watching, run
# "$ON_TICK" every 0.2 s if set.
watch_rss() {
	local s
	HWM=0 ANON=0 FILE=0
	while kill -0 "$1" 2>/dev/null; do
		s=$(awk '$1 == "VmHWM:" { h = $2 } $1 == "RssAnon:" { a = $2 }
			 $1 == "RssFile:" || $1 == "RssShmem:" { f += $2 }
			 END { print h + 0, a + 0, f + 0 }' "/proc/$1/status" 2>/dev/null)
		if [ -n "$s" ]; then
			read -r h a f <<<"$s"
			[ "$h" -gt "$HWM" ] && HWM=$h
			[ "$a" -gt "$ANON" ] && ANON=$a
			[ "$f" -gt "$FILE" ] && FILE=$f
		fi
		[ -n "${ON_TICK:-}" ] && $ON_TICK
		sleep 0.2
	done
	wait "$1"
}

# The -p run's counts: each sample's threads, with how many samples had it.
count_samples() {
	jq -r "select(.type == \"sample\" and .pid == $PIDS) | .threads" "$TMP/tl.out" 2>/dev/null |
		sort -n | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }'
}

# Monitor's counts: the 100 processes' threads summed, each textfile it wrote.
MON_SUMS=''
textfile_sum() {
	local f=$TMP/text/threadleak.prom sum
	[ -s "$f" ] || return 0
	[ "$f" -nt "$TMP/text/seen" ] || return 0
	touch -r "$f" "$TMP/text/seen"
	sum=$(awk -v pids=",$PIDS," '
		/^threadleak_process_threads\{/ {
			if (match($0, /pid="[0-9]+"/)) {
				p = substr($0, RSTART + 5, RLENGTH - 6)
				if (index(pids, "," p ",")) s += $NF
			}
		}
		END { print s + 0 }' "$f")
	MON_SUMS="$MON_SUMS $sum"
}

count_monitor() {
	tr ' ' '\n' <<<"$MON_SUMS" | sed '/^$/d' | sort -n | uniq -c |
		awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }'
}

# run_case NAME PROCS MODE: one run; its row in ROWS, goals in GOAL_*.
ROWS=''
run_case() {
	local name=$1 procs=$2 mode=$3 counts avg max n exact
	log "$name: starting $N threads in $procs process(es), $mode"
	if ! start_workload "$procs" "$mode"; then
		log "$name: the workload did not start: $(head -c 300 "$TMP/prog.out")"
		ROWS="$ROWS| $name | n/a: the workload did not start | | | | |"$'\n'
		stop_workload
		return
	fi
	log "$name: $THREADS threads ready; threadleak for $SECONDS_TL s"
	if [ "$procs" = 1 ]; then
		ON_TICK=''
		"$TL" -p "$PIDS" -d "$SECONDS_TL" --json >"$TMP/tl.out" 2>"$TMP/tl.err" &
	else
		rm -rf "$TMP/text"
		mkdir -p "$TMP/text"
		touch -d @0 "$TMP/text/seen"
		MON_SUMS='' ON_TICK=textfile_sum
		"$TL" monitor --metrics-addr none --max-series 1000 --textfile "$TMP/text" -d "$SECONDS_TL" \
			>"$TMP/tl.out" 2>"$TMP/tl.err" &
	fi
	TL_PID=$!
	watch_rss "$TL_PID"
	TL_PID=''
	ON_TICK=''
	if [ "$procs" = 1 ]; then
		counts=$(count_samples)
	else
		counts=$(count_monitor)
	fi
	stop_workload
	n=$(field "$TMP/tl.out" censuses)
	avg=$(field "$TMP/tl.out" census_avg_ms)
	max=$(field "$TMP/tl.out" census_max_ms)
	# exact: every census counted every thread (the first may come before
	# the threads' seeding settled: none is left out)
	exact=no
	[ -n "$counts" ] && ! grep -qv "^$THREADS x" <<<"${counts//, /$'\n'}" && exact=yes
	log "$name: $n censuses, avg $avg ms, max $max ms, peak $(mb "$HWM") MB (anon $(mb "$ANON"), file $(mb "$FILE")), counts $counts"
	[ -s "$TMP/tl.err" ] && log "$name: stderr: $(head -c 300 "$TMP/tl.err")"
	ROWS="$ROWS| $name | ${n:--} | ${avg:--}, ${max:--} | $(mb "$HWM") ($(mb "$ANON") anon, $(mb "$FILE") file) | ${counts:-none} | $exact |"$'\n'
	at_most "$max" "$CENSUS_GOAL_MS" || CENSUS_MET=missed
	at_most "$(mb "$HWM")" "$RSS_GOAL_MB" || RSS_MET=missed
	[ "$exact" = yes ] || EXACT_MET=missed
	at_most "$max" "${WORST_MS:-0}" || WORST_MS=$max
	at_most "$(mb "$HWM")" "${WORST_MB:-0}" || WORST_MB=$(mb "$HWM")
}

section() {
	echo "## A hundred thousand threads"
	echo
	echo "bench/threads100k.c holds $N threads, in one process (threadleak -p) or in"
	echo "$PROCS processes of $((N / PROCS)) (threadleak monitor), waking (each sleeps 1-4 s"
	echo "and wakes) or idle (half in a futex wait, half in read(), as leaked threads"
	echo "wait); threadleak runs ${SECONDS_TL} s at the default interval (load average at"
	echo "start: $LOAD). Census: the end line's census_avg_ms, census_max_ms. Counted:"
	echo "the threads each census counted (-p: each sample; monitor: the $PROCS processes'"
	echo "threadleak_process_threads summed, each textfile), with how many censuses did."
	echo
	echo "| run | censuses | census, ms (avg, max) | peak RSS, MB (largest anon, file) | counted | exact |"
	echo "| --- | ---: | ---: | ---: | --- | --- |"
	printf '%s' "$ROWS"
	echo
}

if ! [ -x "$BENCH_BIN/threads100k" ]; then
	echo "## A hundred thousand threads"
	echo
	echo "n/a: $BENCH_BIN/threads100k is not built (make bench builds it)."
	echo
	exit 0
fi
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
raise kernel.pid_max 262144 && raise kernel.threads-max 262144 &&
	raise vm.max_map_count 524288 || { log "cannot raise the limits"; exit 1; }
ulimit -u unlimited 2>/dev/null
CENSUS_MET=met RSS_MET=met EXACT_MET=met WORST_MS='' WORST_MB=''
run_case "one process, waking" 1 waking
run_case "one process, idle" 1 idle
run_case "$PROCS processes, waking" $PROCS waking
run_case "$PROCS processes, idle" $PROCS idle

section
if [ -n "${THREADS_GOALS:-}" ]; then
	{
		echo "| census of 100,000 threads <= ${CENSUS_GOAL_MS} ms (one process and $PROCS, waking and idle) | ${WORST_MS:--} ms at most | $CENSUS_MET |"
		echo "| threadleak at 100,000 threads: peak RSS <= ${RSS_GOAL_MB} MB | ${WORST_MB:--} MB at most | $RSS_MET |"
		echo "| 100,000 threads counted exactly in every census | $([ "$EXACT_MET" = met ] && echo every run || echo not every run) | $EXACT_MET |"
	} >"$THREADS_GOALS"
fi
