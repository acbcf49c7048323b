#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A census streamed through an array much smaller than the process: 20,000
# threads (12,000 waiting on a condvar, 8,000 in pause()) and a census array
# of 1,000, so each census walks the process 21 times, each walk resuming
# where the array was full. Every census must count every thread once, no
# more: 20,001 threads, 12,000 in futex waits, 8,001 in other waits (main
# reads its commands), as the program's own /proc/self/task count says.
# Also without -p (every process, each walked on its own). The resume when
# the thread to resume at exits in between: unit test
# census_walk_bpf/resume_thread_gone.
. "$(dirname "$0")/lib.sh"
need_root

if ! bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_iter_task_new'"; then
	skip "" "kernel $(uname -r) has no open-coded task iterator (6.7+)"
	exit 0
fi
# 20,000 threads need as many pids (and two mappings each): say so rather
# than fail when the host's limits leave no room.
free_pids=$(($(sysctl -n kernel.pid_max) - $(ls /proc | grep -c '^[0-9]') - $(ps -eLf --no-headers | wc -l)))
if [ "$free_pids" -lt 24000 ]; then
	skip "" "kernel.pid_max leaves room for $free_pids threads, 24,000 wanted"
	exit 0
fi

CASE=slots_1000
start_threads big "cond 12000" "idle 8000" ||
	{ fail "$CASE" "threads program did not start: $(head -c 200 "$TMP/big.err")"; exit 0; }
wait_lines "$TMP/big.out" 2 120 || { fail "$CASE" "the idle threads did not start"; exit 0; }
expect "program's own count" "$(tail -n 1 "$TMP/big.out")" "ok 20001 12000" || exit 0
out=$TMP/tl.json
start_tl "$out" -p "$PID_big" --json -i 0.5 -v --census-slots 1000
wait_samples "$out" "$PID_big" 3 60 || { fail "$CASE" "no 3 samples: $(tail -c 300 "$out.err")"; exit 0; }
stop "$TL_PID"
got=$(samples "$out" "$PID_big" | jq -c '[.threads, .blocked, .other_blocked]' | sort | uniq -c |
	awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
want=$(samples "$out" "$PID_big" | wc -l)
expect "every census: threads, futex, other" "$got" "[20001,12000,8001] x$want" || exit 0
grep -q "census by thread-list walk" "$out.err" || { fail "$CASE" "not the walk: $(head -c 300 "$out.err")"; exit 0; }
if grep -q "cut short" "$out.err"; then
	fail "$CASE" "a census was cut short"
	exit 0
fi
pass "$CASE"

# Without -p: each process walked on its own, the big one 21 times, the
# host's others in one walk each, through the same array of 1,000.
CASE=system_wide
out=$TMP/all.json
start_tl "$out" -n 0 -i 0.5 -d 1.7 --json --census-slots 1000
wait_exit "$TL_PID" 60
expect "threadleak exit status" $? 0 || exit 0
got=$(samples "$out" "$PID_big" | jq -c '[.threads, .blocked, .other_blocked]' | sort | uniq -c |
	awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
want=$(samples "$out" "$PID_big" | wc -l)
[ "$want" -ge 2 ] || { fail "$CASE" "$want samples of the big process, 2 or more wanted"; exit 0; }
expect "every census: threads, futex, other" "$got" "[20001,12000,8001] x$want" || exit 0
pass "$CASE"
