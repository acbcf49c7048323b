#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The goroutine census at scale and under change, per installed Go:
#  - 100,000 goroutines parked on a chan receive are all counted, and the
#    time a census takes is reported (bound: GO_CENSUS_MAX_MS, default 1000);
#  - while the program starts and ends goroutines in bursts (allgs grows,
#    its gs change state under the reader), 200 censuses in a row each find
#    the 1,000 parked goroutines exactly and never a goroutine whose start
#    or creating pc is not Go code (a misread), with a stripped binary.
#
#   tests/live/go_census_scale.sh BUILD   (needs BUILD/tests/gocensus)
here=$(dirname "$0")
lib=$here/lib.sh
[ -f "$lib" ] || lib=$here/../../live/lib.sh
# shellcheck source=tests/live/lib.sh
. "$lib"

SRC=$here/../go
[ -f "$SRC/parked.go" ] || SRC=$here/../../go
SRC=$(cd "$SRC" && pwd)
GOCENSUS=$PROGS/gocensus
MAX_MS=${GO_CENSUS_MAX_MS:-1000}
# shellcheck source=tests/live/lib_go.sh
. "$here/lib_go.sh"

need_gocensus

# start_prog BIN OUT ARGS...: run the program until it says "ready"; sets pid.
start_prog() {
	local bin=$1 out=$2
	shift 2
	"$bin" "$@" > "$out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_for "$out" '^ready$' 120
}

scale() {
	local v=$1 bin=$2 out=$TMP/scale-$1 ms
	CASE="go$v/100k"
	if ! start_prog "$bin" "$out.prog" many 100000; then
		fail "$CASE" "program did not get ready: $(head -c 300 "$out.prog")"
		return
	fi
	if ! "$GOCENSUS" "$pid" > "$out" 2>&1; then
		fail "$CASE" "gocensus: $(tail -1 "$out")"
		stop "$pid"
		return
	fi
	expect "parked goroutines" "$(grep -F ' [chan receive] start=main.chanReceiver created_by=main.startChanReceivers ' "$out" |
		awk '{ print $2 }')" 100000 || { stop "$pid"; return; }
	expect "census complete" "$(awk '$1 == "census" { print $3 }' "$out")" incomplete=0 ||
		{ stop "$pid"; return; }
	"$GOCENSUS" -b 10 "$pid" > "$out.bench" 2>&1
	stop "$pid"
	ms=$(sed -n 's/.* median_ms=\([0-9.]*\) .*/\1/p' "$out.bench")
	if [ -z "$ms" ] || awk -v m="$ms" -v max="$MAX_MS" 'BEGIN { exit !(m > max) }'; then
		fail "$CASE" "census of 100,000 goroutines took ${ms:-?} ms (bound $MAX_MS ms): $(cat "$out.bench")"
		return
	fi
	pass "$CASE census of $(grep '^bench' "$out.bench" | sed 's/^bench //')"
}

churn() {
	local v=$1 bin=$2 out=$TMP/churn-$1 bad
	CASE="go$v/churn"
	if ! start_prog "$bin" "$out.prog" churn 1000; then
		fail "$CASE" "program did not get ready: $(head -c 300 "$out.prog")"
		return
	fi
	"$GOCENSUS" -r 200 "$pid" > "$out" 2>&1
	stop "$pid"
	expect "censuses" "$(grep -c '^run .* receivers=1000 unknown=0 ' "$out")" 200 ||
		{ fail "$CASE" "$(grep '^run' "$out" | grep -v ' receivers=1000 unknown=0 ' | head -3 | tr '\n' ';')"; return; }
	bad=$(grep -c 'incomplete=1' "$out")
	pass "$CASE 200 censuses while goroutines come and go, $bad incomplete, sizes $(awk '$1 == "run" { c = substr($3, 7) + 0; if (!min || c < min) min = c; if (c > max) max = c } END { print min "-" max }' "$out")"
}

for v in $GO_VERSIONS; do
	if ! go_toolchain "$v" > /dev/null; then
		skip "go$v" "Go $v is not installed (scripts/install-deps.sh installs it)"
		continue
	fi
	if ! go_build "$v" normal "$TMP/parked-$v" "$SRC/parked.go" ||
		! go_build "$v" stripped "$TMP/parked-stripped-$v" "$SRC/parked.go"; then
		fail "go$v" "go build: $(cat "$TMP"/parked*-"$v".build | head -c 500)"
		continue
	fi
	scale "$v" "$TMP/parked-$v"
	churn "$v" "$TMP/parked-stripped-$v"
done
