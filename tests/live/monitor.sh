#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# threadleak monitor against a real Prometheus (Debian's, on loopback,
# scraping every second): a program started after the monitor shows up with
# a rising thread gauge and its leak state set, and the JSON stream carries
# exactly one leak finding for it. Then a minute of process churn: the
# monitor's memory and series stay bounded, no process is counted twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_prometheus.sh"
need_root
for tool in prometheus promtool; do
	command -v $tool > /dev/null || { skip "" "needs $tool (Debian package prometheus)"; exit 0; }
done

CASE=prometheus
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
mkdir "$TMP/textfile"
"$TL" monitor --metrics-addr "127.0.0.1:$port" --textfile "$TMP/textfile" \
	--max-series 20 -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
wait_for "$TMP/monitor.err" "^threadleak: metrics on http://127.0.0.1:$port/metrics" 30 ||
	{ fail "$CASE" "monitor did not start: $(cat "$TMP/monitor.err")"; exit 0; }
prom_start "127.0.0.1:$port" scripts/threadleak.rules.yml || { fail "$CASE" "prometheus did not start"; exit 0; }

# The leaking program starts after the monitor.
"$PROGS/findings" leak-cond > "$TMP/leak.out" &
leak=$!
PIDS+=($leak)
sel="{pid=\"$leak\"}"
first=$(prom_wait "threadleak_process_threads$sel" 30) || { fail "$CASE" "no series for $leak"; exit 0; }
prom_wait "threadleak_process_threads$sel > $((first + 20))" 30 > /dev/null ||
	{ fail "$CASE" "thread gauge did not rise from $first"; exit 0; }
prom_wait "threadleak_process_thread_leak$sel == 1" 40 > /dev/null ||
	{ fail "$CASE" "leak state not set: $(prom_query "threadleak_process_thread_leak$sel")"; exit 0; }
labels=$(prom_labels "threadleak_process_thread_leak$sel")
expect "labels" "$(echo "$labels" | jq -r '.comm + " " + (.cgroup | length > 0 | tostring)')" "findings true" || exit 0
expect "findings for it" "$(jq -c "select(.type == \"finding\" and .pid == $leak and (.update | not))" "$TMP/findings.json" | wc -l)" 1 || exit 0
expect "its kind" "$(jq -r "select(.type == \"finding\" and .pid == $leak) | .kind" "$TMP/findings.json" | sort -u)" thread_leak || exit 0
grep -q "^threadleak_process_thread_leak{pid=\"$leak\"" "$TMP/textfile/threadleak.prom" ||
	{ fail "$CASE" "not in the textfile"; exit 0; }
promtool check metrics < "$TMP/textfile/threadleak.prom" > "$TMP/check" 2>&1 ||
	{ fail "$CASE" "promtool check metrics: $(cat "$TMP/check")"; exit 0; }
pass "$CASE"

CASE=resolved
kill "$leak"
wait_for "$TMP/findings.json" "\"pid\":$leak,.*\"resolved\":true" 30 ||
	{ fail "$CASE" "no resolved finding after the process exited"; exit 0; }
pass "$CASE"

CASE=sighup_reopens
mv "$TMP/findings.json" "$TMP/findings.json.1"
kill -HUP $mon
"$PROGS/findings" deadlock > "$TMP/deadlock.out" &
PIDS+=($!)
wait_for "$TMP/findings.json" '"kind":"deadlock"' 30 || { fail "$CASE" "no finding in the new file"; exit 0; }
pass "$CASE"

CASE=churn
rss() { awk '/^VmRSS:/ { print $2 }' /proc/$mon/status; }
# Threads alive on the host: the monitor's state follows them, not the churn.
host_threads() { ps -e -o nlwp= | awk '{ n += $1 } END { print n }'; }
"$PROGS/proc_churn" 60 50 4 > "$TMP/churn.out" &
churn=$!
PIDS+=($churn)
wait_exit $churn 1 # let it run: a bounded poll, not a sleep
end=$((SECONDS + 15))
while [ $SECONDS -lt $end ]; do sleep 0.5; done
rss_early=$(rss)
threads_early=$(host_threads)
wait_exit $churn 120
expect "churn status" $? 0 || exit 0
started=$(awk '/^done/ { print $2 }' "$TMP/churn.out")
[ "$started" -ge 2000 ] || { fail "$CASE" "only $started processes"; exit 0; }
rss_late=$(rss)
threads_late=$(host_threads)
# A snapshot shows the processes that exited during its census once, with
# their final counts; compare two censuses after the churn ended.
censuses() { http_get "127.0.0.1:$port" /metrics | awk '/^threadleak_censuses_total / { print $2 }'; }
c0=$(censuses)
end=$((SECONDS + 30))
until [ "$(censuses)" -ge $((c0 + 2)) ]; do
	[ $SECONDS -ge $end ] && { fail "$CASE" "no census after the churn"; exit 0; }
	sleep 0.2
done
http_get "127.0.0.1:$port" /metrics > "$TMP/metrics" || { fail "$CASE" "no metrics"; exit 0; }
# 4 MiB of slack, and 1 KiB per thread more alive at the end than at the start.
grows=$((rss_late - rss_early))
more=$((threads_late - threads_early))
[ $more -gt 0 ] || more=0
[ "$grows" -lt $((4096 + more)) ] ||
	{ fail "$CASE" "RSS grew by $grows KiB over 45 s of churn ($rss_early -> $rss_late KiB, $more more threads)"; exit 0; }
series=$(grep -c '^threadleak_process_threads{' "$TMP/metrics")
[ "$series" -le 21 ] || { fail "$CASE" "$series series with --max-series 20"; exit 0; }
dups=$(grep '^threadleak_process_threads{' "$TMP/metrics" | sed 's/.*pid="\([0-9]*\)".*/\1/' | sort | uniq -d | wc -l)
expect "pids counted twice" "$dups" 0 || exit 0
# What the monitor counts is what is there: processes it watches against
# /proc (user processes, with a margin for those starting or ending).
watched=$(awk '/^threadleak_processes / { print $2 }' "$TMP/metrics")
actual=$(ps -e -o pid=,ppid= | awk '$1 != 2 && $2 != 2' | wc -l) # not kthreadd's children
diff=$((watched - actual))
if [ ${diff#-} -gt 5 ]; then
	gone=$(grep '^threadleak_process_threads{' "$TMP/metrics" |
		sed 's/.*pid="\([0-9]*\)",comm="\([^"]*\)".* \([0-9]*\)$/\1 \2 \3/' |
		while read -r p c n; do [ -d "/proc/$p" ] || echo "$p:$c:$n"; done | head -n 8 | tr '\n' ' ')
	fail "$CASE" "monitor watches $watched processes, /proc has $actual; not in /proc: $gone"
	exit 0
fi
echo "  churn: $started processes, RSS $rss_early -> $rss_late KiB, $series series, $watched processes watched, $actual in /proc" >&2
pass "$CASE"

CASE=sigterm
kill -TERM $mon
wait_exit $mon 30
expect "status" $? 0 || exit 0
expect "end line" "$(tail -n 1 "$TMP/findings.json" | jq -r '.type + " " + .reason')" "end interrupted" || exit 0
prom_stop
pass "$CASE"
