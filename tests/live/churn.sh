#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After 10,000 short-lived threads the count is back to its baseline, and
# every one of them was seen being created and exiting.
. "$(dirname "$0")/lib.sh"
need_root
CASE=10000_threads

start_traced churn "-i 0.5" "idle 2"
expect "baseline" "$(sample_field "$out" "$pid" 1 threads)" 3 || exit 0
reply=$(ask churn "churn 10000") || { fail "$CASE" "churn did not finish"; exit 0; }
expect "program's own count" "$reply" "ok 3 0" || exit 0
n=$(nr_samples "$out" "$pid")
wait_samples "$out" "$pid" $((n + 2)) || { fail "$CASE" "no samples after churn"; exit 0; }
kill -INT "$TL_PID"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
expect "threads after" "$(samples "$out" "$pid" | tail -n 1 | jq .threads)" 3 || exit 0
expect "created" "$(jq 'select(.type == "summary") | .created' "$out")" 10000 || exit 0
expect "exited" "$(jq 'select(.type == "summary") | .exited' "$out")" 10000 || exit 0
expect "lost events" "$(jq 'select(.type == "end") | .lost_events' "$out")" 0 || exit 0
pass "$CASE"
