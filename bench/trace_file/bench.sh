#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trace file speed and size on census-like records:
#   bench.sh [MB [OUTPUT]]     (default 100 MB of records, into OUTPUT=build)
# writes MB of records with the writer, compares zlib levels, then times
# `threadleak`'s reader against `zcat` on the same file (a trace is a series
# of gzip members) with hyperfine.
set -eu
cd "$(dirname "$0")/../../../.."
mb=${1:-100}
out=${2:-build}
mkdir -p "$out"
gcc -g -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Isrc tests/unit-pending/trace_file/bench/trace_file_bench.c \
	src/trace_file.c src/decode.c -lz -o "$out/trace_file_bench"

trace=$out/bench.tl
"$out/trace_file_bench" write "$trace" "$mb"
"$out/trace_file_bench" levels "$mb"
"$out/trace_file_bench" read "$trace"
zcat "$trace" | wc -c | awk '{ printf "zcat: %.1f MB of records\n", $1 / 1e6 }'

hyperfine -N --warmup 2 --runs 10 --export-json "$out/bench.json" \
	"zcat $trace" "$out/trace_file_bench read $trace"
jq -r '.results as $r | "reader vs zcat: \($r[0].mean / $r[1].mean * 100 | floor / 100)x as fast (zcat \($r[0].mean * 1000 | floor) ms, reader \($r[1].mean * 1000 | floor) ms)"' \
	"$out/bench.json"
