#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The trace reader fuzzer (libFuzzer, with ASan and UBSan).
#
#   tests/fuzz/run.sh [SECONDS [OUTPUT]]   build it into OUTPUT (default build),
#                                          replay the seed corpus, fuzz for SECONDS
#                                          (default 60); ends with a PASS or FAIL line
#   tests/fuzz/run.sh --corpus [OUTPUT]    rewrite tests/fuzz/corpus/ with the writer
#
# New inputs go to OUTPUT/fuzz-corpus (kept between runs, not committed);
# a crash is saved as OUTPUT/fuzz-crash-* and reproduced with
# `OUTPUT/fuzz_trace_reader OUTPUT/fuzz-crash-...`.
set -u
cd "$(dirname "$0")/../.." || exit 1

CLANG=${CLANG:-clang}
CFLAGS=(-g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter
	-Wno-missing-field-initializers -Isrc)
SRCS=(src/trace_file.c src/decode.c)

if [ "${1:-}" = --corpus ]; then
	out=${2:-build}
	mkdir -p "$out" tests/fuzz/corpus
	"$CLANG" "${CFLAGS[@]}" tests/fuzz/make_corpus.c "${SRCS[@]}" -lz -o "$out/make_corpus" || exit 1
	rm -f tests/fuzz/corpus/*
	exec "$out/make_corpus" tests/fuzz/corpus
fi

secs=${1:-60}
out=${2:-build}
name=fuzz/trace_reader
mkdir -p "$out/fuzz-corpus"

if ! "$CLANG" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	tests/fuzz/fuzz_trace_reader.c "${SRCS[@]}" -lz -o "$out/fuzz_trace_reader" 2>"$out/fuzz-build.log"; then
	if grep -q 'libclang_rt.fuzzer' "$out/fuzz-build.log"; then
		echo "SKIP: $name: clang has no libFuzzer runtime (apt-get install libclang-rt-14-dev)"
		exit 0
	fi
	cat "$out/fuzz-build.log"
	echo "FAIL: $name: does not build"
	exit 1
fi

# -malloc_limit_mb: the reader never needs more than two 4 MiB chunk buffers.
"$out/fuzz_trace_reader" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	-rss_limit_mb=1024 -malloc_limit_mb=16 -print_final_stats=1 \
	-artifact_prefix="$out/fuzz-" "$out/fuzz-corpus" tests/fuzz/corpus \
	>"$out/fuzz.log" 2>&1
status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/fuzz.log")
if [ "$status" != 0 ]; then
	grep -E 'ERROR|SUMMARY|fuzz_trace_reader:|Test unit written' "$out/fuzz.log" | head -20
	echo "FAIL: $name: see $out/fuzz.log"
	exit 1
fi
echo "PASS: $name ($secs s, ${runs:-?} inputs, ${speed:-?}/s)"
