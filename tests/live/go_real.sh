#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real Go programs nobody here wrote, read by `threadleak goroutines --debug 2`
# and compared goroutine by goroutine with the Go runtime's own dump (SIGQUIT
# with GOTRACEBACK=all: the program prints every goroutine and exits): the
# same ids, wait reasons and innermost non-runtime function. The programs:
# Debian's prometheus and the go command of every installed Go (`go mod
# download` against a loopback proxy that accepts and never answers), each
# as installed and as a copy with every symbol stripped (strip --strip-all),
# so the paths for stripped binaries run on binaries nobody here built;
# each stripped copy once more read with the layout derived from the binary
# itself (THREADLEAK_GO_DERIVE=1, src/go_derive.c) instead of the table.
#
# The dump has the runtime's own goroutines too (a signal's traceback prints
# them): they are left out as the runtime's isSystemGoroutine does, by the
# function the goroutine started in. A busy program moves between
# threadleak's read and the dump: threadleak reads twice, and only the
# goroutines both reads saw the same (id, wait reason, innermost function)
# are compared. A goroutine compared and different in the dump is a
# mismatch: the case is run again once on a fresh process (a goroutine may
# have moved just before the dump), and fails if it differs again.
#
#   tests/live/go_real.sh BUILD
#
# GO_VERSIONS narrows the go commands (default: every installed one);
# GO_REAL_PROGRAMS narrows the programs (default "prometheus go");
# GO_REAL_KEEP=DIR keeps each case's reads and dump there.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/live/lib_go.sh
. "$(dirname "$0")/lib_go.sh"
# shellcheck source=tests/live/lib_prometheus.sh
. "$(dirname "$0")/lib_prometheus.sh"
need_root
PROGRAMS=${GO_REAL_PROGRAMS:-prometheus go}

# goroutines FILE SYSTEM: "ID|REASON|INNERMOST" for each goroutine of a Go
# traceback (the runtime's own dump at level 2, every frame, runtime ones
# too; or threadleak's, which leaves out the runtime's goroutines and frames
# itself). REASON is the bracket's first part (without ", N minutes" or
# ", locked to thread"); INNERMOST is the first frame outside package runtime
# ("-" if none). With SYSTEM=skip the runtime's goroutines are left out as
# the runtime's isSystemGoroutine does it, by the function the goroutine
# started in (the frame below runtime.goexit): one in package runtime,
# except runtime.main and runtime.corostart, and the finalizer and cleanup
# goroutines while they run the program's code.
goroutines() {
	awk -v sys="$2" '
		function flush() {
			if (id == "")
				return
			user = sys != "skip" || start !~ /^runtime\./ ||
				start == "runtime.main" || start == "runtime.corostart" ||
				start == "runtime.handleAsyncEvent" ||
				(start ~ /^runtime\.(runfinq|runFinalizers|runCleanups)$/ && inner != "-")
			if (user)
				print id "|" reason "|" inner
			id = ""
		}
		/^goroutine [0-9]+ .*\[.*\]:$/ {
			flush()
			id = $2
			reason = $0
			sub(/^[^[]*\[/, "", reason)
			sub(/\]:$/, "", reason)
			sub(/, .*/, "", reason)
			inner = "-"
			start = ""
			done = 0
			if (id == 0)
				id = "" # the signal handler stack
			next
		}
		id == "" || done { next }
		/^created by / || /^$/ { done = 1; next }
		/^\t/ || /^goroutine running on other thread/ { next }
		{
			fn = $0
			sub(/\([^()]*\)$/, "", fn)
			if (fn == "runtime.goexit")
				next
			if (inner == "-" && fn !~ /^runtime\./)
				inner = fn
			start = fn
		}
		END { flush() }' "$1"
}

# start_silent_proxy: a loopback server that accepts every connection and
# never answers; sets PROXY_PORT.
start_silent_proxy() {
	local out=$TMP/proxy.out
	python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
	held.append(s.accept()[0])
' > "$out" 2>&1 &
	PIDS+=($!)
	wait_lines "$out" 1 10 || return 1
	PROXY_PORT=$(head -n 1 "$out")
}

# established PID: the number of TCP connections PID has open to the proxy.
established() {
	local inodes
	inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2> /dev/null |
		sed 's/socket:\[\(.*\)\]/\1/')
	awk -v port="$(printf '%04X' "$PROXY_PORT")" -v inodes=" $(echo $inodes) " '
		NR > 1 && $4 == "01" && $3 ~ ":" port "$" && index(inodes, " " $10 " ") { n++ }
		END { print n + 0 }' /proc/net/tcp
}

