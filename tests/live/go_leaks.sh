#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Goroutine leaks as production Go code makes them (tests/go/leaks.go), built
# with every installed Go, normal and stripped, all traced at once: each leak
# must give exactly one goroutine_leak finding with Go's wait reason and the
# right creation site and function; the fixed versions none; and the Go
# runtime's parked threads no long wait.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_go.sh"
need_root
SRC=$(cd "$(dirname "$0")/../go" && pwd)

# shape: created by, function, wait reason (mutex: see below)
declare -A CREATED_BY=(
	[forgotten-sender]=main.forgottenSender [range-unclosed]=main.rangeUnclosed
	[select-no-ctx]=main.selectNoCtx [early-return]=main.earlyReturn
	[ticker]=main.tickerNeverStopped [mutex]=main.mutexNeverUnlocked
	[waitgroup]=main.waitGroupNeverZero
)
declare -A REASON=(
	[forgotten-sender]="chan send" [range-unclosed]="chan receive" [select-no-ctx]=select
	[early-return]="chan send" [ticker]="chan receive" [waitgroup]=semacquire
)
FIXED="buffered errgroup pool"

declare -A PID_OF
pids=
for v in $GO_VERSIONS; do
	go_toolchain "$v" > /dev/null || { skip "go$v" "Go $v is not installed"; continue; }
	for mode in normal stripped; do
		bin=$TMP/leaks-$v-$mode
		go_build "$v" "$mode" "$bin" "$SRC/leaks.go" ||
			{ fail "go$v/$mode" "go build: $(head -c 300 "$bin.build")"; continue; }
		for shape in "${!CREATED_BY[@]}" $FIXED; do
			"$bin" "$shape" > "$TMP/$v-$mode-$shape.out" 2>&1 &
			PIDS+=($!)
			PID_OF[$v/$mode/$shape]=$!
			pids=$pids${pids:+,}$!
		done
	done
done
[ -n "$pids" ] || exit 0
for key in "${!PID_OF[@]}"; do
	wait_for "$TMP/${key//\//-}.out" '^ready' 60 || { fail "$key" "did not start"; exit 0; }
done
out=$TMP/tl.json
start_tl "$out" -p "$pids" -d 18 --wait-threshold 5 --json
wait_exit "$TL_PID" 120
expect "threadleak exit status" $? 0 || { cat "$out.err"; exit 0; }

for key in $(printf '%s\n' "${!PID_OF[@]}" | sort); do
	CASE=$key
	v=${key%%/*}
	shape=${key##*/}
	pid=${PID_OF[$key]}
	f=$(jq -c "select(.type == \"finding\" and .pid == $pid and (.summary | not))" "$out")
	if [[ " $FIXED " == *" $shape "* ]]; then
		expect "findings" "$(echo -n "$f" | grep -c .)" 0 || continue
		pass "$CASE"
		continue
	fi
	expect "findings" "$(echo "$f" | grep -c .)" 1 || { echo "$f" | head -3 >&2; continue; }
	expect "kind" "$(echo "$f" | jq -r .kind)" goroutine_leak || continue
	expect "created by" "$(echo "$f" | jq -r '.created_by | split(" ")[0]')" "${CREATED_BY[$shape]}" || continue
	# The closure: Go numbers them (func1, func2) as its compiler sees fit.
	fn=$(echo "$f" | jq -r '.function | split(" ")[0]')
	[[ $fn == "${CREATED_BY[$shape]}".func[0-9]* ]] ||
		{ fail "$CASE" "function: got '$fn', want ${CREATED_BY[$shape]}.funcN"; continue; }
	reason=${REASON[$shape]:-}
	if [ "$shape" = mutex ]; then
		[ "$v" = 1.19 ] && reason=semacquire || reason=sync.Mutex.Lock
	fi
	[ "$shape" = waitgroup ] && [ "${v#1.}" -ge 24 ] && reason=sync.WaitGroup.Wait
	# Most wait there; the newest may not have reached it yet (a sleep first).
	expect "main wait reason" "$(echo "$f" | jq -r '.wait_reasons | to_entries | max_by(.value) | .key')" "$reason" || continue
	[ "$(echo "$f" | jq '.live')" -ge 100 ] || { fail "$CASE" "live $(echo "$f" | jq .live)"; continue; }
	echo "$f" | jq -e --arg fn "$fn" '.stack | map(startswith($fn)) | any' > /dev/null ||
		{ fail "$CASE" "stack: $(echo "$f" | jq -c .stack)"; continue; }
	pass "$CASE"
done

CASE=goroutines_in_samples
pid=${PID_OF[1.23/normal/buffered]:-${PID_OF[$(printf '%s\n' "${!PID_OF[@]}" | head -1)]}}
n=$(jq -r "select(.type == \"sample\" and .pid == $pid) | .goroutines" "$out" | tail -n 1)
[ -n "$n" ] && [ "$n" != null ] && [ "$n" -ge 2 ] || { fail "$CASE" "goroutines: '$n'"; exit 0; }
pass "$CASE"
