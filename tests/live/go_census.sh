#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The goroutine census of a running Go program, read from its memory: for
# every installed Go and build mode, tests/go/parked.go parks exactly 100
# goroutines on a chan send, 50 in a select, 25 on sync.Mutex.Lock and 10 in
# sync.WaitGroup.Wait; the census must count exactly those, with Go's wait
# reasons, start and creating functions, and each group's stack must be the
# one Go's own traceback prints. The program's idle threads must be told
# apart from stuck ones.
#
#   tests/live/go_census.sh BUILD   (needs BUILD/tests/gocensus)
#
# GO_VERSIONS (default "1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27") and GO_MODES (default all of
# normal stripped pie pie-stripped cgo cgo-stripped cgo-pie-stripped) narrow it.
here=$(dirname "$0")
lib=$here/lib.sh
[ -f "$lib" ] || lib=$here/../../live/lib.sh
# shellcheck source=tests/live/lib.sh
. "$lib"

SRC=$here/../go
[ -f "$SRC/parked.go" ] || SRC=$here/../../go
SRC=$(cd "$SRC" && pwd)
GOCENSUS=$PROGS/gocensus
GO_MODES=${GO_MODES:-normal stripped pie pie-stripped cgo cgo-stripped cgo-pie-stripped}
# shellcheck source=tests/live/lib_go.sh
. "$here/lib_go.sh"

need_gocensus

# build_go VERSION MODE OUT: build tests/go/parked.go (and cgo.go for cgo modes).
build_go() {
	local files=("$SRC/parked.go")

	case $2 in
	cgo*) files+=("$SRC/cgo.go") ;;
	esac
	go_build "$1" "$2" "$3" "${files[@]}"
}

# go_block DUMP GOID: goroutine GOID's block of Go's own traceback.
go_block() {
	awk -v g="goroutine $2 [" '
		index($0, g) == 1 { on = 1; next }
		on && $0 == "" { exit }
		on { print }' "$1"
}

# go_frames BLOCK: "FUNC FILE:LINE" for each frame Go printed.
go_frames() {
	awk '
		/^created by / { exit }
		/^\t/ { sub(/^\t/, ""); sub(/ \+0x[0-9a-f]+$/, ""); print fn " " $0; next }
		{ fn = $0; sub(/\([^()]*\)$/, "", fn) }' <<< "$1"
}

# go_created_by BLOCK: "FUNC FILE:LINE PARENT" from Go's "created by" lines.
go_created_by() {
	awk '
		/^created by / {
			fn = $3; parent = ($4 == "in" && $5 == "goroutine") ? $6 : 0
			getline; sub(/^\t/, ""); sub(/ \+0x[0-9a-f]+$/, "")
			print fn " " $0 " " parent
		}' <<< "$1"
}

# The function a goroutine of each group blocks in, below its own function.
declare -A BLOCKS_IN=(
	[main.chanSender]=runtime.chansend1
	[main.selecter]=runtime.selectgo
	[main.mutexLocker]='sync.(*Mutex).Lock'
	[main.waitGroupWaiter]='sync.(*WaitGroup).Wait'
)