# start_program NAME BIN DIR: start one program (its stderr, where the dump
# goes, in DIR/err) and wait until it settled; sets pid.
start_program() {
	local name=$1 bin=$2 dir=$3 end
	case $name in
	prometheus*)
		# no scrape targets, no rules: an idle server
		printf 'global:\n  scrape_interval: 1h\n' > "$dir/prometheus.yml"
		GOTRACEBACK=all "$bin" --config.file="$dir/prometheus.yml" \
			--storage.tsdb.path="$dir/data" \
			--web.listen-address="127.0.0.1:$(prom_free_port)" \
			--log.level=info > "$dir/out" 2> "$dir/err" &
		pid=$!
		PIDS+=($pid)
		wait_for "$dir/err" 'Server is ready to receive web requests' 60
		;;
	go*)
		mkdir -p "$dir/gopath" "$dir/work"
		(cd "$dir/work" && GOTRACEBACK=all GO111MODULE=on GOFLAGS=-mod=mod \
			GOPATH="$dir/gopath" GOMODCACHE="$dir/gopath/mod" GOCACHE="$dir/cache" \
			GOPROXY="http://127.0.0.1:$PROXY_PORT" GOSUMDB=off GOTOOLCHAIN=local \
			GOENV=off exec "$bin" mod download golang.org/x/text@v0.3.0 \
			> "$dir/out" 2> "$dir/err") &
		pid=$!
		PIDS+=($pid)
		end=$((SECONDS + 30))
		until [ "$(established "$pid")" -ge 1 ]; do
			[ $SECONDS -ge $end ] && return 1
			sleep 0.05
		done
		;;
	esac
	sleep 1 # let the program settle after its first request or start-up
}

# compare_once CASE NAME BIN: one fresh process, two reads, one dump.
# Sets COMPARED, MISMATCHES (the lines), ONLY_DUMP, ONLY_TL, USER_DUMP and
# HOW_READ.
compare_once() {
	local case=$1 name=$2 bin=$3 dir
	dir=$(mktemp -d "$TMP/${case//\//-}.XXXXXX")
	if ! start_program "$name" "$bin" "$dir"; then
		fail "$case" "did not start: $(tail -n 3 "$dir/err")"
		return 2
	fi
	# how the Go runtime is read (layout=dwarf|table|derived, allgs from)
	HOW_READ=$("$PROGS/gocensus" -a "$pid" 2>&1 | head -n 1)
	if ! "$TL" goroutines -p "$pid" --debug 2 > "$dir/tl1" 2> "$dir/tl1.err" ||
		! "$TL" goroutines -p "$pid" --debug 2 > "$dir/tl2" 2> "$dir/tl2.err"; then
		fail "$case" "threadleak goroutines: $(cat "$dir/tl1.err" "$dir/tl2.err" 2> /dev/null)"
		stop "$pid"
		return 2
	fi
	kill -QUIT "$pid"
	wait_exit "$pid" 30
	goroutines "$dir/err" skip | sort > "$dir/dump"
	goroutines "$dir/tl1" keep | sort > "$dir/a"
	goroutines "$dir/tl2" keep | sort > "$dir/b"
	# the goroutines both reads saw the same
	comm -12 "$dir/a" "$dir/b" > "$dir/stable"
	USER_DUMP=$(wc -l < "$dir/dump")
	if [ "$USER_DUMP" = 0 ]; then
		fail "$case" "no goroutine in the runtime's dump: $(head -c 300 "$dir/err")"
		return 2
	fi
	COMPARED=$(join -t '|' -o 1.1 <(cut -d '|' -f 1 "$dir/stable" | sort) \
		<(cut -d '|' -f 1 "$dir/dump" | sort) | wc -l)
	MISMATCHES=$(join -t '|' <(sort -t '|' -k 1,1 "$dir/stable") \
		<(sort -t '|' -k 1,1 "$dir/dump") |
		awk -F '|' '$2 != $4 || $3 != $5 {
			printf "goroutine %s: threadleak [%s] %s, Go [%s] %s; ", $1, $2, $3, $4, $5 }')
	# ids only one side has: goroutines started or ended between the reads
	# and the dump, or ones one side missed
	ONLY_DUMP=$(cut -d '|' -f 1 "$dir/a" "$dir/b" | sort -u |
		join -v 2 - <(cut -d '|' -f 1 "$dir/dump" | sort) | tr '\n' ' ')
	ONLY_TL=$(cut -d '|' -f 1 "$dir/stable" | sort |
		join -v 1 - <(cut -d '|' -f 1 "$dir/dump" | sort) | tr '\n' ' ')
	[ -n "${GO_REAL_KEEP:-}" ] && cp -r "$dir" "$GO_REAL_KEEP/"
	rm -rf "$dir/data" "$dir/gopath" "$dir/cache"
	return 0
}

