#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every error is one clear line and a non-zero status. These run with or
# without root: privileges are dropped where the test needs none.
. "$(dirname "$0")/lib.sh"

# as_user CMD...: run without privileges.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
	else
		"$@"
	fi
}

CASE=bad_usage
for args in "-i 0" "-i abc" "-d -1" "-p x" "-p 0" "-n -3" "-s size" "--bogus" "extra"; do
	# shellcheck disable=SC2086
	"$TL" $args > /dev/null 2> "$TMP/err"
	st=$?
	expect "status for '$args'" "$st" 2 || exit 0
	grep -q "^threadleak: " "$TMP/err" || { fail "$CASE" "no message for '$args'"; exit 0; }
done
# An empty -p (pidof found nothing) is an error, not "every process".
for p in "" ","; do
	timeout 10 "$TL" -p "$p" > /dev/null 2> "$TMP/err"
	expect "status for -p '$p'" $? 2 || exit 0
	expect "message for -p '$p'" "$(head -n 1 "$TMP/err")" "threadleak: invalid PID: '$p'" || exit 0
done
pass "$CASE"

CASE=no_such_pid
pid=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
while kill -0 "$pid" 2>/dev/null; do pid=$((pid - 1)); done
msg=$("$TL" -p "$pid" 2>&1 >/dev/null)
expect "status" $? 1 || exit 0
expect "message" "$msg" "threadleak: no such process: $pid" || exit 0
pass "$CASE"

CASE=not_root
msg=$(as_user "$TL" -p 1 2>&1 >/dev/null)
expect "status" $? 1 || exit 0
expect "message" "$msg" "threadleak: needs root or CAP_BPF+CAP_PERFMON; try: sudo $TL -p 1" || exit 0
# The hint repeats the command as typed: subcommand and PID list included.
msg=$(as_user "$TL" record -p 1,1 -o "$TMP/x.tl" 2>&1 >/dev/null)
expect "record message" "$msg" \
	"threadleak: needs root or CAP_BPF+CAP_PERFMON; try: sudo $TL record -p 1,1 -o $TMP/x.tl" || exit 0
pass "$CASE"

CASE=kernel_thread
msg=$("$TL" -p 2 2>&1 >/dev/null)
expect "status" $? 1 || exit 0
expect "message" "$msg" "threadleak: 2 (kthreadd) is a kernel thread, not a process" || exit 0
pass "$CASE"

CASE=output_full
# Output lost to a full disk: a message and a failure, not status 0.
"$TL" replay --json tests/fuzz/corpus/trace_reader/every_type.tl > /dev/full 2> "$TMP/err"
expect "status" $? 1 || exit 0
expect "message" "$(cat "$TMP/err")" "threadleak: writing the output failed" || exit 0
pass "$CASE"
