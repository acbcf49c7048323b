#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 14, item 6, the Python half: a threaded CPython HTTP server
# (tests/progs/py_http_leak.py) under wrk, quiet while healthy, then a
# thread leak of one thread per 200 ms injected into it (GET /leak starts a
# thread blocked in queue.get()): `threadleak monitor` finds it within 30 s,
# its site the Python function with its file and line, its wait Queue.get,
# and reports nothing else of the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_realhost.sh" # realhost_wait_leak
need_root
command -v wrk > /dev/null || { skip "" "needs wrk (scripts/install-deps.sh installs it)"; exit 0; }
PROG=$(cd "$(dirname "$0")/../progs" && pwd)/py_http_leak.py
CASE=found
SITE="wait_for_job (py_http_leak.py:14)"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$PROG" "$port" > "$TMP/server.out" 2>&1 &
server=$!
PIDS+=($server)
wait_for "$TMP/server.out" '^listening' 30 || { fail "$CASE" "the server did not start"; exit 0; }
nice -n 19 wrk -t 1 -c 4 -d 120s "http://127.0.0.1:$port/" > /dev/null 2>&1 &
PIDS+=($!)
"$TL" monitor -d 60 -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
sleep 15 # healthy under load first: the monitor's first censuses see no leak
injected=$SECONDS
realhost_inject "http://127.0.0.1:$port/leak" "$TMP/created"
found=$(realhost_wait_leak "$TMP/findings.json" "$server" "$injected" 30)
took=$((SECONDS - injected))
[ -n "$found" ] || { fail "$CASE" "no leak finding 30 s after the injection: $(cat "$TMP/monitor.err")"; exit 0; }
echo "# found $took s after the injection: $(echo "$found" | cut -c1-300)"
expect "site" "$(echo "$found" | jq -r .site)" "$SITE" || exit 0
expect "python wait" "$(echo "$found" | jq -r .python_wait)" Queue.get || exit 0
wait_exit $mon 90
expect "monitor status" $? 0 || { cat "$TMP/monitor.err"; exit 0; }
others=$(jq -c "select(.pid == $server and .kind != \"thread_leak\")" "$TMP/findings.json" | grep -c .)
expect "other findings of the server" "$others" 0 || exit 0
pass "$CASE"
