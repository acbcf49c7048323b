# SPDX-License-Identifier: GPL-2.0
# Shared by the live tests: start programs from tests/progs, run threadleak,
# poll with a bound (never a bare sleep), and report PASS/FAIL/SKIP lines
# that tests/run.sh counts.
set -u

BUILD=${1:-build}
TL=$BUILD/threadleak
PROGS=$BUILD/tests
TEST=$(basename "$0" .sh)
TMP=$(mktemp -d /tmp/threadleak-$TEST.XXXXXX)
PIDS=()

cleanup() {
	local p
	exec 2>/dev/null # no job-killed notices
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "PASS: live/$TEST${1:+/$1}"; }
fail() { echo "FAIL: live/$TEST${1:+/$1}: $2"; }
skip() { echo "SKIP: live/$TEST${1:+/$1}: $2"; }

# Live tests load BPF programs: without root, say so and stop.
need_root() {
	if [ "$(id -u)" != 0 ]; then
		skip "" "needs root to load BPF programs (run: sudo make test)"
		exit 0
	fi
}

# stop PID: kill a program we started, quietly.
stop() {
	kill -9 "$1" 2> /dev/null
	wait "$1" 2> /dev/null
}

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches.
wait_for() {
	local file=$1 re=$2 end=$((SECONDS + ${3:-30}))
	until grep -qE -- "$re" "$file" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# wait_lines FILE N [SECONDS]: until FILE has at least N lines.
wait_lines() {
	local file=$1 n=$2 end=$((SECONDS + ${3:-30}))
	until [ "$(wc -l < "$file" 2>/dev/null || echo 0)" -ge "$n" ]; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# wait_exit PID [SECONDS]: until PID is gone; returns its status if it is
# our child.
wait_exit() {
	local pid=$1 end=$((SECONDS + ${2:-30}))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			return 124
		fi
		sleep 0.05
	done
	{ wait "$pid"; } 2>/dev/null
}

# start_threads NAME COMMAND...: run tests/progs/threads with its stdin on a
# FIFO we keep open; sets PID_<NAME>. It prints "ok THREADS FUTEX" once its
# initial commands have settled.
start_threads() {
	local name=$1 fd
	shift
	mkfifo "$TMP/$name.in"
	"$PROGS/threads" "$@" < "$TMP/$name.in" > "$TMP/$name.out" 2> "$TMP/$name.err" &
	PIDS+=($!)
	eval "PID_$name=$!"
	exec {fd}> "$TMP/$name.in"
	eval "FD_$name=$fd"
	wait_lines "$TMP/$name.out" 1 60
}

# ask NAME COMMAND: send a command, wait for its "ok" line, print it.
ask() {
	local name=$1 cmd=$2 out="$TMP/$1.out" n fd
	n=$(wc -l < "$out")
	eval "fd=\$FD_$name"
	echo "$cmd" >&"$fd"
	wait_lines "$out" $((n + 1)) 120 || return 1
	tail -n 1 "$out"
}

# start_tl OUT ARGS...: threadleak in the background; sets TL_PID.
start_tl() {
	local out=$1
	shift
	"$TL" "$@" > "$out" 2> "$out.err" &
	TL_PID=$!
	PIDS+=($TL_PID)
}

# start_traced NAME "THREADLEAK ARGS" COMMAND...: start tests/progs/threads
# with COMMANDs, trace it with `threadleak -p PID --json ARGS` and wait for
# the first sample. Sets pid and out; on failure prints FAIL and exits.
start_traced() {
	local name=$1 args=$2
	shift 2
	start_threads "$name" "$@" || { fail "$CASE" "threads program did not start"; exit 0; }
	eval "pid=\$PID_$name"
	out=$TMP/$name.json
	# shellcheck disable=SC2086
	start_tl "$out" -p "$pid" --json $args
	wait_samples "$out" "$pid" 1 || { fail "$CASE" "no first sample: $(cat "$out.err")"; exit 0; }
}

# samples FILE PID: the JSON samples of PID, one per line.
samples() {
	jq -c "select(.type == \"sample\" and .pid == $2)" "$1" 2>/dev/null
}

nr_samples() {
	samples "$1" "$2" | wc -l
}

# wait_samples FILE PID N [SECONDS]: until PID has N samples.
wait_samples() {
	local end=$((SECONDS + ${4:-30}))
	until [ "$(nr_samples "$1" "$2")" -ge "$3" ]; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# sample_field FILE PID INDEX FIELD: FIELD of the INDEX-th sample (1-based).
sample_field() {
	samples "$1" "$2" | sed -n "${3}p" | jq -r ".$4"
}

# expect NAME GOT WANT: one named check; prints FAIL and returns 1 if off.
expect() {
	if [ "$2" != "$3" ]; then
		fail "$CASE" "$1: got '$2', want '$3'"
		return 1
	fi
}
