#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what threadleak costs the programs it watches, side by side
# with the obvious bpftrace script, and how far it goes (issue 6); and what
# threadleak monitor holds in memory on a real host (bench/memory.sh), and
# what a census of a million goroutines costs (bench/go_million.sh), and
# what each BPF program costs per run by the kernel's accounting
# (bench/bpf_cost.sh, under thread churn); with
# BENCH_GOLEAK=1, threadleak beside Go's goroutineleak profile
# (bench/goleak_compare.sh).
#
#     sudo bench/run.sh [OUTPUT]      # OUTPUT: the build directory (default: build)
#
# Runs $OUTPUT/threadleak (a copy taken at start, so a rebuild during the run
# changes nothing) and the workloads built from bench/*.c into $OUTPUT/bench/.
# Writes bench/results.md and prints it on stdout; progress goes to stderr.
#
# Environment: BENCH_REPS (runs per workload and mode, default 7; past 5
# only while the whole run fits in BENCH_BUDGET seconds, default 540),
# BENCH_RESULTS (default bench/results.md), BENCH_GOLEAK (1: also run
# bench/goleak_compare.sh, about 5 minutes more), THREADLEAK and BENCH_BIN (paths of
# the binary and of the workloads' directory, to override OUTPUT's).
#
# Method. Every workload starts held: it prints "ready pid=N" and waits for a
# line on stdin. The tracer is started and waited for until it is attached
# (threadleak: its first JSON sample, printed after its first census, so its
# tracepoints are attached and the target seeded; bpftrace: its BEGIN probe,
# which fires once every probe is attached); then the workload is released
# and times its own work with CLOCK_MONOTONIC. Runs go round-robin: each
# repetition runs every workload under every mode, the order of the modes
# rotated at each repetition, so a drift of the machine reaches all modes
# alike. Each mode is then the median of its runs, as a ratio to the median
# of the untraced runs. Nothing is pinned: the workload and the tracer share
# the machine's CPUs as they would in production; the one exception is the
# second ping-pong (see WORKLOAD_PREFIX).

set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTPUT=${1:-build}
BENCH_NAME=bench
BENCH_LOG_PREFIX=''
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
REPS=${BENCH_REPS:-7}
MIN_REPS=5
# make bench must end within 10 minutes: repetitions past MIN_REPS are run
# only while the whole run is expected to end within BUDGET seconds.
BUDGET=${BENCH_BUDGET:-540}
EXTRAS_SECONDS=400	# what the measurements after the overhead take, about
			# (bench/memory.sh: 3-4 minutes of it, bench/go_million.sh 1,
			# bench/bpf_cost.sh 1/2)
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results.md}
BPFTRACE_SCRIPT=$BENCH_DIR/threadleak.bt

# The workloads: name, program (default: the name), arguments, what the
# timed work is. Sized for about a second of work each on a 2-CPU VM, so that
# at least one census (one a second) falls inside the timed work.
WORKLOADS=(churn pingpong pingpong-1cpu mutex idle10k forkexec goroutines)
declare -A WORKLOAD_BIN=([pingpong-1cpu]=pingpong)
declare -A WORKLOAD_ARGS=(
	[churn]="20000"
	[pingpong]="100000"
	[pingpong-1cpu]="250000"
	[mutex]="20000000 4"
	[idle10k]="10000 600000000 2"
	[forkexec]="600"
	[goroutines]="100000 5000000"
)
# The one pinned workload. Unpinned, the ping-pong's two threads land on one
# CPU (a wake-up is a direct switch, about 3.5 us a round trip) or on two
# (a cross-CPU wake-up, an IPI through the hypervisor, about 35 us), and
# the placement changes from run to run and within one: a spread of 2-3x
# that hides any per-futex-call cost. On one CPU the round trip is steady,
# and a cost per futex call shows in full.
declare -A WORKLOAD_PREFIX=([pingpong-1cpu]="taskset -c 0")
declare -A WORKLOAD_WORK=(
	[churn]="20,000 pthread create + join, one at a time"
	[pingpong]="100,000 sem_post/sem_wait round trips between 2 threads"
	[pingpong-1cpu]="250,000 round trips, both threads on CPU 0 (taskset)"
	[mutex]="4 threads x 20,000,000 lock/unlock of one mutex"
	[idle10k]="2 threads x 600,000,000 xorshift steps, next to 10,000 idle threads in pthread_cond_wait"
	[forkexec]="600 fork + exec /bin/true + waitpid"
	[goroutines]="Go: 5,000,000 channel round trips between 2 goroutines, next to 100,000 parked goroutines (a goroutine census of all of them each second)"
)

MODES=(none pid system record bpftrace)
THREADLEAK_MODES=(pid system record)
declare -A MODE_TITLE=(
	[none]="untraced"
	[pid]="threadleak -p"
	[system]="threadleak (all)"
	[record]="threadleak record -p"
	[bpftrace]="bpftrace script"
)
declare -A MODE_NA=()	# mode -> why it could not be measured

# Thread creation rates tried with `threadleak -p`, and the run length.
RATES=(5000 10000 25000 50000 100000 200000)
RATE_SECONDS=2
# At the highest rate, again with these smaller ring buffers: the headroom.
SMALL_RINGBUFS=(256K 64K 16K)
# How long threadleak's CPU time is measured on the 10,000-thread process.
CPU_SECONDS=8
# Runs of replay and of zcat, interleaved, on a trace of every process
# recorded for this long.
REPLAY_RUNS=5
REPLAY_RECORD_SECONDS=8

for name in churn pingpong mutex idle10k forkexec thread_rate goroutines; do
	[[ -x $BENCH_BIN/$name ]] || die "$BENCH_BIN/$name missing; build the workloads (make bench)"
done
for tool in jq zcat awk taskset; do
	command -v "$tool" >/dev/null || die "$tool missing; run scripts/install-deps.sh"
done

TMP=$(mktemp -d /tmp/threadleak-bench.XXXXXX) || die "mktemp failed"
TL=$TMP/threadleak
cp "$THREADLEAK" "$TL" || die "cannot copy $THREADLEAK"

# Everything this script starts is a background job of this shell: kill
# what is still running, then reap it.
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

