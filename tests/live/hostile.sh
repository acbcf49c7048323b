#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What a local user can do to threadleak, done by programs that run as
# nobody (issue 11): a Go program that lies about its goroutines
# (tests/go/hostile.go: a goroutine whose stack wraps the address space,
# allglen 2^26, one g listed a million times, allgs flipping under the
# reader) and a process whose "libc.so.6" is now a FIFO
# (tests/progs/fifo_libc.c). For each: `goroutines`, `-p` and `monitor` end
# within their bound with a status below 128, say in one line why the
# process could not be read, stay within 32 MB of the same run without it,
# and a well-behaved Go program traced beside it (tests/go/parked.go, 186
# goroutines) keeps its exact count.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_go.sh"
. "$(dirname "$0")/lib_prometheus.sh"
need_root
V=1.22 # its linker lets a program name runtime variables
[ -x /usr/lib/go-$V/bin/go ] || { skip "" "needs Go $V (scripts/install-deps.sh)"; exit 0; }
SRC=$(cd "$(dirname "$0")/../go" && pwd)
go_build $V normal "$TMP/hostile" "$SRC/hostile.go" ||
	{ fail "" "go build hostile: $(head -c 300 "$TMP/hostile.build")"; exit 0; }
go_build $V normal "$TMP/parked" "$SRC/parked.go" ||
	{ fail "" "go build parked: $(head -c 300 "$TMP/parked.build")"; exit 0; }
chmod 755 "$TMP"

# as_nobody OUT CMD...: start CMD as nobody, wait for its "ready"; sets BAD.
as_nobody() {
	local out=$1
	shift
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" > "$out" 2>&1 &
	BAD=$!
	PIDS+=($BAD)
	wait_for "$out" '^ready' 60
}

"$TMP/parked" parked > "$TMP/parked.out" 2>&1 &
good=$!
PIDS+=($good)
wait_for "$TMP/parked.out" '^ready' 120 || { fail "" "parked not ready"; exit 0; }

# peak_rss OUT ARGS...: run threadleak ARGS (bounded); sets STATUS and RSS,
# its peak RSS in KiB.
peak_rss() {
	local out=$1
	shift
	/usr/bin/time -f '%M' -o "$out.rss" timeout -s KILL 60 "$TL" "$@" > "$out" 2> "$out.err"
	STATUS=$?
	RSS=$(tail -n 1 "$out.rss" 2> /dev/null)
}

peak_rss "$TMP/base.json" -p $good -d 3 --json
base_rss=$RSS
expect_good() {
	expect "the neighbour's goroutines" \
		"$(jq -r "select(.type == \"sample\" and .pid == $good) | .goroutines" "$1" | tail -n 1)" 186
}

# mode, the line `goroutines` prints, the reason of the incomplete finding
cases=(
	"wrap|a goroutine's stack bounds are impossible|malformed"
	"huge|allgs is larger than the memory budget|memory budget"
	"copies 1000000|allgs lists a goroutine twice|malformed"
	"flip||"
)
for c in "${cases[@]}"; do
	IFS='|' read -r mode line reason <<< "$c"
	CASE=${mode%% *}
	as_nobody "$TMP/$CASE.out" "$TMP/hostile" $mode || { fail "$CASE" "not ready: $(cat "$TMP/$CASE.out")"; continue; }
	timeout -s KILL 30 "$TL" goroutines -p $BAD > "$TMP/$CASE.dump" 2> "$TMP/$CASE.dump.err"
	st=$?
	if [ -n "$line" ]; then
		expect "goroutines' status" $st 1 || continue
		expect "goroutines' message" "$(cat "$TMP/$CASE.dump.err")" \
			"threadleak: reading process $BAD's goroutines: $line" || continue
	else
		[ $st -lt 128 ] || { fail "$CASE" "goroutines died: status $st"; continue; }
	fi
	peak_rss "$TMP/$CASE.json" -p $BAD,$good -d 3 --json
	rss=$RSS
	expect "-p status" $STATUS 0 || continue
	[ "$rss" -le $((base_rss + 32768)) ] ||
		{ fail "$CASE" "peak RSS $rss KiB, $base_rss without it"; continue; }
	expect_good "$TMP/$CASE.json" || continue
	got=$(jq -r "select(.type == \"finding\" and .kind == \"incomplete\" and .pid == $BAD and (.summary | not)) | .reason + \": \" + .why" "$TMP/$CASE.json")
	if [ -n "$reason" ]; then
		expect "finding" "$got" "$reason: $line" || continue
	fi
	echo "  $CASE: goroutines status $st; -p peak RSS $rss KiB ($base_rss KiB without it)"
	stop $BAD
	pass "$CASE"
