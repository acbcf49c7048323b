# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A real host for `threadleak monitor` to watch (issue 12's memory goal, the
# runtimes issue's quiet-host test, make bench): PostgreSQL with 96 backends
# under pgbench, Redis under redis-benchmark, memcached, nginx, a JVM HTTP
# server (com.sun.net.httpserver, a cached thread pool) under wrk, a threaded
# CPython HTTP server (http.server.ThreadingHTTPServer) under wrk, and
# Prometheus scraping itself. All Debian packages (scripts/install-deps.sh);
# everything on loopback, on free ports, in one temporary directory; the load
# generators are rate-limited or niced so that a 2-CPU machine keeps room
# for the tool being measured.
#
#   realhost_start || echo "not started: ${RH_FAILED[*]}"
#   ... RH_PID[postgres], RH_PORT[nginx], RH_SERVICES, RH_DIR ...
#   realhost_stop_load	# optional: the servers at rest
#   realhost_stop
#
# realhost_start starts every service it can: one that fails is named on
# stderr ("realhost: redis did not start: why") and in RH_FAILED, and the
# others keep running; it returns 1 if any failed. realhost_stop stops the
# load first, then the servers (each with a bound, then SIGKILL), and
# removes RH_DIR. Every process is also put in PIDS (tests/live/lib.sh) when
# that array exists, so a test that dies leaves nothing behind.
# Needs bash (/dev/tcp), and root for PostgreSQL (run as user postgres).

. "$(dirname "${BASH_SOURCE[0]}")/lib_prometheus.sh" # http_get, prom_free_port

RH_BACKENDS=${RH_BACKENDS:-96}	# pgbench clients: one backend each
RH_DIR=
RH_SERVICES=(postgres redis memcached nginx jvm python prometheus)
RH_FAILED=()
declare -A RH_PID=()	# service or load generator -> pid
declare -A RH_PORT=()	# service -> loopback TCP port
RH_LOAD=()		# the load generators' names, in RH_PID

# rh_spawn NAME COMMAND...: start COMMAND in the background, its output in
# RH_DIR/NAME.log; records its pid.
rh_spawn() {
	local name=$1
	shift
	"$@" < /dev/null > "$RH_DIR/$name.log" 2>&1 &
	RH_PID[$name]=$!
	if declare -p PIDS > /dev/null 2>&1; then
		PIDS+=("$!")
	fi
}

# rh_until SECONDS NAME COMMAND...: run COMMAND every 0.1 s until it
# succeeds; false once SECONDS passed or NAME's process exited.
rh_until() {
	local end=$((SECONDS + $1)) name=$2
	shift 2
	until "$@" > /dev/null 2>&1; do
		kill -0 "${RH_PID[$name]}" 2> /dev/null || return 1
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# rh_why NAME: the last lines of NAME's log, on one line.
rh_why() {
	local state=running
	kill -0 "${RH_PID[$1]:-0}" 2> /dev/null || state=exited
	echo "$state; $(tail -n 3 "$RH_DIR/$1.log" 2> /dev/null | tr '\n' ' ' | cut -c 1-300)"
}

# rh_port NAME: a free port for NAME, in RH_PORT.
rh_port() {
	RH_PORT[$1]=$(prom_free_port) || { echo "no free loopback port"; return 1; }
}

# rh_tcp_says PORT REQUEST REGEX: REQUEST sent over TCP gets a line that
# matches REGEX (memcached, redis).
rh_tcp_says() {
	local fd line ok=1
	exec {fd}<> "/dev/tcp/127.0.0.1/$1" || return 1
	printf '%b' "$2" >&"$fd"
	IFS= read -r -t 5 line <&"$fd" && [[ $line =~ $3 ]] && ok=0
	exec {fd}>&-
	return $ok
}

rh_http_ok() {
	http_get "127.0.0.1:$1" "${2:-/}" > /dev/null
}

# PostgreSQL as user postgres, its cluster in RH_DIR/pg, a socket in
# RH_DIR/pgsock; then pgbench with RH_BACKENDS clients at a modest rate.
rh_pg_bin() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
	[ -x "$bin/postgres" ] && echo "$bin"
}

