#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Threads that existed before threadleak started are counted exactly.
. "$(dirname "$0")/lib.sh"
need_root
CASE=1000_threads

start_threads many "idle 1000" || { fail "$CASE" "threads program did not start"; exit 0; }
expect "program's own count" "$(tail -n 1 "$TMP/many.out")" "ok 1001 0" || exit 0
pid=$PID_many
out=$TMP/tl.json
start_tl "$out" -p "$pid" -i 0.5 -d 1 --json
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
expect "threads" "$(sample_field "$out" "$pid" 1 threads)" 1001 || exit 0
expect "futex" "$(sample_field "$out" "$pid" 1 blocked)" 0 || exit 0
expect "in other syscalls (pause, read)" "$(sample_field "$out" "$pid" 1 other_blocked)" 1001 || exit 0
expect "created" "$(sample_field "$out" "$pid" 1 created)" 0 || exit 0
pass "$CASE"
