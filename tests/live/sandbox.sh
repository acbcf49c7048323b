#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Least privilege: once attached (-p, system-wide, record, monitor) or before
# reading anything (goroutines, replay), every thread of threadleak is under
# the seccomp filter (Seccomp: 2, NoNewPrivs: 1) and holds exactly the
# capabilities it keeps, and a forbidden call is refused:
# THREADLEAK_SANDBOX_SELFTEST=1 makes threadleak try, once in the sandbox,
# calls that would fail otherwise with another error and without side
# effects (execve of a missing file: ENOENT; ptrace of a process it does
# not trace: ESRCH; bpf(BPF_PROG_LOAD) of nothing: E2BIG, with CAP_BPF
# kept; execve from a thread created after: ENOENT) and print what each got.
# --no-sandbox leaves all that off.
#
#   sudo tests/live/sandbox.sh [BUILD]
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/live/lib.sh
. tests/live/lib.sh
# shellcheck source=tests/live/lib_prometheus.sh
. tests/live/lib_prometheus.sh
need_root

CAP_DAC_READ_SEARCH=2
CAP_SETPCAP=8
CAP_SYS_PTRACE=19
CAP_BPF=39
own=0x$(awk '/^CapPrm:/ { print $2 }' /proc/self/status)
bnd=0x$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
# caps BIT...: those of ours, as /proc/PID/status prints them.
caps() {
	local mask=0 bit
	for bit in "$@"; do
		mask=$((mask | (1 << bit)))
	done
	printf '%016x' $((mask & own))
}
KEEP_LIVE=$(caps $CAP_BPF $CAP_SYS_PTRACE $CAP_DAC_READ_SEARCH)
KEEP_TARGETS=$(caps $CAP_SYS_PTRACE $CAP_DAC_READ_SEARCH)
KEEP_NONE=$(caps)
# The bounding set is trimmed only with CAP_SETPCAP.
bounding() {
	if (((own >> CAP_SETPCAP) & 1)); then
		echo "$1"
	else
		printf '%016x' $((bnd))
	fi
}
selftest_line() {
	printf '%s; capabilities %#x\n' "threadleak: sandbox selftest: execve EPERM, ptrace EPERM, bpf(BPF_PROG_LOAD) EPERM, execve in a new thread EPERM" $((16#$1))
}

# tasks_sandboxed PID KEEP: every task of PID shows the filter and KEEP;
# prints what is off.
tasks_sandboxed() {
	local pid=$1 keep=$2 t got want
	want="Seccomp:2 NoNewPrivs:1 CapInh:0000000000000000 CapPrm:$keep CapEff:$keep CapBnd:$(bounding "$keep") CapAmb:0000000000000000"
	for t in /proc/"$pid"/task/*; do
		got=$(awk '/^(Seccomp|NoNewPrivs|CapInh|CapPrm|CapEff|CapBnd|CapAmb):/ { a[$1] = $2 }
			END { printf "Seccomp:%s NoNewPrivs:%s CapInh:%s CapPrm:%s CapEff:%s CapBnd:%s CapAmb:%s",
			      a["Seccomp:"], a["NoNewPrivs:"], a["CapInh:"], a["CapPrm:"], a["CapEff:"],
			      a["CapBnd:"], a["CapAmb:"] }' "$t/status" 2> /dev/null) || continue
		[ -n "$got" ] || continue
		if [ "$got" != "$want" ]; then
			echo "task ${t##*/} ($(cat "$t/comm" 2> /dev/null)): $got, want $want"
			return 1
		fi
	done
}

# wait_selftest ERRFILE: until the selftest line is there (the sandbox is
# entered once the BPF programs are attached: seconds on a busy machine).
wait_selftest() {
	wait_for "$1" '^threadleak: (sandbox selftest|cannot enter)' 60
}

"$PROGS/leaky_demo" > /dev/null &
PIDS+=($!)
demo=$!

# live CASE KEEP ARGS...: threadleak ARGS with the self test; every task
# sandboxed, the forbidden calls refused, status 0.
live() {
	local name=$1 keep=$2 off
	shift 2
	CASE=$name
	THREADLEAK_SANDBOX_SELFTEST=1 "$TL" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" &
	TL_PID=$!
	PIDS+=($TL_PID)
	if ! wait_selftest "$TMP/$name.err"; then
		fail "$CASE" "no self test line: $(head -c 300 "$TMP/$name.err")"
		return 1
	fi
	off=$(tasks_sandboxed "$TL_PID" "$keep")
	if [ -n "$off" ]; then
		fail "$CASE" "$off"
		return 1
	fi
	expect "self test" "$(grep '^threadleak: sandbox selftest' "$TMP/$name.err")" \
		"$(selftest_line "$keep")" || return 1
	LIVE_TASKS=$(find /proc/"$TL_PID"/task -mindepth 1 -maxdepth 1 | wc -l)
}

# -p: a leak found under the sandbox (stacks need the target's memory and files).
if live trace "$KEEP_LIVE" -p "$demo" -d 12 --json; then
	wait_exit "$TL_PID" 60
	st=$?
	site=$(jq -r 'select(.type == "finding" and .kind == "thread_leak") | .site' \
		"$TMP/trace.out" 2> /dev/null | head -n 1)
	stack=$(jq -r 'select(.type == "finding" and .kind == "thread_leak") | .stack | length > 0' \
		"$TMP/trace.out" 2> /dev/null | head -n 1)
	expect status "$st" 0 && expect "leak site" "$site" 'wait_for_config (leaky_demo.c:28)' &&
		expect "leak stack" "$stack" true && pass "$CASE"
fi

if live system_wide "$KEEP_LIVE" -d 5 --json -n 0; then
	wait_exit "$TL_PID" 60
	st=$?
	rows=$(jq -r "select(.type == \"sample\" and .pid == $demo) | .pid" "$TMP/system_wide.out" \
		2> /dev/null | head -n 1)
	expect status "$st" 0 && expect "leaky_demo's rows" "$rows" "$demo" && pass "$CASE"
fi

if live record "$KEEP_LIVE" record -p "$demo" -o "$TMP/demo.tl" -d 4 --max-size 1M --keep 2; then
	wait_exit "$TL_PID" 60
	expect status "$?" 0 && pass "$CASE"
fi

# replay: nothing kept; the same leak found in the recording.
CASE=replay
THREADLEAK_SANDBOX_SELFTEST=1 "$TL" replay --json "$TMP/demo.tl" > "$TMP/replay.out" \
	2> "$TMP/replay.err"
st=$?
expect status "$st" 0 &&
	expect "self test" "$(grep '^threadleak: sandbox selftest' "$TMP/replay.err")" \
		"$(selftest_line "$KEEP_NONE")" &&
	expect "rows" "$(jq -r "select(.type == \"sample\") | .pid" "$TMP/replay.out" | sort -u)" \
		"$demo" && pass "$CASE"

# goroutines: in the sandbox before the target's first byte is read.
CASE=goroutines
THREADLEAK_SANDBOX_SELFTEST=1 "$TL" goroutines -p "$demo" > "$TMP/goroutines.out" \
	2> "$TMP/goroutines.err"
st=$?
expect status "$st" 1 &&
	expect "self test" "$(head -n 1 "$TMP/goroutines.err")" "$(selftest_line "$KEEP_TARGETS")" &&
	expect "message" "$(sed -n 2p "$TMP/goroutines.err")" \
		"threadleak: process $demo is not a Go program" && pass "$CASE"

# monitor: libmicrohttpd's thread, started before the sandbox, is in it
# too, and serves scrapes from it.
port=$(prom_free_port)
if live monitor "$KEEP_LIVE" monitor --metrics-addr "127.0.0.1:$port" -i 0.5 -d 60; then
	end=$((SECONDS + 30))
	until http_get "127.0.0.1:$port" /metrics > "$TMP/metrics" 2> /dev/null &&
		grep -q "^threadleak_process_threads{pid=\"$demo\"" "$TMP/metrics"; do
		[ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	gauge=$(grep -c "^threadleak_process_threads{pid=\"$demo\"" "$TMP/metrics")
	off=$(tasks_sandboxed "$TL_PID" "$KEEP_LIVE")
	kill -TERM "$TL_PID"
	wait_exit "$TL_PID" 10
	st=$?
	expect "tasks" "$((LIVE_TASKS >= 2))" 1 && expect "after a scrape" "$off" "" &&
		expect "leaky_demo's gauge" "$gauge" 1 && expect status "$st" 0 && pass "$CASE"
fi

# --no-sandbox: nothing of the above.
CASE=no_sandbox
THREADLEAK_SANDBOX_SELFTEST=1 "$TL" -p "$demo" -d 6 --json --no-sandbox > "$TMP/off.out" \
	2> "$TMP/off.err" &
TL_PID=$!
PIDS+=($TL_PID)
wait_for "$TMP/off.out" '"type":"sample"' 60
seccomp=$(awk '/^Seccomp:/ { print $2 }' /proc/"$TL_PID"/status)
wait_exit "$TL_PID" 60
st=$?
expect status "$st" 0 && expect "Seccomp" "$seccomp" 0 &&
	expect "self test" "$(grep -c selftest "$TMP/off.err")" 0 && pass "$CASE"
