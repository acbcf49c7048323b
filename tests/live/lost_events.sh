#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A full ring buffer: threadleak is stopped while the target starts and ends
# 1,000 threads, so a 4 KiB ring buffer overflows. Every lost record is
# counted and reported, delivered + lost is exactly what BPF produced, and
# the counts (kept in BPF maps, not in the stream) stay exact.
. "$(dirname "$0")/lib.sh"
need_root
CASE=full_ring_buffer

start_traced overflow "-i 0.3 --ringbuf-size 4K" "idle 2"
kill -STOP "$TL_PID"
reply=$(ask overflow "churn 1000") || { kill -CONT "$TL_PID"; fail "$CASE" "churn did not finish"; exit 0; }
kill -CONT "$TL_PID"
expect "program's own count" "$reply" "ok 3 0" || exit 0
wait_for "$out" '"type":"lost"' 30 || { fail "$CASE" "no lost record"; exit 0; }
n=$(nr_samples "$out" "$pid")
wait_samples "$out" "$pid" $((n + 1)) || { fail "$CASE" "no sample after churn"; exit 0; }
kill -INT "$TL_PID"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
end=$(jq -c 'select(.type == "end")' "$out")
lost=$(echo "$end" | jq .lost_events)
[ "$lost" -gt 0 ] || { fail "$CASE" "no events lost: $end"; exit 0; }
expect "delivered + lost" $(( $(echo "$end" | jq .events) + lost )) 2000 || exit 0
expect "threads" "$(samples "$out" "$pid" | tail -n 1 | jq .threads)" 3 || exit 0
expect "created" "$(jq 'select(.type == "summary") | .created' "$out")" 1000 || exit 0
expect "exited" "$(jq 'select(.type == "summary") | .exited' "$out")" 1000 || exit 0
pass "$CASE"

CASE=text_warning
start_threads overflow2 "idle 1" || { fail "$CASE" "threads program did not start"; exit 0; }
txt=$TMP/tl.txt
start_tl "$txt" -p "$PID_overflow2" -i 0.3 --ringbuf-size 4K
wait_for "$txt" "^[0-9:]+ +$PID_overflow2 " 30 || { fail "$CASE" "no row"; exit 0; }
kill -STOP "$TL_PID"
ask overflow2 "churn 500" > /dev/null
kill -CONT "$TL_PID"
wait_for "$txt" "^threadleak: warning: [0-9]+ events lost to a full ring buffer" 30 ||
	{ fail "$CASE" "no warning: $(cat "$txt")"; exit 0; }
pass "$CASE"
