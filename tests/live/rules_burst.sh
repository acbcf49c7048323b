#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ThreadleakThreadsGrowingFast on real shapes (issue 17, item 2): the
# monitor, Debian's prometheus with the shipped rules, every duration
# divided by 6 (for: 15m -> 150s, [30m] -> [300s], [5m] -> [50s]), and two
# of the real host's JVM HTTP servers (tests/live/lib_realhost.sh, a cached
# pool). One gets a burst, wrk -c 800 for 10 s (a minute, scaled) on a path
# that answers after 1 s (a request waiting on a backend), and is
# then idle: its pool grows past the rule's 500 threads and stops, and the
# alert never fires. The other leaks a thread per request (GET /leak, about
# four a second, steadily): the alert fires for it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_realhost.sh"
need_root
for tool in java wrk curl prometheus promtool jq; do
	command -v $tool > /dev/null ||
		{ skip "" "needs $tool (scripts/install-deps.sh installs it)"; exit 0; }
done
trap 'prom_stop; realhost_stop; cleanup' EXIT
CASE=setup
RULE=ThreadleakThreadsGrowingFast

perl -pe 's/\[(\d+)m\]/"[" . $1 * 10 . "s]"/ge; s/^(\s*for: )(\d+)m$/$1 . $2 * 10 . "s"/e' \
	scripts/threadleak.rules.yml > "$TMP/rules.yml"
grep -qE 'for: [0-9]+m|\[[0-9]+m\]' "$TMP/rules.yml" && { fail "$CASE" "rules not scaled"; exit 0; }
promtool check rules "$TMP/rules.yml" > "$TMP/check" 2>&1 || { fail "$CASE" "$(cat "$TMP/check")"; exit 0; }
RH_SERVICES=(jvm)
realhost_start || { fail "$CASE" "the server did not start: ${RH_FAILED[*]} (see above)"; exit 0; }
burst=${RH_PID[jvm]}
rh_port jvm-leak && rh_spawn jvm-leak java -Xmx128m "$RH_DIR/RealhostHttp.java" "${RH_PORT[jvm-leak]}" &&
	rh_until 120 jvm-leak rh_http_ok "${RH_PORT[jvm-leak]}" ||
	{ fail "$CASE" "the second server did not start: $(rh_why jvm-leak)"; exit 0; }
leak=${RH_PID[jvm-leak]}
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
PIDS+=($!)
wait_for "$TMP/monitor.err" "^threadleak: metrics on http://127.0.0.1:$port/metrics" 30 ||
	{ fail "$CASE" "monitor did not start: $(cat "$TMP/monitor.err")"; exit 0; }
prom_start "127.0.0.1:$port" "$TMP/rules.yml" 2> "$TMP/prom.err" || { fail "$CASE" "$(cat "$TMP/prom.err")"; exit 0; }
prom_wait "threadleak_process_threads{pid=\"$burst\"}" 30 > /dev/null &&
	prom_wait "threadleak_process_threads{pid=\"$leak\"}" 30 > /dev/null ||
	{ fail "$CASE" "no thread counts scraped"; exit 0; }
sleep 10 # a baseline before the growth
pass "$CASE"

start=$SECONDS
wrk -t 2 -c 800 -d 10s "http://127.0.0.1:${RH_PORT[jvm]}/slow" > "$TMP/wrk.out" 2>&1 &
PIDS+=($!)
(
	while :; do
		curl -sf -o /dev/null "http://127.0.0.1:${RH_PORT[jvm-leak]}/leak"
		sleep 0.2
	done
) &
PIDS+=($!)
firing() { prom_value "max_over_time(ALERTS{alertname=\"$RULE\",alertstate=\"firing\",pid=\"$1\"}[10m])"; }
until [ -n "$(firing $leak)" ] || [ $((SECONDS - start)) -gt 420 ]; do
	sleep 1
done
took=$((SECONDS - start))
# The burst: its most threads, and the longest run of seconds the rule's
# condition held (its `for` is 150 s).
expr=$(sed -n "/alert: $RULE\$/,/for:/p" "$TMP/rules.yml" | sed -n '/expr:/,/for:/p' |
	grep -v -e 'expr:' -e 'for:' | tr -s ' \n' ' ')
peak=$(prom_value "max_over_time(threadleak_process_threads{pid=\"$burst\"}[10m])")
base=$(prom_value "min_over_time(threadleak_process_threads{pid=\"$burst\"}[10m])")
now=$(date +%s)
held=$(http_get "127.0.0.1:$PROM_PORT" "/api/v1/query_range?query=$(jq -rn --arg q \
	"(${expr//pid!=\"\"/pid=\"$burst\"}) > 0" '$q | @uri')&start=$((now - took - 5))&end=$now&step=1" |
	jq '[.data.result[0].values // [] | .[][0]] | . as $t |
		reduce range(length) as $i ({run: 0, best: 0};
			.run = (if $i > 0 and $t[$i] - $t[$i - 1] == 1 then .run + 1 else 1 end) |
			.best = ([.best, .run] | max)) | .best')
echo "# burst: $base -> $peak threads; the rule's condition held $held s at most (for: 150 s)"
echo "# leak: $RULE firing $took s after it began (threads: $(prom_value "threadleak_process_threads{pid=\"$leak\"}"))"

CASE=burst_quiet
[ "${peak%.*}" -ge $((${base%.*} + 500)) ] ||
	{ fail "$CASE" "the burst grew the pool by $((${peak%.*} - ${base%.*})) threads, not over 500: $(tail -n 3 "$TMP/wrk.out")"; exit 0; }
expect "$RULE firing for the burst" "$(firing $burst)" "" && pass "$CASE"
CASE=leak_fires
[ -n "$(firing $leak)" ] && pass "$CASE" || fail "$CASE" "$RULE did not fire in 420 s"
