#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A JVM (OpenJDK's java, tests/progs/PoolLeak.java run from source) whose
# request handler creates an executor per request and never shuts it down
# (issue 14): threadleak -p and threadleak monitor each find exactly one
# leak, whose site is the executor threads' name pattern (pool-N-thread-…)
# and whose count is the number of executors the program created; the
# launcher's join of the Java main thread and the JVM's own threads (GC,
# compilers, VM thread, Finalizer, ...) are no findings. The same program
# without the leak, traced alongside, gives none.
. "$(dirname "$0")/lib.sh"
need_root
command -v java > /dev/null || { skip "" "needs java (OpenJDK 17: apt-get install openjdk-17-jdk-headless)"; exit 0; }
SRC=$(dirname "$0")/../progs/PoolLeak.java
LEAKS=150 # one every 200 ms: 30 s of leaking, then the shared executor
CASE=setup

"$TL" monitor --metrics-addr none -o "$TMP/monitor.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
java "$SRC" leak $LEAKS > "$TMP/leak.out" 2>&1 &
leak=$!
PIDS+=($leak)
java "$SRC" healthy > "$TMP/healthy.out" 2>&1 &
healthy=$!
PIDS+=($healthy)
wait_for "$TMP/leak.out" '^ready' 60 && wait_for "$TMP/healthy.out" '^ready' 60 ||
	{ fail "" "the JVMs did not start: $(tail -n 3 "$TMP/leak.out" "$TMP/healthy.out")"; exit 0; }

# Until the leaking one has created every executor, and 10 s more.
"$TL" -p "$leak,$healthy" -d $((LEAKS / 5 + 12)) --json > "$TMP/p.json" 2> "$TMP/p.err"
st=$?
expect "-p status" $st 0 || { echo "$(tail -n 3 "$TMP/p.err")"; exit 0; }
created=$(awk '/^created/ { n = $2 } END { print n }' "$TMP/leak.out")
expect "executors created" "$created" $LEAKS || exit 0
# The kernel's count of them: threads whose name is pool-K-thread-…
pool_threads() { cat /proc/$1/task/*/comm 2>/dev/null | grep -c '^pool-[0-9]*-thread'; }
expect "their threads" "$(pool_threads $leak)" $LEAKS || exit 0

# show PID FILE: a JVM's findings in full, to tell why.
show() {
	jq -c "select(.type == \"finding\" and .pid == $1 and (.summary | not))" "$2" | cut -c1-400 | tail -n 4
}
# findings PID FILE: a JVM's findings, as kind site live.
findings() {
	jq -r "select(.type == \"finding\" and .pid == $1 and (.summary | not) and (.update | not))
		| [.kind, .site, (.live // \"-\" | tostring)] | join(\" \")" "$2"
}
CASE=p_leak
f=$(findings $leak "$TMP/p.json")
expect "findings" "$(echo "$f" | grep -c .)" 1 || { show $leak "$TMP/p.json"; exit 0; }
expect "kind and site" "$(echo "$f" | cut -d' ' -f1-2)" "thread_leak pool-N-thread-N…" || exit 0
summary=$(jq -c "select(.type == \"finding\" and .pid == $leak and .summary)" "$TMP/p.json")
expect "restated once" "$(echo "$summary" | grep -c .)" 1 || exit 0
expect "live at the end" "$(echo "$summary" | jq -r .live)" $LEAKS || exit 0
expect "start routine" "$(echo "$summary" | jq -r .start_routine)" \
	"thread_native_entry(Thread*) (libjvm.so)" || exit 0
expect "shown thread's pattern" "$(echo "$summary" | jq -r '.name_pattern | test("^pool-N-thread")')" true || exit 0
pass "$CASE"

CASE=p_healthy
f=$(findings $healthy "$TMP/p.json")
expect "findings" "$(echo "$f" | grep -c .)" 0 || { show $healthy "$TMP/p.json"; exit 0; }
pass "$CASE"

CASE=monitor
f=$(findings $leak "$TMP/monitor.json")
expect "leak findings" "$(echo "$f" | grep -c .)" 1 || { show $leak "$TMP/monitor.json"; exit 0; }
expect "kind and site" "$(echo "$f" | cut -d' ' -f1-2)" "thread_leak pool-N-thread-N…" || exit 0
f=$(findings $healthy "$TMP/monitor.json")
expect "healthy findings" "$(echo "$f" | grep -c .)" 0 || { show $healthy "$TMP/monitor.json"; exit 0; }
# An update restates the leak when it doubles: the last one has the count.
last=$(jq -r "select(.type == \"finding\" and .pid == $leak) | .live" "$TMP/monitor.json" | tail -n 1)
[ "$last" -le $LEAKS ] || { fail "$CASE" "monitor counted $last of $LEAKS"; exit 0; }
pass "$CASE"