rh_pg_backends() {
	local n
	n=$(psql -h "$RH_DIR/pgsock" -p "${RH_PORT[postgres]}" -U postgres -XAtq -c \
		"select count(*) from pg_stat_activity where backend_type = 'client backend'" \
		postgres 2> /dev/null)
	[ "${n:-0}" -ge $((RH_BACKENDS + 1)) ]
}

rh_start_postgres() {
	local bin as_pg
	bin=$(rh_pg_bin) || { echo "no PostgreSQL server (Debian package postgresql)"; return 1; }
	command -v pgbench > /dev/null || { echo "no pgbench"; return 1; }
	id postgres > /dev/null 2>&1 || { echo "no user postgres"; return 1; }
	as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
	mkdir -p "$RH_DIR/pg" "$RH_DIR/pgsock" && chown postgres: "$RH_DIR/pg" "$RH_DIR/pgsock" ||
		return 1
	"${as_pg[@]}" "$bin/initdb" -D "$RH_DIR/pg" -U postgres --auth=trust -E UTF8 \
		--no-sync > "$RH_DIR/initdb.log" 2>&1 ||
		{ echo "initdb failed: $(tail -n 3 "$RH_DIR/initdb.log" | tr '\n' ' ')"; return 1; }
	rh_port postgres || return 1
	rh_spawn postgres "${as_pg[@]}" "$bin/postgres" -D "$RH_DIR/pg" -p "${RH_PORT[postgres]}" \
		-k "$RH_DIR/pgsock" -c listen_addresses=127.0.0.1 \
		-c max_connections=$((RH_BACKENDS + 14)) -c shared_buffers=32MB -c fsync=off \
		-c synchronous_commit=off -c logging_collector=off
	rh_until 60 postgres "$bin/pg_isready" -q -h "$RH_DIR/pgsock" -p "${RH_PORT[postgres]}" ||
		{ echo "not ready in 60 s: $(rh_why postgres)"; return 1; }
	pgbench -h "$RH_DIR/pgsock" -p "${RH_PORT[postgres]}" -U postgres -i -s 1 -q postgres \
		> "$RH_DIR/pgbench-init.log" 2>&1 ||
		{ echo "pgbench -i failed: $(tail -n 3 "$RH_DIR/pgbench-init.log" | tr '\n' ' ')"; return 1; }
	rh_spawn pgbench nice -n 10 pgbench -h "$RH_DIR/pgsock" -p "${RH_PORT[postgres]}" -U postgres \
		-n -c "$RH_BACKENDS" -j 2 -R 200 -T 86400 postgres
	RH_LOAD+=(pgbench)
	rh_until 120 pgbench rh_pg_backends ||
		{ echo "fewer than $RH_BACKENDS backends after 120 s: $(rh_why pgbench)"; return 1; }
}

rh_start_redis() {
	command -v redis-server > /dev/null || { echo "no redis-server"; return 1; }
	mkdir -p "$RH_DIR/redis" || return 1
	rh_port redis || return 1
	rh_spawn redis redis-server --port "${RH_PORT[redis]}" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$RH_DIR/redis" --daemonize no
	rh_until 30 redis rh_tcp_says "${RH_PORT[redis]}" 'PING\r\n' '^\+PONG' ||
		{ echo "no PONG in 30 s: $(rh_why redis)"; return 1; }
	rh_spawn redis-benchmark nice -n 19 redis-benchmark -h 127.0.0.1 -p "${RH_PORT[redis]}" \
		-c 8 -n 100000 -t set,get,lpush,lpop -l -q
	RH_LOAD+=(redis-benchmark)
}

rh_start_memcached() {
	command -v memcached > /dev/null || { echo "no memcached"; return 1; }
	rh_port memcached || return 1
	rh_spawn memcached memcached -u nobody -l 127.0.0.1 -p "${RH_PORT[memcached]}" -U 0 -m 64
	rh_until 30 memcached rh_tcp_says "${RH_PORT[memcached]}" 'version\r\n' '^VERSION ' ||
		{ echo "no VERSION in 30 s: $(rh_why memcached)"; return 1; }
}

