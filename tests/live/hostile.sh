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
# fuse_abort: end the connection, found in mountinfo (a stat of the mount
# would wait forever too), and unmount.
fuse_abort() {
	local dev
	dev=$(awk -v m="$TMP/mnt" '$5 == m { print $3 }' /proc/self/mountinfo)
	[ -n "$dev" ] || return 0
	echo 1 > "/sys/fs/fuse/connections/${dev#*:}/abort"
	umount -l "$TMP/mnt" 2> /dev/null
}
# before the rest of cleanup, which would wait for a stuck process forever
trap 'fuse_abort; cleanup' EXIT
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

# A process whose libc is on a FUSE file system that answers it alone: a
# read of its files sleeps in the kernel, where no signal ends it. -d and
# SIGTERM are kept all the same, the process is said to have stalled, its
# threads are counted, the neighbour too. The stuck read ends only when the
# connection is aborted (fusectl), and with it the threadleak process.
CASE=fuse_stall
mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections
mkdir "$TMP/mnt"
"$PROGS/fuse_stall" "$TMP/mnt" 5 > "$TMP/fuse.out" 2>&1 &
fuse_server=$!
PIDS+=($fuse_server)
# tl_until_end OUT ARGS...: threadleak in the background until it prints
# its end line (not until it exits: a stuck read keeps a dying process);
# sets TL_PID and MS, from its start to that line.
tl_until_end() {
	local out=$1 t0 end=$((SECONDS + 30))
	shift
	t0=$(date +%s%N)
	"$TL" "$@" > "$out" 2> "$out.err" &
	TL_PID=$!
	PIDS+=($TL_PID)
	until grep -q '"type":"end"' "$out" 2> /dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
	MS=$((($(date +%s%N) - t0) / 1000000))
}
if wait_for "$TMP/fuse.out" '^ready' 30; then
	stalling=$(awk '/^ready/ { print $2 }' "$TMP/fuse.out")
	PIDS+=($stalling)
	if tl_until_end "$TMP/fuse.json" -p $stalling,$good -d 3 --json &&
		expect "finding" "$(jq -r "select(.type == \"finding\" and .kind == \"incomplete\" and .pid == $stalling and (.summary | not)) | .part + \", \" + .reason + \": \" + .why" "$TMP/fuse.json")" \
			"threads, stalled: a read of its memory or files did not return" &&
		expect "threads" "$(jq -r "select(.type == \"sample\" and .pid == $stalling) | .threads" "$TMP/fuse.json" | tail -n 1)" 6 &&
		expect_good "$TMP/fuse.json"; then
		d_ms=$MS
		[ $d_ms -le 5000 ] || fail "$CASE" "-d 3 ended after $d_ms ms"
		# SIGTERM while a read is stuck: the end line within 2 s
		"$TL" -p $stalling --json > "$TMP/fuse-term.json" 2> "$TMP/fuse-term.err" &
		term=$!
		PIDS+=($term)
		wait_for "$TMP/fuse-term.json" '"kind":"incomplete"' 30 ||
			fail "$CASE" "no stall said without -d: $(cat "$TMP/fuse-term.err")"
		t0=$(date +%s%N)
		kill -TERM $term
		end=$((SECONDS + 10))
		until grep -q '"type":"end"' "$TMP/fuse-term.json"; do
			[ $SECONDS -ge $end ] && break
			sleep 0.05
		done
		term_ms=$((($(date +%s%N) - t0) / 1000000))
		fuse_abort
		wait_exit $TL_PID 10
		st=$?
		wait_exit $term 10
		st_term=$?
		if [ $term_ms -gt 2000 ]; then
			fail "$CASE" "SIGTERM ended it after $term_ms ms"
		elif expect "-p status" $st 0 && expect "status after SIGTERM" $st_term 0; then
			echo "  fuse_stall: -d 3 ended in $d_ms ms, SIGTERM in $term_ms ms"
			pass "$CASE"
		fi
	else
		echo "  fuse_stall: $(head -c 500 "$TMP/fuse.json.err")"
	fi
else
	fail "$CASE" "fuse_stall not ready: $(cat "$TMP/fuse.out")"
fi
fuse_abort
stop $fuse_server
stop $stalling

# The monitor, beside the good program, then with the hostile ones too: its
# peak RSS at the end against its RSS before they started (a baseline from
# another run moves by tens of MB with what else the host runs).
CASE=monitor
metric() {
	curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk -v m="$1{pid=\"$2\"" 'index($0, m) == 1 { print $2 }'
}
censuses() {
	curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk '$1 == "threadleak_censuses_total" { print $2 }'
}
# until_true WHAT CONDITION, then two more censuses
until_true() {
	local end=$((SECONDS + 60)) n
	until eval "$2"; do
		if [ $SECONDS -ge $end ] || ! kill -0 $mon 2> /dev/null; then
			fail "$CASE" "$1: $2: $(tail -n 3 "$TMP/monitor.err")"
			return 1
		fi
		sleep 0.5
	done
	n=$(censuses)
	until [ "$(censuses)" -ge $((n + 2)) ]; do
		[ $SECONDS -ge $end ] && { fail "$CASE" "$1: censuses stopped at $n"; return 1; }
		sleep 0.5
	done
}
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/monitor.json" 2> "$TMP/monitor.err" &
mon=$!
PIDS+=($mon)
until_true "the good one" '[ "$(metric threadleak_process_goroutines $good)" = 186 ]' || exit 0
rss0=$(awk '/^VmRSS/ { print $2 }' /proc/$mon/status)
as_nobody "$TMP/m-wrap.out" "$TMP/hostile" wrap || { fail "$CASE" "wrap not ready"; exit 0; }
wrap=$BAD
as_nobody "$TMP/m-copies.out" "$TMP/hostile" copies 1000000 || { fail "$CASE" "copies not ready"; exit 0; }
copies=$BAD
until_true "the hostile ones" '[ "$(metric threadleak_process_incomplete $wrap)" = 1 ] &&
	[ "$(metric threadleak_process_incomplete $copies)" = 1 ] &&
	[ "$(metric threadleak_process_incomplete $fifo)" = 1 ] &&
	[ "$(metric threadleak_process_goroutines $good)" = 186 ]' || exit 0
hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$mon/status)
t0=$(date +%s%N)
kill -TERM $mon
wait_exit $mon 2
st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
# Other processes of the host may be unreadable too (other tests' hostile
# programs): they are shown, not counted.
jq -c "select(.type == \"finding\" and .kind == \"incomplete\" and .pid != $wrap and .pid != $copies and .pid != $fifo)" "$TMP/monitor.json" |
	while read -r other; do echo "  elsewhere on the host: $other"; done
if expect "monitor's status" $st 0 &&
	expect "incomplete findings" "$(jq -r "select(.type == \"finding\" and .kind == \"incomplete\" and (.update | not) and (.resolved | not) and (.pid == $wrap or .pid == $copies or .pid == $fifo)) | .pid" "$TMP/monitor.json" | sort -n | tr '\n' ' ')" \
	"$(printf '%s\n' $wrap $copies $fifo | sort -n | tr '\n' ' ')"; then
	[ $ms -le 2000 ] || { fail "$CASE" "SIGTERM took $ms ms"; exit 0; }
	[ "$hwm" -le $((rss0 + 32768)) ] ||
		{ fail "$CASE" "peak RSS $hwm KiB, $rss0 KiB before the hostile ones"; exit 0; }
	echo "  monitor: peak RSS $hwm KiB, $rss0 KiB before the hostile ones; SIGTERM to exit $ms ms"
	pass "$CASE"
fi
