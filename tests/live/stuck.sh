#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Leaks that happened before threadleak came (tests/go/stuck.go,
# tests/progs/stuck_threads.c): 2,000, 10,000 and 100,000 goroutines parked
# on a chan receive, and 2,000 threads on a condvar, all before attach, each
# get exactly one stuck finding at the first census, with the site, the
# count and the wait; without a GC (GOGC=off) the wait is unknown and the
# count decides. Healthy programs at rest get none: an idle pool of 300
# goroutines, an HTTP server with 500 idle keep-alive connections, Debian's
# prometheus. The minimum wait is 2 s (--stuck-wait) so the test stays short;
# the counts and the 90 % are the defaults.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_go.sh"
. "$(dirname "$0")/lib_prometheus.sh"
need_root
SRC=$(cd "$(dirname "$0")/../go" && pwd)
MIN_WAIT=2

GO_VERSION=
for v in 1.22 $GO_VERSIONS; do
	go_toolchain "$v" > /dev/null 2>&1 && { GO_VERSION=$v; break; }
done
[ -n "$GO_VERSION" ] || { skip "" "no Go toolchain installed"; exit 0; }
bin=$TMP/stuck
go_build "$GO_VERSION" normal "$bin" "$SRC/stuck.go" ||
	{ fail "" "go build: $(head -c 300 "$bin.build")"; exit 0; }
[ -x "$PROGS/stuck_threads" ] || { fail "" "$PROGS/stuck_threads is missing: make it first"; exit 0; }

declare -A PID_OF
# name: command
declare -A CMD=(
	[leak-2000]="$bin leak 2000" [leak-10000]="$bin leak 10000"
	[leak-100000]="$bin leak 100000" [leak-nogc]="env GOGC=off $bin leak 2000"
	[pool-300]="$bin pool 300" [http-500]="$bin http 500"
	[threads-2000]="$PROGS/stuck_threads 2000"
)
for name in "${!CMD[@]}"; do
	# shellcheck disable=SC2086
	${CMD[$name]} > "$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	PID_OF[$name]=$!
done
if prom_start 127.0.0.1:1 2> "$TMP/prom.err"; then
	PID_OF[prometheus]=$PROM_PID
else
	skip prometheus "$(cat "$TMP/prom.err")"
fi
for name in "${!CMD[@]}"; do
	wait_for "$TMP/$name.out" '^ready' 120 || { fail "$name" "did not start: $(head -c 300 "$TMP/$name.out")"; exit 0; }
done
# The waits must be MIN_WAIT old at the first census: a clock, not a state
# to poll for.
sleep $((MIN_WAIT + 1))

pids=$(IFS=,; echo "${PID_OF[*]}")
out=$TMP/tl.json
start_tl "$out" -p "$pids" -d 6 --stuck-wait $MIN_WAIT --json
wait_exit "$TL_PID" 180
expect "threadleak exit status" $? 0 || { head -c 500 "$out.err"; exit 0; }

