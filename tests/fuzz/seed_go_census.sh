#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_go_census: the Go binaries of go_binaries.sh, which the
# target reads from OUTPUT/fuzz-go-census (with their DWARF decompressed:
# inflating it at each input would cost most of the time, and the DWARF
# reader has its own target, fuzz_go_layout), and, for each, a runtime in
# its memory and the attacks on it, which the target writes itself (it
# knows where the binary's runtime keeps allgs and how big its frames are).
#
#   tests/fuzz/seed_go_census.sh OUTDIR
set -u
. "$(dirname "$0")/seed_lib.sh"
bins=$1/../../fuzz-go-census
mkdir -p "$1" "$bins" || exit 1
go_binaries "$1" | while read -r bin; do
	out=$bins/$(basename "$bin")
	[ "$out" -nt "$bin" ] || objcopy --decompress-debug-sections "$bin" "$out" || exit 1
done
FUZZ_GO_CENSUS_SEEDS=$1 "$1/../../fuzz_go_census"