rh_start_nginx() {
	command -v nginx > /dev/null || [ -x /usr/sbin/nginx ] || { echo "no nginx"; return 1; }
	mkdir -p "$RH_DIR/nginx/logs" || return 1
	rh_port nginx || return 1
	cat > "$RH_DIR/nginx/nginx.conf" << EOF
worker_processes 2;
pid $RH_DIR/nginx/nginx.pid;
error_log $RH_DIR/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $RH_DIR/nginx/body;
	proxy_temp_path $RH_DIR/nginx/proxy;
	fastcgi_temp_path $RH_DIR/nginx/fastcgi;
	uwsgi_temp_path $RH_DIR/nginx/uwsgi;
	scgi_temp_path $RH_DIR/nginx/scgi;
	server {
		listen 127.0.0.1:${RH_PORT[nginx]};
		location / { return 200 "realhost nginx\n"; }
	}
}
EOF
	rh_spawn nginx "$(command -v nginx || echo /usr/sbin/nginx)" -p "$RH_DIR/nginx" \
		-c "$RH_DIR/nginx/nginx.conf" -g 'daemon off;'
	rh_until 30 nginx rh_http_ok "${RH_PORT[nginx]}" ||
		{ echo "no answer in 30 s: $(rh_why nginx)"; return 1; }
}