# check CASE NAME BIN: compare, once more on a mismatch.
check() {
	local case=$1 name=$2 bin=$3 try
	CASE=$case
	for try in 1 2; do
		compare_once "$case" "$name" "$bin" || return
		[ -z "$MISMATCHES" ] && [ -z "$ONLY_DUMP" ] && [ -z "$ONLY_TL" ] && break
	done
	if [ -n "$MISMATCHES" ]; then
		fail "$case" "$MISMATCHES"
		return
	fi
	if [ -n "$ONLY_DUMP" ] || [ -n "$ONLY_TL" ]; then
		fail "$case" "goroutines only in Go's dump: [${ONLY_DUMP% }], only in threadleak's reads: [${ONLY_TL% }]"
		return
	fi
	if [ "$COMPARED" != "$USER_DUMP" ]; then
		fail "$case" "compared $COMPARED of the dump's $USER_DUMP user goroutines"
		return
	fi
	echo "# $case: $COMPARED goroutines compared, 0 mismatches (read as: $HOW_READ)"
	pass "$case"
}

for name in $PROGRAMS; do
	case $name in
	prometheus)
		command -v prometheus > /dev/null || { skip prometheus "prometheus is not installed"; continue; }
		bin=$(command -v prometheus)
		strip --strip-all -o "$TMP/prometheus-stripped" "$bin"
		check prometheus prometheus "$bin"
		check prometheus-stripped prometheus "$TMP/prometheus-stripped"
		THREADLEAK_GO_DERIVE=1 check prometheus-stripped-derived prometheus "$TMP/prometheus-stripped"
		;;
	go)
		start_silent_proxy || { fail go "the loopback proxy did not start"; continue; }
		for v in $GO_VERSIONS; do
			go=$(go_toolchain "$v") || { skip "go$v" "Go $v is not installed"; continue; }
			# the go command runs the real compiled binary from pkg/tool's
			# sibling bin/; a copy elsewhere needs GOROOT
			strip --strip-all -o "$TMP/go$v-stripped" "$go"
			check "go$v" go "$go"
			GOROOT=$(dirname "$(dirname "$go")") check "go$v-stripped" go "$TMP/go$v-stripped"
			GOROOT=$(dirname "$(dirname "$go")") THREADLEAK_GO_DERIVE=1 \
				check "go$v-stripped-derived" go "$TMP/go$v-stripped"
		done
		# and the go on PATH, as the machine has it (an official build)
		if go=$(command -v go) && [ -n "$go" ]; then
			go=$(readlink -f "$go")
			strip --strip-all -o "$TMP/go-path-stripped" "$go"
			check go-path go "$go"
			GOROOT=$(dirname "$(dirname "$go")") check go-path-stripped go "$TMP/go-path-stripped"
			GOROOT=$(dirname "$(dirname "$go")") THREADLEAK_GO_DERIVE=1 \
				check go-path-stripped-derived go "$TMP/go-path-stripped"
		fi
		;;
	esac
done
