#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 14, item 6, the JVM half: the real host's JVM HTTP server
# (tests/live/lib_realhost.sh, com.sun.net.httpserver on a cached pool)
# under wrk, quiet while healthy, then a thread leak of one thread per
# 200 ms injected into it (GET /leak creates an Executors.newFixedThreadPool(1)
# and never shuts it down): `threadleak monitor` finds it within 30 s, its
# site the executor threads' name pattern (pool-N-thread-…), its start
# routine thread_native_entry, its count at least the executors created by
# then less a census's worth, and reports nothing else of the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_realhost.sh"
need_root
for tool in java wrk curl; do
	command -v $tool > /dev/null ||
		{ skip "" "needs $tool (scripts/install-deps.sh installs it)"; exit 0; }
done
trap 'realhost_stop; cleanup' EXIT
CASE=found
SITE="pool-N-thread-N…"
RH_SERVICES=(jvm)

realhost_start || { fail "$CASE" "the server did not start: ${RH_FAILED[*]} (see above)"; exit 0; }
server=${RH_PID[jvm]}
port=${RH_PORT[jvm]}
"$TL" monitor -d 60 --metrics-addr none -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
sleep 15 # healthy under load first: the monitor's first censuses see no leak
injected=$SECONDS
realhost_inject "http://127.0.0.1:$port/leak" "$TMP/created"
found=$(realhost_wait_leak "$TMP/findings.json" "$server" "$injected" 30)
took=$((SECONDS - injected))
created=$(cat "$TMP/created" 2> /dev/null)
[ -n "$found" ] || { fail "$CASE" "no leak finding 30 s after the injection: $(cat "$TMP/monitor.err")"; exit 0; }
echo "# found $took s after the injection, $created executors created by then: $(echo "$found" | cut -c1-400)"
expect "site" "$(echo "$found" | jq -r .site)" "$SITE" || exit 0
expect "start routine" "$(echo "$found" | jq -r .start_routine)" \
	"thread_native_entry(Thread*) (libjvm.so)" || exit 0
# A census a second at 5 executors a second, and the one polling above.
live=$(echo "$found" | jq -r .live)
[ "$live" -ge $((created - 10)) ] && [ "$live" -le $((created + 64)) ] ||
	{ fail "$CASE" "the finding counts $live threads; $created executors created by then"; exit 0; }
wait_exit $mon 90
expect "monitor status" $? 0 || { cat "$TMP/monitor.err"; exit 0; }
others=$(jq -c "select(.type == \"finding\" and .pid == $server and .kind != \"thread_leak\")" \
	"$TMP/findings.json" | grep -c .)
expect "other findings of the server" "$others" 0 ||
	{ jq -c "select(.type == \"finding\" and .pid == $server and .kind != \"thread_leak\")" \
		"$TMP/findings.json" | cut -c1-300 | head -n 5; exit 0; }
leaks=$(jq -c "select(.type == \"finding\" and .pid == $server and .kind == \"thread_leak\"
	and (.update | not) and (.summary | not))" "$TMP/findings.json" | grep -c .)
expect "leak findings of the server" "$leaks" 1 || exit 0
pass "$CASE"