# check_stack CASE PID GOID START DUMP: the stack of one goroutine.
check_stack() {
	local case=$1 pid=$2 goid=$3 start=$4 dump=$5 out block ours gos created want_parent
	out=$TMP/${case//\//-}.stack.$goid
	if ! "$GOCENSUS" -s "$goid" "$pid" > "$out" 2> "$out.err"; then
		fail "$case" "stack of goroutine $goid: $(cat "$out.err")"
		return 1
	fi
	expect "stack of $goid innermost" "$(awk '$1 == "frame" { print $2; exit }' "$out")" \
		runtime.gopark || return 1
	expect "stack of $goid base" "$(awk '$1 == "frame" { f = $2 } END { print f }' "$out")" \
		runtime.goexit || return 1
	expect "stack of $goid flags" "$(awk '$1 == "stack_flags" { print $2 }' "$out")" 0 || return 1
	if ! awk -v f="${BLOCKS_IN[$start]}" '$1 == "frame" && $2 == f { ok = 1 } END { exit !ok }' \
		"$out"; then
		fail "$case" "stack of $goid ($start) lacks ${BLOCKS_IN[$start]}: $(awk '$1 == "frame" { printf "%s ", $2 }' "$out")"
		return 1
	fi
	# the frames Go's traceback shows, with their lines, exactly as Go printed them
	block=$(go_block "$dump" "$goid")
	ours=$(awk '$1 == "frame" && $4 == "shown=1" { print $2 " " $3 }' "$out")
	gos=$(go_frames "$block")
	if [ -z "$gos" ] || [ "$ours" != "$gos" ]; then
		fail "$case" "stack of $goid differs from Go's traceback: ours [$ours] Go's [$gos]"
		return 1
	fi
	created=$(awk '$1 == "created_by" { sub(/^parent=/, "", $4); print $2 " " $3 " " $4 }' "$out")
	want_parent=$(go_created_by "$block")
	# Go before 1.21 does not record the parent: it prints no "in goroutine N"
	if [ "$(awk '{ print $3 }' <<< "$want_parent")" = 0 ]; then
		want_parent="$(awk '{ print $1 " " $2 }' <<< "$want_parent") 0"
	fi
	expect "created by of $goid" "$created" "$want_parent" || return 1
}

# check_threads CASE PID: every thread in a futex wait is one the runtime parked.
check_threads() {
	local case=$1 pid=$2 out=$TMP/${1//\//-}.threads
	for _ in 1 2 3 4 5; do
		"$GOCENSUS" -t "$pid" > "$out" 2>&1 || break
		# a thread may wake between /proc's syscall line and its stack: ask again
		if awk '$3 == "syscall" && $4 == 202 { n++; if ($NF != "idle=1") bad++ }
			END { exit !(n > 0 && !bad) }' "$out"; then
			return 0
		fi
		sleep 0.2
	done
	fail "$case" "futex-waiting threads not all idle Ms: $(grep -v '^go ' "$out" | tr '\n' ';')"
	return 1
}

# run_case VERSION MODE
run_case() {
	local v=$1 mode=$2 case="go$1/$2" bin=$TMP/parked-$1-$2 out pid census dump mutex
	local start creator reason count first line nr_user go_user want_source
	CASE=$case
	if ! build_go "$v" "$mode" "$bin"; then
		fail "$case" "go build: $(head -c 500 "$bin.build")"
		return
	fi
	out=$TMP/parked-$1-$2.out
	"$bin" > "$out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	if ! wait_for "$out" '^dump-end$' 60; then
		fail "$case" "program did not get ready: $(head -c 300 "$out")"
		return
	fi
	dump=$TMP/parked-$1-$2.dump
	sed -n '/^dump-begin$/,/^dump-end$/p' "$out" > "$dump"

	census=$TMP/parked-$1-$2.census
	if ! "$GOCENSUS" -a "$pid" > "$census" 2> "$census.err"; then
		fail "$case" "gocensus: $(cat "$census.err")"
		stop "$pid"
		return
	fi
	# Go prints "semacquire" for a blocked sync.Mutex.Lock before Go 1.20,
	# and for a sync.WaitGroup.Wait up to Go 1.23
	mutex=sync.Mutex.Lock
	[ "$v" = 1.19 ] && mutex=semacquire
	waitgroup=semacquire
	[ "${v#1.}" -ge 24 ] && waitgroup=sync.WaitGroup.Wait
	# stripped binaries must take the paths that need no DWARF and no symbols
	case $mode in
	*stripped) want_source="layout=table go$v.* allgs=runtime.forEachGRace" ;;
	*) want_source="layout=dwarf allgs=symbols" ;;
	esac
	if ! head -1 "$census" | grep -qE "^go go${v}[.0-9]* $want_source\$"; then
		fail "$case" "read as '$(head -1 "$census")', want '$want_source'"
		stop "$pid"
		return
	fi
	expect "census complete" "$(awk '$1 == "census" { print $3 }' "$census")" incomplete=0 ||
		{ stop "$pid"; return; }
	while IFS='|' read -r count reason start creator; do
		line=$(grep -F -m1 -- " [$reason] start=$start created_by=$creator " "$census")
		expect "$start group" "$(awk '{ print $2 }' <<< "$line")" "$count" ||
			{ stop "$pid"; return; }
		first=$(sed -n 's/.* first=\([0-9]*\)$/\1/p' <<< "$line")
		# the wait reason Go itself printed for that goroutine
		expect "$start wait reason as Go printed it" \
			"$(sed -n "s/^goroutine $first \[\([^],]*\).*/\1/p" "$dump")" "$reason" ||
			{ stop "$pid"; return; }
		check_stack "$case" "$pid" "$first" "$start" "$dump" || { stop "$pid"; return; }
	done <<- EOF
		100|chan send|main.chanSender|main.startChanSenders
		50|select|main.selecter|main.startSelecters
		25|$mutex|main.mutexLocker|main.startMutexLockers
		10|$waitgroup|main.waitGroupWaiter|main.startWaitGroupWaiters
	EOF
	# user goroutines: the same number as in Go's traceback (which omits runtime ones)
	nr_user=$(grep -c '^goroutine .* system=0 ' "$census")
	go_user=$(grep -c '^goroutine [0-9]* \[' "$dump")
	expect "user goroutines" "$nr_user" "$go_user" || { stop "$pid"; return; }
	# the GCs the program ran saw every parked goroutine blocked, in the past
	expect "parked goroutines with a waitsince" "$(awk '
		$1 == "census" { split($5, now, "="); next }
		$1 == "goroutine" && / start=main\.(chanSender|selecter|mutexLocker|waitGroupWaiter) / {
			for (i = 1; i <= NF; i++) if ($i ~ /^wait_since=/) { split($i, w, "="); since[n++] = w[2] }
		}
		END { for (i = 0; i < n; i++) if (since[i] > 0 && since[i] <= now[2]) ok++; print ok + 0 }' \
		"$census")" 185 || { stop "$pid"; return; }
	# their stacks, taken from inside the census, all reached goexit
	expect "parked goroutines with a complete stack" "$(grep -cE \
		' start=main\.(chanSender|selecter|mutexLocker|waitGroupWaiter) .* stack=([4-9]|[1-9][0-9])/0$' \
		"$census")" 185 || { stop "$pid"; return; }
	check_threads "$case" "$pid" || { stop "$pid"; return; }
	stop "$pid"
	pass "$case $(head -1 "$census" | cut -d' ' -f3-)"
}

for v in $GO_VERSIONS; do
	if ! go_toolchain "$v" > /dev/null; then
		skip "go$v" "Go $v is not installed (scripts/install-deps.sh installs it)"
		continue
	fi
	for mode in $GO_MODES; do
		case $mode in
		cgo*) command -v gcc > /dev/null || { skip "go$v/$mode" "no gcc for cgo"; continue; } ;;
		esac
		run_case "$v" "$mode"
	done
done

# Not a Go program: said so, exit status 3.
CASE=not_go # read by expect()
sleep 600 &
PIDS+=($!)
pid=$!
PIDS+=("$pid")
"$GOCENSUS" "$pid" > "$TMP/not_go.out" 2>&1
st=$?
stop "$pid"
if expect "exit status for a C program" "$st" 3; then
	pass not_go
fi
