#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A thread leak with its site: tests/progs/findings leak-cond starts a thread
# every 100 ms that waits on a condvar forever; one thread_leak finding at
# leak_on_condvar (findings.c:50). Under TCG reading the threads can pass
# the inspector's time budget (wall time): that "incomplete" finding is the
# emulator's, so it is said on an INFO line, not counted.
#
#   tests/kernels/leak.sh BUILD
. "$(dirname "$0")/../live/lib.sh"
need_root
CASE=leak_condvar
"$PROGS/findings" leak-cond > "$TMP/cond.out" 2>&1 &
PIDS+=($!)
pid=$!
wait_for "$TMP/cond.out" '^ready' 120 || { fail "$CASE" "leak-cond did not start"; exit 0; }
out=$TMP/tl.json
start_tl "$out" -p "$pid" -d 15 --wait-threshold 3 --json
wait_exit "$TL_PID" 120
expect "threadleak exit status" $? 0 || exit 0
all=$(jq -c "select(.type == \"finding\" and .pid == $pid and (.summary | not))" "$out")
echo "$all" | jq -r 'select(.kind == "incomplete") | "INFO: live/leak/incomplete: " + .why'
f=$(echo "$all" | jq -c 'select(.kind != "incomplete")')
if [ "$(echo "$f" | grep -c .)" != 1 ]; then
	echo "$f" | jq -r '"INFO: live/leak/finding: " + (. | del(.stack) | tostring)'
fi
expect "findings" "$(echo "$f" | grep -c .)" 1 || exit 0
expect "kind, site" "$(echo "$f" | jq -r '.kind + " " + .site')" "thread_leak leak_on_condvar (findings.c:50)" || exit 0
expect "all blocked on a condvar" "$(echo "$f" | jq -c '[(.blocked == .live), (.blocked_on | keys)]')" '[true,["condvar"]]' || exit 0
pass "$CASE"
