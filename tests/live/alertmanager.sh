#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The alert path end to end: threadleak monitor, Debian's prometheus with
# the shipped rules, Debian's prometheus-alertmanager with the shipped
# configuration, and a webhook receiver. The rules are the shipped file with
# every duration divided by 60 (for: 5m -> 5s, [30m] -> [30s], the
# 30-minute lock wait -> 30 s), so the test checks the shipped expressions;
# the e2e copy also lowers ThreadsGrowingFast's 500 threads to 250, so the
# leak trips it and the inhibit rule has something to hold back.
#
# Nothing reaches the webhook while nothing leaks; then a thread leak, a
# deadlock and a goroutine leak each arrive firing with pid, comm and
# cgroup labels, and resolve once their process is killed.
#
#   tests/live/alertmanager.sh [BUILD]
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_prometheus.sh"
. "$(dirname "$0")/lib_alertmanager.sh"
. "$(dirname "$0")/lib_go.sh"
need_root
for tool in prometheus promtool prometheus-alertmanager amtool jq python3; do
	command -v $tool > /dev/null ||
		{ skip "" "needs $tool (scripts/install-deps.sh)"; exit 0; }
done
QUIET_S=${QUIET_S:-30}

# rules_scaled [GROWTH]: the shipped rules, durations divided by 60, and
# ThreadsGrowingFast's threshold GROWTH threads if given.
rules_scaled() {
	sed -E -e 's/^(\s*for: )([0-9]+)m$/\1\2s/' -e 's/\[([0-9]+)m\]/[\1s]/g' \
		-e 's/(longest_lock_wait_seconds\{pid!=""\}) > 1800$/\1 > 30/' \
		${1:+-e "s/(delta\(threadleak_process_threads\{pid!=\"\"\}\[30s\]\)) > 500$/\1 > $1/"} \
		scripts/threadleak.rules.yml
}

CASE=setup
rules_scaled 250 > "$TMP/rules.yml"
if grep -qE 'for: [0-9]+m|\[[0-9]+m\]|> 1800|\[30s\]\) > 500' "$TMP/rules.yml" ||
	[ "$(grep -cE '> 30$|> 250$' "$TMP/rules.yml")" != 2 ] ||
	! promtool check rules "$TMP/rules.yml" > "$TMP/check" 2>&1; then
	fail "$CASE" "scaling the shipped rules: $(cat "$TMP/check" 2> /dev/null)"
	exit 0
fi
hook_start "$TMP/hook.json" || { fail "$CASE" "webhook receiver did not start"; exit 0; }
am_config "$HOOK_URL" > "$TMP/am.yml"
amtool check-config "$TMP/am.yml" > "$TMP/amcheck" 2>&1 ||
	{ fail "$CASE" "test config: $(cat "$TMP/amcheck")"; exit 0; }
am_start "$TMP/am.yml" 2> "$TMP/am.err" || { fail "$CASE" "$(cat "$TMP/am.err")"; exit 0; }
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
PIDS+=($!)
wait_for "$TMP/monitor.err" "^threadleak: metrics on http://127.0.0.1:$port/metrics" 30 ||
	{ fail "$CASE" "monitor did not start: $(cat "$TMP/monitor.err")"; exit 0; }
PROM_ALERTMANAGER=$AM_ADDR prom_start "127.0.0.1:$port" "$TMP/rules.yml" 2> "$TMP/prom.err" ||
	{ fail "$CASE" "$(cat "$TMP/prom.err")"; exit 0; }
end=$((SECONDS + 30))
until http_get "127.0.0.1:$PROM_PORT" /api/v1/alertmanagers 2> /dev/null |
	jq -e '.data.activeAlertmanagers | length == 1' > /dev/null; do
	[ $SECONDS -ge $end ] && { fail "$CASE" "prometheus does not see the alertmanager"; exit 0; }
	sleep 0.2
done
prom_wait 'threadleak_processes > 0' 30 > /dev/null ||
	{ fail "$CASE" "no census scraped"; exit 0; }
pass "$CASE"

# Nothing leaks yet (the host's own processes only): nothing is sent. On a
# host where other tests run leaking programs this fails, naming them.
CASE=quiet
end=$((SECONDS + QUIET_S))
while [ $SECONDS -lt $end ] && [ ! -s "$TMP/hook.json" ]; do
	sleep 1
done
if [ -s "$TMP/hook.json" ]; then
	fail "$CASE" "the webhook got: $(hook_alerts "$TMP/hook.json" | sort -u | head -n 5 | tr '\n' ';')"
