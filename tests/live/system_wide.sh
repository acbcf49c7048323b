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
start_tl "$out" -n 0 -i 0.5 -d 0.7
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
# The first table: our process's row, and rows ordered by threads.
first=$(awk '/^ *PID COMM/ { t++; next } t == 1 && /^ *[0-9]+ / { print } t == 2 { exit }' "$out")
expect "our row" "$(echo "$first" | awk -v p="$pid" '$1 == p { print $2, $3 }')" "threads 321" || exit 0
echo "$first" | awk '{ print $3 }' | sort -c -n -r 2>/dev/null || { fail "$CASE" "not ordered by threads"; exit 0; }
start_tl "$out.3" -n 3 -i 0.5 -d 0.7
wait_exit "$TL_PID" 30
expect "rows per table with -n 3" "$(awk '/^ *PID COMM/ { n = 0; next } /^ *[0-9]+ / { n++ } END { print n }' "$out.3")" 3 || exit 0
pass "$CASE"