# Waiting polls, and polls with shell builtins only: no process is started
# while a workload is timed (it would add fork records to what the tracers
# see, and compete for the CPUs). nap sleeps by reading a FIFO nobody
# writes.
mkfifo "$TMP/nap" || die "cannot make $TMP/nap"
exec {NAP_FD}<>"$TMP/nap"
nap() { read -r -t "$1" -u "$NAP_FD"; }

now_us() { echo "${EPOCHREALTIME/./}"; }

# wait_until SECONDS COMMAND...: run COMMAND every 10 ms until it succeeds;
# false if it did not within SECONDS.
wait_until() {
	local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))

	shift
	until "$@"; do
		((${EPOCHREALTIME/./} < deadline)) || return 1
		nap 0.01
	done
	return 0
}

# exited PID: true if PID is gone or a zombie.
exited() {
	local stat

	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
	stat=${stat##*) }
	[[ ${stat:0:1} == Z ]]
}

# file_has FILE REGEX: a line of FILE matches REGEX (bash's =~).
file_has() {
	local line

	while IFS= read -r line; do
		[[ $line =~ $2 ]] && return 0
	done 2>/dev/null <"$1"
	return 1
}

# ready_or_gone PID FILE REGEX: FILE has a line matching REGEX, or PID has exited.
ready_or_gone() {
	file_has "$2" "$3" || exited "$1"
}

# stop_process PID SIGNAL|none [GRACE]: signal PID, give it GRACE seconds
# (default 10) to exit, then SIGKILL it; reap it. Its exit status is ours.
stop_process() {
	local pid=$1 sig=$2 grace=${3:-10}

	[[ $sig == none ]] || kill -s "$sig" "$pid" 2>/dev/null
	if ! wait_until "$grace" exited "$pid"; then
		log "warning: pid $pid still running ${grace}s after $sig; killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
}

# JSON field of threadleak's "end" line in FILE, or "-".
end_field() {
	local value

	value=$(jq -rR --arg f "$2" 'fromjson? | select(.type == "end") | .[$f]' "$1" 2>/dev/null |
		tail -1)
	echo "${value:--}"
}

# Numbers on stdin -> "median min max count" ("- - - 0" for none).
stats() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (!NR) { print "- - - 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR], NR
		}'
}

# The number of BPF links PID holds: attached programs.
bpf_links() {
	local fd n=0

	for fd in /proc/"$1"/fd/*; do
		[[ $(readlink "$fd" 2>/dev/null) == anon_inode:bpf_link ]] && ((n++))
	done
	echo "$n"
}

# Tracepoint programs attached by anyone but this benchmark's tracer: other
# users' tracers, whose cost the runs of every mode pay, untraced ones too.
foreign_tracers() {
	bpftool perf show --json 2>/dev/null |
		jq --argjson mine "${T_PID:-0}" '[.[] | select(.pid != $mine)] | length' 2>/dev/null ||
		echo "-"
}

SEQ=0
REPS_DONE=0
declare -A CENSUS_NA=()	# tool -> why its census row is missing

# start_workload NAME ARGS...: start a workload held at its start line. Sets
# W_NAME, W_PID, W_OUT, and W_GO: the fd of the FIFO its stdin reads.
start_workload() {
	local fifo prefix

	W_NAME=$1
	shift
	SEQ=$((SEQ + 1))
	fifo=$TMP/go.$SEQ
	W_OUT=$TMP/$W_NAME.$SEQ.out
	read -ra prefix <<<"${WORKLOAD_PREFIX[$W_NAME]:-}"
	mkfifo "$fifo" || die "mkfifo $fifo failed"
	"${prefix[@]}" "$BENCH_BIN/${WORKLOAD_BIN[$W_NAME]:-$W_NAME}" "$@" <"$fifo" >"$W_OUT" 2>&1 &
	W_PID=$!
	exec {W_GO}>"$fifo"
	rm -f "$fifo"
	if ! wait_until 120 ready_or_gone "$W_PID" "$W_OUT" '^ready pid='; then
		die "$W_NAME did not get ready in 120 s"
	fi
	file_has "$W_OUT" "^ready pid=$W_PID\$" || die "$W_NAME failed to start: $(cat "$W_OUT")"
}

# Release the held workload and wait for its result: sets ELAPSED and
# CPU_S, its elapsed and CPU seconds ("-" if it failed). idle10k stays alive
# after its result (end_workload ends it); the others exit, and are simply
# waited for.
run_workload() {
	local status=''

	exited "$W_PID" || echo go >&"$W_GO"
	if [[ $W_NAME == idle10k ]]; then
		wait_until 600 ready_or_gone "$W_PID" "$W_OUT" '^result ' ||
			log "warning: $W_NAME has not finished in 600 s"
	else
		wait "$W_PID"
		status=$?
	fi
	end_workload
	W_STATUS=${status:-$W_STATUS}
	ELAPSED=$(sed -n 's/^result .*elapsed_s=\([0-9.]*\).*/\1/p' "$W_OUT")
	[[ -n $ELAPSED ]] ||
		log "warning: $W_NAME gave no result (exit status $W_STATUS): $(tail -c 300 "$W_OUT")"
	ELAPSED=${ELAPSED:--}
	CPU_S=$(sed -n 's/^result .*cpu_s=\([0-9.]*\).*/\1/p' "$W_OUT")
	CPU_S=${CPU_S:--}
}

# End the workload: idle10k waits for a second line to exit.
end_workload() {
	exited "$W_PID" || { echo stop >&"$W_GO"; } 2>/dev/null
	exec {W_GO}>&-
	stop_process "$W_PID" none 60
	W_STATUS=$?
}

# start_tracer MODE PID [EXTRA ARGS...]: start a tracer on PID and wait
# until it is attached. Sets T_PID (empty for none) and T_OUT. False if it
# could not attach (the reason is logged).
start_tracer() {
	local mode=$1 pid=$2 pattern='"type":"sample"'

	shift 2
	T_PID='' T_OUT=$TMP/$mode.$SEQ.out
	case $mode in
	none)
		return 0
		;;
	pid)
		"$TL" -p "$pid" --json "$@" </dev/null >"$T_OUT" 2>"$T_OUT.err" &
		;;
	system)
		"$TL" -n 0 --json "$@" </dev/null >"$T_OUT" 2>"$T_OUT.err" &
		;;
	record)
		"$TL" record -p "$pid" -o "$TMP/$W_NAME.tl" --json "$@" </dev/null \
			>"$T_OUT" 2>"$T_OUT.err" &
		;;
	bpftrace)
		pattern='^ready$'
		bpftrace "$BPFTRACE_SCRIPT" </dev/null >"$T_OUT" 2>"$T_OUT.err" &
		;;
	*)
		die "unknown mode $mode"
		;;
	esac
	T_PID=$!
	wait_until 60 ready_or_gone "$T_PID" "$T_OUT" "$pattern"
	if exited "$T_PID" || ! file_has "$T_OUT" "$pattern"; then
		log "$mode did not attach: $(grep -v RLIMIT_MEMLOCK "$T_OUT.err" | head -c 300)"
		stop_process "$T_PID" KILL
		T_PID=
		return 1
	fi
}

