#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test: unit tests, then live tests; ends with "N passed, N failed, N skipped".
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME CMD...: a test binary or script; a crash without a FAIL line
# still counts as a failure.
run() {
	local name=$1 st
	shift
	"$@" 2>&1 | tee "$log.cur"
	st=${PIPESTATUS[0]}
	cat "$log.cur" >> "$log"
	if [ "$st" != 0 ] && ! grep -q '^FAIL: ' "$log.cur"; then
		echo "FAIL: $name: exited with status $st" | tee -a "$log"
	fi
	rm -f "$log.cur"
}

run unit "$build/tests/unit_tests"
run golden tests/golden/run.sh "$build"
# every fuzz target (tests/fuzz/fuzz_*.c), 5 s each, with their builds and seeds
run fuzz tests/fuzz/run.sh "${FUZZ_TEST_SECONDS:-5}" "$build"
for t in tests/live/*.sh; do
	case $(basename "$t") in lib*.sh) continue ;; esac
	run "live/$(basename "$t" .sh)" bash "$t" "$build"
done

if grep -q '^FAIL: ' "$log"; then
	echo
	echo "failures:"
	grep '^FAIL: ' "$log"
fi
passed=$(grep -c '^PASS: ' "$log")
failed=$(grep -c '^FAIL: ' "$log")
skipped=$(grep -c '^SKIP: ' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
