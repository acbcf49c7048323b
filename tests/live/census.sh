#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The two ways a census reads the threads: the thread-list walk (kernels 6.7
# and later), streamed through an array of a fixed size, and the task
# iterator (older kernels, --compat: compat.sh). Each gives the same exact
# numbers, and says with -v which one ran. A process with many more threads
# than the array: census_stream.sh.
. "$(dirname "$0")/lib.sh"
need_root

# census_case NAME "THREADLEAK ARGS" WANT_STDERR: 29 live threads, 25 in
# futex waits and 4 in other syscalls, as counts.sh, with ARGS.
census_case() {
	local name=$1 args=$2 want=$3 last
	CASE=$name
	start_traced "$name" "-i 0.3 -v $args" "idle 3"
	for cmd in "mutex 10" "cond 10" "sem 5" "exit 15"; do
		ask "$name" "$cmd" > /dev/null || { fail "$CASE" "'$cmd' did not settle"; return; }
	done
	n=$(nr_samples "$out" "$pid")
	wait_samples "$out" "$pid" $((n + 2)) || { fail "$CASE" "no samples after settling"; return; }
	last=$(samples "$out" "$pid" | tail -n 1)
	expect "threads, futex, other" "$(echo "$last" | jq -c '[.threads, .blocked, .other_blocked]')" \
		"[29,25,4]" || return
	grep -q "$want" "$out.err" || { fail "$CASE" "stderr has no '$want'"; return; }
	stop "$TL_PID"
	stop "$(eval echo "\$PID_$name")"
	pass "$CASE"
}

if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_iter_task_new'"; then
	census_case walk "" "census by thread-list walk"
	# Room for 8 threads a walk: the census of 29 takes 4, nothing lost
	# or counted twice.
	census_case streamed "--census-slots 8" "census by thread-list walk"
else
	skip walk "kernel $(uname -r) has no open-coded task iterator (6.7+)"
	skip streamed "kernel $(uname -r) has no open-coded task iterator (6.7+)"
fi