# Stop the tracer once the workload has ended: threadleak -p and record end
# by themselves when their target exits; the others are interrupted.
stop_tracer() {
	local mode=$1

	[[ -n $T_PID ]] || return 0
	case $mode in
	pid | record)
		wait_until 5 exited "$T_PID" || kill -INT "$T_PID" 2>/dev/null
		stop_process "$T_PID" none
		;;
	*)
		stop_process "$T_PID" INT
		;;
	esac
	T_PID=
}

# fmt FORMAT NUMBER: printf for decimals; "-" stays "-".
fmt() {
	if [[ $2 == - ]]; then
		echo -
	else
		awk -v v="$2" "BEGIN { printf \"$1\", v }"
	fi
}

# ---------------------------------------------------------------------------
# What this threadleak can do: record, replay, replay --info exist only in
# newer builds. A real run decides, not --help.

probe_commands() {
	local sleeper probe=$TMP/probe.tl

	sleep 30 &
	sleeper=$!
	if "$TL" record -p "$sleeper" -o "$probe" -d 1 --json </dev/null >/dev/null 2>"$TMP/probe.err" &&
		[[ -s $probe ]]; then
		HAVE_RECORD=1
	else
		HAVE_RECORD=0
		MODE_NA[record]="n/a (not built)"
		log "threadleak record unavailable: $(head -c 200 "$TMP/probe.err")"
	fi
	HAVE_REPLAY=0 HAVE_INFO=0
	if ((HAVE_RECORD)); then
		"$TL" replay --json "$probe" >/dev/null 2>&1 && HAVE_REPLAY=1
		"$TL" replay --info "$probe" 2>/dev/null | grep -q '^records: [0-9]' && HAVE_INFO=1
	fi
	command -v bpftrace >/dev/null || MODE_NA[bpftrace]="n/a (no bpftrace)"
	# bpftrace attaches tracepoints through tracefs, which this machine's
	# boot does not mount (shared/PLATFORM.md); threadleak does not need it
	if [ ! -e /sys/kernel/tracing/events ] && ! mount -t tracefs nodev /sys/kernel/tracing; then
		MODE_NA[bpftrace]="n/a (tracefs not mounted)"
	fi
	stop_process "$sleeper" KILL
	log "threadleak record: $HAVE_RECORD, replay: $HAVE_REPLAY, replay --info: $HAVE_INFO"
}

# ---------------------------------------------------------------------------
# 1. Overhead: every workload under every mode, interleaved.

