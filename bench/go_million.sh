#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A million goroutines (issue 15): what a goroutine census of 1,000,000
# parked goroutines costs threadleak, beside what the same process's own
# pprof goroutine profile costs it, and the program's own latency while each
# runs. Part of make bench (bench/run.sh); runs alone too:
#
#     sudo bench/go_million.sh [OUTPUT]      # OUTPUT: the build directory (default: build)
#
# Prints a Markdown section on stdout, progress on stderr; with MILLION_GOALS
# set, also writes the goals' rows of bench/run.sh's table to that file.
# Environment: THREADLEAK, BENCH_BIN (as bench/run.sh), MILLION_SECONDS (how
# long threadleak -p runs, default 20), MILLION_GOROUTINES (default 1000000).
#
# The program (bench/go_million.go) parks the goroutines, serves
# net/http/pprof and times how late each tick of a 1 ms ticker comes
# (/lateness: the worst and the 99th percentile since the last call). Three
# things are measured, one after the other, on the same process:
#  - idle: its lateness over 5 s with nothing reading it;
#  - pprof: /debug/pprof/goroutine?debug=1 fetched 3 times (the time of each,
#    with curl), its lateness meanwhile;
#  - threadleak -p at the default interval for MILLION_SECONDS: the
#    goroutine censuses' average and maximum (goroutine_census_avg_ms,
#    goroutine_census_max_ms of the end line), threadleak's peak RSS
#    (VmHWM) and CPU share (its /proc stat over the run), whether every
#    census counted every goroutine, and the program's lateness meanwhile.
# The goals: a census <= 150 ms on average and <= 400 ms at most, peak RSS
# <= 128 MB, <= 20 % of a core.

set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTPUT=${1:-build}
BENCH_NAME=million
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
TL=$THREADLEAK
SECONDS_TL=${MILLION_SECONDS:-20}
N=${MILLION_GOROUTINES:-1000000}
AVG_GOAL_MS=150
MAX_GOAL_MS=400
RSS_GOAL_MB=128
CPU_GOAL_PCT=20
TMP=$(mktemp -d /tmp/threadleak-million.XXXXXX)
PROG_PID=''

cleanup() {
	[ -n "$PROG_PID" ] && kill "$PROG_PID" 2>/dev/null && wait "$PROG_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$1" | tail -1; }
late() { curl -s --max-time 30 "http://127.0.0.1:$PORT/lateness"; }
late_field() { sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p; s/^$2=\\([0-9]*\\).*/\\1/p" <<<"$1" | head -1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v != "" && v + 0 <= g + 0) ? "met" : "missed" }'; }

section() {
	echo "## A million goroutines: threadleak's census beside the program's own pprof"
	echo
	echo "bench/go_million.go parks $N goroutines, serves net/http/pprof and times its own"
	echo "1 ms ticker; bench/go_million.sh reads it three ways, one after the other (load"
	echo "average at start: $LOAD). Lateness: how late the ticker's ticks came meanwhile,"
	echo "the worst and the 99th percentile."
	echo
	echo "| reader | time per census / profile, ms (avg, max) | reader's peak RSS, MB | reader's CPU, % of a core | counted | program's lateness, ms (max, p99) |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	echo "| none (idle) | - | - | - | - | $IDLE_LATE |"
	echo "| \`/debug/pprof/goroutine?debug=1\` (3 fetches) | $PPROF_AVG, $PPROF_MAX | in the program | in the program | $PPROF_COUNT | $PPROF_LATE |"
	echo "| \`threadleak -p\` (${SECONDS_TL} s, $CENSUSES censuses) | $TL_AVG, $TL_MAX | $TL_HWM | $TL_CPU | $TL_COUNT | $TL_LATE |"
	echo
}

if ! [ -x "$BENCH_BIN/go_million" ]; then
	echo "## A million goroutines"
	echo
	echo "n/a: $BENCH_BIN/go_million is not built (make bench builds it with Go)."
	echo
	exit 0
fi
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
PORT=$((20000 + RANDOM % 20000))
log "starting go_million with $N goroutines on port $PORT"
"$BENCH_BIN/go_million" "$N" "$PORT" >"$TMP/prog.out" 2>&1 &
PROG_PID=$!
for _ in $(seq 240); do
	grep -q '^ready' "$TMP/prog.out" && break
	kill -0 "$PROG_PID" 2>/dev/null || break
	sleep 0.5
done
if ! grep -q '^ready' "$TMP/prog.out"; then
	echo "## A million goroutines"
	echo
	echo "n/a: go_million did not start: $(head -c 200 "$TMP/prog.out")"
	echo
	exit 0
fi

late >/dev/null
sleep 5
l=$(late)
IDLE_LATE="$(ms "$(late_field "$l" late_max_us)"), $(ms "$(late_field "$l" late_p99_us)")"
log "idle: $l"

total=0 max=0 PPROF_COUNT=-
for i in 1 2 3; do
	t=$(curl -s --max-time 120 -o "$TMP/pprof.txt" -w '%{time_total}' \
		"http://127.0.0.1:$PORT/debug/pprof/goroutine?debug=1")
	total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b * 1000 }')
	max=$(awk -v a="$max" -v b="$t" 'BEGIN { print (b * 1000 > a) ? b * 1000 : a }')
