#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A target that exits while traced ends the run with its summary, status 0.
. "$(dirname "$0")/lib.sh"
need_root
CASE=exit_mid_trace

start_traced quitter "" "idle 4" "cond 3"
echo quit >&"$FD_quitter"
wait_exit "$TL_PID" 30
st=$?
expect "threadleak exit status" "$st" 0 || exit 0
expect "final sample" "$(samples "$out" "$pid" | tail -n 1 | jq -c '[.final, .threads, .exited]')" \
	"[true,0,8]" || exit 0
expect "summary" "$(jq -c 'select(.type == "summary") | [.process_exited, .threads_first]' "$out")" \
	"[true,8]" || exit 0
expect "end reason" "$(jq -r 'select(.type == "end") | .reason' "$out")" "target exited" || exit 0
pass "$CASE"

CASE=text_summary
start_threads quitter2 "idle 1" || { fail "$CASE" "threads program did not start"; exit 0; }
pid=$PID_quitter2
out=$TMP/tl.txt
start_tl "$out" -p "$pid"
wait_for "$out" "^[0-9:]+ +$pid " 30 || { fail "$CASE" "no row: $(cat "$out.err")"; exit 0; }
echo quit >&"$FD_quitter2"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
grep -q "^pid $pid (threads): .*, process exited$" "$out" || { fail "$CASE" "no summary: $(cat "$out")"; exit 0; }
grep -q "^threadleak: target exited; 0 events lost" "$out" || { fail "$CASE" "no end line"; exit 0; }
pass "$CASE"
