#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Without -p every process is traced: a known process shows its exact counts,
# and the text table orders processes by threads.
. "$(dirname "$0")/lib.sh"
need_root
CASE=json

start_threads big "idle 300" "mutex 20" || { fail "$CASE" "threads program did not start"; exit 0; }
pid=$PID_big
out=$TMP/tl.json
start_tl "$out" -n 0 -i 0.5 -d 1.2 --json
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
expect "threads" "$(sample_field "$out" "$pid" 1 threads)" 321 || exit 0
expect "futex" "$(sample_field "$out" "$pid" 1 blocked)" 20 || exit 0
expect "comm" "$(sample_field "$out" "$pid" 1 comm)" threads || exit 0
pass "$CASE"

CASE=top_table
out=$TMP/tl.txt
start_tl "$out" -n 3 -i 0.5 -d 0.7
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
# The first table's first row is the process with the most threads: ours.
row=$(grep -m1 -A1 '^ *PID COMM' "$out" | tail -n 1)
expect "first row" "$(echo "$row" | awk '{ print $1, $2, $3 }')" "$pid threads 321" || exit 0
expect "rows per table" "$(awk '/^ *PID COMM/ { n = 0; next } /^ *[0-9]+ / { n++ } END { print n }' "$out")" 3 || exit 0
pass "$CASE"