# stuck_findings PID: its stuck findings as established (not restated).
stuck_findings() {
	jq -c "select(.type == \"finding\" and .pid == $1 and (.summary | not) and
		(.kind == \"goroutine_stuck\" or .kind == \"thread_stuck\"))" "$out"
}

for name in leak-2000 leak-10000 leak-100000 leak-nogc; do
	CASE=$name
	pid=${PID_OF[$name]}
	n=${CMD[$name]##* }
	f=$(stuck_findings "$pid")
	expect "findings" "$(echo "$f" | grep -c .)" 1 || continue
	expect "kind" "$(echo "$f" | jq -r .kind)" goroutine_stuck || continue
	expect "created by" "$(echo "$f" | jq -r '.created_by | split(" ")[0]')" main.startWorkers || continue
	expect "function" "$(echo "$f" | jq -r '.function | split(" ")[0]')" main.processJob || continue
	expect "live" "$(echo "$f" | jq .live)" "$n" || continue
	expect "stuck" "$(echo "$f" | jq .stuck)" "$n" || continue
	expect "wait reason" "$(echo "$f" | jq -r .wait_reason)" "chan receive" || continue
	expect "wait class" "$(echo "$f" | jq -r .wait_class)" channel || continue
	echo "$f" | jq -e '.stack | map(startswith("main.processJob")) | any' > /dev/null ||
		{ fail "$CASE" "stack: $(echo "$f" | jq -c .stack)"; continue; }
	expect "parent" "$(echo "$f" | jq -r '.parents[0].function | split(" ")[0]')" runtime.main || continue
	if [ $name = leak-nogc ]; then
		# No GC ran: the runtime never set waitsince; decided on the count.
		expect "waits known" "$(echo "$f" | jq .waits_known)" 0 || continue
		expect "min wait" "$(echo "$f" | jq .wait_min_s)" null || continue
	else
		expect "waits known" "$(echo "$f" | jq .waits_known)" "$n" || continue
		echo "$f" | jq -e ".wait_min_s >= $MIN_WAIT and .wait_max_s < 600" > /dev/null ||
			{ fail "$CASE" "waits $(echo "$f" | jq -c '[.wait_min_s, .wait_max_s]')"; continue; }
	fi
	pass "$CASE"
done

CASE=threads-2000
f=$(stuck_findings "${PID_OF[$CASE]}")
if expect "findings" "$(echo "$f" | grep -c .)" 1 &&
	expect "kind" "$(echo "$f" | jq -r .kind)" thread_stuck &&
	expect "site" "$(echo "$f" | jq -r '.site | split(" ")[0]')" stuck_worker &&
	expect "stuck" "$(echo "$f" | jq .stuck)" 2000 &&
	expect "primitive" "$(echo "$f" | jq -r .primitive)" condvar; then
	if echo "$f" | jq -e ".wait_min_s >= $MIN_WAIT" > /dev/null; then
		pass "$CASE"
	else
		fail "$CASE" "min wait $(echo "$f" | jq .wait_min_s)"
	fi
fi

for name in pool-300 http-500 prometheus; do
	CASE=$name
	[ -n "${PID_OF[$name]:-}" ] || continue
	f=$(stuck_findings "${PID_OF[$name]}")
	expect "stuck findings" "$(echo -n "$f" | grep -c .)" 0 || { echo "$f" | head -c 600 >&2; continue; }
	pass "$CASE"
done

# With the count lowered under its 500 idle connections, the HTTP server
# still gets none: they wait in IO wait, a server's job.
CASE=http-500-low-count
out2=$TMP/tl-low.json
start_tl "$out2" -p "${PID_OF[http-500]}" -d 3 --stuck-wait $MIN_WAIT --stuck-goroutines 400 --json
wait_exit "$TL_PID" 60
expect "threadleak exit status" $? 0 &&
	expect "stuck findings" "$(jq -c 'select(.type == "finding" and (.kind | endswith("_stuck")))' "$out2" | grep -c .)" 0 &&
	expect "IO waits" "$(jq -c 'select(.type == "summary") | .goroutines_waiting["IO wait"] >= 500' "$out2")" true &&
	pass "$CASE"

# The summary speaks of goroutines.
CASE=summary
s=$(jq -c "select(.type == \"summary\" and .pid == ${PID_OF[leak-10000]})" "$out")
# main, the signal handler's and its reader's (in chan receive too), and the 10,000
expect "goroutines first" "$(echo "$s" | jq .goroutines_first)" 10003 &&
	expect "goroutines last" "$(echo "$s" | jq .goroutines_last)" 10003 &&
	expect "chan receive" "$(echo "$s" | jq '.goroutines_waiting["chan receive"]')" 10001 &&
	expect "top site" "$(echo "$s" | jq -r '.goroutine_sites[0] | "\(.live) \(.created_by | split(" ")[0])"')" \
		"10000 main.startWorkers" &&
	pass "$CASE"

# The monitor: every process it meets, its first census. A stuck site is said
# once, again as an update when it grows by a tenth; the metric follows.
CASE=monitor
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor --metrics-addr "127.0.0.1:$port" --stuck-wait $MIN_WAIT \
	-o "$TMP/monitor.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
leak=${PID_OF[leak-2000]}
threads=${PID_OF[threads-2000]}
wait_for "$TMP/monitor.json" "\"kind\":\"goroutine_stuck\".*\"pid\":$leak|\"pid\":$leak,.*\"kind\":\"goroutine_stuck\"" 120 ||
	{ fail "$CASE" "no finding: $(tail -c 300 "$TMP/monitor.err")"; exit 0; }
wait_for "$TMP/monitor.json" "\"pid\":$threads,.*\"kind\":\"thread_stuck\"|\"kind\":\"thread_stuck\".*\"pid\":$threads" 60 ||
	{ fail "$CASE" "no thread_stuck finding"; exit 0; }
metric() { http_get "127.0.0.1:$port" /metrics | grep "^$1{pid=\"$2\"" | awk '{print $NF}'; }
# wait_metric NAME PID VALUE: the metrics follow the findings at the census end.
wait_metric() {
	local end=$((SECONDS + 30))
	until [ "$(metric "$1" "$2")" = "$3" ] || [ $SECONDS -ge $end ]; do
		sleep 0.2
	done
	expect "$1" "$(metric "$1" "$2")" "$3"
}
wait_metric threadleak_process_stuck_goroutines "$leak" 2000 || exit 0
wait_metric threadleak_process_stuck_threads "$threads" 2000 || exit 0
# 1,000 more: an update, with the new count.
n=$(grep -c '^more' "$TMP/leak-2000.out")
kill -USR1 "$leak"
wait_lines "$TMP/leak-2000.out" $((n + 2)) 60 || { fail "$CASE" "no more goroutines"; exit 0; }
wait_metric threadleak_process_stuck_goroutines "$leak" 3000 || exit 0
mine() { jq -c "select(.type == \"finding\" and .pid == $1 and (.kind | endswith(\"_stuck\")))" "$TMP/monitor.json"; }
expect "findings" "$(mine "$leak" | jq -r '"\(.stuck) \(.update // false)"' | tr '\n' ' ')" "2000 false 3000 true " || exit 0
expect "thread findings" "$(mine "$threads" | grep -c .)" 1 || exit 0
for name in pool-300 http-500 prometheus; do
	[ -n "${PID_OF[$name]:-}" ] || continue
	expect "$name findings" "$(mine "${PID_OF[$name]}" | grep -c .)" 0 || exit 0
done
pass "$CASE"
stop "$mon"
prom_stop