# modes_from N: MODES rotated left by N.
modes_from() {
	local n=${#MODES[@]} i

	for ((i = 0; i < n; i++)); do
		echo "${MODES[(i + $1) % n]}"
	done
}

measure_overhead() {
	local rep workload mode elapsed lost foreign start=$SECONDS per_rep

	: >"$TMP/runs.tsv"
	: >"$TMP/gocensus.tsv"
	for ((rep = 1; rep <= REPS; rep++)); do
		per_rep=$(((SECONDS - start) / (rep > 1 ? rep - 1 : 1)))
		if ((rep > MIN_REPS && SECONDS + per_rep + EXTRAS_SECONDS > BUDGET)); then
			log "stopping at $((rep - 1)) repetitions to stay within ${BUDGET} s"
			break
		fi
		for workload in "${WORKLOADS[@]}"; do
			for mode in $(modes_from $((rep - 1))); do
				[[ -z ${MODE_NA[$mode]:-} ]] || continue
				# shellcheck disable=SC2086 # the arguments are words
				start_workload "$workload" ${WORKLOAD_ARGS[$workload]}
				if ! start_tracer "$mode" "$W_PID"; then
					end_workload
					continue
				fi
				foreign=$(foreign_tracers)
				run_workload
				elapsed=$ELAPSED
				stop_tracer "$mode"
				lost=-
				[[ $mode == pid || $mode == system || $mode == record ]] &&
					lost=$(end_field "$T_OUT" lost_events)
				[[ $workload == goroutines && $mode == pid ]] &&
					printf '%s\t%s\t%s\n' \
						"$(end_field "$T_OUT" goroutine_censuses)" \
						"$(end_field "$T_OUT" goroutine_census_avg_ms)" \
						"$(end_field "$T_OUT" goroutine_census_max_ms)" \
						>>"$TMP/gocensus.tsv"
				[[ $mode == record && $HAVE_INFO == 1 ]] &&
					"$TL" replay --info "$TMP/$workload.tl" >"$TMP/$workload.info" 2>/dev/null
				rm -f "$TMP/$workload.tl"
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$mode" "$rep" \
					"$elapsed" "$lost" "$CPU_S" "$foreign" >>"$TMP/runs.tsv"
				log "overhead $rep/$REPS: $workload, ${MODE_TITLE[$mode]}: ${elapsed} s" \
					"(CPU ${CPU_S} s)"
			done
		done
		REPS_DONE=$rep
	done
}

# ---------------------------------------------------------------------------
# 2. Thread creations per second with `threadleak -p`, and lost records.

# rate_run MODE RATE [--ringbuf-size SIZE]: MODE is pid or none.
rate_run() {
	local mode=$1 rate=$2 achieved created events=- lost=- ringbuf=1M

	shift 2
	[[ $mode == none ]] && ringbuf="untraced"
	[[ $# -eq 2 ]] && ringbuf=$2
	start_workload thread_rate "$rate" "$RATE_SECONDS"
	if ! start_tracer "$mode" "$W_PID" "$@"; then
		end_workload
		return
	fi
	run_workload
	stop_tracer "$mode"
	achieved=$(sed -n 's/^result .* rate=\([0-9]*\).*/\1/p' "$W_OUT")
	created=$(sed -n 's/^result .*ops=\([0-9]*\).*/\1/p' "$W_OUT")
	if [[ $mode == pid ]]; then
		events=$(end_field "$T_OUT" events)
		lost=$(end_field "$T_OUT" lost_events)
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rate" "$ringbuf" "${achieved:--}" "${created:--}" \
		"$events" "$lost" >>"$TMP/rates.tsv"
	log "rate $rate/s ($ringbuf): achieved ${achieved:--}/s, $events records, $lost lost"
}

measure_rates() {
	local rate size

	: >"$TMP/rates.tsv"
	rate_run none "${RATES[-1]}"
	for rate in "${RATES[@]}"; do
		rate_run pid "$rate"
	done
	for size in "${SMALL_RINGBUFS[@]}"; do
		rate_run pid "${RATES[-1]}" --ringbuf-size "$size"
	done
}

# ---------------------------------------------------------------------------
# 3. 10,000 threads: census time, and threadleak's own CPU and memory.

# CPU seconds (user + system) PID has used.
cpu_seconds() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	# Fields 14 and 15 of the whole line are 12 and 13 after "pid (comm) ".
	awk -v u="${12}" -v s="${13}" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (u + s) / hz }'
}

status_mb() {
	awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null
}

# census_run TOOL: TOOL (pid, system or monitor) watches the idle 10k
# process; measure CPU over CPU_SECONDS once attached, RSS at the end.
census_run() {
	local tool=$1 cpu0 cpu1 t0 t1 rss hwm port links host

	case $tool in
	pid | system)
		start_tracer "$tool" "$W_PID" || return
		LINKS=$(bpf_links "$T_PID")
		;;
	monitor)
		port=$((30000 + RANDOM % 20000))
		mkdir -p "$TMP/textfile"
		"$TL" monitor --metrics-addr "127.0.0.1:$port" --textfile "$TMP/textfile" --json \
			</dev/null >"$TMP/monitor.out" 2>"$TMP/monitor.err" &
		T_PID=$! T_OUT=$TMP/monitor.out
		# Attached: its first textfile written, or as many BPF links as
		# threadleak -p held once attached; then one interval, for a census.
		links=${LINKS:-3}
		wait_until 60 monitor_attached "$T_PID" "$links"
		if exited "$T_PID"; then
			stop_process "$T_PID" none
			T_PID=
			MONITOR_NA="n/a ($(head -c 120 "$TMP/monitor.err" | tr -d '\n' | sed 's/|/\\|/g'))"
			[[ $MONITOR_NA == *"not built"* ]] && MONITOR_NA="n/a (not built)"
			log "monitor: $MONITOR_NA"
			return
		fi
		sleep 1.5
		;;
	esac
	cpu0=$(cpu_seconds "$T_PID") t0=$(now_us)
	sleep "$CPU_SECONDS"
	cpu1=$(cpu_seconds "$T_PID") t1=$(now_us)
	rss=$(status_mb "$T_PID" VmRSS)
	hwm=$(status_mb "$T_PID" VmHWM)
	host=$(host_threads)
	if [[ $tool == monitor ]]; then
		stop_process "$T_PID" TERM
	else
		stop_process "$T_PID" INT
	fi
	T_PID=
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$(end_field "$T_OUT" censuses)" \
		"$(end_field "$T_OUT" census_avg_ms)" "$(end_field "$T_OUT" census_max_ms)" \
		"$(awk -v a="$cpu0" -v b="$cpu1" -v t="$((t1 - t0))" \
			'BEGIN { printf "%.1f", (b - a) / (t / 1e6) * 100 }')" \
		"${rss:--}	${hwm:--}	$host" >>"$TMP/census.tsv"
	log "10k threads, $tool: $(tail -1 "$TMP/census.tsv" | tr '\t' ' ')"
}

monitor_attached() {
	exited "$1" || compgen -G "$TMP/textfile/*" >/dev/null || (($(bpf_links "$1") >= $2))
}

# A 10,000-thread process holds a third of this machine's 32768 pids: a
# stale kill by anyone else's script is likely to hit one of its threads, and
# so the process. A measurement it did not survive is taken again once, on
# a new one.
measure_census() {
	local tool try

	: >"$TMP/census.tsv"
	MONITOR_NA=
	start_workload idle10k 10000 1 1
	for tool in pid system monitor; do
		for try in 1 2; do
			census_run "$tool"
			exited "$W_PID" || break
			end_workload
			log "the 10,000-thread process died during the $tool measurement" \
				"(exit status $W_STATUS), try $try of 2"
			sed -i "/^$tool\t/d" "$TMP/census.tsv"
			((try == 2)) && CENSUS_NA[$tool]="n/a (the 10,000-thread process died during it, twice)"
			start_workload idle10k 10000 1 1
		done
	done
	end_workload
}

