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
# Nothing about the host's processes reaches the webhook for QUIET_S
# seconds (default 30); then a thread leak, a deadlock and a goroutine leak
# each arrive firing with pid, comm and cgroup labels, and resolve once
# their process is killed.
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

CASE=setup
am_rules_scaled 250 > "$TMP/rules.yml"
if [ "$(grep -cE '> 30$|> 250$' "$TMP/rules.yml")" != 2 ]; then
	fail "$CASE" "the shipped rules changed: update am_rules_scaled"
	exit 0
fi
alert_path_start "$TMP/rules.yml" 2> "$TMP/setup.err" || { fail "$CASE" "$(cat "$TMP/setup.err")"; exit 0; }
pass "$CASE"

# Nothing leaks yet: the processes the host ran before the test send
# nothing. Alerts about other tests' programs (on a shared machine: built
# under build/tests or in a test's /tmp/threadleak-* directory) and about
# processes started meanwhile are listed, not counted.
CASE=quiet
for p in /proc/[0-9]*; do
	case $(readlink "$p/exe" 2> /dev/null) in
	*/build/tests/* | /tmp/threadleak-*) ;;
	*) echo "${p#/proc/}" ;;
	esac
done > "$TMP/host.pids"
sleep "$QUIET_S"
hook_alerts "$TMP/hook.json" | sort -u > "$TMP/got"
awk 'NR == FNR { host[$1] = 1; next } ($3 in host) || $3 == "-"' "$TMP/host.pids" "$TMP/got" > "$TMP/host_got"
[ -s "$TMP/got" ] && echo "  $CASE: other processes' alerts: $(grep -vxFf "$TMP/host_got" "$TMP/got" | head -n 5 | tr '\n' ';')"
if [ -s "$TMP/host_got" ]; then
	fail "$CASE" "the webhook got: $(head -n 5 "$TMP/host_got" | tr '\n' ';')" \
		"(last scrape error: $(http_get "127.0.0.1:$PROM_PORT" /api/v1/targets |
			jq -r '.data.activeTargets[0].lastError'))"
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
echo "  webhook, the test's processes: $(hook_alerts "$TMP/hook.json" |
	awk -v p=" $leak $dead $goleak " 'index(p, " " $3 " ")' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
[ -n "${KEEP_FINDINGS:-}" ] && cp "$TMP/findings.json" "$KEEP_FINDINGS"
prom_stop
am_stop
hook_stop
