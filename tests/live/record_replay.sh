#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Record a leaking program and a deadlock for ~20 s, replay as an
# unprivileged user, and compare: with what the recording run printed (the
# same bytes) and with an independent live run (the same findings).
. "$(dirname "$0")/lib.sh"
need_root
CASE=same_as_live

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
}

for shape in leak-cond deadlock; do
	"$PROGS/findings" $shape > "$TMP/$shape.out" 2>&1 &
	PIDS+=($!)
	eval "PID_${shape/-/_}=$!"
	wait_for "$TMP/$shape.out" '^ready' 30 || { fail "$CASE" "$shape did not start"; exit 0; }
done
# And a Go program leaking goroutines: goroutine censuses are records too.
. "$(dirname "$0")/lib_go.sh"
GO_VER=$(for v in $GO_VERSIONS; do [ -x "/usr/lib/go-$v/bin/go" ] && echo "$v"; done | tail -n 1)
targets=$PID_leak_cond,$PID_deadlock
nr_findings=2
if [ -n "$GO_VER" ] && go_build "$GO_VER" normal "$TMP/goleaks" "$(dirname "$0")/../go/leaks.go"; then
	"$TMP/goleaks" forgotten-sender > "$TMP/goleaks.out" 2>&1 &
	PIDS+=($!)
	targets=$targets,$!
	nr_findings=3
	wait_for "$TMP/goleaks.out" '^ready' 30 || { fail "$CASE" "Go program did not start"; exit 0; }
fi
trace=$TMP/trace.tl
"$TL" record -p "$targets" -o "$trace" -d 20 --json > "$TMP/recorded.json" 2> "$TMP/record.err" &
rec=$!
PIDS+=($rec)
"$TL" -p "$targets" -d 20 --json > "$TMP/live.json" 2> "$TMP/live.err" &
live=$!
PIDS+=($live)
wait_exit $rec 60
expect "record exit status" $? 0 || { cat "$TMP/record.err"; exit 0; }
wait_exit $live 60
expect "live exit status" $? 0 || exit 0
expect "file mode" "$(stat -c %a "$trace")" 600 || exit 0
grep -q "^threadleak: recorded [0-9]* records, [0-9]* bytes" "$TMP/record.err" ||
	{ fail "$CASE" "no record summary: $(cat "$TMP/record.err")"; exit 0; }

# The user takes the file elsewhere and replays it without root.
chmod 755 "$TMP"
chmod 644 "$trace"
as_nobody "$TL" replay --json "$trace" > "$TMP/replay.json" 2> "$TMP/replay.err"
expect "replay exit status" $? 0 || { cat "$TMP/replay.err"; exit 0; }
diff <(grep -v '"type":"end"' "$TMP/recorded.json") <(grep -v '"type":"end"' "$TMP/replay.json") > "$TMP/diff" ||
	{ fail "$CASE" "replay differs from the recording run: $(head -5 "$TMP/diff")"; exit 0; }
