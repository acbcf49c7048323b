#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Prometheus harness (lib_prometheus.sh) tested before the monitor
# exists: metrics_demo serves censuses through the real metrics and
# metrics_http modules, a real Prometheus scrapes it every second with the
# alert rules loaded, and what we publish must come back through its API.
# No root needed.
#
#   tests/live/prometheus_harness.sh [BUILD]
#
# METRICS_DEMO overrides where the demo program is (default
# BUILD/tests/metrics_demo).
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/live/lib.sh
. tests/live/lib.sh
# shellcheck source=tests/live/lib_prometheus.sh
. tests/live/lib_prometheus.sh

DEMO=${METRICS_DEMO:-$BUILD/tests/metrics_demo}

RULES=scripts/threadleak.rules.yml
LABELS='{job="threadleak",pid="4242"}'

for tool in prometheus promtool jq; do
	if ! command -v $tool > /dev/null; then
		skip "" "needs $tool (Debian packages prometheus, jq)"
		exit 0
	fi
done
if [ ! -x "$DEMO" ]; then
	fail "" "no $DEMO: build it first"
	exit 0
fi

# demo COMMAND: send a command to metrics_demo, print its answer line.
demo() {
	local n
	n=$(wc -l < "$TMP/demo.out")
	echo "$1" >&"$DEMO_FD"
	wait_lines "$TMP/demo.out" $((n + 1)) 10 || return 1
	tail -n 1 "$TMP/demo.out"
}

mkfifo "$TMP/demo.in"
"$DEMO" 127.0.0.1:0 < "$TMP/demo.in" > "$TMP/demo.out" 2> "$TMP/demo.err" &
DEMO_PID=$!
PIDS+=("$DEMO_PID")
exec {DEMO_FD}> "$TMP/demo.in"
if ! wait_lines "$TMP/demo.out" 1 10; then
	fail "" "metrics_demo did not start: $(cat "$TMP/demo.err")"
	exit 0
fi
addr=$(awk '/^listening / { print $2 }' "$TMP/demo.out")

CASE=endpoint
if demo "census 10" | grep -q '^ok' &&
	http_get "$addr" /metrics "$TMP/headers" > "$TMP/scrape" &&
	grep -qx 'Content-Type: text/plain; version=0.0.4; charset=utf-8' "$TMP/headers" &&
	promtool check metrics < "$TMP/scrape" > "$TMP/lint" 2>&1; then
	pass "$CASE"
else
	fail "$CASE" "scrape of $addr: $(head -n 1 "$TMP/headers" 2> /dev/null) $(cat "$TMP/lint" 2> /dev/null)"
fi

CASE=prometheus_up
if ! prom_start "$addr" "$RULES" 2> "$TMP/prom.err"; then
	fail "$CASE" "$(cat "$TMP/prom.err")"
	exit 0
fi
if prom_wait 'up{job="threadleak"} == 1' 30 > /dev/null; then
	pass "$CASE"
else
	fail "$CASE" "target $addr never up: $(prom_query 'up')"
fi

CASE=gauge_rises
if prom_wait "threadleak_process_threads$LABELS == 10" 30 > /dev/null &&
	demo "census 50" | grep -q '^ok' &&
	prom_wait "threadleak_process_threads$LABELS == 50" 30 > /dev/null; then
	pass "$CASE"
else
	fail "$CASE" "threads: $(prom_value "threadleak_process_threads$LABELS")"
fi

# The label values went through escaping in the exposition and back.
CASE=labels
labels=$(prom_labels "threadleak_process_threads$LABELS")
comm=$(jq -r .comm <<< "$labels")
cgroup=$(jq -r .cgroup <<< "$labels")
expect comm "$comm" "leaky \"demo\"\\" && expect cgroup "$cgroup" /system.slice/demo.service &&
	pass "$CASE"

CASE=leak_state
if [ "$(prom_value "threadleak_process_thread_leak$LABELS")" = 0 ] &&
	demo leak | grep -q '^ok' && demo "census 60" | grep -q '^ok' &&
	prom_wait "threadleak_process_thread_leak$LABELS == 1" 30 > /dev/null; then
	pass "$CASE"
else
	fail "$CASE" "leak state: $(prom_value "threadleak_process_thread_leak$LABELS")"
fi

# The rules are loaded and see our series: the leak alert is pending (it
# fires after 5 minutes).
CASE=alert_pending
if prom_wait 'ALERTS{alertname="ThreadleakThreadLeak",alertstate="pending",pid="4242"}' 30 \
	> /dev/null; then
	pass "$CASE"
else
	fail "$CASE" "no pending ThreadleakThreadLeak: $(prom_query ALERTS)"
fi

# 151 processes, 100 series: the 51 smallest are summed into comm="(other)".
CASE=aggregate
if demo "census 60 150" | grep -q '^ok' &&
	prom_wait 'threadleak_processes_aggregated{job="threadleak"} == 51' 30 > /dev/null &&
	prom_wait 'count(threadleak_process_threads{job="threadleak"}) == 101' 30 > /dev/null; then
	expect "sum of threads" "$(prom_value 'sum(threadleak_process_threads)')" 210 &&
		expect aggregate "$(prom_value 'threadleak_process_threads{comm="(other)",pid=""}')" 51 &&
		pass "$CASE"
else
	fail "$CASE" "aggregated: $(prom_value threadleak_processes_aggregated), series: $(prom_value 'count(threadleak_process_threads)')"
fi

CASE=textfile
mkdir "$TMP/textfile"
if demo "textfile $TMP/textfile" | grep -q '^ok' &&
	promtool check metrics < "$TMP/textfile/threadleak.prom" > "$TMP/lint" 2>&1; then
	expect mode "$(stat -c %a "$TMP/textfile/threadleak.prom")" 644 &&
		expect files "$(find "$TMP/textfile" -mindepth 1 | wc -l)" 1 &&
		pass "$CASE"
else
	fail "$CASE" "$(tail -n 1 "$TMP/demo.out") $(cat "$TMP/lint")"
fi

CASE=prometheus_stops
pid=$PROM_PID
dir=$PROM_DIR
prom_stop
if ! kill -0 "$pid" 2> /dev/null && [ ! -e "$dir" ]; then
	pass "$CASE"
else
	fail "$CASE" "prometheus $pid still running or $dir left"
fi

demo quit > /dev/null
wait_exit "$DEMO_PID" 10
