#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exact live and futex-blocked counts: a process with main + 3 idle threads is
# attached, then creates 40 threads: 10 block on a mutex, 10 on a condvar, 5
# on a semaphore, 15 exit at once. Within two intervals threadleak must show
# exactly 29 live threads and 25 in futex waits.
. "$(dirname "$0")/lib.sh"
need_root
CASE=after_attach

start_traced shapes "-i 0.5" "idle 3"
expect "threads before" "$(sample_field "$out" "$pid" 1 threads)" 4 || exit 0
expect "futex before" "$(sample_field "$out" "$pid" 1 blocked)" 0 || exit 0

for cmd in "mutex 10" "cond 10" "sem 5" "exit 15"; do
	ask shapes "$cmd" > /dev/null || { fail "$CASE" "'$cmd' did not settle"; exit 0; }
done
expect "program's own count" "$(tail -n 1 "$TMP/shapes.out")" "ok 29 25" || exit 0

# The census running when the program settled may predate it; the next one
# may not.
n=$(nr_samples "$out" "$pid")
wait_samples "$out" "$pid" $((n + 2)) || { fail "$CASE" "no samples after settling"; exit 0; }
ok=
for i in $((n + 1)) $((n + 2)); do
	t=$(sample_field "$out" "$pid" $i threads)
	b=$(sample_field "$out" "$pid" $i blocked)
	[ "$t" = 29 ] && [ "$b" = 25 ] && ok=$i && break
done
[ -n "$ok" ] || { fail "$CASE" "samples $((n + 1))-$((n + 2)): threads=$t blocked=$b, want 29 and 25"; exit 0; }
created=$(samples "$out" "$pid" | jq -s 'map(.created) | add')
exited=$(samples "$out" "$pid" | jq -s 'map(.exited) | add')
expect "created" "$created" 40 || exit 0
expect "exited" "$exited" 15 || exit 0
pass "$CASE"

# Waits are measured on the scheduler's clock: each census must have taken
# it (and the monotonic clock) at its first task, whatever task that was.
CASE=census_clocks
# this threadleak's .bss: other instances may run beside it (by name, bpftool
# dumps every one)
bss=
for id in $(sed -n 's/^map_id:\s*//p' /proc/"$TL_PID"/fdinfo/* 2>/dev/null | sort -un); do
	[ "$(bpftool -j map show id "$id" 2>/dev/null | jq -r .name)" = threadle.bss ] && bss=$id && break
done
clocks=$(bpftool -j map dump id "${bss:-0}" 2>/dev/null |
	jq -r '.[0].formatted.value[".bss"] | add | "\(.census_ktime0) \(.census_rq0)"')
read -r kt rq <<< "$clocks"
if [ "${kt:-0}" -gt 0 ] 2>/dev/null && [ "${rq:-0}" -gt 0 ] 2>/dev/null; then
	pass "$CASE"
else
	fail "$CASE" "census clocks not taken: ktime0=$kt rq0=$rq"
fi

CASE=summary
kill -INT "$TL_PID"
wait_exit "$TL_PID" 30
expect "threadleak exit status" $? 0 || exit 0
expect "summary threads" "$(jq -r 'select(.type == "summary") | .threads_last' "$out")" 29 || exit 0
expect "lost events" "$(jq -r 'select(.type == "end") | .lost_events' "$out")" 0 || exit 0
pass "$CASE"