expect "end reason" "$(jq -r 'select(.type == "end") | .reason' "$TMP/replay.json")" "end of trace" || exit 0
# An independent live run over the same processes found the same things.
findings_of() {
	jq -c 'select(.type == "finding" and (.summary | not)) |
		[.pid, .kind, .site, (.blocked_on // {} | keys), .primitive, ([.threads[]?.tid] | sort)]' "$1" | sort
}
expect "findings" "$(findings_of "$TMP/replay.json")" "$(findings_of "$TMP/live.json")" || exit 0
expect "findings" "$(findings_of "$TMP/replay.json" | wc -l)" $nr_findings || exit 0
pass "$CASE"

CASE=deterministic
as_nobody "$TL" replay --json "$trace" > "$TMP/replay2.json" 2>/dev/null
cmp -s "$TMP/replay.json" "$TMP/replay2.json" || { fail "$CASE" "two replays differ"; exit 0; }
as_nobody "$TL" replay "$trace" > "$TMP/replay.txt" 2>/dev/null
as_nobody "$TL" replay "$trace" > "$TMP/replay2.txt" 2>/dev/null
cmp -s "$TMP/replay.txt" "$TMP/replay2.txt" || { fail "$CASE" "two text replays differ"; exit 0; }
pass "$CASE"

CASE=info
info=$(as_nobody "$TL" replay --info "$trace")
expect "processes" "$(echo "$info" | awk '/^processes:/ { print $2 }')" $nr_findings || exit 0
expect "lost" "$(echo "$info" | grep -c '^events: [0-9]* delivered, 0 lost')" 1 || exit 0
echo "$info" | grep -q "^host: $(uname -n) Linux $(uname -r) $(uname -m)$" || { fail "$CASE" "host: $info"; exit 0; }
pass "$CASE"

CASE=truncated
size=$(stat -c %s "$trace")
head -c $((size * 2 / 3)) "$trace" > "$TMP/cut.tl"
"$TL" replay --json "$TMP/cut.tl" > "$TMP/cut.json" 2> "$TMP/cut.err"
expect "status" $? 0 || exit 0
grep -q "offset [0-9]*: file ends [0-9]* bytes into .*; the records before it were read" "$TMP/cut.err" ||
	{ fail "$CASE" "message: $(cat "$TMP/cut.err")"; exit 0; }
jq -r 'select(.type == "end") | .reason' "$TMP/cut.json" | grep -q '^trace cut short at offset [0-9]*$' ||
	{ fail "$CASE" "end: $(tail -n 1 "$TMP/cut.json")"; exit 0; }
n_cut=$(grep -c '"type":"sample"' "$TMP/cut.json")
n_all=$(grep -c '"type":"sample"' "$TMP/replay.json")
[ "$n_cut" -gt 0 ] && [ "$n_cut" -lt "$n_all" ] || { fail "$CASE" "samples: $n_cut of $n_all"; exit 0; }
pass "$CASE"

CASE=corrupt
cp "$trace" "$TMP/bad.tl"
printf '\xff\xff\xff\xff' | dd of="$TMP/bad.tl" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$TL" replay --json "$TMP/bad.tl" > /dev/null 2> "$TMP/bad.err"
expect "status" $? 1 || exit 0
grep -q "^threadleak: .*bad.tl: offset [0-9]*: " "$TMP/bad.err" || { fail "$CASE" "message: $(cat "$TMP/bad.err")"; exit 0; }
pass "$CASE"

CASE=foreign
"$TL" replay /bin/ls > /dev/null 2> "$TMP/foreign.err"
expect "status" $? 1 || exit 0
grep -q "not a threadleak trace" "$TMP/foreign.err" || { fail "$CASE" "message: $(cat "$TMP/foreign.err")"; exit 0; }
pass "$CASE"

CASE=symlink
ln -s "$TMP/elsewhere" "$TMP/link.tl"
"$TL" record -p "$PID_deadlock" -o "$TMP/link.tl" -d 1 > /dev/null 2> "$TMP/link.err"
expect "status" $? 1 || exit 0
expect "message" "$(cat "$TMP/link.err")" "threadleak: cannot write $TMP/link.tl: it is a symbolic link" || exit 0
[ ! -e "$TMP/elsewhere" ] || { fail "$CASE" "followed the link"; exit 0; }
pass "$CASE"

CASE=killed_recorder
# What the recorder printed is on disk within a second: kill it, lose at
# most that.
"$TL" record -p "$PID_leak_cond" -o "$TMP/killed.tl" --json > "$TMP/killed.json" 2>/dev/null &
rec=$!
disown $rec # killed on purpose: no job notice
PIDS+=($rec)
wait_samples "$TMP/killed.json" "$PID_leak_cond" 5 30 || { fail "$CASE" "no samples"; exit 0; }
start=$(date +%s%N)
until [ "$("$TL" replay --json "$TMP/killed.tl" 2>/dev/null | grep -c '"type":"sample"')" -ge 5 ]; do
	if [ $(( $(date +%s%N) - start )) -gt 1200000000 ]; then
		kill -9 $rec
		fail "$CASE" "the 5th sample was not on disk 1.2 s after it was printed"
		exit 0
	fi
	sleep 0.05
done
kill -9 $rec
while kill -0 $rec 2>/dev/null; do sleep 0.05; done
"$TL" replay --json "$TMP/killed.tl" > "$TMP/killed_replay.json" 2> "$TMP/killed.err"
expect "status" $? 0 || exit 0
grep -q "file ends without the chunk its writer marks as the last" "$TMP/killed.err" ||
	{ fail "$CASE" "message: $(cat "$TMP/killed.err")"; exit 0; }
jq -r 'select(.type == "end") | .reason' "$TMP/killed_replay.json" |
	grep -q '^trace ends at offset [0-9]* without its last chunk$' || { fail "$CASE" "end reason"; exit 0; }
got=$(grep -c '"type":"sample"' "$TMP/killed_replay.json")
[ "$got" -ge 5 ] || { fail "$CASE" "replayed $got samples after the kill"; exit 0; }
pass "$CASE"
