#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The monitor's endpoint against hostile local clients: it exposes the time
# of the last census, which advances; then 200 slow connections from 200
# loopback addresses, opened by nobody, each trickling a header line a
# second and reopened whenever the server closes it, while 127.0.0.1
# scrapes: every scrape is answered within 1 s, the monitor's peak memory
# stays within 32 MiB of its peak over as long a time before (the census
# of the host's processes alone moves it by tens of MiB), and its censuses
# go on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_prometheus.sh"
need_root

SLOW=200
SCRAPES=10

# scrape_value NAME: the value of the unlabelled metric NAME in a scrape.
scrape_value() {
	http_get "127.0.0.1:$port" /metrics | awk -v name="$1" '$1 == name { print $2 }'
}

# wait_census_after T [SECONDS]: until the last census is later than T;
# prints its time.
wait_census_after() {
	local t end=$((SECONDS + ${2:-10}))
	while :; do
		t=$(scrape_value threadleak_last_census_timestamp_seconds)
		if [ -n "$t" ] && awk -v a="$t" -v b="$1" 'BEGIN { exit !(a > b) }'; then
			echo "$t"
			return 0
		fi
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$mon/status"; }

CASE=last_census
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
wait_for "$TMP/monitor.err" "^threadleak: metrics on http://127.0.0.1:$port/metrics" 30 ||
	{ fail "$CASE" "monitor did not start: $(cat "$TMP/monitor.err")"; exit 0; }
first=$(wait_census_after 0 30) || { fail "$CASE" "no threadleak_last_census_timestamp_seconds"; exit 0; }
now=$EPOCHREALTIME
awk -v t="$first" -v now="$now" 'BEGIN { exit !(t <= now && now - t < 5) }' ||
	{ fail "$CASE" "last census at $first, now is $now"; exit 0; }
http_get "127.0.0.1:$port" /metrics > "$TMP/metrics"
expect "its type" "$(grep -c '^# TYPE threadleak_last_census_timestamp_seconds gauge$' "$TMP/metrics")" 1 || exit 0
second=$(wait_census_after "$first" 10) || { fail "$CASE" "stuck at $first"; exit 0; }
echo "  last census: $first, then $second" >&2
pass "$CASE"

CASE=slow_clients
rss_before=0
for _ in $(seq $SCRAPES); do
	r=$(rss)
	[ "$r" -gt "$rss_before" ] && rss_before=$r
	sleep 0.5
done
# nobody may pass through $TMP to its own copy of the client only.
chmod 0711 "$TMP"
install -m 0755 "$PROGS/slow_client" "$TMP/slow_client"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TMP/slow_client" "127.0.0.1:$port" $SLOW 1 > "$TMP/slow.out" 2> "$TMP/slow.err" &
PIDS+=($!)
wait_for "$TMP/slow.out" "^open $SLOW$" 30 ||
	{ fail "$CASE" "slow connections not open: $(cat "$TMP/slow.err")"; exit 0; }
wait_for "$TMP/slow.out" "^tick 3 " 30 || { fail "$CASE" "slow client stuck: $(cat "$TMP/slow.err")"; exit 0; }
before=$(scrape_value threadleak_last_census_timestamp_seconds)
latencies=()
rss_max=0
for i in $(seq $SCRAPES); do
	start=$EPOCHREALTIME
	http_get "127.0.0.1:$port" /metrics > "$TMP/scrape" ||
		{ fail "$CASE" "scrape $i failed after $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }') s"; exit 0; }
	latencies+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
	grep -q '^threadleak_censuses_total ' "$TMP/scrape" || { fail "$CASE" "scrape $i has no metrics"; exit 0; }
	r=$(rss)
	[ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 0.5
done
max=$(printf '%s\n' "${latencies[@]}" | sort -n | tail -n 1)
reopened=$(tail -n 1 "$TMP/slow.out" | awk '{ print $NF }')
echo "  $SCRAPES scrapes beside $SLOW slow connections, ms: ${latencies[*]} (max $max); slow connections closed by the server and reopened: $reopened; peak RSS $rss_before KiB before, $rss_max KiB during" >&2
awk -v m="$max" 'BEGIN { exit !(m < 1000) }' || { fail "$CASE" "a scrape took $max ms"; exit 0; }
# Each slow connection is closed within 2 s, so by tick 3 each was reopened.
[ "$reopened" -ge $SLOW ] || { fail "$CASE" "only $reopened slow connections closed by the server"; exit 0; }
[ $((rss_max - rss_before)) -lt 32768 ] ||
	{ fail "$CASE" "peak RSS grew by $((rss_max - rss_before)) KiB ($rss_before -> $rss_max)"; exit 0; }
after=$(wait_census_after "$before" 10) || { fail "$CASE" "no census since $before"; exit 0; }
pass "$CASE"

CASE=sigterm
kill -TERM $mon
wait_exit $mon 10
expect "status" $? 0 || exit 0
pass "$CASE"
