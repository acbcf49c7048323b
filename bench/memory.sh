#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `threadleak monitor` holds in memory (issue 12): on a real host, and
# per idle process. Part of make bench (bench/run.sh); runs alone too:
#
#     sudo bench/memory.sh [OUTPUT]      # OUTPUT: the build directory (default: build)
#
# Prints a Markdown section on stdout, progress on stderr; with MEMORY_GOALS
# set, also writes the goals' rows of bench/run.sh's table to that file.
# Environment: THREADLEAK (the binary, default OUTPUT/threadleak), BENCH_BIN
# (the workloads, default OUTPUT/bench), MEMORY_SECONDS (how long the
# monitor watches the real host, default 60).
#
# 1. The real host of tests/live/lib_realhost.sh (PostgreSQL with 96
#    backends under pgbench, Redis under redis-benchmark, memcached, nginx, a
#    JVM and a threaded CPython HTTP server under wrk, Prometheus), started
#    first, as a new user finds a host; then the monitor, its
#    /proc/PID/status read every half second for MEMORY_SECONDS: peak RSS
#    (VmHWM, the kernel's own high-water mark), and the most anonymous
#    (RssAnon) and file-backed (RssFile) memory seen. The goals: peak <= 64 MB,
#    anonymous <= 32 MB.
# 2. 1,000 idle processes (bench/idle_procs), on the machine without the
#    real host: the monitor's RssAnon (median of 5 readings, a second apart)
#    after 3 censuses, then again 2 censuses after the processes were forked
#    (the first inspects them all: a minute on a busy 2-CPU machine), and
#    one after they exited. Anonymous memory per process = (with them -
#    before) / 1000; the goal <= 64 KB. The findings about them are
#    counted: there should be none.
#
# The machine may be shared: processes of others come and go during the run
# and the monitor watches them too; the load average is printed.

set -uo pipefail
export LC_ALL=C

WATCH_SECONDS=${MEMORY_SECONDS:-60}
IDLE_PROCS=1000
PEAK_GOAL_MB=64
ANON_GOAL_MB=32
PER_PROC_GOAL_KB=64
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTPUT=${1:-build}
BENCH_NAME=memory
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
HOST_NOTE=

[[ -x $BENCH_BIN/idle_procs ]] || die "$BENCH_BIN/idle_procs missing; run make bench"

TMP=$(mktemp -d /tmp/threadleak-memory.XXXXXX) || die "mktemp failed"
PIDS=() # what lib_realhost.sh starts is added here too
cleanup() {
	local pid
	realhost_stop
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2> /dev/null
	done
	wait 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=../tests/live/lib_realhost.sh
. "$BENCH_DIR/../tests/live/lib_realhost.sh"

# status_kb PID FIELD: a field of /proc/PID/status, in kB.
status_kb() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2> /dev/null
}

kb_to_mb() {
	awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.1f", v / 1024 }'
}

# verdict VALUE GOAL: met or **missed**.
verdict() {
	awk -v v="$1" -v g="$2" 'BEGIN { print (v != "-" && v <= g ? "met" : "**missed**") }'
}

# start_monitor: threadleak monitor, findings to TMP/findings.json, metrics on
# a free loopback port; sets MON and MON_PORT; waits for its first census.
start_monitor() {
	MON_PORT=$(prom_free_port) || die "no free port"
	: > "$TMP/findings.json"
	"$THREADLEAK" monitor --metrics-addr "127.0.0.1:$MON_PORT" -o "$TMP/findings.json" \
		< /dev/null > "$TMP/monitor.out" 2> "$TMP/monitor.err" &
	MON=$!
	PIDS+=("$MON")
}

stop_monitor() {
	rh_stop_pid "$MON" INT
}

censuses() {
	http_get "127.0.0.1:$MON_PORT" /metrics 2> /dev/null |
		awk '/^threadleak_censuses_total / { print $2 }'
}

# wait_censuses N SECONDS: until the monitor has made N censuses.
wait_censuses() {
	local end=$((SECONDS + $2)) n
	while :; do
		kill -0 "$MON" 2> /dev/null || return 1
		n=$(censuses)
		[ "${n:-0}" -ge "$1" ] && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# median_anon_kb: the monitor's RssAnon, median of 5 readings a second apart.
median_anon_kb() {
	local i
	for i in 1 2 3 4 5; do
		status_kb "$MON" RssAnon
		[ $i -lt 5 ] && sleep 1
	done | sort -n | sed -n 3p
}

# Findings of every kind, by kind, on one line: "long_wait 3, deadlock 1".
findings_by_kind() {
	jq -r 'select(.type == "finding" and (.update | not)) | .kind' "$TMP/findings.json" \
		2> /dev/null | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }'
}