# Threads on the whole host.
host_threads() {
	local tasks=(/proc/[0-9]*/task/*)

	echo "${#tasks[@]}"
}

# ---------------------------------------------------------------------------
# 4. Trace files: replay against zcat, bytes per record.

# time_us COMMAND...: microseconds COMMAND took (its output discarded).
time_us() {
	local t0

	t0=$(now_us)
	"$@" >/dev/null 2>&1
	echo $(($(now_us) - t0))
}

measure_replay() {
	local trace=$TMP/replay.tl i

	((HAVE_RECORD)) || return
	# A 10,000-thread process (large censuses) and 40,000 threads that come
	# and go (lifecycle records), both recorded with -p: the same trace
	# whatever else runs on the machine.
	start_workload idle10k 10000 1 1
	local idle_go=$W_GO idle_pid=$W_PID
	start_workload churn 40000
	"$TL" record -p "$idle_pid" -p "$W_PID" -o "$trace" -d "$REPLAY_RECORD_SECONDS" --json \
		</dev/null >"$TMP/replay-record.out" 2>"$TMP/replay-record.err" &
	local rec_pid=$!
	wait_until 60 ready_or_gone "$rec_pid" "$TMP/replay-record.out" '"type":"sample"'
	run_workload
	stop_process "$rec_pid" none 30
	W_PID=$idle_pid W_GO=$idle_go W_NAME=idle10k
	end_workload
	[[ -s $trace ]] || {
		log "replay: recording failed: $(head -c 200 "$TMP/replay-record.err")"
		return
	}
	((HAVE_INFO)) && "$TL" replay --info "$trace" >"$TMP/replay.info" 2>/dev/null
	REPLAY_RAW=$(zcat "$trace" 2>/dev/null | wc -c)
	: >"$TMP/replay.tsv"
	for ((i = 1; i <= REPLAY_RUNS; i++)); do
		if ((HAVE_REPLAY)); then
			printf 'replay\t%s\n' "$(time_us "$TL" replay --json "$trace")" >>"$TMP/replay.tsv"
		fi
		printf 'zcat\t%s\n' "$(time_us zcat "$trace")" >>"$TMP/replay.tsv"
	done
	REPLAY_FILE_BYTES=$(stat -c %s "$trace")
	log "replay: $(awk '{ s[$1] = s[$1] " " $2 } END { for (k in s) printf "%s:%s us; ", k, s[k] }' \
		"$TMP/replay.tsv")"
}

# ---------------------------------------------------------------------------
# The report.

info_field() {
	sed -n "s/^$2: *\([0-9]*\).*/\1/p" "$1" 2>/dev/null | head -1
}

machine_section() {
	local cpu mem

	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	mem=$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "# threadleak benchmark"
	echo
	echo "Made by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in $SECONDS s."
	echo
	echo "| machine | |"
	echo "| --- | --- |"
	echo "| kernel | $(uname -r) ($(uname -m)) |"
	echo "| CPU | $cpu, $(nproc) CPUs |"
	echo "| memory | $mem |"
	echo "| Debian | $(cat /etc/debian_version 2>/dev/null) |"
	echo "| threadleak | $("$TL" -V 2>/dev/null | head -1), commit $(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo '?') |"
	echo "| bpftrace | $(bpftrace --version 2>/dev/null || echo none) |"
	echo "| load average | $LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end |"
	echo "| other users' tracepoint programs | $FOREIGN_START at start, $(T_PID='' foreign_tracers) at end |"
	echo
}

# The runs of WORKLOAD under MODE, column COLUMN of runs.tsv (4: elapsed,
# 6: CPU time) -> "median min max count".
run_stats() {
	awk -F'\t' -v w="$1" -v m="$2" -v c="$3" '$1 == w && $2 == m && $c != "-" { print $c }' \
		"$TMP/runs.tsv" | stats
}

# overhead_cell WORKLOAD MODE COLUMN BASE: "1.013x (0.98-1.05)" or why not.
overhead_cell() {
	local base=$4 median min max count

	if [[ -n ${MODE_NA[$2]:-} ]]; then
		echo "${MODE_NA[$2]}"
		return
	fi
	read -r median min max count <<<"$(run_stats "$1" "$2" "$3")"
	if [[ $count == 0 || $base == - ]]; then
		echo "n/a (failed)"
		return
	fi
	awk -v m="$median" -v lo="$min" -v hi="$max" -v b="$base" \
		'BEGIN { printf "%.3fx (%.2f-%.2f)", m / b, lo / b, hi / b }'
}

# overhead_table COLUMN: one row per workload, one column per mode; with
# the goal for the elapsed time (column 4).
overhead_table() {
	local column=$1 workload mode base min max worst verdict noise ratio

	printf '| workload | untraced, s (min-max) | noise |'
	for mode in "${MODES[@]:1}"; do
		printf ' %s |' "${MODE_TITLE[$mode]}"
	done
	((column == 4)) && printf ' goal | met |'
	printf '\n| --- | ---: | ---: |'
	for mode in "${MODES[@]:1}"; do
		printf ' ---: |'
	done
	((column == 4)) && printf ' --- | --- |'
	echo
	for workload in "${WORKLOADS[@]}"; do
		read -r base min max _ <<<"$(run_stats "$workload" none "$column")"
		noise=$(awk -v m="$base" -v lo="$min" -v hi="$max" \
			'BEGIN { if (m == "-") print "-"; else printf "%.0f%%", (hi - lo) / m * 100 }')
		printf '| %s | %s (%s-%s) | %s |' "$workload" "$(fmt %.3f "$base")" \
			"$(fmt %.3f "$min")" "$(fmt %.3f "$max")" "$noise"
		for mode in "${MODES[@]:1}"; do
			printf ' %s |' "$(overhead_cell "$workload" "$mode" "$column" "$base")"
		done
		if ((column != 4)); then
			echo
			continue
		fi
		# The goal: every threadleak mode's median ratio <= 1.02.
		worst=$(for mode in "${THREADLEAK_MODES[@]}"; do
			[[ -z ${MODE_NA[$mode]:-} ]] || continue
			ratio=$(overhead_cell "$workload" "$mode" "$column" "$base")
			[[ $ratio == n/a* ]] || echo "${ratio%%x*} ${MODE_TITLE[$mode]}"
		done | sort -g | tail -1)
		if [[ -z $worst || $base == - ]]; then
			verdict="n/a"
		elif awk -v r="${worst%% *}" 'BEGIN { exit !(r <= 1.02) }'; then
			verdict="met"
		else
			verdict="**missed**: ${worst#* } ${worst%% *}x"
			# Within the untraced runs' own range: not a measured cost.
			awk -v r="${worst%% *}" -v m="$base" -v hi="$max" 'BEGIN { exit !(r <= hi / m) }' &&
				verdict="$verdict, within noise"
		fi
		echo " <= 1.02x | $verdict |"
	done
	echo
}

overhead_section() {
	local workload mode lost_total

	echo "## What tracing costs the traced program"
	echo
	echo "Each workload is started held, the tracer attaches, then the workload times its own"
	echo "work. Median of $REPS_DONE runs per mode, the modes interleaved round-robin. Traced runs"
	echo "are the ratio of their median to the untraced median, with the fastest and slowest"
	echo "run in parentheses (each divided by the untraced median). \"noise\" is the untraced"
	echo "runs' own spread, (max - min) / median; \"within noise\": the median is inside the"
	echo "untraced runs' range. The goal applies to the threadleak modes; bpftrace"
	echo "(bench/threadleak.bt: fork/exit counts per process, every futex wait timed on the"
	echo "syscall tracepoints) is the comparison."
	echo
	echo "| workload | the timed work |"
	echo "| --- | --- |"
	for workload in "${WORKLOADS[@]}"; do
		echo "| $workload | ${WORKLOAD_WORK[$workload]} |"
	done
	echo
	echo "Elapsed time (CLOCK_MONOTONIC), what the goal is about:"
	echo
	overhead_table 4
	echo "CPU time the workload used over the same runs (user + system of all its threads; for"
	echo "forkexec with its children). BPF programs on tracepoints run in, and are charged to,"
	echo "the thread that hits them, so their cost shows here; other tenants of the machine"
	echo "disturb this much less than the elapsed time:"
	echo
	overhead_table 6
	awk -F'\t' '$4 == "-" { printf "%s%s, %s", (n++ ? "; " : "Runs without a result, left out: "), $1, $2 }
		END { if (n) print "." }' "$TMP/runs.tsv"
	lost_total=$(awk -F'\t' '$5 ~ /^[0-9]+$/ { n += $5 } END { print n + 0 }' "$TMP/runs.tsv")
	echo "threadleak lost $lost_total ring buffer records over all these runs."
	awk -F'\t' '$7 ~ /^[0-9]+$/ { n++; if ($7 > 0) { busy++; if ($7 > most) most = $7 } }
		END {
			if (busy)
				printf "Other tracers than this benchmark'"'"'s had tracepoint programs attached" \
					" during %d of %d runs (up to %d programs): those runs, untraced ones" \
					" included, paid for them too.\n", busy, n, most
			else if (n)
				print "No other tracer had tracepoint programs attached during the runs."
		}' "$TMP/runs.tsv"
	[[ ${#MODE_NA[@]} -eq 0 ]] ||
		for mode in "${!MODE_NA[@]}"; do
			echo "${MODE_TITLE[$mode]}: ${MODE_NA[$mode]}."
		done
	echo
}

rates_section() {
	local best machine_max verdict

	echo "## Thread creations per second with \`threadleak -p\`"
	echo
	echo "bench/thread_rate: 2 threads start threads (each returns at once, and is joined) at a"
	echo "set rate for $RATE_SECONDS s, traced by \`threadleak -p\` (default 1 MiB ring buffer unless"
	echo "said; the first row is untraced). Each thread is a fork and an exit record. Where the"
	echo "target rate is above what the machine can do, the creators run flat out and the"
	echo "achieved rate is the machine's."
	echo
	echo "| target/s | ring buffer | achieved/s | threads created | records delivered | records lost |"
	echo "| ---: | --- | ---: | ---: | ---: | ---: |"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' \
		"$TMP/rates.tsv"
	echo
	best=$(awk -F'\t' '$6 == "0" && $2 == "1M" && $3 + 0 > b { b = $3 } END { print b + 0 }' \
		"$TMP/rates.tsv")
	machine_max=$(awk -F'\t' '$3 + 0 > b { b = $3 } END { print b + 0 }' "$TMP/rates.tsv")
	if awk -F'\t' '$2 == "1M" && $3 + 0 <= 100000 && $6 != "0" { bad = 1 } END { exit !bad }' \
		"$TMP/rates.tsv"; then
		verdict="**missed**"
	elif ((best >= 100000)); then
		verdict="met"
	else
		verdict="not measurable here: the machine creates at most $machine_max threads/s"
	fi
	echo "| measure | value | goal | met |"
	echo "| --- | ---: | --- | --- |"
	echo "| largest creation rate with zero lost records | $best/s | zero lost at 100,000/s | $verdict |"
	echo
	GOAL_RATE="zero lost up to $best threads/s (the machine's most: $machine_max/s) | $verdict"
}

census_section() {
	local row tool censuses avg max cpu rss hwm host census_verdict rss_verdict

	echo "## 10,000 threads: census time, threadleak's own CPU and memory"
	echo
	echo "bench/idle10k with 10,000 threads waiting in pthread_cond_wait (and nothing else"
	echo "running in it), watched for ${CPU_SECONDS} s after attaching. A census is, on this kernel,"
	if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_iter_task_new'"; then
		echo "one run of the \`census_walk\` BPF program over the threads (6.7+; before, a task"
		echo "iterator and its reading)"
	else
		echo "one BPF task iteration and its reading (on 6.7+, one run of the \`census_walk\`"
		echo "program over the threads)"
	fi
	echo "(\`census_avg_ms\`, \`census_max_ms\` of the \`end\` line)."
	echo "CPU is threadleak's user + system time over the window, in % of one CPU; RSS and peak"
	echo "RSS (VmRSS, VmHWM) at the end. System-wide and monitor modes watch every process"
	echo "on the host, this one included, so their numbers depend on what else runs there:"
	echo "the last column counts the host's threads at the end of the window."
	echo
	echo "| threadleak | censuses | census avg, ms | census max, ms | CPU, % of a CPU | RSS, MB | peak RSS, MB | threads on the host |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for tool in pid system monitor; do
		row=$(awk -F'\t' -v t="$tool" '$1 == t' "$TMP/census.tsv")
		case $tool in
		pid) printf '| %s |' "\`threadleak -p\`" ;;
		system) printf '| %s |' "\`threadleak -n 0 --json\` (all)" ;;
		monitor) printf '| %s |' "\`threadleak monitor\` (daemon)" ;;
		esac
		if [[ -z $row ]]; then
			if [[ -n ${CENSUS_NA[$tool]:-} ]]; then
				echo " ${CENSUS_NA[$tool]} | | | | | | |"
			elif [[ $tool == monitor && -n $MONITOR_NA ]]; then
				echo " $MONITOR_NA | | | | | | |"
			else
				echo " n/a (failed) | | | | | | |"
			fi
			continue
		fi
		IFS=$'\t' read -r tool censuses avg max cpu rss hwm host <<<"$row"
		echo " $censuses | $avg | $max | $cpu | $rss | $hwm | $host |"
	done
	echo
	row=$(awk -F'\t' '$1 == "pid"' "$TMP/census.tsv")
	avg='' max=''
	IFS=$'\t' read -r tool censuses avg max cpu rss hwm host <<<"${row:-x}"
	census_verdict="n/a"
	if [[ ${avg:-} =~ ^[0-9.]+$ ]]; then
		census_verdict=$(awk -v a="$avg" -v m="$max" 'BEGIN {
			if (a < 5 && m < 5) print "met"; else if (a < 5) print "met on average, **missed** at max"
			else print "**missed**" }')
	fi
	GOAL_CENSUS="${avg:--} ms on average, ${max:--} ms at most (\`-p\`) | $census_verdict"
	row=$(awk -F'\t' '$1 == "monitor"' "$TMP/census.tsv")
	rss_verdict=${MONITOR_NA:-n/a}
	if [[ -n $row ]]; then
		IFS=$'\t' read -r tool censuses avg max cpu rss hwm host <<<"$row"
		rss_verdict=$(awk -v r="$hwm" 'BEGIN { print (r < 32 ? "met" : "**missed**") }')
		rss_verdict="$rss_verdict (peak $hwm MB)"
	fi
	echo "| measure | goal | met |"
	echo "| --- | --- | --- |"
	echo "| census of 10,000 threads (\`-p\`) | < 5 ms | $census_verdict |"
	echo "| daemon RSS at 10,000 threads | < 32 MB | $rss_verdict |"
	echo
	GOAL_RSS="${hwm:+$hwm MB peak} | ${rss_verdict%% (*}"
	[[ -n $row ]] || GOAL_RSS="- | $rss_verdict"
}

# The goroutine censuses of the goroutines workload's `threadleak -p` runs.
gocensus_section() {
	local n avg max slow base

	read -r n <<<"$(awk -F'\t' '$1 ~ /^[0-9]+$/ { n += $1 } END { print n + 0 }' \
		"$TMP/gocensus.tsv")"
	read -r avg _ _ _ <<<"$(awk -F'\t' '$2 ~ /^[0-9.]+$/ { print $2 }' "$TMP/gocensus.tsv" | stats)"
	read -r _ _ max _ <<<"$(awk -F'\t' '$3 ~ /^[0-9.]+$/ { print $3 }' "$TMP/gocensus.tsv" | stats)"
	read -r base _ _ _ <<<"$(run_stats goroutines none 4)"
	slow=$(overhead_cell goroutines pid 4 "$base")
	echo "## 100,000 goroutines: the goroutine census"
	echo
	echo "The goroutines workload under \`threadleak -p\`: each second, besides the thread"
	echo "census, threadleak reads all 100,000 parked goroutines from the program's memory"
	echo "and hands each one to the detector as a record; the time is both, end to end"
	echo "(\`goroutine_census_avg_ms\`, \`goroutine_census_max_ms\` of the \`end\` line; the"
	echo "median of the runs' averages, and the largest of their maxima), spent in threadleak,"
	echo "not in the program, which is never stopped; its slowdown is the overhead table's."
	echo
	echo "| goroutine censuses | census avg, ms | census max, ms | slowdown of the workload (\`-p\`) |"
	echo "| ---: | ---: | ---: | ---: |"
	echo "| $n | $avg | $max | $slow |"
	echo
}

replay_section() {
	local workload records bytes replay zcat speed verdict

	echo "## Trace files: replay speed, bytes per record"
	echo
	if ((!HAVE_RECORD)); then
		echo "n/a: this threadleak has no \`record\` (not built)."
		echo
		return
	fi
	echo "Bytes per record: the size of the trace file over the records in it (\`threadleak replay"
	echo "--info\`: \`bytes\`, \`records\`); records are lifecycle (fork, exit, exec), census, task,"
	echo "stack and symbol records. The per-workload files are those of the last"
	echo "\`threadleak record -p\` run above."
	echo
	echo "| trace | records | bytes | bytes/record |"
	echo "| --- | ---: | ---: | ---: |"
	for workload in "${WORKLOADS[@]}" replay; do
		records=$(info_field "$TMP/$workload.info" records)
		bytes=$(info_field "$TMP/$workload.info" bytes)
		[[ -n $records && -n $bytes ]] || continue
		printf '| %s | %s | %s | %s |\n' \
			"$([[ $workload == replay ]] && echo "idle10k + churn 40,000, ${REPLAY_RECORD_SECONDS} s" || echo "$workload")" \
			"$records" "$bytes" "$(awk -v b="$bytes" -v r="$records" 'BEGIN { printf "%.1f", r ? b / r : 0 }')"
	done
	echo
	[[ -s $TMP/replay.tsv ]] || return
	replay=$(awk '$1 == "replay" { print $2 / 1e6 }' "$TMP/replay.tsv" | stats)
	zcat=$(awk '$1 == "zcat" { print $2 / 1e6 }' "$TMP/replay.tsv" | stats)
	echo "Replay against zcat, on the same file: a trace is a series of gzip members (docs/trace-format.md),"
	echo "so \`zcat\` inflates exactly the record bytes \`threadleak replay\` inflates, then"
	echo "discards them; replay also checks, decodes and runs the detector and writes the"
	echo "report (\`--json\` to /dev/null). The trace: \`threadleak record -p\` for $REPLAY_RECORD_SECONDS s on"
	echo "bench/idle10k holding 10,000 threads and bench/churn running 40,000 threads;"
	echo "$REPLAY_FILE_BYTES bytes, $REPLAY_RAW bytes of records. Median of $REPLAY_RUNS runs each, interleaved."
	echo
	local rm rlo rhi zm zlo zhi

	read -r rm rlo rhi _ <<<"$replay"
	read -r zm zlo zhi _ <<<"$zcat"
	if ((HAVE_REPLAY)) && [[ $rm != - ]]; then
		speed=$(awk -v r="$rm" -v z="$zm" 'BEGIN { printf "%.2f", z / r }')
		verdict=$(awk -v s="$speed" 'BEGIN { print (s >= 0.8 ? "met" : "**missed**") }')
		replay="$(fmt %.3f "$rm") ($(fmt %.3f "$rlo")-$(fmt %.3f "$rhi")), $(awk -v b="$REPLAY_RAW" -v t="$rm" 'BEGIN { printf "%.0f", b / t / 1048576 }') MiB/s"
	else
		speed="-" verdict="n/a (replay not built)" replay="n/a (not built)"
	fi
	echo "| threadleak replay --json, s | zcat, s | replay speed / zcat speed | goal | met |"
	echo "| ---: | ---: | ---: | --- | --- |"
	echo "| $replay | $(fmt %.3f "$zm") ($(fmt %.3f "$zlo")-$(fmt %.3f "$zhi")), $(awk -v b="$REPLAY_RAW" -v t="$zm" 'BEGIN { printf "%.0f", b / t / 1048576 }') MiB/s | ${speed}x | >= 0.8x | $verdict |"
	echo
	GOAL_REPLAY="${speed}x zcat's speed | $verdict"
}

goals_section() {
	local workload mode ratio cells=0 under=0 noisy=0 worst='' verdict base max

	for workload in "${WORKLOADS[@]}"; do
		read -r base _ max _ <<<"$(run_stats "$workload" none 4)"
		for mode in "${THREADLEAK_MODES[@]}"; do
			[[ -z ${MODE_NA[$mode]:-} ]] || continue
			ratio=$(overhead_cell "$workload" "$mode" 4 "$base")
			[[ $ratio == n/a* ]] && continue
			ratio=${ratio%%x*}
			cells=$((cells + 1))
			if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.02) }'; then
				under=$((under + 1))
			elif awk -v r="$ratio" -v m="$base" -v hi="$max" 'BEGIN { exit !(r <= hi / m) }'; then
				noisy=$((noisy + 1))
			fi
			if [[ -z $worst ]] || awk -v r="$ratio" -v w="${worst%% *}" 'BEGIN { exit !(r > w) }'; then
				worst="$ratio $workload, ${MODE_TITLE[$mode]}"
			fi
		done
	done
	verdict="**missed** in $((cells - under)), $noisy of them within noise"
	((cells == under)) && verdict="met"
	echo "## Goals"
	echo
	echo "| goal | where threadleak stands | met |"
	echo "| --- | --- | --- |"
	echo "| workload slowdown <= 1.02x, every workload, every mode | $under of $cells at or under 1.02x; worst ${worst#* }: ${worst%% *}x | $verdict |"
	echo "| zero lost records at 100,000 thread creations/s | ${GOAL_RATE:-- | n/a} |"
	echo "| census of 10,000 threads < 5 ms | ${GOAL_CENSUS:-- | n/a} |"
	echo "| replay >= 0.8x zcat | ${GOAL_REPLAY:-- | n/a (record not built)} |"
	echo "| daemon RSS < 32 MB at 10,000 threads | ${GOAL_RSS:-- | n/a} |"
	cat "$TMP/memory_goals.md" 2>/dev/null ||
		echo "| monitor's memory on a real host and per idle process | bench/memory.sh failed | n/a |"
	cat "$TMP/million_goals.md" 2>/dev/null ||
		echo "| a million goroutines | bench/go_million.sh failed | n/a |"
	cat "$TMP/threads_goals.md" 2>/dev/null ||
		echo "| a hundred thousand threads | bench/threads100k.sh failed | n/a |"
	cat "$TMP/cost_goals.md" 2>/dev/null ||
		echo "| churn: BPF ns per thread | bench/bpf_cost.sh failed | n/a |"
	echo
}

