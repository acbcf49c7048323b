#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A late attach (tests/progs/findings.c): threadleak starts after a program
# leaked 50 threads that each block on a mutex main holds, all waiting
# longer than the wait threshold already. It reports the leak, and no long
# wait for each old waiter (policy_site_unsettled: the site is too new to
# tell a leak from a steady group). A thread that alone waits long (join's
# stuck worker, and main joining it), attached to as late, is reported as
# when threadleak came first: exactly its two long waits.
. "$(dirname "$0")/lib.sh"
need_root
CASE=setup

"$PROGS/findings" leak-mutex > "$TMP/mutex.out" 2>&1 &
mutex=$!
PIDS+=($mutex)
"$PROGS/findings" join > "$TMP/join.out" 2>&1 &
join=$!
PIDS+=($join)
wait_for "$TMP/mutex.out" '^ready' 30 && wait_for "$TMP/join.out" '^worker ' 30 ||
	{ fail "$CASE" "the programs did not start"; exit 0; }
# 50 leaked threads beside main, the oldest over 2 s old
end=$((SECONDS + 60))
until [ "$(ls "/proc/$mutex/task" 2> /dev/null | wc -l)" -ge 51 ]; do
	[ $SECONDS -ge $end ] && { fail "$CASE" "the leak did not reach 50 threads"; exit 0; }
	sleep 0.1
done

out=$TMP/tl.json
start_tl "$out" -p "$mutex,$join" -d 20 --wait-threshold 2 --json
wait_exit "$TL_PID" 90
expect "threadleak exit status" $? 0 || exit 0

# kinds PID: the kinds of the findings established for PID, counted.
kinds() {
	jq -r "select(.type == \"finding\" and .pid == $1 and (.summary | not)) | .kind" "$out" |
		sort | uniq -c | awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }'
}

CASE=leak
expect "findings by kind" "$(kinds "$mutex")" "thread_leak=1" || exit 0
pass "$CASE"

CASE=lone_waiter
worker=$(awk '/^worker / { print $2 }' "$TMP/join.out")
expect "findings by kind" "$(kinds "$join")" "long_wait=2" || exit 0
expect "waiters" "$(jq -r "select(.type == \"finding\" and .pid == $join and (.summary | not)) | \"\(.tid) \(.primitive)\"" "$out" | sort -n | tr '\n' ,)" \
	"$(printf '%s\n' "$join join" "$worker condvar" | sort -n | tr '\n' ,)" || exit 0
pass "$CASE"
