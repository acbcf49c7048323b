#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer targets (ASan and UBSan): every tests/fuzz/fuzz_NAME.c.
#
#   tests/fuzz/run.sh [SECONDS [OUTPUT [NAME...]]]
#                        build each target into OUTPUT (default build), replay
#                        its seed corpus, fuzz it for SECONDS (default 60); one
#                        PASS or FAIL line per target
#   tests/fuzz/run.sh --corpus [OUTPUT]
#                        rewrite tests/fuzz/corpus/trace_reader/ with the writer
#
# A target says what it links in its first comment:
#   fuzz-srcs: src/a.c src/b.c     the project's sources it tests
#   fuzz-libs: -lz                 libraries
#   fuzz-cflags: -DHAVE_X          compiler options for the target and its sources
#   fuzz-flags: -max_len=65536     libFuzzer options (bounds it must hold)
# Seeds are tests/fuzz/corpus/NAME/ (committed) and, for targets that read
# binaries, whatever tests/fuzz/seed_NAME.sh writes into OUTPUT/fuzz-seeds/NAME
# (real files of this machine, not committed). New inputs go to
# OUTPUT/fuzz-corpus/NAME (kept between runs); a crash is saved as
# OUTPUT/fuzz-NAME-crash-* and reproduced with `OUTPUT/fuzz_NAME FILE`.
set -u
cd "$(dirname "$0")/../.." || exit 1

CLANG=${CLANG:-clang}
CFLAGS=(-g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter
	-Wno-missing-field-initializers -Isrc)

if [ "${1:-}" = --corpus ]; then
	out=${2:-build}
	mkdir -p "$out" tests/fuzz/corpus/trace_reader
	"$CLANG" "${CFLAGS[@]}" tests/fuzz/make_corpus.c src/trace_file.c src/record.c -lz -ldeflate \
		-o "$out/make_corpus" || exit 1
	rm -f tests/fuzz/corpus/trace_reader/*
	exec "$out/make_corpus" tests/fuzz/corpus/trace_reader
fi

secs=${1:-60}
out=${2:-build}
shift 2 2>/dev/null || shift $#
names=("$@")
if [ ${#names[@]} = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		names+=("${n#fuzz_}")
	done
fi

# field FILE KEY: the words after "KEY:" in the target's header.
field() {
	sed -n "s/^.*$2: *\\(.*\\)\$/\\1/p" "$1" | head -1 | sed 's| *\*/$||'
}

status_all=0
for name in "${names[@]}"; do
	src=tests/fuzz/fuzz_$name.c
	bin=$out/fuzz_$name
	log=$out/fuzz-$name.log
	mkdir -p "$out/fuzz-corpus/$name" "$out/fuzz-seeds/$name" tests/fuzz/corpus/$name
	# shellcheck disable=SC2207
	srcs=($(field "$src" fuzz-srcs))
	# shellcheck disable=SC2207
	libs=($(field "$src" fuzz-libs))
	# shellcheck disable=SC2207
	flags=($(field "$src" fuzz-flags))
	# shellcheck disable=SC2207
	cflags=($(field "$src" fuzz-cflags))
	if ! "$CLANG" "${CFLAGS[@]}" "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined "$src" "${srcs[@]}" "${libs[@]}" -o "$bin" \
		2>"$log"; then
		if grep -q 'libclang_rt.fuzzer' "$log"; then
			echo "SKIP: fuzz/$name: clang has no libFuzzer runtime" \
				"(apt-get install libclang-rt-14-dev)"
			continue
		fi
		cat "$log"
		echo "FAIL: fuzz/$name: does not build"
		status_all=1
		continue
	fi
	if [ -x "tests/fuzz/seed_$name.sh" ]; then
		"tests/fuzz/seed_$name.sh" "$out/fuzz-seeds/$name" >/dev/null 2>&1
	fi
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 "${flags[@]}" \
		-print_final_stats=1 -artifact_prefix="$out/fuzz-$name-" \
		"$out/fuzz-corpus/$name" "tests/fuzz/corpus/$name" "$out/fuzz-seeds/$name" \
		>"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ "$status" != 0 ]; then
		grep -E 'ERROR|SUMMARY|fuzz_[a-z_]*:|Test unit written' "$log" | head -20
		echo "FAIL: fuzz/$name: see $log"
		status_all=1
		continue
	fi
	echo "PASS: fuzz/$name ($secs s, ${runs:-?} inputs, ${speed:-?}/s)"
done
exit $status_all
