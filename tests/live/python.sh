#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CPython thread leaks (tests/progs/py_thread_leak.py), with the pyenv
# python3 (libpython with symbols) and Debian's stripped /usr/bin/python3.11:
# one threading.Thread per 200 ms blocked forever in queue.get(), or in
# Lock.acquire(). Each gives exactly one leak finding, whose site is the
# Python function with its file and line, its count exact, its wait named
# in Python's words; a ThreadingHTTPServer serving requests gives none; and
# the recorded trace replays to the same findings.
. "$(dirname "$0")/lib.sh"
need_root
PROG=$(cd "$(dirname "$0")/../progs" && pwd)/py_thread_leak.py
COUNT=60

declare -A PY=([pyenv]=$(command -v python3) [debian]=/usr/bin/python3.11)
declare -A SITE=([queue]="wait_for_job (py_thread_leak.py:16)"
		 [lock]="wait_for_lock (py_thread_leak.py:20)")
declare -A WAIT=([queue]=Queue.get [lock]=Lock.acquire)
declare -A PID_OF
pids=
for py in pyenv debian; do
	[ -x "${PY[$py]}" ] || { skip "$py" "${PY[$py]:-python3} is not installed"; continue; }
	for shape in queue lock; do
		"${PY[$py]}" "$PROG" "$shape" "$COUNT" > "$TMP/$py-$shape.out" 2>&1 &
		PIDS+=($!)
		PID_OF[$py/$shape]=$!
		pids=$pids${pids:+,}$!
	done
done
[ -n "$pids" ] || exit 0
# A healthy threaded server: ThreadingHTTPServer, one thread per request.
"${PY[pyenv]}" -m http.server --bind 127.0.0.1 0 > "$TMP/http.out" 2>&1 &
PIDS+=($!)
HTTP_PID=$!
for key in "${!PID_OF[@]}"; do
	wait_for "$TMP/${key//\//-}.out" '^ready' 30 || { fail "$key" "did not start"; exit 0; }
done
wait_for "$TMP/http.out" 'Serving HTTP' 30 || { fail http "did not start"; exit 0; }
port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/http.out" | head -1)
out=$TMP/tl.json
start_tl "$out" record -p "$pids,$HTTP_PID" -o "$TMP/py.tl" -d 20 --wait-threshold 120 --json
for i in $(seq 40); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" || break
	sleep 0.2
done
wait_exit "$TL_PID" 90
expect "threadleak exit status" $? 0 || { cat "$out.err"; exit 0; }
[ -n "${PY_LIVE_KEEP:-}" ] && cp "$out" "$PY_LIVE_KEEP"
CASE=replay
"$TL" replay --wait-threshold 120 --json "$TMP/py.tl" > "$TMP/replay.json" 2> "$TMP/replay.err"
expect "replay exit status" $? 0 || cat "$TMP/replay.err"
diff <(grep -v '"type":"end"' "$out") <(grep -v '"type":"end"' "$TMP/replay.json") > "$TMP/diff" &&
	pass "$CASE" || fail "$CASE" "replay differs from the live run: $(head -5 "$TMP/diff")"

for key in $(printf '%s\n' "${!PID_OF[@]}" | sort); do
	CASE=$key
	shape=${key##*/}
	pid=${PID_OF[$key]}
	grep -q "^done $COUNT" "$TMP/${key//\//-}.out" ||
		{ fail "$CASE" "did not start its $COUNT threads"; continue; }
	f=$(jq -c "select(.type == \"finding\" and .pid == $pid and (.summary | not))" "$out")
	expect "findings" "$(echo "$f" | grep -c .)" 1 || { echo "$f" | cut -c1-400; continue; }
	expect "kind" "$(echo "$f" | jq -r .kind)" thread_leak || continue
	expect "site" "$(echo "$f" | jq -r .site)" "${SITE[$shape]}" || continue
	expect "python wait" "$(echo "$f" | jq -r .python_wait)" "${WAIT[$shape]}" || continue
	s=$(jq -c "select(.type == \"finding\" and .pid == $pid and .summary)" "$out")
	expect "summary live" "$(echo "$s" | jq -r .live)" "$COUNT" || continue
	expect "summary python waits" "$(echo "$s" | jq -c .python_waits)" \
		"{\"${WAIT[$shape]}\":$COUNT}" || continue
	echo "$f" | jq -r '.stack[]' | grep -q "^${SITE[$shape]%% (*} (py_thread_leak.py:" ||
		{ fail "$CASE" "no Python frame of ${SITE[$shape]%% (*} in its stack"; continue; }
	pass "$CASE"
done
CASE=http
served=$(grep -c '"GET / HTTP' "$TMP/http.out")
[ "$served" -ge 20 ] || { fail "$CASE" "served $served requests, want 20 or more"; exit 0; }
expect "findings of the HTTP server" \
	"$(jq -c "select(.type == \"finding\" and .pid == $HTTP_PID)" "$out" | grep -c .)" 0 &&
	pass "$CASE"
