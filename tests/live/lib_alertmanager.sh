# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A real Alertmanager for the live tests of the alert path: Debian's
# prometheus-alertmanager on loopback with a temporary configuration and
# storage (never the Debian service), and a webhook receiver, a few lines of
# python3 http.server, that appends each notification's JSON body as one
# line to a file. Source after lib.sh and lib_prometheus.sh (http_get).
#
#   am_rules_scaled > rules.yml; alert_path_start rules.yml  # all below + monitor
#   hook_start FILE || fail ...            # sets HOOK_URL
#   am_config URL > am.yml                 # the shipped one, fast timings
#   am_start am.yml || fail ...            # sets AM_ADDR
#   PROM_ALERTMANAGER=$AM_ADDR prom_start ...
#   hook_wait FILE 'ThreadleakThreadLeak' firing 4242 60 || fail ...
#   am_stop; hook_stop
#
# Both register their pids in PIDS (lib.sh), so a test that dies does not
# leave them running.

ALERTMANAGER=${ALERTMANAGER:-prometheus-alertmanager}
AM_SHIPPED=${AM_SHIPPED:-scripts/threadleak.alertmanager.yml}
AM_PID=
AM_ADDR=
AM_DIR=
HOOK_PID=
HOOK_URL=

# hook_start FILE: a webhook receiver on a free loopback port appending
# each POST body to FILE, one line each. Sets HOOK_URL and HOOK_PID.
hook_start() {
	local out=$1 log
	log=$(mktemp "${TMP:-/tmp}/hook.XXXXXX") || return 1
	: > "$out"
	python3 -u -c '
import http.server, json, sys
out = sys.argv[1]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps(json.loads(body), separators=(",", ":")) + "\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
' "$out" > "$log" 2>&1 &
	HOOK_PID=$!
	if declare -p PIDS > /dev/null 2>&1; then
		PIDS+=("$HOOK_PID")
	fi
	wait_for "$log" '^listening [0-9]+$' 10 || { cat "$log" >&2; return 1; }
	HOOK_URL="http://127.0.0.1:$(awk '{ print $2 }' "$log")/threadleak"
}

hook_stop() {
	[ -n "$HOOK_PID" ] && { kill "$HOOK_PID" 2> /dev/null; wait "$HOOK_PID" 2> /dev/null; }
	HOOK_PID=
}

# am_config URL: the shipped configuration with its receiver at URL and
# timings for a test: group_wait and group_interval 1 s, resolve_timeout 5 s.
am_config() {
	sed -e "s|^\(\s*- url: \).*|\1$1|" \
		-e 's|^\(\s*group_wait:\).*|\1 1s|' \
		-e 's|^\(\s*group_interval:\).*|\1 1s|' \
		-e 's|^\(\s*repeat_interval:\).*|\1 1h|' \
		-e 's|^\(\s*resolve_timeout:\).*|\1 5s|' "$AM_SHIPPED"
}

# am_start CONFIG: Alertmanager on a free loopback port, clustering off;
# waits until /-/ready answers (at most 30 s). Sets AM_ADDR and AM_PID.
am_start() {
	local config=$1 end port
	command -v "$ALERTMANAGER" > /dev/null || { echo "$ALERTMANAGER not installed" >&2; return 1; }
	AM_DIR=$(mktemp -d "${TMP:-/tmp}/alertmanager.XXXXXX") || return 1
	for _ in 1 2 3; do
		port=$(prom_free_port) || return 1
		"$ALERTMANAGER" --config.file="$config" --storage.path="$AM_DIR/data" \
			--web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
			--log.level=warn > "$AM_DIR/log" 2>&1 &
		AM_PID=$!
		if declare -p PIDS > /dev/null 2>&1; then
			PIDS+=("$AM_PID")
		fi
		AM_ADDR=127.0.0.1:$port
		end=$((SECONDS + 30))
		while kill -0 "$AM_PID" 2> /dev/null && [ $SECONDS -lt $end ]; do
			http_get "$AM_ADDR" /-/ready > /dev/null 2>&1 && return 0
			sleep 0.1
		done
		wait "$AM_PID" 2> /dev/null
		grep -q "address already in use" "$AM_DIR/log" || break
	done
	echo "alertmanager did not start: $(tail -n 3 "$AM_DIR/log")" >&2
	AM_PID=
	return 1
}

