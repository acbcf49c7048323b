#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# threadleak beside Go's own goroutine leak profile (issue 13 item 4). Each
# leak of bench/goleak_compare.go (the shapes of tests/go/leaks.go, three
# leaks the profile cannot see by design, and a fixed-size one) runs as its
# own process, built with Go 1.26 and GOEXPERIMENT=goroutineleakprofile and
# with Go 1.27 (where the profile is on by default):
#
#     sudo bench/goleak_compare.sh [OUTPUT]   # OUTPUT: the build directory (default: build)
#
# Writes GOLEAK_RESULTS (default bench/goleak_compare.md) and prints it;
# progress on stderr. Environment: THREADLEAK, GOLEAK_SECONDS (the profile's
# and threadleak's windows, default 45), GOLEAK_IDLE_SECONDS (the untouched
# window, default 15), GOLEAK_VERSIONS (default "1.26 1.27").
#
# Per Go version, three rounds, each on freshly started processes, all
# modes at once (so every round shares the 2 CPUs alike):
#  - neither: nothing reads them for GOLEAK_IDLE_SECONDS;
#  - profile: /debug/pprof/goroutineleak?debug=1 of each, every 5 s from its
#    start, for GOLEAK_SECONDS: the first request whose total is not 0;
#  - threadleak: `threadleak -p ALL --json` (default options) for
#    GOLEAK_SECONDS: the first goroutine_leak or goroutine_stuck finding of
#    each process, timed when its line arrives; then, for the fixed leak,
#    `threadleak goroutines -p PID --debug 2` and `threadleak -p PID
#    --stuck-goroutines 5 --stuck-wait 5`.
# Times are seconds from the process's start. Cost, per process and round:
# the 99th percentile and the worst lateness of its own 1 ms ticker (GET
# /lateness, reset at the round's start) and its CPU in % of a core (its
# /proc stat over the round). A profile request runs a full GC cycle.

set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUTPUT=${1:-build}
BENCH_NAME=goleak_compare
BENCH_LOG_PREFIX='goleak '
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
TL=$THREADLEAK
WINDOW=${GOLEAK_SECONDS:-45}
IDLE=${GOLEAK_IDLE_SECONDS:-15}
VERSIONS=${GOLEAK_VERSIONS:-1.26 1.27}
RESULTS=${GOLEAK_RESULTS:-$BENCH_DIR/goleak_compare.md}
MODES=(forgotten-sender range-unclosed select-no-ctx early-return ticker mutex waitgroup
	global-chan poll-loop io-wait fixed)
declare -A WHAT=(
	[forgotten-sender]="the caller times out; the worker's send has no reader"
	[range-unclosed]="a consumer ranges over a channel nobody closes"
	[select-no-ctx]="a worker's select has no cancellation case"
	[early-return]="two senders, the caller takes the first result only"
	[ticker]="a goroutine reads a ticker that is never stopped"
	[mutex]="a request returns holding a (global) mutex; later ones queue"
	[waitgroup]="a (global) WaitGroup that never reaches zero"
	[global-chan]="blocked on a channel kept in a global slice"
	[poll-loop]="polls a flag nobody sets, 100 ms sleeps"
	[io-wait]="reads a loopback connection nobody closes"
	[fixed]="5 goroutines stuck once on a channel nobody holds; no growth"
)

