#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The AB-BA deadlock of tests/progs/findings alone (tests/live/findings.sh
# stops at its first failing shape, and counts "incomplete" findings, which
# under TCG say the emulator passed the inspector's time budget): one deadlock finding naming both threads
# and the lock each holds and waits for.
#
#   tests/kernels/deadlock.sh BUILD
. "$(dirname "$0")/../live/lib.sh"
need_root
CASE=deadlock_ab_ba
"$PROGS/findings" deadlock > "$TMP/deadlock.out" 2>&1 &
PIDS+=($!)
pid=$!
wait_for "$TMP/deadlock.out" '^b_then_a ' 120 || { fail "$CASE" "tids not printed"; exit 0; }
a=$(awk '/^a_then_b / { print $2 }' "$TMP/deadlock.out")
b=$(awk '/^b_then_a / { print $2 }' "$TMP/deadlock.out")
out=$TMP/tl.json
start_tl "$out" -p "$pid" -d 15 --wait-threshold 3 --json
wait_exit "$TL_PID" 120
expect "threadleak exit status" $? 0 || exit 0
# an "incomplete" finding is the emulator passing the inspector's time budget
f=$(jq -c "select(.type == \"finding\" and .pid == $pid and .kind != \"incomplete\" and (.summary | not))" "$out")
expect "findings" "$(echo "$f" | grep -c .)" 1 || exit 0
expect "kind, primitive" "$(echo "$f" | jq -r '.kind + " " + .primitive')" "deadlock mutex" || exit 0
expect "threads" "$(echo "$f" | jq -c '[.threads[].tid] | sort')" "$(echo "[$a,$b]" | jq -c sort)" || exit 0
expect "a holds lock_a, waits for lock_b" \
	"$(echo "$f" | jq -r '.threads[] | select(.tid == '"$a"') | (.holds | split(" ")[1]) + " " + (.waits_for | split(" ")[1])')" \
	"lock_a lock_b" || exit 0
pass "$CASE"