# The churn workload's slowdown in MODE ("1.013x (0.98-1.05)"), for
# bench/bpf_cost.sh's goal rows.
churn_ratio() {
	local base

	read -r base _ _ _ <<<"$(run_stats churn none 4)"
	overhead_cell churn "$1" 4 "$base"
}

# ---------------------------------------------------------------------------

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_PID=''
FOREIGN_START=$(foreign_tracers)
log "threadleak bench: $REPS runs per workload and mode; results in $RESULTS"
probe_commands
measure_overhead
log "thread creation rates"
measure_rates
log "10,000 threads: census, CPU, RSS"
measure_census
log "replay against zcat"
measure_replay
log "BPF programs' ns per run, by the kernel's accounting (bench/bpf_cost.sh)"
THREADLEAK=$TL BENCH_BIN=$BENCH_BIN BPF_COST_GOALS=$TMP/cost_goals.md \
	CHURN_RATIO_PID="$(churn_ratio pid)" CHURN_RATIO_SYSTEM="$(churn_ratio system)" \
	"$BENCH_DIR/bpf_cost.sh" "$OUTPUT" >"$TMP/cost.md" || log "bench/bpf_cost.sh failed"
log "monitor's memory on a real host and per idle process (bench/memory.sh)"
THREADLEAK=$TL BENCH_BIN=$BENCH_BIN MEMORY_GOALS=$TMP/memory_goals.md \
	"$BENCH_DIR/memory.sh" "$OUTPUT" >"$TMP/memory.md" || log "bench/memory.sh failed"
