#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# exec from a non-main thread: the kernel kills every other thread and hands
# the leader's pid to the exec'ing one. One thread must remain, named after
# the new program.
. "$(dirname "$0")/lib.sh"
need_root
CASE=exec_from_thread

start_traced execer "-i 0.3" "idle 5" "cond 4"
expect "threads before" "$(sample_field "$out" "$pid" 1 threads)" 10 || exit 0
echo "exec 0" >&"$FD_execer"
end=$((SECONDS + 30))
until samples "$out" "$pid" | tail -n 1 | grep -q '"comm":"sleep"'; do
	[ $SECONDS -ge $end ] && { fail "$CASE" "never saw comm 'sleep'"; exit 0; }
	sleep 0.05
done
n=$(nr_samples "$out" "$pid")
wait_samples "$out" "$pid" $((n + 1)) || { fail "$CASE" "no sample after exec"; exit 0; }
expect "threads after exec" "$(samples "$out" "$pid" | tail -n 1 | jq .threads)" 1 || exit 0
# 10 threads, plus the one that calls exec; the other 10 die.
expect "created" "$(samples "$out" "$pid" | jq -s 'map(.created) | add')" 1 || exit 0
expect "exited" "$(samples "$out" "$pid" | jq -s 'map(.exited) | add')" 10 || exit 0
kill -INT "$TL_PID"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
pass "$CASE"
