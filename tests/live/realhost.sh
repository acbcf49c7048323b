#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# threadleak monitor on a healthy real host (tests/live/lib_realhost.sh:
# PostgreSQL with 96 backends under pgbench, Redis, memcached, nginx, a JVM
# and a threaded CPython HTTP server under wrk, Prometheus) for 60 s: it
# ends with status 0 and reports no leak and no deadlock in any of the
# host's processes. A finding in a process that is not the host's (another
# test's, on a shared machine) is listed, not counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_realhost.sh"
need_root
for tool in pgbench redis-server redis-benchmark memcached nginx java wrk python3 prometheus; do
	command -v $tool > /dev/null ||
		{ skip "" "needs $tool (scripts/install-deps.sh installs it)"; exit 0; }
done
trap 'realhost_stop; cleanup' EXIT

CASE=quiet
SECONDS_WATCHED=60

# host_pids: the host's processes, the services and everything under them.
host_pids() {
	ps -e -o pid=,ppid= | awk -v roots="${RH_PID[*]}" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) ours[r[i]] = 1 }
		{ parent[$1] = $2 }
		END {
			do {
				added = 0
				for (p in parent)
					if (!(p in ours) && (parent[p] in ours)) { ours[p] = 1; added = 1 }
			} while (added)
			for (p in ours) print p
		}'
}

realhost_start || { fail "$CASE" "the host did not start: ${RH_FAILED[*]} (see above)"; exit 0; }
host_pids > "$TMP/host.pids"
[ "$(wc -l < "$TMP/host.pids")" -ge 100 ] ||
	{ fail "$CASE" "only $(wc -l < "$TMP/host.pids") host processes"; exit 0; }

port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor -d $SECONDS_WATCHED --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" \
	2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
wait_exit $mon $((SECONDS_WATCHED + 60))
status=$?
host_pids >> "$TMP/host.pids"
expect "monitor status" $status 0 || { cat "$TMP/monitor.err"; exit 0; }

# findings true|false: the leak and deadlock findings in the host's
# processes, or in the others'.
findings() {
	jq -c --slurpfile pids <(sort -un "$TMP/host.pids") --argjson ours "$1" '
		select(.type == "finding" and
		       (.kind == "thread_leak" or .kind == "goroutine_leak" or .kind == "deadlock")) |
		select(([.pid] | inside($pids)) == $ours)' "$TMP/findings.json"
}
# Other findings (long waits) on the host: shown, allowed.
jq -r --slurpfile pids <(sort -un "$TMP/host.pids") '
	select(.type == "finding" and ([.pid] | inside($pids)) and (.update | not)) |
	"# host finding: \(.kind) pid \(.pid) \(.comm) \(.site // .primitive // "")"' \
	"$TMP/findings.json" | sort | uniq -c | sort -rn | head -n 20
others=$(findings false | wc -l)
[ "$others" -eq 0 ] ||
	echo "# $others leak/deadlock findings in processes not the host's (ignored):" \
		"$(findings false | jq -r '"\(.pid) \(.comm) \(.kind)"' | sort -u | head -n 8 | tr '\n' ';')..."
if [ "$(findings true | wc -l)" -ne 0 ]; then
	findings true
	fail "$CASE" "$(findings true | wc -l) leak/deadlock findings on the healthy host (above)"
	exit 0
fi
pass "$CASE"