done
l=$(late)
PPROF_AVG=$(awk -v t="$total" 'BEGIN { printf "%.0f", t / 3 }')
PPROF_MAX=$(awk -v t="$max" 'BEGIN { printf "%.0f", t }')
PPROF_COUNT=$(sed -n 's/^goroutine profile: total \([0-9]*\).*/\1/p' "$TMP/pprof.txt")
PPROF_LATE="$(ms "$(late_field "$l" late_max_us)"), $(ms "$(late_field "$l" late_p99_us)")"
log "pprof: avg $PPROF_AVG ms, max $PPROF_MAX ms, $PPROF_COUNT goroutines; $l"

log "threadleak -p for $SECONDS_TL s"
late >/dev/null
"$TL" -p "$PROG_PID" -d "$SECONDS_TL" --json >"$TMP/tl.out" 2>"$TMP/tl.err" &
tl=$!
hwm=0 cpu=0
while kill -0 "$tl" 2>/dev/null; do
	h=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$tl/status" 2>/dev/null)
	[ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
	s=$(awk '{ print $14 + $15 }' "/proc/$tl/stat" 2>/dev/null)
	[ -n "$s" ] && cpu=$s
	sleep 0.2
done
wait "$tl"
l=$(late)
CENSUSES=$(field "$TMP/tl.out" goroutine_censuses)
TL_AVG=$(field "$TMP/tl.out" goroutine_census_avg_ms)
TL_MAX=$(field "$TMP/tl.out" goroutine_census_max_ms)
dur=$(field "$TMP/tl.out" duration_s)
TL_HWM=$(awk -v k="$hwm" 'BEGIN { printf "%.0f", k / 1024 }')
TL_CPU=$(awk -v c="$cpu" -v hz="$(getconf CLK_TCK)" -v d="${dur:-0}" \
	'BEGIN { if (d > 0) printf "%.0f", c / hz / d * 100 }')
# exact: every sample counted all of them and the main goroutine
# (the samples' goroutines, as Go's NumGoroutine counts: N + main + ticker + server)
TL_COUNT=$(sed -n 's/.*"goroutines":\([0-9]*\).*/\1/p' "$TMP/tl.out" | sort -n | uniq -c |
	awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
grep -q '"kind":"incomplete"' "$TMP/tl.out" && TL_COUNT="$TL_COUNT (some incomplete)"
TL_LATE="$(ms "$(late_field "$l" late_max_us)"), $(ms "$(late_field "$l" late_p99_us)")"
log "threadleak: $CENSUSES censuses, avg $TL_AVG ms, max $TL_MAX ms, peak $TL_HWM MB, CPU $TL_CPU %, counts $TL_COUNT; $l"

section
if [ -n "${MILLION_GOALS:-}" ]; then
	{
		echo "| goroutine census of 1,000,000 <= ${AVG_GOAL_MS} ms avg, <= ${MAX_GOAL_MS} ms max | ${TL_AVG:--} ms avg, ${TL_MAX:--} ms max (pprof: $PPROF_AVG ms) | $([ "$(verdict "$TL_AVG" $AVG_GOAL_MS)" = met ] && [ "$(verdict "$TL_MAX" $MAX_GOAL_MS)" = met ] && echo met || echo missed) |"
		echo "| threadleak -p at 1,000,000 goroutines: peak RSS <= ${RSS_GOAL_MB} MB | $TL_HWM MB | $(verdict "$TL_HWM" $RSS_GOAL_MB) |"
		echo "| threadleak -p at 1,000,000 goroutines: <= ${CPU_GOAL_PCT} % of a core | ${TL_CPU:--} % | $(verdict "$TL_CPU" $CPU_GOAL_PCT) |"
	} >"$MILLION_GOALS"
fi