am_stop() {
	[ -n "$AM_PID" ] && { kill "$AM_PID" 2> /dev/null; wait "$AM_PID" 2> /dev/null; }
	AM_PID=
	[ -n "$AM_DIR" ] && rm -rf "$AM_DIR"
	AM_DIR=
}

# hook_alerts FILE: every alert the webhook got, one line each:
# STATUS ALERTNAME PID COMM CGROUP (empty labels as "-").
hook_alerts() {
	jq -r '.alerts[] | [.status, .labels.alertname, (.labels.pid // "-"),
		(.labels.comm // "-"), (.labels.cgroup // "-")] | join(" ")' "$1" 2> /dev/null
}

# hook_wait FILE ALERTNAME STATUS PID [SECONDS]: until the webhook got
# ALERTNAME for PID with STATUS (firing, resolved), at most SECONDS
# (default 60). Prints the alert's line (hook_alerts).
hook_wait() {
	local file=$1 name=$2 status=$3 pid=$4 end=$((SECONDS + ${5:-60})) line
	while :; do
		line=$(hook_alerts "$file" | awk -v s="$status" -v n="$name" -v p="$pid" \
			'$1 == s && $2 == n && $3 == p { print; exit }')
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		[ $SECONDS -ge $end ] && return 1
		sleep 0.5
	done
}

# am_rules_scaled [GROWTH]: the shipped rules with every duration divided
# by 60 (for: 5m -> 5s, [30m] -> [30s], the 30-minute lock wait -> 30 s)
# and, if given, ThreadsGrowingFast's 500 threads lowered to GROWTH.
# ThreadleakDown keeps 30 s: its `for` rides out scrapes that time out
# (1 s) on a loaded 2-CPU machine, which do not get shorter with the test.
am_rules_scaled() {
	sed -E -e 's/^(\s*for: )([0-9]+)m$/\1\2s/' -e 's/\[([0-9]+)m\]/[\1s]/g' \
		-e '/alert: ThreadleakDown$/,/for:/ s/for: .*/for: 30s/' \
		-e 's/(longest_lock_wait_seconds\{pid!=""\}) > 1800$/\1 > 30/' \
		${1:+-e "s/(delta\(threadleak_process_threads\{pid!=\"\"\}\[30s\]\)) > 500$/\1 > $1/"} \
		scripts/threadleak.rules.yml
}

# alert_path_start RULES: the webhook receiver (into $TMP/hook.json), the
# Alertmanager, `threadleak monitor` and Prometheus with RULES, sending to
# the Alertmanager; returns once a census was scraped. Says why on stderr.
alert_path_start() {
	local rules=$1 port end
	if grep -qE 'for: [0-9]+m|\[[0-9]+m\]|> 1800' "$rules" ||
		! promtool check rules "$rules" > "$TMP/check" 2>&1; then
		echo "rules not scaled: $(cat "$TMP/check")" >&2
		return 1
	fi
	hook_start "$TMP/hook.json" || { echo "webhook receiver did not start" >&2; return 1; }
	am_config "$HOOK_URL" > "$TMP/am.yml"
	amtool check-config "$TMP/am.yml" > "$TMP/amcheck" 2>&1 ||
		{ echo "test config: $(cat "$TMP/amcheck")" >&2; return 1; }
	am_start "$TMP/am.yml" || return 1
	port=$(prom_free_port) || return 1
	"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" \
		2> "$TMP/monitor.err" &
	PIDS+=($!)
	wait_for "$TMP/monitor.err" "^threadleak: metrics on http://127.0.0.1:$port/metrics" 30 ||
		{ echo "monitor did not start: $(cat "$TMP/monitor.err")" >&2; return 1; }
	PROM_ALERTMANAGER=$AM_ADDR prom_start "127.0.0.1:$port" "$rules" || return 1
	end=$((SECONDS + 30))
	until http_get "127.0.0.1:$PROM_PORT" /api/v1/alertmanagers 2> /dev/null |
		jq -e '.data.activeAlertmanagers | length == 1' > /dev/null; do
		[ $SECONDS -ge $end ] && { echo "prometheus does not see the alertmanager" >&2; return 1; }
		sleep 0.2
	done
	prom_wait 'threadleak_processes > 0' 30 > /dev/null || { echo "no census scraped" >&2; return 1; }
}
