#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# threadleak monitor on a healthy real host (tests/live/lib_realhost.sh:
# PostgreSQL with 96 backends under pgbench, Redis, memcached, nginx, a JVM
# and a threaded CPython HTTP server under wrk, Prometheus) for two minutes,
# the first under load, the second at rest (the load generators stopped, the
# servers' pools idle): it ends with status 0 and reports no finding at all
# (leak, deadlock, long wait, stuck threads or goroutines, incomplete) in any
# of the host's processes. A finding in a process that is not the host's
# (another test's, on a shared machine) is listed, not counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_realhost.sh"
need_root
for tool in pgbench redis-server redis-benchmark memcached nginx java wrk python3 prometheus; do
	command -v $tool > /dev/null ||
		{ skip "" "needs $tool (scripts/install-deps.sh installs it)"; exit 0; }
done
trap 'realhost_stop; cleanup' EXIT

CASE=quiet
SECONDS_LOADED=60
SECONDS_AT_REST=60
SECONDS_WATCHED=$((SECONDS_LOADED + SECONDS_AT_REST))

realhost_start || { fail "$CASE" "the host did not start: ${RH_FAILED[*]} (see above)"; exit 0; }
realhost_pids > "$TMP/host.pids"
[ "$(wc -l < "$TMP/host.pids")" -ge 100 ] ||
	{ fail "$CASE" "only $(wc -l < "$TMP/host.pids") host processes"; exit 0; }

port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor -d $SECONDS_WATCHED --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" \
	2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
end=$((SECONDS + SECONDS_LOADED))
while [ $SECONDS -lt $end ] && kill -0 $mon 2> /dev/null; do
	sleep 1
done
realhost_pids >> "$TMP/host.pids"
realhost_stop_load
wait_exit $mon $((SECONDS_AT_REST + 60))
status=$?
realhost_pids >> "$TMP/host.pids"
expect "monitor status" $status 0 || { cat "$TMP/monitor.err"; exit 0; }

# findings true|false: the findings in the host's processes, or in the
# others' (updates and the end's summaries included: none is allowed).
findings() {
	jq -c --slurpfile pids <(sort -un "$TMP/host.pids") --argjson ours "$1" '
		select(.type == "finding") |
		select(([.pid] | inside($pids)) == $ours)' "$TMP/findings.json"
}
others=$(findings false | wc -l)
[ "$others" -eq 0 ] ||
	echo "# $others findings in processes not the host's (ignored):" \
		"$(findings false | jq -r '"\(.pid) \(.comm) \(.kind)"' | sort -u | head -n 8 | tr '\n' ';')..."
if [ "$(findings true | wc -l)" -ne 0 ]; then
	findings true | jq -r '"# host finding: \(.kind) pid \(.pid) \(.comm) \(.site // .primitive // "")"' |
		sort | uniq -c | sort -rn | head -n 20
	findings true | cut -c1-600 | head -n 5
	fail "$CASE" "$(findings true | wc -l) findings on the healthy host (above)"
	exit 0
fi
pass "$CASE"