log "a million goroutines: threadleak's census beside pprof's (bench/go_million.sh)"
THREADLEAK=$TL BENCH_BIN=$BENCH_BIN MILLION_GOALS=$TMP/million_goals.md \
	"$BENCH_DIR/go_million.sh" "$OUTPUT" >"$TMP/million.md" || log "bench/go_million.sh failed"
log "a hundred thousand threads: census and memory (bench/threads100k.sh, about 2 minutes)"
THREADLEAK=$TL BENCH_BIN=$BENCH_BIN THREADS_GOALS=$TMP/threads_goals.md \
	"$BENCH_DIR/threads100k.sh" "$OUTPUT" >"$TMP/threads100k.md" || log "bench/threads100k.sh failed"
# threadleak beside Go's goroutineleak profile takes about 5 minutes more
# than make bench's 10 fit: with BENCH_GOLEAK=1 only.
if [[ ${BENCH_GOLEAK:-0} == 1 ]]; then
	log "threadleak beside Go's goroutineleak profile (bench/goleak_compare.sh)"
	THREADLEAK=$TL "$BENCH_DIR/goleak_compare.sh" "$OUTPUT" >"$TMP/goleak.md" ||
		log "bench/goleak_compare.sh failed"
else
	printf '%s\n\n' "## Side by side with Go's goroutine leak profile" \
		"Not run (about 5 minutes): BENCH_GOLEAK=1 make bench, or bench/goleak_compare.sh." \
		>"$TMP/goleak.md"
fi

# The goals come first in the file, but are known only once the sections
# are written.
{
	overhead_section
	rates_section
	census_section
	gocensus_section
	replay_section
	cat "$TMP/cost.md"
	cat "$TMP/memory.md"
	cat "$TMP/million.md"
	cat "$TMP/threads100k.md"
	cat "$TMP/goleak.md" 2>/dev/null
} >"$TMP/sections.md"
{
	machine_section
	goals_section
	cat "$TMP/sections.md"
} >"$TMP/results.md"
cp "$TMP/results.md" "$RESULTS"
cat "$TMP/results.md"
log "done in $SECONDS s; results in $RESULTS"