# The JDK's own HTTP server on a cached thread pool, a single-file program
# run from source. GET /slow answers after 1 s, GET /leak leaks a thread
# (neither asked by the healthy host).
rh_start_jvm() {
	command -v java > /dev/null || { echo "no java (Debian package openjdk-17-jdk-headless)"; return 1; }
	command -v wrk > /dev/null || { echo "no wrk"; return 1; }
	cat > "$RH_DIR/RealhostHttp.java" << 'EOF'
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

public class RealhostHttp {
	public static void main(String[] args) throws Exception {
		HttpServer server = HttpServer.create(
			new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 64);
		server.createContext("/", exchange -> {
			byte[] body = "realhost jvm\n".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		// GET /slow: an answer after 1 s, as if from a backend; under
		// many connections the cached pool grows a thread for each
		// (tests/live/rules_burst.sh).
		server.createContext("/slow", exchange -> {
			try {
				Thread.sleep(1000);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		// GET /leak: an executor per request, never shut down; its one
		// worker waits for a task forever (tests/live/jvm_server_leak.sh).
		server.createContext("/leak", exchange -> {
			Executors.newFixedThreadPool(1).execute(() -> { });
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		server.setExecutor(Executors.newCachedThreadPool());
		server.start();
	}
}
EOF
	rh_port jvm || return 1
	rh_spawn jvm java -Xmx128m "$RH_DIR/RealhostHttp.java" "${RH_PORT[jvm]}"
	rh_until 120 jvm rh_http_ok "${RH_PORT[jvm]}" ||
		{ echo "no answer in 120 s: $(rh_why jvm)"; return 1; }
	rh_spawn wrk-jvm nice -n 19 wrk -t 1 -c 8 -d 86400s "http://127.0.0.1:${RH_PORT[jvm]}/"
	RH_LOAD+=(wrk-jvm)
}

rh_start_python() {
	command -v python3 > /dev/null || { echo "no python3"; return 1; }
	command -v wrk > /dev/null || { echo "no wrk"; return 1; }
	cat > "$RH_DIR/realhost_http.py" << 'EOF'
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"realhost python\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
EOF
	rh_port python || return 1
	rh_spawn python python3 "$RH_DIR/realhost_http.py" "${RH_PORT[python]}"
	rh_until 30 python rh_http_ok "${RH_PORT[python]}" ||
		{ echo "no answer in 30 s: $(rh_why python)"; return 1; }
	rh_spawn wrk-python nice -n 19 wrk -t 1 -c 4 -d 86400s "http://127.0.0.1:${RH_PORT[python]}/"
	RH_LOAD+=(wrk-python)
}

# Prometheus scraping itself every second.
rh_start_prometheus() {
	command -v "$PROMETHEUS" > /dev/null || { echo "no prometheus"; return 1; }
	mkdir -p "$RH_DIR/prometheus" || return 1
	rh_port prometheus || return 1
	prom_config "127.0.0.1:${RH_PORT[prometheus]}" > "$RH_DIR/prometheus/prometheus.yml" ||
		return 1
	rh_spawn prometheus "$PROMETHEUS" --config.file="$RH_DIR/prometheus/prometheus.yml" \
		--storage.tsdb.path="$RH_DIR/prometheus/data" --storage.tsdb.retention.time=1h \
		--web.listen-address="127.0.0.1:${RH_PORT[prometheus]}" --log.level=warn
	rh_until 60 prometheus rh_http_ok "${RH_PORT[prometheus]}" /-/ready ||
		{ echo "not ready in 60 s: $(rh_why prometheus)"; return 1; }
}

# realhost_start: start every service (see the top of this file).
realhost_start() {
	local service why
	RH_FAILED=()
	RH_DIR=$(mktemp -d /tmp/threadleak-realhost.XXXXXX) || return 1
	chmod 755 "$RH_DIR" # PostgreSQL's user reaches its directories
	for service in "${RH_SERVICES[@]}"; do
		# Not in a $(...): the pids and ports it sets must stay ours.
		if ! "rh_start_$service" > "$RH_DIR/$service.why" 2>&1; then
			why=$(tr '\n' ' ' < "$RH_DIR/$service.why")
			echo "realhost: $service did not start: ${why:-no reason given}" >&2
			RH_FAILED+=("$service")
		fi
	done
	[ ${#RH_FAILED[@]} -eq 0 ]
}

# rh_stop_pid PID SIGNAL: SIGNAL, 15 s to exit, then SIGKILL; reaped.
rh_stop_pid() {
	local end=$((SECONDS + 15))
	kill -s "$2" "$1" 2> /dev/null
	while kill -0 "$1" 2> /dev/null && [ $SECONDS -lt $end ]; do
		sleep 0.1
	done
	kill -KILL "$1" 2> /dev/null
	wait "$1" 2> /dev/null
}

# rh_stop_one NAME SIGNAL: stop the service or load generator NAME.
rh_stop_one() {
	[ -n "${RH_PID[$1]:-}" ] || return 0
	rh_stop_pid "${RH_PID[$1]}" "$2"
	unset "RH_PID[$1]"
}

# realhost_stop_load: stop the load generators; the servers go on, at rest.
realhost_stop_load() {
	local name
	for name in "${RH_LOAD[@]}"; do
		rh_stop_one "$name" TERM
	done
	RH_LOAD=()
}

# realhost_stop: the load, then the servers (PostgreSQL's fast shutdown is
# SIGINT), then RH_DIR.
realhost_stop() {
	local name
	realhost_stop_load
	rh_stop_one postgres INT
	for name in "${!RH_PID[@]}"; do
		rh_stop_one "$name" TERM
	done
	[ -n "$RH_DIR" ] && rm -rf "$RH_DIR"
	RH_DIR=
}

# realhost_pids: the host's processes, the services and everything under them.
realhost_pids() {
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

# realhost_inject URL COUNT_FILE: in the background, GET URL 200 times, 0.2 s
# apart, each success counted into COUNT_FILE (written whole each time);
# its pid is added to PIDS.
realhost_inject() {
	(
		local n=0 i
		for i in $(seq 200); do
			curl -sf -o /dev/null "$1" && n=$((n + 1))
			echo $n > "$2.new" && mv "$2.new" "$2"
			sleep 0.2
		done
	) &
	PIDS+=($!)
}

# realhost_wait_leak FINDINGS PID SINCE SECONDS: PID's first thread_leak
# finding in FINDINGS, polled until SECONDS after SINCE ($SECONDS then);
# nothing if none came.
realhost_wait_leak() {
	local found=
	until [ -n "$found" ] || [ $((SECONDS - $3)) -gt "$4" ]; do
		found=$(jq -c "select(.kind == \"thread_leak\" and .pid == $2)" "$1" 2> /dev/null | head -1)
		[ -n "$found" ] || sleep 0.2
	done
	echo "$found"
}
