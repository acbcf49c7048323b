#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The alert path (tests/live/alertmanager.sh) over a healthy real host
# (tests/live/lib_realhost.sh: PostgreSQL, Redis, memcached, nginx, a JVM
# and a threaded CPython HTTP server under load, Prometheus) for WATCH_S
# seconds (default 120), with the shipped rules' durations divided by 60
# (the 30-minute lock wait is 30 s): nothing about the host's processes
# reaches the webhook. Alerts about other processes (another test's, on a
# shared machine) are listed, not counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_realhost.sh"
. "$(dirname "$0")/lib_alertmanager.sh"
need_root
for tool in pgbench redis-server memcached nginx java wrk python3 prometheus promtool \
	prometheus-alertmanager amtool jq; do
	command -v $tool > /dev/null ||
		{ skip "" "needs $tool (scripts/install-deps.sh installs it)"; exit 0; }
done
trap 'realhost_stop; cleanup' EXIT
WATCH_S=${WATCH_S:-120}
CASE=quiet

realhost_start || { fail "$CASE" "the host did not start: ${RH_FAILED[*]} (see above)"; exit 0; }
am_rules_scaled > "$TMP/rules.yml"
alert_path_start "$TMP/rules.yml" 2> "$TMP/setup.err" || { fail "$CASE" "$(cat "$TMP/setup.err")"; exit 0; }
realhost_pids > "$TMP/host.pids"
end=$((SECONDS + WATCH_S))
while [ $SECONDS -lt $end ]; do
	sleep 5
	realhost_pids >> "$TMP/host.pids"
done
sort -u -o "$TMP/host.pids" "$TMP/host.pids"
hook_alerts "$TMP/hook.json" | sort -u > "$TMP/got"
awk 'NR == FNR { host[$1] = 1; next } ($3 in host)' "$TMP/host.pids" "$TMP/got" > "$TMP/host_got"
echo "  $CASE: $(wc -l < "$TMP/host.pids") host processes watched for $WATCH_S s"
[ -s "$TMP/got" ] && echo "  $CASE: other processes' alerts (status, alert, comm: processes):" \
	"$(grep -vxFf "$TMP/host_got" "$TMP/got" | awk '{ print $1, $2, $4 }' | sort | uniq -c |
		awk '{ printf "%s %s %s: %s; ", $2, $3, $4, $1 }')"
if [ -s "$TMP/host_got" ]; then
	fail "$CASE" "the host's processes alerted: $(tr '\n' ';' < "$TMP/host_got")"
else
	pass "$CASE"
fi
[ -n "${KEEP_FINDINGS:-}" ] && cp "$TMP/findings.json" "$KEEP_FINDINGS"
prom_stop
am_stop
hook_stop