else
	pass "$CASE"
fi

# The three kinds of findings, at once.
"$PROGS/findings" leak-cond > "$TMP/leak.out" &
leak=$!
PIDS+=($leak)
"$PROGS/findings" deadlock > "$TMP/deadlock.out" &
dead=$!
PIDS+=($dead)
goleak=
for v in $GO_VERSIONS; do
	go_toolchain "$v" > /dev/null 2>&1 || continue
	go_build "$v" normal "$TMP/leaks" tests/go/leaks.go || continue
	"$TMP/leaks" forgotten-sender > "$TMP/goleak.out" 2>&1 &
	goleak=$!
	PIDS+=($goleak)
	break
done
[ -n "$goleak" ] || fail goroutine_leak "no Go toolchain built tests/go/leaks.go"

# expect_alert NAME PID COMM [SECONDS]: NAME arrives firing for PID, with
# its comm and its cgroup (as /proc says it).
expect_alert() {
	local name=$1 pid=$2 comm=$3 cgroup line
	cgroup=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup" 2> /dev/null)
	if ! line=$(hook_wait "$TMP/hook.json" "$name" firing "$pid" "${4:-90}"); then
		fail "$CASE" "$name for pid $pid never arrived; got: $(hook_alerts "$TMP/hook.json" | sort -u | tr '\n' ';')"
		return 1
	fi
	if [ "$line" != "firing $name $pid $comm ${cgroup:--}" ]; then
		fail "$CASE" "$name: got '$line', want 'firing $name $pid $comm ${cgroup:--}'"
		return 1
	fi
	echo "  $CASE: $line after $((SECONDS - t0)) s"
}

t0=$SECONDS
CASE=thread_leak
expect_alert ThreadleakThreadLeak "$leak" findings && pass "$CASE"
CASE=deadlock
expect_alert ThreadleakDeadlock "$dead" findings && pass "$CASE"
CASE=lock_wait
expect_alert ThreadleakLongLockWait "$dead" findings 120 && pass "$CASE"
if [ -n "$goleak" ]; then
	CASE=goroutine_leak
	expect_alert ThreadleakGoroutineLeak "$goleak" leaks && pass "$CASE"
	CASE=goroutines_blocked
	expect_alert ThreadleakGoroutinesBlocked "$goleak" leaks 150 && pass "$CASE"
fi

# The inhibit rule: Prometheus fired ThreadsGrowingFast for the leak (while
# it grew, its first 60 s), the webhook never got it.
CASE=inhibit
if ! prom_wait "max_over_time(ALERTS{alertname=\"ThreadleakThreadsGrowingFast\",alertstate=\"firing\",pid=\"$leak\"}[10m])" 60 > /dev/null; then
	fail "$CASE" "ThreadsGrowingFast never fired for the leak: nothing to inhibit"
else
	sleep 3 # three group intervals for a notification that should not come
	if hook_alerts "$TMP/hook.json" | grep -q "ThreadleakThreadsGrowingFast $leak "; then
		fail "$CASE" "ThreadsGrowingFast reached the webhook for pid $leak"
	else
		pass "$CASE"
	fi
fi
# Condvar waits are idle waits: no lock-wait alert for the thread leak.
CASE=idle_not_lock
if hook_alerts "$TMP/hook.json" | grep -q "ThreadleakLongLockWait $leak "; then
	fail "$CASE" "ThreadleakLongLockWait for the condvar leak"
else
	pass "$CASE"
fi

# Killed, each process's alerts resolve.
CASE=resolve
stop "$leak"
stop "$dead"
[ -n "$goleak" ] && stop "$goleak"
t0=$SECONDS
ok=1
while read -r status name pid _; do
	[ "$status" = firing ] || continue
	case " $leak $dead $goleak " in *" $pid "*) ;; *) continue ;; esac
	if ! hook_wait "$TMP/hook.json" "$name" resolved "$pid" 60 > /dev/null; then
		fail "$CASE" "$name for pid $pid did not resolve"
		ok=0
	fi
done < <(hook_alerts "$TMP/hook.json" | sort -u)
[ $ok = 1 ] && pass "$CASE" && echo "  $CASE: all resolved within $((SECONDS - t0)) s"
echo "  webhook: $(hook_alerts "$TMP/hook.json" | sort | uniq -c | tr '\n' ';')"
prom_stop
am_stop
hook_stop
