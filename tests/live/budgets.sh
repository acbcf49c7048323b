#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A process's inspection has a time and a memory budget (issue 11): a
# process over one is reported incomplete, once, with the reason, and every
# other process is traced as usual. Each budget is made small here, but
# with margins both ways (measured under load: the well-behaved process, 14
# threads, costs 10-20 us a census after its first and under 256K of its
# own symbol data; the hostile ones 11-36 ms a census and over 1M):
# --inspect-budget 5 (ms) against 200 threads that begin a new futex wait
# every 10 ms (each census reads their locks and unwinds them again), and
# --proc-symbols 512K against 3,000 threads each blocked on a lock of its
# own (a named lock each).
. "$(dirname "$0")/lib.sh"
need_root

# incomplete FILE PID: the reason and why of PID's incomplete finding.
incomplete() {
	jq -r "select(.type == \"finding\" and .kind == \"incomplete\" and .pid == $2 and (.summary | not)) | .part + \", \" + .reason + \": \" + .why" "$1" 2> /dev/null
}

# one_budget CASE BUSY_CMD WANT_WHY THREADLEAK_ARGS...
one_budget() {
	local case=$1 busy_cmd=$2 want=$3 end good bad n t b ok i
	shift 3
	CASE=$case
	start_threads "${case}_bad" "$busy_cmd" || { fail "$CASE" "threads program did not start"; return; }
	start_threads "${case}_good" "idle 3" "mutex 10" ||
		{ fail "$CASE" "threads program did not start"; return; }
	eval "bad=\$PID_${case}_bad good=\$PID_${case}_good"
	out=$TMP/$case.json
	start_tl "$out" -p "$bad" -p "$good" --json -i 0.5 "$@"
	end=$((SECONDS + 30))
	until [ -n "$(incomplete "$out" "$bad")" ] || [ $SECONDS -ge $end ]; do
		sleep 0.1
	done
	expect "finding" "$(incomplete "$out" "$bad")" "$want" || return
	# the well-behaved process: exact counts after it, no finding
	n=$(nr_samples "$out" "$good")
	wait_samples "$out" "$good" $((n + 2)) || { fail "$CASE" "no samples of $good after"; return; }
	t=$(sample_field "$out" "$good" $((n + 2)) threads)
	b=$(sample_field "$out" "$good" $((n + 2)) blocked)
	expect "good threads, blocked" "$t $b" "14 10" || return
	kill -INT "$TL_PID"
	wait_exit "$TL_PID" 10 || { fail "$CASE" "threadleak did not end: status $?"; return; }
	expect "incomplete findings of the good one" \
		"$(jq -c "select(.type == \"finding\" and .kind == \"incomplete\" and .pid == $good)" "$out" | wc -l)" 0 || return
	expect "incomplete findings of the bad one (live)" \
		"$(jq -c "select(.type == \"finding\" and .kind == \"incomplete\" and .pid == $bad and (.summary | not))" "$out" | wc -l)" 1 || return
	pass "$CASE"
	kill "$bad" "$good" 2> /dev/null
}

one_budget inspect_budget "tick 200" "threads, time budget: reading its threads took longer than its budget" \
	--inspect-budget 5
one_budget proc_symbols "locks 3000" "threads, memory budget: its own symbol and unwind data passed the per-process budget" \
	--proc-symbols 512K

CASE=options
"$TL" -p 1 --inspect-budget 0 > /dev/null 2> "$TMP/opt.err"
expect "status" "$?" 2 &&
	expect "message" "$(head -n 1 "$TMP/opt.err")" "threadleak: invalid inspection budget: '0' (milliseconds, 1 to 60000)" &&
	pass "$CASE"
