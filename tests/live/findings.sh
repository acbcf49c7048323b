#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Findings on real programs (tests/progs/findings.c, leak_cxx.cpp), all
# traced in one run: each shape must give exactly its finding, with the right
# site, primitive and owner, and the healthy program none.
. "$(dirname "$0")/lib.sh"
need_root
CASE=shapes

start_shape() {
	local name=$1
	shift
	"$@" > "$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	eval "PID_$name=$!"
	wait_for "$TMP/$name.out" '^ready' 30 || { fail "$CASE" "$name did not start"; exit 0; }
}

start_shape cond "$PROGS/findings" leak-cond
start_shape mutex "$PROGS/findings" leak-mutex
start_shape readp "$PROGS/findings" leak-read
start_shape join "$PROGS/findings" join
start_shape deadlock "$PROGS/findings" deadlock
start_shape healthy "$PROGS/findings" healthy
start_shape cxx "$PROGS/leak_cxx"
wait_for "$TMP/join.out" '^worker ' 30 && wait_for "$TMP/deadlock.out" '^b_then_a ' 30 ||
	{ fail "$CASE" "tids not printed"; exit 0; }

out=$TMP/tl.json
start_tl "$out" -p "$PID_cond,$PID_mutex,$PID_readp,$PID_join,$PID_deadlock,$PID_healthy,$PID_cxx" \
	-d 15 --wait-threshold 3 --json
wait_exit "$TL_PID" 60
expect "threadleak exit status" $? 0 || exit 0

# findings PID: the findings established for PID (not the end restatements).
findings() {
	jq -c "select(.type == \"finding\" and .pid == $1 and (.summary | not))" "$out"
}
nr_findings() {
	findings "$1" | wc -l
}

CASE=leak_condvar
f=$(findings "$PID_cond")
expect "findings" "$(nr_findings "$PID_cond")" 1 || exit 0
expect "kind, site" "$(echo "$f" | jq -r '.kind + " " + .site')" "thread_leak leak_on_condvar (findings.c:50)" || exit 0
expect "all blocked on a condvar" "$(echo "$f" | jq -c '[(.blocked == .live), (.blocked_on | keys)]')" '[true,["condvar"]]' || exit 0
expect "none exited" "$(echo "$f" | jq .exited)" 0 || exit 0
echo "$f" | jq -e '.stack | index("leak_on_condvar (findings.c:53)")' > /dev/null ||
	{ fail "$CASE" "stack: $(echo "$f" | jq -c .stack)"; exit 0; }
pass "$CASE"

CASE=leak_mutex_held_by_main
f=$(findings "$PID_mutex")
expect "findings" "$(nr_findings "$PID_mutex")" 1 || exit 0
expect "kind, site" "$(echo "$f" | jq -r '.kind + " " + .site')" "thread_leak leak_on_mutex (findings.c:58)" || exit 0
expect "blocked on" "$(echo "$f" | jq -c '.blocked_on | keys')" '["mutex"]' || exit 0
expect "owner: main" "$(echo "$f" | jq .owner_tid)" "$PID_mutex" || exit 0
pass "$CASE"

CASE=leak_read
f=$(findings "$PID_readp")
expect "findings" "$(nr_findings "$PID_readp")" 1 || exit 0
expect "kind, site" "$(echo "$f" | jq -r '.kind + " " + .site')" "thread_leak leak_on_read (findings.c:65)" || exit 0
expect "blocked on" "$(echo "$f" | jq -c '.blocked_on | keys')" '["read"]' || exit 0
pass "$CASE"

CASE=join_stuck_worker
worker=$(awk '/^worker / { print $2 }' "$TMP/join.out")
expect "findings" "$(nr_findings "$PID_join")" 2 || exit 0
f=$(findings "$PID_join" | jq -c 'select(.tid == '"$PID_join"')')
expect "main: primitive, owner" "$(echo "$f" | jq -r '.primitive + " " + (.owner_tid | tostring)')" "join $worker" || exit 0
expect "main's site" "$(echo "$f" | jq -r .site)" "main thread" || exit 0
expect "owner's state" "$(echo "$f" | jq -r .owner.state)" "condvar wait" || exit 0
f=$(findings "$PID_join" | jq -c 'select(.tid == '"$worker"')')
expect "worker" "$(echo "$f" | jq -r '.kind + " " + .primitive + " " + (.owner_tid | tostring) + " " + .site')" \
	"long_wait condvar null stuck_worker (findings.c:88)" || exit 0
pass "$CASE"

CASE=deadlock_ab_ba
a=$(awk '/^a_then_b / { print $2 }' "$TMP/deadlock.out")
b=$(awk '/^b_then_a / { print $2 }' "$TMP/deadlock.out")
f=$(findings "$PID_deadlock")
expect "findings" "$(nr_findings "$PID_deadlock")" 1 || exit 0
expect "kind, primitive" "$(echo "$f" | jq -r '.kind + " " + .primitive')" "deadlock mutex" || exit 0
expect "threads" "$(echo "$f" | jq -c '[.threads[].tid] | sort')" "$(echo "[$a,$b]" | jq -c sort)" || exit 0
expect "a holds lock_a, waits for lock_b" \
	"$(echo "$f" | jq -r '.threads[] | select(.tid == '"$a"') | (.holds | split(" ")[1]) + " " + (.waits_for | split(" ")[1])')" \
	"lock_a lock_b" || exit 0
expect "b holds lock_b, waits for lock_a" \
	"$(echo "$f" | jq -r '.threads[] | select(.tid == '"$b"') | (.holds | split(" ")[1]) + " " + (.waits_for | split(" ")[1])')" \
	"lock_b lock_a" || exit 0
pass "$CASE"

CASE=healthy
expect "findings" "$(nr_findings "$PID_healthy")" 0 || { findings "$PID_healthy" | head -3; exit 0; }
pass "$CASE"

CASE=cxx_site_from_stack
f=$(findings "$PID_cxx")
expect "findings" "$(nr_findings "$PID_cxx")" 1 || exit 0
expect "kind, site" "$(echo "$f" | jq -r '.kind + " " + .site')" \
	"thread_leak fetch_config_forever(int) (leak_cxx.cpp:18)" || exit 0
expect "blocked on" "$(echo "$f" | jq -c '.blocked_on | keys')" '["condvar"]' || exit 0
pass "$CASE"

CASE=restated_at_end
expect "established" "$(jq -c 'select(.type == "finding" and (.summary | not))' "$out" | wc -l)" 7 || exit 0
expect "restated" "$(jq -c 'select(.type == "finding" and .summary)' "$out" | wc -l)" 7 || exit 0
pass "$CASE"

CASE=fail_on_leak
"$TL" -p "$PID_cond" -d 10 --fail-on-leak > /dev/null 2>&1
expect "status with a leak" $? 3 || exit 0
"$TL" -p "$PID_healthy" -d 1 --fail-on-leak > /dev/null 2>&1
expect "status without" $? 0 || exit 0
pass "$CASE"
