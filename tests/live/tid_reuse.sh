#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TID reuse: threads exit and new threads get their tids back (steered with
# ns_last_pid). Counts stay exact: every exit and every start is counted once.
. "$(dirname "$0")/lib.sh"
need_root
CASE=reused_tids

start_traced reuser "-i 0.3" "idle 2"
reply=$(ask reuser "reuse 20") || { fail "$CASE" "reuse did not finish: $(cat "$TMP/reuser.err")"; exit 0; }
# Retries (another process took the tid) add waiters; the program counts them.
want_threads=$(echo "$reply" | awk '{ print $2 }')
want_futex=$(echo "$reply" | awk '{ print $3 }')
[ "$want_futex" -ge 20 ] || { fail "$CASE" "odd reply: $reply"; exit 0; }
n=$(nr_samples "$out" "$pid")
wait_samples "$out" "$pid" $((n + 2)) || { fail "$CASE" "no samples after reuse"; exit 0; }
kill -INT "$TL_PID"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
last=$(samples "$out" "$pid" | tail -n 1)
expect "threads" "$(echo "$last" | jq .threads)" "$want_threads" || exit 0
expect "futex" "$(echo "$last" | jq .blocked)" "$want_futex" || exit 0
# 20 short-lived threads plus one waiter per attempt.
expect "created" "$(jq 'select(.type == "summary") | .created' "$out")" $((20 + want_futex)) || exit 0
expect "exited" "$(jq 'select(.type == "summary") | .exited' "$out")" 20 || exit 0
pass "$CASE"
