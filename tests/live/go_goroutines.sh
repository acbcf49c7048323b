#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# threadleak goroutines on a Go program that parks exactly 100 goroutines on a
# chan send, 50 in a select, 25 on sync.Mutex.Lock and 10 in
# sync.WaitGroup.Wait (tests/go/parked.go), built with every installed Go,
# normal and stripped: exact counts in the pprof debug=1 and debug=2 dumps,
# a profile `go tool pprof -top` reads, and the goroutines in threadleak's
# samples.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_go.sh"
need_root
SRC=$(cd "$(dirname "$0")/../go" && pwd)

for v in $GO_VERSIONS; do
	go=$(go_toolchain "$v") || { skip "go$v" "Go $v is not installed"; continue; }
	for mode in normal stripped; do
		CASE=go$v/$mode
		bin=$TMP/parked-$v-$mode
		go_build "$v" "$mode" "$bin" "$SRC/parked.go" ||
			{ fail "$CASE" "go build: $(head -c 300 "$bin.build")"; continue; }
		"$bin" parked > "$TMP/out-$v-$mode" 2>&1 &
		pid=$!
		PIDS+=($pid)
		wait_for "$TMP/out-$v-$mode" '^ready' 120 || { fail "$CASE" "not ready"; continue; }
		"$TL" goroutines -p $pid > "$TMP/d1" 2> "$TMP/d1.err" ||
			{ fail "$CASE" "debug=1: $(cat "$TMP/d1.err")"; continue; }
		expect "total" "$(head -n 1 "$TMP/d1")" "goroutine profile: total 186" || continue
		# The groups, largest first, each with the function its goroutines run.
		groups=$(awk '/^[0-9]+ @/ { n = $1 } /^#\t/ && n { split($3, f, "+"); if (f[1] ~ /^main\./) { print n, f[1]; n = 0 } }' "$TMP/d1" | tr '\n' ' ')
		expect "groups" "$groups" "100 main.chanSender 50 main.selecter 25 main.mutexLocker 10 main.waitGroupWaiter 1 main.main " || continue

		"$TL" goroutines -p $pid --debug 2 > "$TMP/d2" 2> "$TMP/d2.err" ||
			{ fail "$CASE" "debug=2: $(cat "$TMP/d2.err")"; continue; }
		expect "goroutines" "$(grep -c '^goroutine [0-9]* \[' "$TMP/d2")" 186 || continue
		expect "chan send" "$(grep -c '^goroutine [0-9]* \[chan send\]:$' "$TMP/d2")" 100 || continue
		expect "select" "$(grep -c '^goroutine [0-9]* \[select\]:$' "$TMP/d2")" 50 || continue
		# Go 1.19 says semacquire for Mutex.Lock and WaitGroup.Wait alike.
		if [ "$v" = 1.19 ]; then
			expect "semacquire" "$(grep -c '^goroutine [0-9]* \[semacquire\]:$' "$TMP/d2")" 35 || continue
		else
			expect "mutex" "$(grep -c '^goroutine [0-9]* \[sync.Mutex.Lock\]:$' "$TMP/d2")" 25 || continue
			# ... and semacquire for WaitGroup.Wait up to Go 1.23.
			wg=semacquire
			[ "${v#1.}" -ge 24 ] && wg=sync.WaitGroup.Wait
			expect "wait group" "$(grep -c "^goroutine [0-9]* \\[$wg\\]:\$" "$TMP/d2")" 10 || continue
		fi
		expect "created by" "$(grep -c '^created by main.startChanSenders' "$TMP/d2")" 100 || continue

		"$TL" goroutines -p $pid --pprof "$TMP/g.pb.gz" 2> /dev/null ||
			{ fail "$CASE" "--pprof failed"; continue; }
		"$go" tool pprof -top "$TMP/g.pb.gz" > "$TMP/top" 2>&1 || { fail "$CASE" "pprof: $(head -3 "$TMP/top")"; continue; }
		expect "pprof total" "$(grep -c 'of 186 total' "$TMP/top")" 1 || continue
		awk '$NF == "main.chanSender" && $4 == 100 { ok = 1 } END { exit !ok }' "$TMP/top" ||
			{ fail "$CASE" "pprof -top: $(grep main.chanSender "$TMP/top")"; continue; }

		"$TL" -p $pid -d 0.01 --json > "$TMP/s.json" 2>/dev/null
		expect "goroutines in samples" "$(jq -r 'select(.type == "sample") | .goroutines' "$TMP/s.json" | head -n 1)" 186 || continue
		kill $pid
		pass "$CASE"
	done
done
