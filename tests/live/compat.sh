#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The paths older kernels take (the census by task iterator, pt_regs found on
# the kernel stack instead of bpf_task_pt_regs, no rq clock), forced on this
# kernel with --compat, give the same exact numbers.
. "$(dirname "$0")/lib.sh"
need_root
CASE=counts

start_traced compat "-i 0.3 -v --compat" "idle 3"
for cmd in "mutex 10" "cond 10" "sem 5" "exit 15"; do
	ask compat "$cmd" > /dev/null || { fail "$CASE" "'$cmd' did not settle"; exit 0; }
done
expect "program's own count" "$(tail -n 1 "$TMP/compat.out")" "ok 29 25" || exit 0
# The census running when the program settled may predate it (under TCG, a
# few may): the counts must reach [29,25,4] within five samples of settling.
n=$(nr_samples "$out" "$pid")
for i in $((n + 1)) $((n + 2)) $((n + 3)) $((n + 4)) $((n + 5)); do
	wait_samples "$out" "$pid" $i || { fail "$CASE" "no samples after settling"; exit 0; }
	last=$(samples "$out" "$pid" | sed -n "${i}p")
	got=$(echo "$last" | jq -c '[.threads, .blocked, .other_blocked]')
	[ "$got" = "[29,25,4]" ] && break
done
expect "threads, futex, other (samples $((n + 1))-$i)" "$got" "[29,25,4]" || exit 0
expect "created" "$(samples "$out" "$pid" | jq -s 'map(.created) | add')" 40 || exit 0
expect "exited" "$(samples "$out" "$pid" | jq -s 'map(.exited) | add')" 15 || exit 0
w=$(echo "$last" | jq .max_wait_s)
awk -v w="$w" 'BEGIN { exit !(w > 0 && w < 60) }' || { fail "$CASE" "max_wait_s $w"; exit 0; }
want="census by task iterator, user registers by the kernel stack's top"
grep -q "$want" "$out.err" || { fail "$CASE" "stderr has no '$want'"; exit 0; }
pass "$CASE"
