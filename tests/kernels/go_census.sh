#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The goroutine census of a Go program built on the host (building under
# TCG takes minutes): tests/go/parked.go parks 100 goroutines on a chan send,
# 50 in a select, 25 on a mutex and 10 in a WaitGroup; threadleak goroutines
# and threadleak's samples must count all 186.
#
#   tests/kernels/go_census.sh BUILD PARKED_BINARY
. "$(dirname "$0")/../live/lib.sh"
need_root
bin=$2
CASE=census
"$bin" parked > "$TMP/out" 2>&1 &
pid=$!
PIDS+=($pid)
wait_for "$TMP/out" '^ready' 300 || { fail "$CASE" "$bin did not start"; exit 0; }
"$TL" goroutines -p $pid > "$TMP/d1" 2> "$TMP/d1.err" || { fail "$CASE" "$(cat "$TMP/d1.err")"; exit 0; }
expect "total" "$(head -n 1 "$TMP/d1")" "goroutine profile: total 186" || exit 0
groups=$(awk '/^[0-9]+ @/ { n = $1 } /^#\t/ && n { split($3, f, "+"); if (f[1] ~ /^main\./) { print n, f[1]; n = 0 } }' "$TMP/d1" | tr '\n' ' ')
expect "groups" "$groups" "100 main.chanSender 50 main.selecter 25 main.mutexLocker 10 main.waitGroupWaiter 1 main.main " || exit 0
pass "$CASE"

CASE=in_samples
"$TL" -p $pid -d 0.01 --json > "$TMP/s.json" 2> "$TMP/s.err"
expect "goroutines in samples" "$(jq -r 'select(.type == "sample") | .goroutines' "$TMP/s.json" | head -n 1)" 186 || exit 0
pass "$CASE"
