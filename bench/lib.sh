# SPDX-License-Identifier: GPL-2.0
#
# What every bench script starts with, sourced by each (so each stays
# runnable alone, `sudo bench/X.sh build`):
#
#     OUTPUT=${1:-build}
#     BENCH_NAME=bpf_cost        # names the script in die's messages
#     BENCH_LOG_PREFIX=...       # optional: log's prefix, default "$BENCH_NAME "
#     . "$BENCH_DIR/lib.sh"
#
# Sets THREADLEAK (the binary, default OUTPUT/threadleak) and BENCH_BIN (the
# workloads, default OUTPUT/bench) unless the environment did, defines log
# (progress on stderr, seconds since start) and die, and dies unless run as
# root with the binary built.

THREADLEAK=${THREADLEAK:-$OUTPUT/threadleak}
BENCH_BIN=${BENCH_BIN:-$OUTPUT/bench}
BENCH_LOG_PREFIX=${BENCH_LOG_PREFIX-$BENCH_NAME }

log() { printf '[%s%4ds] %s\n' "$BENCH_LOG_PREFIX" "$SECONDS" "$*" >&2; }
die() {
	printf '%s: %s\n' "$BENCH_NAME" "$*" >&2
	exit 1
}

[[ $EUID -eq 0 ]] || die "needs root (BPF, and reading the targets' memory); try: sudo $0 $OUTPUT"
[[ -x $THREADLEAK ]] || die "$THREADLEAK missing; run make first"
