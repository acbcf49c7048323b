#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Names a target chooses reach no terminal raw. Three copies of
# tests/progs/hostile_names run as nobody, their comms set to escapes that
# set the title, clear the screen and forge a line, each leaking an exact
# number of threads (themselves hostile-named) from a start routine whose
# symbol holds escapes and a C1 control, in a file whose name holds escapes.
# Traced with -p in text and --json at once, then system-wide: every output
# shows the escaped forms, holds no raw control byte but line ends, and
# counts the leaks exactly. Then `threadleak goroutines` of a Go program
# whose file name (a //line directive) holds escapes.
. "$(dirname "$0")/lib.sh"
need_root
CASE=start

# What the text output must show for each name, and the start routine.
COMMS=('\x1b]0;pwned\x07' '\x1b[2J' 'a\nFAKE LINE')
RAW_COMMS=($'\e]0;pwned\a' $'\e[2J' $'a\nFAKE LINE')
COUNTS=(30 40 50)
INTERVALS=(330 250 200) # each leak lasts 10 s
# The symbol, then the file it is in, whose name is hostile too.
EXE=$'names\e]0;file\a'
SITE='leak\x1b[2J\u009b\x1b]0;pwned\x07 (names\x1b]0;file\x07)'
RAW_SITE=$'leak\e[2J\xc2\x9b\e]0;pwned\a ('"$EXE)"

mkdir -m 0700 "$TMP/private"
cp "$PROGS/hostile_names" "$TMP/private/$EXE"
chown -R nobody: "$TMP/private"
chmod 0711 "$TMP"
pids=()
for i in 0 1 2; do
	mkfifo "$TMP/in$i"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TMP/private/$EXE" $i ${COUNTS[$i]} ${INTERVALS[$i]} \
		< "$TMP/in$i" > "$TMP/out$i" 2>&1 &
	PIDS+=($!)
	pids+=($!)
	exec {fd}> "$TMP/in$i"
	eval "FD$i=$fd"
done
for i in 0 1 2; do
	wait_for "$TMP/out$i" '^ready' 30 || { fail "$CASE" "hostile_names $i did not start"; exit 0; }
done
list=$(IFS=,; echo "${pids[*]}")

text=$TMP/tl.txt
json=$TMP/tl.json
"$TL" -p "$list" -d 16 > "$text" 2> "$text.err" &
text_pid=$!
PIDS+=($text_pid)
"$TL" -p "$list" -d 16 --json > "$json" 2> "$json.err" &
json_pid=$!
PIDS+=($json_pid)
for i in 0 1 2; do
	wait_for "$text" "^[0-9:]+ +${pids[$i]} " 30 && wait_samples "$json" "${pids[$i]}" 1 ||
		{ fail "$CASE" "no first sample: $(cat "$text.err" "$json.err")"; exit 0; }
done
for i in 0 1 2; do
	eval "echo go >&\$FD$i"
done
for i in 0 1 2; do
	wait_for "$TMP/out$i" '^leaked' 60 || { fail "$CASE" "hostile_names $i did not leak"; exit 0; }
done
wait_exit "$text_pid" 60
expect "text threadleak exit status" $? 0 || exit 0
wait_exit "$json_pid" 60
expect "json threadleak exit status" $? 0 || exit 0
pass "$CASE"

# raw_controls FILE [tabs]: how many lines hold a control byte other than
# the line end (and tabs, if asked: Go's dumps are laid out with them), DEL,
# or a C1 control in UTF-8.
raw_controls() {
	local tab='\x09'

	[ -n "${2:-}" ] && tab=
	LC_ALL=C grep -cP "[\\x00-\\x08$tab\\x0b-\\x1f\\x7f]|\\xc2[\\x80-\\x9f]" "$1"
}

CASE=text
expect "lines with raw control bytes" "$(raw_controls "$text")" 0 || exit 0
expect "stderr lines with raw control bytes" "$(raw_controls "$text.err")" 0 || exit 0
for i in 0 1 2; do
	p=${pids[$i]}
	# A row per census with the escaped comm, padded as any other.
	grep -qF -- "$p ${COMMS[$i]}" "$text" ||
		{ fail "$CASE" "no row of $p with comm ${COMMS[$i]}"; exit 0; }
	# The restated finding at the end: the exact count and the site.
	got=$(awk '/^findings:/ { f = 1 } f' "$text" |
		grep -F "thread leak: pid $p (${COMMS[$i]}): " | head -n 1)
	want="thread leak: pid $p (${COMMS[$i]}): ${COUNTS[$i]} threads started by $SITE, "
	expect "finding of $p" "${got:0:${#want}}" "$want" || exit 0
