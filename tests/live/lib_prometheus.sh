# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A real Prometheus server for the live tests of `threadleak monitor`:
# Debian's prometheus on loopback, scraping one target every second, its
# TSDB in a temporary directory; queries through its HTTP API, read with jq.
# Needs bash (for /dev/tcp), jq and prometheus; no root, no curl.
#
#   prom_start 127.0.0.1:9464 [RULES_FILE...] || fail ...
#   prom_wait 'threadleak_process_threads{pid="42"} >= 50' 30 || fail ...
#   prom_value 'threadleak_process_threads{pid="42"}'    # prints 57
#   prom_stop
#
# prom_start registers the server in PIDS (tests/live/lib.sh) when that
# array exists, so a test that dies still does not leave it running; the
# directory is under $TMP when set, and removed by prom_stop.

PROMETHEUS=${PROMETHEUS:-prometheus}
PROM_JOB=threadleak
PROM_PID=
PROM_PORT=
PROM_DIR=

# http_get HOST:PORT PATH [HEADERS_FILE]: GET over HTTP/1.0 with bash's
# /dev/tcp; the body on stdout, the status line and headers (without \r)
# in HEADERS_FILE. Succeeds only on a 200. At most 10 s.
http_get() {
	local addr=$1 path=$2 headers=${3:-/dev/null} host port fd status line
	host=${addr%:*}
	port=${addr##*:}
	host=${host#[}
	host=${host%]}
	exec {fd}<>"/dev/tcp/$host/$port" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$addr" >&"$fd"
	if ! IFS= read -r -t 10 status <&"$fd"; then
		exec {fd}>&-
		return 1
	fi
	status=${status%$'\r'}
	echo "$status" > "$headers"
	while IFS= read -r -t 10 line <&"$fd"; do
		line=${line%$'\r'}
		[ -z "$line" ] && break
		echo "$line" >> "$headers"
	done
	timeout 10 cat <&"$fd"
	exec {fd}>&-
	[[ $status == HTTP/1.?" 200 "* ]]
}

# prom_free_port: a loopback TCP port nobody listens on, below the
# ephemeral range so an outgoing connection does not take it meanwhile.
prom_free_port() {
	local port used
	used=$(awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' \
		/proc/net/tcp /proc/net/tcp6 2> /dev/null)
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 12000))
		grep -qx "$(printf '%04X' "$port")" <<< "$used" || { echo "$port"; return 0; }
	done
	return 1
}

# prom_config TARGET [RULES_FILE...]: the configuration prom_start uses;
# alerts go to the Alertmanager at PROM_ALERTMANAGER (HOST:PORT) when set.
prom_config() {
	local target=$1 rules
	shift
	echo "global:"
	echo "  scrape_interval: 1s"
	echo "  scrape_timeout: 1s"
	echo "  evaluation_interval: 1s"
	if [ -n "${PROM_ALERTMANAGER:-}" ]; then
		echo "alerting:"
		echo "  alertmanagers:"
		echo "    - static_configs:"
		echo "        - targets: ['$PROM_ALERTMANAGER']"
	fi
	if [ $# -gt 0 ]; then
		echo "rule_files:"
		for rules in "$@"; do
			echo "  - '$(realpath "$rules")'"
		done
	fi
	echo "scrape_configs:"
	echo "  - job_name: $PROM_JOB"
	echo "    static_configs:"
	echo "      - targets: ['$target']"
}

# prom_start TARGET [RULES_FILE...]: start Prometheus scraping TARGET
# (HOST:PORT, path /metrics) under job="threadleak", with the rule files;
# wait until /-/ready answers (at most 60 s). Sets PROM_PID, PROM_PORT and
# PROM_DIR. A port taken between choosing and binding gets another try.
prom_start() {
	local target=$1 end
	shift
	command -v "$PROMETHEUS" > /dev/null || { echo "prometheus not installed" >&2; return 1; }
	PROM_DIR=$(mktemp -d "${TMP:-/tmp}/prometheus.XXXXXX") || return 1
	prom_config "$target" "$@" > "$PROM_DIR/prometheus.yml" || return 1
	for _ in 1 2 3; do
		PROM_PORT=$(prom_free_port) || return 1
		"$PROMETHEUS" --config.file="$PROM_DIR/prometheus.yml" \
			--storage.tsdb.path="$PROM_DIR/data" \
			--storage.tsdb.retention.time=1h \
			--web.listen-address="127.0.0.1:$PROM_PORT" \
			--log.level=warn > "$PROM_DIR/log" 2>&1 &
		PROM_PID=$!
		if declare -p PIDS > /dev/null 2>&1; then
			PIDS+=("$PROM_PID")
		fi
		end=$((SECONDS + 60))
		while kill -0 "$PROM_PID" 2> /dev/null && [ $SECONDS -lt $end ]; do
			http_get "127.0.0.1:$PROM_PORT" /-/ready > /dev/null 2>&1 && return 0
			sleep 0.1
		done
		if kill -0 "$PROM_PID" 2> /dev/null; then
			echo "prometheus not ready after 60 s: $(tail -n 3 "$PROM_DIR/log")" >&2
			prom_stop
			return 1
		fi
		wait "$PROM_PID" 2> /dev/null
		grep -q "address already in use" "$PROM_DIR/log" || break
	done
	echo "prometheus did not start: $(tail -n 3 "$PROM_DIR/log")" >&2
	PROM_PID=
	return 1
}

# prom_query EXPR: the API's JSON answer to an instant query, on stdout.
prom_query() {
	local q
	q=$(jq -rn --arg q "$1" '$q | @uri')
	http_get "127.0.0.1:$PROM_PORT" "/api/v1/query?query=$q"
}

# prom_value EXPR: the value of the query's first series (or of a scalar);
# nothing if it has no result. Fails if the query fails.
prom_value() {
	local answer
	answer=$(prom_query "$1") || return 1
	jq -er 'if .status != "success" then error(.error)
		elif .data.resultType == "scalar" then .data.result[1]
		else (.data.result[0].value[1] // "") end' <<< "$answer"
}

# prom_labels EXPR: the labels of the query's first series, as JSON.
prom_labels() {
	local answer
	answer=$(prom_query "$1") || return 1
	jq -ec '.data.result[0].metric' <<< "$answer"
}

# prom_wait EXPR [SECONDS]: until EXPR has a result (use a comparison as a
# filter: 'x > 5'), at most SECONDS (default 30). Prints its value.
prom_wait() {
	local expr=$1 end=$((SECONDS + ${2:-30})) value
	while :; do
		value=$(prom_value "$expr" 2> /dev/null)
		if [ -n "$value" ]; then
			echo "$value"
			return 0
		fi
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# prom_stop: stop the server (SIGTERM, then SIGKILL after 10 s) and remove
# its directory.
prom_stop() {
	local end=$((SECONDS + 10))
	if [ -n "$PROM_PID" ]; then
		kill -TERM "$PROM_PID" 2> /dev/null
		while kill -0 "$PROM_PID" 2> /dev/null && [ $SECONDS -lt $end ]; do
			sleep 0.1
		done
		kill -KILL "$PROM_PID" 2> /dev/null
		wait "$PROM_PID" 2> /dev/null
		PROM_PID=
	fi
	[ -n "$PROM_DIR" ] && rm -rf "$PROM_DIR"
	PROM_DIR=
}
