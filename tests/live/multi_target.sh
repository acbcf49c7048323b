#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Several -p: each process has its own exact rows; the run goes on while one
# target is alive and ends, with both summaries, when the last one exits.
. "$(dirname "$0")/lib.sh"
need_root
CASE=two_targets

start_threads a "idle 2" "mutex 3" || { fail "$CASE" "program a did not start"; exit 0; }
start_threads b "idle 7" "sem 4" || { fail "$CASE" "program b did not start"; exit 0; }
out=$TMP/tl.json
start_tl "$out" -p "$PID_a" -p "$PID_b" -i 0.3 --json
wait_samples "$out" "$PID_b" 1 || { fail "$CASE" "no sample: $(cat "$out.err")"; exit 0; }
wait_samples "$out" "$PID_a" 1 || { fail "$CASE" "no sample: $(cat "$out.err")"; exit 0; }
expect "a" "$(samples "$out" "$PID_a" | head -n 1 | jq -c '[.threads, .blocked]')" "[6,3]" || exit 0
expect "b" "$(samples "$out" "$PID_b" | head -n 1 | jq -c '[.threads, .blocked]')" "[12,4]" || exit 0
echo quit >&"$FD_a"
n=$(nr_samples "$out" "$PID_b")
wait_samples "$out" "$PID_b" $((n + 3)) || { fail "$CASE" "b not sampled after a exited"; exit 0; }
kill -0 "$TL_PID" 2>/dev/null || { fail "$CASE" "threadleak ended with a target still alive"; exit 0; }
echo quit >&"$FD_b"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
expect "summaries" "$(jq -c 'select(.type == "summary") | [.pid, .process_exited]' "$out" | tr -d '\n')" \
	"[$PID_a,true][$PID_b,true]" || exit 0
expect "end reason" "$(jq -r 'select(.type == "end") | .reason' "$out")" "all targets exited" || exit 0
pass "$CASE"