done
pass "$CASE"

CASE=json
expect "lines with raw control bytes" "$(raw_controls "$json")" 0 || exit 0
for i in 0 1 2; do
	p=${pids[$i]}
	f=$(jq -c "select(.type == \"finding\" and .summary and .pid == $p)" "$json")
	expect "findings of $p" "$(echo "$f" | jq -s length)" 1 || exit 0
	# What the JSON decodes to is the name as it is.
	expect "comm of $p" "$(echo "$f" | jq -r .comm)" "${RAW_COMMS[$i]}" || exit 0
	expect "site of $p" "$(echo "$f" | jq -r .site)" "$RAW_SITE" || exit 0
	expect "leaked by $p" "$(echo "$f" | jq -r '.kind + " \(.live)"')" "thread_leak ${COUNTS[$i]}" ||
		exit 0
done
pass "$CASE"

CASE=top
top=$TMP/top.txt
"$TL" -n 0 -i 0.5 -d 1.2 > "$top" 2> "$top.err"
expect "threadleak exit status" $? 0 || exit 0
expect "lines with raw control bytes" "$(raw_controls "$top")" 0 || exit 0
for i in 0 1 2; do
	p=${pids[$i]}
	# The comm column padded to 16 by its escaped width, then main + leaked.
	printf -v want '%7s %-16s %7s' "$p" "${COMMS[$i]}" $((COUNTS[i] + 1))
	grep -qF -- "$want " "$top" || { fail "$CASE" "no row '$want'"; exit 0; }
done
pass "$CASE"

# A Go program whose functions' file name, from a //line directive, holds
# escapes: `threadleak goroutines` prints it escaped, both ways.
CASE=goroutines
. "$(dirname "$0")/lib_go.sh"
go_version=
for v in $GO_VERSIONS; do
	[ -x "/usr/lib/go-$v/bin/go" ] && go_version=$v
done
if [ -z "$go_version" ]; then
	skip "$CASE" "no Go toolchain in /usr/lib/go-*"
	exit 0
fi
mkdir "$TMP/gosrc"
printf '%s\n' 'package main' 'import "time"' 'func main() {' \
	'	for i := 0; i < 7; i++ {' '		go block()' '	}' '	println("ready")' \
	'	time.Sleep(time.Hour)' '}' $'//line \e]0;pwned\a.go:1' 'func block() {' \
	'	select {}' '}' > "$TMP/gosrc/main.go"
go_build "$go_version" normal "$TMP/private/gohostile" "$TMP/gosrc/main.go" ||
	{ fail "$CASE" "go build: $(cat "$TMP/private/gohostile.build")"; exit 0; }
chown nobody: "$TMP/private/gohostile"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/private/gohostile" > "$TMP/go.out" 2>&1 &
PIDS+=($!)
gopid=$!
wait_for "$TMP/go.out" '^ready' 30 || { fail "$CASE" "the Go program did not start"; exit 0; }
"$TL" goroutines -p "$gopid" > "$TMP/g1.txt" 2> "$TMP/g1.err"
expect "debug=1 exit status" $? 0 || exit 0
"$TL" goroutines -p "$gopid" --debug 2 > "$TMP/g2.txt" 2> "$TMP/g2.err"
expect "debug=2 exit status" $? 0 || exit 0
expect "debug=1 lines with raw control bytes" "$(raw_controls "$TMP/g1.txt" tabs)" 0 || exit 0
expect "debug=2 lines with raw control bytes" "$(raw_controls "$TMP/g2.txt" tabs)" 0 || exit 0
# One group of 7, its frame in the hostile file; 7 tracebacks with it.
expect "group" "$(grep -c '^7 @ ' "$TMP/g1.txt")" 1 || exit 0
expect "debug=1 frames" "$(grep -cP '^#\t0x[0-9a-f]+\tmain\.block\+0x[0-9a-f]+\t\\x1b\]0;pwned\\x07\.go:2$' \
	"$TMP/g1.txt")" 1 || exit 0
expect "debug=2 frames" "$(grep -cP '^\t\\x1b\]0;pwned\\x07\.go:2 \+0x[0-9a-f]+$' "$TMP/g2.txt")" 7 ||
	exit 0
pass "$CASE"
