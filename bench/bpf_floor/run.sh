#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The floor under the fork and exit programs, by the kernel's accounting:
# what an empty tp_btf program on their tracepoints costs per run, and one
# with only a ring-buffer reserve/submit of a record's size, only a clock
# read, only an 8-byte user read, only a hash lookup (floor.bpf.c), while
# bench/churn creates and joins COST_THREADS threads. Medians of COST_REPS
# runs; a Markdown table on stdout.
#
#     sudo bench/bpf_floor/run.sh [OUTPUT]     # OUTPUT: the build directory (default: build)
#
# The empty program's ns are the accounting's own (two sched_clock reads
# around the program): every program's number includes them.

set -uo pipefail
export LC_ALL=C

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
OUTPUT=${1:-build}
THREADS=${COST_THREADS:-20000}
REPS=${COST_REPS:-3}
ARCH=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')

die() {
	printf 'bpf_floor: %s\n' "$*" >&2
	exit 1
}

[[ $EUID -eq 0 ]] || die "needs root (BPF); try: sudo $0 $OUTPUT"
[[ -x $OUTPUT/bench/churn ]] || die "$OUTPUT/bench/churn missing; run make $OUTPUT/bench/churn"
TMP=$(mktemp -d /tmp/threadleak-bpffloor.XXXXXX) || die "mktemp failed"
F_PID='' C_PID=''
cleanup() {
	local pid

	for pid in $F_PID $C_PID; do
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

clang -g -O2 -target bpf -D__TARGET_ARCH_"$ARCH" -I"$ROOT/vmlinux/$ARCH" \
	-c "$DIR/floor.bpf.c" -o "$TMP/floor.bpf.o" || die "cannot build floor.bpf.c"
cc -O2 -Wall "$DIR/floor.c" -o "$TMP/floor" -lbpf || die "cannot build floor.c"

for ((rep = 1; rep <= REPS; rep++)); do
	mkfifo "$TMP/in" "$TMP/go"
	"$TMP/floor" "$TMP/floor.bpf.o" <"$TMP/in" >"$TMP/out" &
	F_PID=$!
	exec {in}>"$TMP/in"
	for ((i = 0; i < 500; i++)); do
		grep -qs '^ready' "$TMP/out" && break
		kill -0 "$F_PID" 2>/dev/null || die "floor did not start"
		sleep 0.01
	done
	"$OUTPUT/bench/churn" "$THREADS" <"$TMP/go" >/dev/null &
	C_PID=$!
	exec {go}>"$TMP/go"
	echo go >&"$in"
	echo go >&"$go"
	exec {go}>&-
	wait "$C_PID"
	C_PID=''
	echo go >&"$in"
	exec {in}>&-
	wait "$F_PID"
	F_PID=''
	grep -v '^ready' "$TMP/out" >>"$TMP/all"
	rm -f "$TMP/in" "$TMP/go"
done

echo "| floor program (bench/bpf_floor) | runs | ns/run (median of $REPS) |"
echo "| --- | ---: | ---: |"
for prog in $(awk '!seen[$1]++ { print $1 }' "$TMP/all"); do
	awk -v p="$prog" '$1 == p { print $2, $3 }' "$TMP/all" | sort -k2,2g |
		awk -v p="$prog" '{ n[NR] = $1; v[NR] = $2 }
		END { m = int((NR + 1) / 2); printf "| %s | %s | %s |\n", p, n[m], v[m] }'
done
echo
echo "Load average: $(cut -d' ' -f1-3 /proc/loadavg)."
