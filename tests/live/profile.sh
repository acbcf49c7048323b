#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Native threads as profiles (issue 16): `-p PID --pprof FILE --folded FILE`
# on a process with 3 idle threads, 10 blocked on a mutex and 5 on a
# condvar (plus main): `go tool pprof` reads the profile, 19 threads, the
# sites and states as labels; the folded stacks count 10 and 5 under their
# start routines; a recording of the same run replays to the same folded
# stacks and profile.
. "$(dirname "$0")/lib.sh"
need_root
GO=$(command -v go) || { skip "" "needs go on PATH (go tool pprof)"; exit 0; }
CASE=live
start_threads shapes "idle 3" "mutex 10" "cond 5" || { fail "$CASE" "threads program did not start"; exit 0; }
pid=$PID_shapes
"$TL" record -o "$TMP/run.tl" -p "$pid" -d 4 --pprof "$TMP/live.pb.gz" --folded "$TMP/live.folded" \
	> "$TMP/live.out" 2> "$TMP/live.err"
expect "status" "$?" 0 || { cat "$TMP/live.err"; exit 0; }
# threads;__clone3;start_thread;mutex_waiter;__pthread_mutex_lock;__GI___lll_lock_wait 10
expect "folded: mutex waiters" "$(grep -c ';mutex_waiter;.* 10$' "$TMP/live.folded")" 1 &&
	expect "folded: condvar waiters" "$(grep -c ';cond_waiter;.* 5$' "$TMP/live.folded")" 1 &&
	expect "folded: total" "$(awk '{ n += $NF } END { print n }' "$TMP/live.folded")" 19 &&
	expect "folded: every line starts at the process" "$(grep -vc '^threads;' "$TMP/live.folded")" 0 &&
	pass "$CASE/folded"

CASE=pprof
"$GO" tool pprof -top "$TMP/live.pb.gz" > "$TMP/top" 2> "$TMP/top.err" ||
	{ fail "$CASE" "go tool pprof -top: $(head -c 300 "$TMP/top.err")"; exit 0; }
"$GO" tool pprof -tags "$TMP/live.pb.gz" > "$TMP/tags" 2> "$TMP/tags.err"
expect "total" "$(grep -o 'of [0-9]* total' "$TMP/top")" "of 19 total" &&
	expect "site label: mutex_waiter" "$(grep -cE '^ +10 \([0-9.]+%\): mutex_waiter \(threads\.c:[0-9]+\)$' "$TMP/tags")" 1 &&
	expect "site label: cond_waiter" "$(grep -cE '^ +5 \([0-9.]+%\): cond_waiter \(threads\.c:[0-9]+\)$' "$TMP/tags")" 1 &&
	expect "state label" "$(grep -cE '^ +10 \([0-9.]+%\): mutex wait$' "$TMP/tags")" 1 &&
	expect "primitive label" "$(grep -cE '^ +5 \([0-9.]+%\): condvar$' "$TMP/tags")" 1 &&
	expect "comments" "$("$GO" tool pprof -comments "$TMP/live.pb.gz" 2>/dev/null | head -n 1)" \
		"threadleak: one sample per live thread at the end of the run: 19 threads, 19 with the stack of their current state as their frames" &&
	pass "$CASE"

CASE=replay
"$TL" replay --pprof "$TMP/replay.pb.gz" --folded "$TMP/replay.folded" "$TMP/run.tl" \
	> /dev/null 2> "$TMP/replay.err"
expect "status" "$?" 0 &&
	expect "same folded stacks" "$(cmp "$TMP/live.folded" "$TMP/replay.folded" 2>&1)" "" &&
	expect "same profile" "$(cmp <(gzip -dc "$TMP/live.pb.gz") <(gzip -dc "$TMP/replay.pb.gz") 2>&1)" "" &&
	pass "$CASE"

CASE=symlink
ln -s /etc/passwd "$TMP/link"
"$TL" replay --folded "$TMP/link" "$TMP/run.tl" > /dev/null 2> "$TMP/link.err"
expect "status" "$?" 1 &&
	expect "message" "$(cat "$TMP/link.err")" "threadleak: cannot write $TMP/link: it is a symbolic link" &&
	pass "$CASE"