TMP=$(mktemp -d /tmp/threadleak-goleak.XXXXXX) || exit 1
cleanup() {
	local pid

	for pid in $(jobs -p); do
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

command -v curl >/dev/null || die "curl missing; run scripts/install-deps.sh"

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

# CPU ticks (user + system) of PID.
cpu_ticks() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

# go_bin VERSION: build bench/goleak_compare.go with Go VERSION into
# $TMP/gl-VERSION; 1.26 with the experiment that serves the profile.
go_bin() {
	local go exp=''

	if [ -x "/usr/lib/go-$1/bin/go" ]; then
		go=/usr/lib/go-$1/bin/go
	else
		go=$("$ROOT/scripts/go-toolchains.sh" path "$1") || return 1
	fi
	[[ $1 == 1.26 ]] && exp=goroutineleakprofile
	GOEXPERIMENT=$exp GOCACHE=${THREADLEAK_GOCACHE:-/var/tmp/threadleak-gocache-$(id -u)} \
		GOPATH=$TMP/gopath GO111MODULE=off GOFLAGS='' GOTOOLCHAIN=local CGO_ENABLED=0 \
		"$go" build -o "$TMP/gl-$1" "$BENCH_DIR/goleak_compare.go" 2>"$TMP/build-$1.err"
}

declare -A PID PORT START
# start_all VERSION: every mode, started and ready.
start_all() {
	local m i line

	for m in "${MODES[@]}"; do
		# the child truncates it, maybe after the loop below reads it
		rm -f "$TMP/$m.out"
		START[$m]=$(now_ms)
		"$TMP/gl-$1" "$m" >"$TMP/$m.out" 2>&1 &
		PID[$m]=$!
	done
	for m in "${MODES[@]}"; do
		for ((i = 0; i < 300; i++)); do
			line=$(head -1 "$TMP/$m.out" 2>/dev/null)
			[[ $line == "ready pid=${PID[$m]} "* ]] && break
			sleep 0.1
		done
		[[ $line == "ready pid=${PID[$m]} "* && $line =~ port=([0-9]+) ]] || die "$m did not start: $(head -c 300 "$TMP/$m.out")"
		PORT[$m]=${BASH_REMATCH[1]}
	done
}

# stop_all ROUND: end them; one that ended before is noted in DIED[ROUND/mode]
# with the first line of what it printed after "ready" and its exit status.
declare -A DIED
stop_all() {
	local m status

	for m in "${MODES[@]}"; do
		if kill "${PID[$m]}" 2>/dev/null; then
			wait "${PID[$m]}" 2>/dev/null
			continue
		fi
		wait "${PID[$m]}" 2>/dev/null
		status=$?
		DIED[$1/$m]="exit status $status: $(sed -n '2{p;q}' "$TMP/$m.out" | head -c 100 | tr -d '|`')"
		cp "$TMP/$m.out" "$TMP/died-${1//\//-}-$m.out"
		log "$1: $m ended by itself, $(tail -c 1000 "$TMP/$m.out")"
	done
}

declare -A CPU0 T0
cost_begin() {
	local m

	for m in "${MODES[@]}"; do
		curl -s --max-time 5 "http://127.0.0.1:${PORT[$m]}/lateness" >/dev/null
		CPU0[$m]=$(cpu_ticks "${PID[$m]}")
		T0[$m]=$(now_ms)
	done
}

# cost_end ROUND: COST[ROUND/mode] = "p99/max ms, CPU %".
declare -A COST
cost_end() {
	local m l p99 max cpu hz

	hz=$(getconf CLK_TCK)
	for m in "${MODES[@]}"; do
		cpu=$(awk -v a="${CPU0[$m]}" -v b="$(cpu_ticks "${PID[$m]}")" -v hz="$hz" \
			-v ms="$(($(now_ms) - ${T0[$m]}))" 'BEGIN { printf "%.1f", (b - a) / hz / (ms / 1000) * 100 }')
		l=$(curl -s --max-time 5 "http://127.0.0.1:${PORT[$m]}/lateness")
		p99=$(sed -n 's/.*late_p99_us=\([0-9]*\).*/\1/p' <<<"$l")
		max=$(sed -n 's/.*late_max_us=\([0-9]*\).*/\1/p' <<<"$l")
		COST[$1/$m]="$(awk -v p="${p99:-0}" -v m="${max:-0}" 'BEGIN { printf "%.2f/%.1f", p / 1000, m / 1000 }'), ${cpu}%"
	done
}

# round_profile VERSION: the goroutineleak profile of each, every 5 s.
declare -A PROF_FIRST PROF_LAST
round_profile() {
	local v=$1 m t out total end

	start_all "$v"
	cost_begin
	for m in "${MODES[@]}"; do
		PROF_FIRST[$v/$m]='' PROF_LAST[$v/$m]=''
	done
	end=$(($(now_ms) + WINDOW * 1000))
	for ((t = 5; ; t += 5)); do
		# each process's request falls 5 s, 10 s, ... after its start
		sleep "$(awk -v s="${START[${MODES[0]}]}" -v t="$t" -v now="$(now_ms)" \
			'BEGIN { d = (s + t * 1000 - now) / 1000; print (d > 0 ? d : 0) }')"
		(($(now_ms) < end)) || break
		for m in "${MODES[@]}"; do
			out=$(curl -s --max-time 4 "http://127.0.0.1:${PORT[$m]}/debug/pprof/goroutineleak?debug=1")
			total=$(sed -n 's/^goroutineleak profile: total \([0-9]*\).*/\1/p' <<<"$out")
			if [[ -z $total ]]; then
				PROF_LAST[$v/$m]="n/a ($(head -c 60 <<<"$out" | tr -d '\n|'))"
				continue
			fi
			PROF_LAST[$v/$m]=$total
			[[ -z ${PROF_FIRST[$v/$m]} && $total != 0 ]] &&
				PROF_FIRST[$v/$m]=$(secs $(($(now_ms) - ${START[$m]})))
		done
	done
	cost_end "$v/profile"
	stop_all "$v/profile"
}

# round_threadleak VERSION: threadleak -p on all of them at once.
declare -A TL_FIRST TL_KIND TL_LIVE
round_threadleak() {
	local v=$1 m pids='' line tl_pid ts kind fixed

	start_all "$v"
	for m in "${MODES[@]}"; do
		pids=$pids${pids:+,}${PID[$m]}
	done
	cost_begin
	"$TL" -p "$pids" -d "$WINDOW" --json </dev/null 2>"$TMP/tl.err" |
		while IFS= read -r line; do
			printf '%s\t%s\n' "$(now_ms)" "$line"
		done >"$TMP/tl-$v.json" &
	tl_pid=$!
	wait "$tl_pid"
	cost_end "$v/threadleak"
	for m in "${MODES[@]}"; do
		line=$(grep -F "\"pid\":${PID[$m]}," "$TMP/tl-$v.json" | grep -F '"type":"finding"' |
			grep -v '"summary":true' | grep -E '"kind":"goroutine_(leak|stuck)"' | head -1)
		TL_FIRST[$v/$m]='' TL_KIND[$v/$m]='' TL_LIVE[$v/$m]=''
		[[ -n $line ]] || continue
		ts=${line%%$'\t'*}
		kind=$(sed -n 's/.*"kind":"\([a-z_]*\)".*/\1/p' <<<"$line")
		TL_FIRST[$v/$m]=$(secs $((ts - ${START[$m]})))
		TL_KIND[$v/$m]=$kind
		TL_LIVE[$v/$m]=$(sed -n 's/.*"wait_reasons":{\([^}]*\)}.*/\1/p' <<<"$line" | tr -d '"')
	done
	[[ -s $TMP/tl.err ]] && log "threadleak stderr: $(head -c 300 "$TMP/tl.err")"
	fixed=${PID[fixed]}
	"$TL" -p "$fixed" -d 8 --stuck-goroutines 5 --stuck-wait 5 --json </dev/null 2>/dev/null |
		grep -F '"type":"finding"' | grep -v '"summary":true' | head -1 >"$TMP/fixed-stuck-$v"
	# a minute old at least, for Go's "[chan receive, 1 minutes]"
	sleep "$(awk -v age="$(($(now_ms) - ${START[fixed]}))" \
		'BEGIN { d = (61000 - age) / 1000; print (d > 0 ? d : 0) }')"
	"$TL" goroutines -p "$fixed" --debug 2 </dev/null 2>&1 |
		awk 'BEGIN { RS = "" } /main\.fixedLeak/ { split($0, l, "\n"); print l[1] }' |
		sed 's/^goroutine [0-9]* //; s/:$//' | sort | uniq -c |
		awk '{ n = $1; $1 = ""; printf "%s%d x %s", (c++ ? "; " : ""), n, substr($0, 2) } END { print "" }' \
			>"$TMP/fixed-dump-$v"
	FIXED_AGE[$v]=$(secs $(($(now_ms) - ${START[fixed]})))
	stop_all "$v/threadleak"
}
declare -A FIXED_AGE

round_idle() {
	start_all "$1"
	cost_begin
	sleep "$IDLE"
	cost_end "$1/neither"
	stop_all "$1/neither"
}

table() {
	local v=$1 m p t r

	echo "### Go $v$([[ $v == 1.26 ]] && echo ", GOEXPERIMENT=goroutineleakprofile")"
	echo
	echo "| shape | found by the profile? (total at last request) | s to first report | found by threadleak? | s to first finding | lateness p99/max ms, CPU: neither | profile every 5 s | threadleak -p |"
	echo "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |"
	for m in "${MODES[@]}"; do
		p="no (${PROF_LAST[$v/$m]:-?})"
		[[ -n ${PROF_FIRST[$v/$m]} ]] && p="yes (${PROF_LAST[$v/$m]})"
		t=no
		[[ -n ${TL_FIRST[$v/$m]} ]] && t="yes, ${TL_KIND[$v/$m]} (${TL_LIVE[$v/$m]})"
		echo "| $m: ${WHAT[$m]} | $p | ${PROF_FIRST[$v/$m]:--} | $t | ${TL_FIRST[$v/$m]:--} | ${COST[$v/neither/$m]} | ${COST[$v/profile/$m]} | ${COST[$v/threadleak/$m]} |"
	done
	echo
	for r in neither profile threadleak; do
		for m in "${MODES[@]}"; do
			[[ -z ${DIED[$v/$r/$m]:-} ]] ||
				printf '%s\n\n' "**$m ended by itself in the $r round** (${DIED[$v/$r/$m]}); its row of that round is void."
		done
	done
	echo "The fixed leak, ${FIXED_AGE[$v]} s after its start: \`threadleak goroutines -p PID --debug 2\`"
	echo "shows its goroutines as $(cat "$TMP/fixed-dump-$v") (Go's format: whole minutes, from 1 up);"
	if [[ -s $TMP/fixed-stuck-$v ]]; then
		echo "\`threadleak -p PID --stuck-goroutines 5 --stuck-wait 5\` gives: \`$(sed -n 's/.*\("kind":"[a-z_]*"\).*\("live":[0-9]*\).*\("wait_reason":"[^"]*"\).*\("wait_min_s":[0-9.]*\).*\("wait_max_s":[0-9.]*\).*/\1, \2, \3, \4, \5/p' "$TMP/fixed-stuck-$v")\`."
	else
		echo "\`threadleak -p PID --stuck-goroutines 5 --stuck-wait 5\` (8 s) gives no finding."
	fi
	echo
}

log "Go versions: $VERSIONS; windows: neither ${IDLE} s, profile and threadleak ${WINDOW} s each"
DONE=''
for v in $VERSIONS; do
	if ! go_bin "$v"; then
		log "Go $v: cannot build: $(head -c 300 "$TMP/build-$v.err" 2>/dev/null)"
		continue
	fi
	log "Go $v: neither"
	round_idle "$v"
	log "Go $v: the goroutineleak profile every 5 s"
	round_profile "$v"
	log "Go $v: threadleak -p"
	round_threadleak "$v"
	DONE="$DONE $v"
done

{
	echo "## Side by side with Go's goroutine leak profile"
	echo
	echo "bench/goleak_compare.sh: each shape its own process (bench/goleak_compare.go), one leaked"
	echo "goroutine every 200 ms (the fixed leak: 5, once). Three rounds per Go version on fresh"
	echo "processes, all shapes at once on this $(nproc)-CPU machine (load average at the end:"
	echo "$(cut -d' ' -f1-3 /proc/loadavg)): neither (${IDLE} s), \`/debug/pprof/goroutineleak?debug=1\`"
	echo "requested every 5 s (${WINDOW} s; each request runs a full GC cycle), \`threadleak -p\` with"
	echo "default options on all of them (${WINDOW} s). Seconds are from each process's start; the"
	echo "profile can first answer at 5 s. Cost: the process's own 1 ms ticker, lateness p99/max"
	echo "in ms, and its CPU in % of a core, over the round. threadleak's wait reasons are the"
	echo "runtime's (\"(leaked)\": a goroutine the runtime marked leaked at a profile request)."
	echo
	for v in $DONE; do
		table "$v"
	done
} >"$TMP/result.md"
cp "$TMP/result.md" "$RESULTS"
cat "$TMP/result.md"
log "done in $SECONDS s; results in $RESULTS"