# ---------------------------------------------------------------------------

measure_realhost() {
	local end first_by hwm=0 rss=0 anon=0 file=0 v t threads procs
	log "starting the real host"
	if ! realhost_start; then
		HOST_NOTE="not started: ${RH_FAILED[*]} (the monitor watched the rest)"
		log "real host: $HOST_NOTE"
	fi
	procs=$(ps -e --no-headers | wc -l)
	threads=$(ps -e -o nlwp= | awk '{ n += $1 } END { print n }')
	# On a shared machine others' programs are watched too: the largest.
	HOST_OTHERS=$(ps -e -o rss=,nlwp=,comm= --sort=-rss | head -3 |
		awk '{ printf "%s%s (%d MB, %d threads)", (NR > 1 ? ", " : ""), $3, $1 / 1024, $2 }')
	log "real host up ($procs processes, $threads threads); monitor for ${WATCH_SECONDS} s"
	start_monitor
	# Sampled from its start; the minute counts from its first census
	# (its start-up inspects every process: half a minute on a busy 2-CPU
	# machine).
	end= first_by=$((SECONDS + 180))
	while kill -0 "$MON" 2> /dev/null; do
		if [ -z "$end" ]; then
			[ "$(censuses)" -ge 1 ] 2> /dev/null && end=$((SECONDS + WATCH_SECONDS))
			[ $SECONDS -ge $first_by ] && die "monitor: no census in 180 s"
		elif [ $SECONDS -ge "$end" ]; then
			break
		fi
		v=$(status_kb "$MON" VmRSS) && [ "${v:-0}" -gt "$rss" ] && rss=$v
		v=$(status_kb "$MON" RssAnon) && [ "${v:-0}" -gt "$anon" ] && anon=$v
		v=$(status_kb "$MON" RssFile) && [ "${v:-0}" -gt "$file" ] && file=$v
		sleep 0.5
	done
	hwm=$(status_kb "$MON" VmHWM)
	t=$(censuses)
	HOST_CACHE=$(http_get "127.0.0.1:$MON_PORT" /metrics 2> /dev/null | awk '
		/^threadleak_symbol_cache_bytes / { b = $2 }
		/^threadleak_symbol_cache_evictions_total / { e = $2 }
		END { printf "%.1f MB, %d evictions", b / 1048576, e }')
	HOST_BACKENDS=$(ps --ppid "${RH_PID[postgres]:-0}" -o args= | grep -c '^postgres: postgres postgres ')
	HOST_FINDINGS=$(findings_by_kind)
	kill -0 "$MON" 2> /dev/null || HOST_NOTE="${HOST_NOTE:+$HOST_NOTE; }the monitor exited early"
	stop_monitor
	realhost_stop
	HOST_PROCS=$procs HOST_THREADS=$threads HOST_CENSUSES=${t:--}
	HOST_HWM=$(kb_to_mb "$hwm") HOST_RSS=$(kb_to_mb "$rss")
	HOST_ANON=$(kb_to_mb "$anon") HOST_FILE=$(kb_to_mb "$file")
	log "real host: peak $HOST_HWM MB, anon $HOST_ANON MB, file $HOST_FILE MB" \
		"($HOST_CENSUSES censuses; findings: ${HOST_FINDINGS:-none})"
}

measure_idle_procs() {
	local fifo=$TMP/idle.in go pid n0 before after gone end forked_at
	log "1,000 idle processes: the monitor settles"
	start_monitor
	wait_censuses 3 180 || die "monitor: fewer than 3 censuses in 180 s"
	before=$(median_anon_kb)
	mkfifo "$fifo" || die "mkfifo failed"
	"$BENCH_BIN/idle_procs" "$IDLE_PROCS" < "$fifo" > "$TMP/idle.out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	exec {go}> "$fifo"
	end=$((SECONDS + 60))
	until grep -qs "^ready pid=$pid " "$TMP/idle.out"; do
		kill -0 "$pid" 2> /dev/null && [ $SECONDS -lt $end ] ||
			die "idle_procs did not start: $(cat "$TMP/idle.out")"
		sleep 0.1
	done
	# The workload's processes: the parent and its children.
	ps -e -o pid=,ppid= | awk -v p="$pid" '$1 == p || $2 == p { print $1 }' > "$TMP/idle.pids"
	n0=$(censuses) forked_at=$SECONDS
	wait_censuses $((n0 + 2)) 300 || die "monitor: no 2 censuses in 300 s with the idle processes"
	after=$(median_anon_kb)
	IDLE_SECONDS=$((SECONDS - forked_at))
	echo stop >&"$go"
	exec {go}>&-
	wait "$pid"
	n0=$(censuses)
	wait_censuses $((n0 + 1)) 300
	gone=$(median_anon_kb)
	stop_monitor
	IDLE_SEEN=$(($(wc -l < "$TMP/idle.pids") - 1))
	IDLE_FINDINGS=$(jq -c --slurpfile pids "$TMP/idle.pids" \
		'select(.type == "finding" and ([.pid] | inside($pids)))' "$TMP/findings.json" | wc -l)
	IDLE_BEFORE=$(kb_to_mb "$before") IDLE_AFTER=$(kb_to_mb "$after") IDLE_GONE=$(kb_to_mb "$gone")
	IDLE_PER_PROC=$(awk -v a="$after" -v b="$before" -v n="$IDLE_SEEN" \
		'BEGIN { printf "%.1f", (a - b) / n }')
	log "idle processes: anon $IDLE_BEFORE -> $IDLE_AFTER MB ($IDLE_PER_PROC KB each, $IDLE_SEEN" \
		"processes), $IDLE_GONE MB once they exited; findings about them: $IDLE_FINDINGS"
}

memory_section() {
	local peak_v anon_v idle_v
	peak_v=$(verdict "$HOST_HWM" "$PEAK_GOAL_MB")
	anon_v=$(verdict "$HOST_ANON" "$ANON_GOAL_MB")
	idle_v=$(verdict "$IDLE_PER_PROC" "$PER_PROC_GOAL_KB")
	[ "$IDLE_FINDINGS" -eq 0 ] || idle_v="$idle_v; $IDLE_FINDINGS findings about them"
	echo "## Memory of threadleak monitor"
	echo
	echo "On a real host (tests/live/lib_realhost.sh): PostgreSQL with $HOST_BACKENDS backends under"
	echo "pgbench, Redis under redis-benchmark, memcached, nginx, a JVM HTTP server"
	echo "(com.sun.net.httpserver, cached thread pool) and a threaded CPython HTTP server under"
	echo "wrk, Prometheus; $HOST_PROCS processes and $HOST_THREADS threads on the machine when the"
	echo "monitor started${HOST_NOTE:+ (${HOST_NOTE})}. The monitor watched for $WATCH_SECONDS s after its first"
	echo "census ($HOST_CENSUSES censuses; findings about any process on the machine:"
	echo "${HOST_FINDINGS:-none}), its /proc/PID/status read every 0.5 s from its start: peak"
	echo "RSS is VmHWM, anonymous and file-backed the most RssAnon and RssFile seen. The largest"
	echo "processes on the machine then: $HOST_OTHERS; the monitor's symbol cache at the end:"
	echo "$HOST_CACHE."
	echo
	echo "| measure | value | goal | met |"
	echo "| --- | ---: | --- | --- |"
	echo "| peak RSS (VmHWM), MB | $HOST_HWM | <= $PEAK_GOAL_MB MB | $peak_v |"
	echo "| anonymous RSS (RssAnon, most seen), MB | $HOST_ANON | <= $ANON_GOAL_MB MB | $anon_v |"
	echo "| file-backed RSS (RssFile, most seen), MB | $HOST_FILE | - | - |"
	echo "| RSS (VmRSS, most seen), MB | $HOST_RSS | - | - |"
	echo
	echo "With $IDLE_SEEN idle processes (bench/idle_procs: children sleeping in pause()), on the"
	echo "machine without the real host: the monitor's RssAnon (median of 5 readings) after 3"
	echo "censuses without them, 2 censuses after they were forked (they took $IDLE_SECONDS s), and"
	echo "1 after they exited."
	echo
	echo "| RssAnon before, MB | with them, MB | after they exited, MB | per process, KB | goal | met |"
	echo "| ---: | ---: | ---: | ---: | --- | --- |"
	echo "| $IDLE_BEFORE | $IDLE_AFTER | $IDLE_GONE | $IDLE_PER_PROC | <= $PER_PROC_GOAL_KB KB | $idle_v |"
	echo
	if [ -n "${MEMORY_GOALS:-}" ]; then
		{
			echo "| monitor on a real host: peak RSS <= $PEAK_GOAL_MB MB | $HOST_HWM MB (file-backed $HOST_FILE MB) | $peak_v |"
			echo "| monitor on a real host: anonymous RSS <= $ANON_GOAL_MB MB | $HOST_ANON MB | $anon_v |"
			echo "| monitor: <= $PER_PROC_GOAL_KB KB anonymous per idle process | $IDLE_PER_PROC KB | $idle_v |"
		} > "$MEMORY_GOALS"
	fi
}

log "threadleak monitor's memory; load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure_realhost
measure_idle_procs
memory_section
log "done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
