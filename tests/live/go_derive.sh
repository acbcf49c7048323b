#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The runtime layout derived from a Go binary's own code and data
# (src/go_derive.c) equals the one its DWARF gives, field by field, for
# every installed Go and the build modes normal, pie and cgo, on the
# binary as built and on a copy with every symbol and DWARF stripped; the
# derived wait reason strings are runtime.waitReasonStrings as the
# binary's symbol has it, and the table's. Then a stripped program read
# with the derived layout only (THREADLEAK_GO_DERIVE=1) gives the census
# go_census.sh expects of tests/go/parked.go: 100 goroutines on a chan send,
# 50 in a select. And where derivation fails, it names in one line what
# it did not find.
#
#   tests/live/go_derive.sh BUILD   (needs BUILD/tests/golayout, gocensus)
#
# GO_VERSIONS narrows the versions, GO_DERIVE_MODES the modes.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/live/lib_go.sh
. "$(dirname "$0")/lib_go.sh"
SRC=$(cd "$(dirname "$0")/../go" && pwd)
GOLAYOUT=$PROGS/golayout
GOCENSUS=$PROGS/gocensus
MODES=${GO_DERIVE_MODES:-normal pie cgo}

if [ ! -x "$GOLAYOUT" ]; then
	fail "" "$GOLAYOUT is missing: build it first (make $GOLAYOUT)"
	exit 0
fi

# layout BIN: golayout's lines for BIN into BIN.layout; asked twice, as
# opening a file has a time budget a loaded machine can run out of.
layout() {
	"$GOLAYOUT" "$1" > "$1.layout" 2>&1 || "$GOLAYOUT" "$1" > "$1.layout" 2>&1
}

# field HOW FILE: golayout's line HOW without its first word.
field() {
	awk -v how="$1" '$1 == how { $1 = ""; sub(/^ /, ""); print }' "$2"
}

for v in $GO_VERSIONS; do
	go_toolchain "$v" > /dev/null || { skip "go$v" "Go $v is not installed"; continue; }
	for mode in $MODES; do
		CASE=go$v/$mode
		bin=$TMP/parked-$v-$mode
		if ! go_build "$v" "$mode" "$bin" "$SRC/parked.go" $([ "$mode" = cgo ] && echo "$SRC/cgo.go"); then
			fail "$CASE" "go build: $(head -c 300 "$bin.build")"
			continue
		fi
		strip --strip-all -o "$bin-stripped" "$bin"
		layout "$bin" || { fail "$CASE" "golayout: $(cat "$bin.layout")"; continue; }
		layout "$bin-stripped" || { fail "$CASE" "golayout (stripped): $(cat "$bin-stripped.layout")"; continue; }
		dwarf=$(field dwarf "$bin.layout")
		case $dwarf in
		none*|"") fail "$CASE" "no DWARF layout: $dwarf"; continue ;;
		esac
		expect "derived layout" "$(field derived "$bin.layout")" "$dwarf" || continue
		expect "stripped: DWARF gone" "$(field dwarf "$bin-stripped.layout" | cut -d' ' -f1)" none || continue
		expect "stripped: derived layout" "$(field derived "$bin-stripped.layout")" "$dwarf" || continue
		symbol=$(field symbol_reasons "$bin.layout")
		expect "derived wait reasons" "$(field derived_reasons "$bin.layout")" "$symbol" || continue
		expect "stripped: derived wait reasons" "$(field derived_reasons "$bin-stripped.layout")" "$symbol" || continue
		expect "table wait reasons" "$(field table_reasons "$bin.layout")" "$symbol" || continue
		echo "# $CASE: 15 fields and ${symbol%% *} wait reasons derived as DWARF and the symbol have them, stripped too"
		pass "$CASE"
	done

	# the census of a stripped program, read with the derived layout only
	CASE=go$v/census
	[ "$(id -u)" = 0 ] && [ -x "$GOCENSUS" ] || { skip "$CASE" "needs root and $GOCENSUS"; continue; }
	bin=$TMP/parked-$v-pie-stripped
	go_build "$v" pie-stripped "$bin" "$SRC/parked.go" || { fail "$CASE" "go build: $(head -c 300 "$bin.build")"; continue; }
	"$bin" > "$bin.out" 2>&1 &
	pid=$!
	PIDS+=($pid)
	wait_for "$bin.out" '^dump-end$' 60 || { fail "$CASE" "program did not get ready"; continue; }
	THREADLEAK_GO_DERIVE=1 "$GOCENSUS" "$pid" > "$bin.census" 2> "$bin.census.err" ||
		{ fail "$CASE" "gocensus: $(cat "$bin.census.err")"; stop "$pid"; continue; }
	stop "$pid"
	expect "read as" "$(head -n 1 "$bin.census" | awk '{ print $3 }')" layout=derived || continue
	expect "chan send" "$(grep -F ' [chan send] start=main.chanSender ' "$bin.census" | awk '{ print $2 }')" 100 || continue
	expect "select" "$(grep -F ' [select] start=main.selecter ' "$bin.census" | awk '{ print $2 }')" 50 || continue
	pass "$CASE"
done

# A binary whose runtime.printcreatedby (run only for a traceback) has its
# first 32 bytes overwritten with NOPs, in a stripped copy of the newest
# Go's program:
# derivation fails with one line naming what it did not find, and
# threadleak says so when it has nothing else to read the program with.
CASE=missing
v=${GO_VERSIONS##* }
bin=$TMP/parked-$v-normal
if [ -f "$bin" ]; then
	off=$(nm "$bin" | awk '$3 == "runtime.printcreatedby" { print $1 }')
	off=$(objdump -F -d --start-address=0x"$off" --stop-address=$((0x$off + 1)) "$bin" |
		sed -n 's/.*(File Offset: 0x\([0-9a-f]*\)).*/\1/p' | head -n 1)
	strip --strip-all -o "$bin-noprint" "$bin"
	printf '\x90%.0s' $(seq 32) | dd of="$bin-noprint" bs=1 seek=$((0x$off)) conv=notrunc status=none
	layout "$bin-noprint"
	want="the stack check (g.stackguard0) in runtime.printcreatedby's prologue"
	if expect "derived" "$(field derived "$bin-noprint.layout")" "none $want"; then
		if [ "$(id -u)" = 0 ]; then
			"$bin-noprint" many 10 > "$bin-noprint.out" 2>&1 &
			pid=$!
			PIDS+=($pid)
			wait_for "$bin-noprint.out" '^ready$' 60 || fail "$CASE" "program did not get ready"
			THREADLEAK_GO_DERIVE=1 "$TL" goroutines -p "$pid" > /dev/null 2> "$bin-noprint.err"
			stop "$pid"
			if [ "$(wc -l < "$bin-noprint.err")" = 1 ] && grep -qF "not found: $want" "$bin-noprint.err"; then
				pass "$CASE"
			else
				fail "$CASE" "threadleak said: $(cat "$bin-noprint.err")"
			fi
		else
			pass "$CASE"
		fi
	fi
else
	skip "$CASE" "no Go $v program was built"
fi