done

CASE=fifo_libc
as_nobody "$TMP/fifo.out" "$PROGS/fifo_libc" 5 || { fail "$CASE" "not ready: $(cat "$TMP/fifo.out")"; exit 0; }
fifo=$BAD
peak_rss "$TMP/fifo.json" -p $fifo,$good -d 3 --json
rss=$RSS
if expect "-p status (124: it hung)" $STATUS 0 &&
	expect "threads" "$(jq -r "select(.type == \"sample\" and .pid == $fifo) | .threads" "$TMP/fifo.json" | tail -n 1)" 6 &&
	expect "finding" "$(jq -r "select(.type == \"finding\" and .kind == \"incomplete\" and .pid == $fifo and (.summary | not)) | .part + \", \" + .reason + \": \" + .why" "$TMP/fifo.json")" \
		"threads, file refused: its libc is not a regular file" &&
	expect_good "$TMP/fifo.json"; then
	echo "  fifo_libc: -p peak RSS $rss KiB"
	pass "$CASE"
fi

# The monitor: first beside the good program alone, then with every hostile
# one at once beside it; its peak RSS compared between the two.
CASE=monitor
metric() {
	curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk -v m="$1{pid=\"$2\"" 'index($0, m) == 1 { print $2 }'
}
censuses() {
	curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk '$1 == "threadleak_censuses_total" { print $2 }'
}
# run_monitor NAME CONDITION: start it, wait until CONDITION holds and two
# more censuses ran, SIGTERM it; sets RSS (peak, KiB) and MS (to exit).
run_monitor() {
	local name=$1 cond=$2 end=$((SECONDS + 60)) mon n t0
	port=$(prom_free_port) || { fail "$CASE" "no free port"; return 1; }
	"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/$name.json" 2> "$TMP/$name.err" &
	mon=$!
	PIDS+=($mon)
	until eval "$cond"; do
		if [ $SECONDS -ge $end ] || ! kill -0 $mon 2> /dev/null; then
			fail "$CASE" "$name: $cond: $(tail -n 3 "$TMP/$name.err")"
			return 1
		fi
		sleep 0.5
	done
	n=$(censuses)
	until [ "$(censuses)" -ge $((n + 2)) ]; do
		[ $SECONDS -ge $end ] && { fail "$CASE" "$name: censuses stopped at $n"; return 1; }
		sleep 0.5
	done
	RSS=$(awk '/^VmHWM/ { print $2 }' /proc/$mon/status)
	t0=$(date +%s%N)
	kill -TERM $mon
	wait_exit $mon 2
	STATUS=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	expect "$name's status" $STATUS 0
}
run_monitor monitor-base '[ "$(metric threadleak_process_goroutines $good)" = 186 ]' || exit 0
base_rss=$RSS
as_nobody "$TMP/m-wrap.out" "$TMP/hostile" wrap || { fail "$CASE" "wrap not ready"; exit 0; }
wrap=$BAD
as_nobody "$TMP/m-copies.out" "$TMP/hostile" copies 1000000 || { fail "$CASE" "copies not ready"; exit 0; }
copies=$BAD
run_monitor monitor '[ "$(metric threadleak_process_incomplete $wrap)" = 1 ] &&
	[ "$(metric threadleak_process_incomplete $copies)" = 1 ] &&
	[ "$(metric threadleak_process_incomplete $fifo)" = 1 ] &&
	[ "$(metric threadleak_process_goroutines $good)" = 186 ]' || exit 0
if expect "incomplete findings" "$(jq -r 'select(.type == "finding" and .kind == "incomplete" and (.update | not) and (.resolved | not)) | .pid' "$TMP/monitor.json" | sort -n | tr '\n' ' ')" \
	"$(printf '%s\n' $wrap $copies $fifo | sort -n | tr '\n' ' ')"; then
	[ $MS -le 2000 ] || { fail "$CASE" "SIGTERM took $MS ms"; exit 0; }
	[ "$RSS" -le $((base_rss + 32768)) ] ||
		{ fail "$CASE" "peak RSS $RSS KiB, $base_rss KiB without the hostile ones"; exit 0; }
	echo "  monitor: peak RSS $RSS KiB ($base_rss KiB without them), SIGTERM to exit $MS ms"
	pass "$CASE"
fi
