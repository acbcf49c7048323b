#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_go_riprel: 4 KiB pieces of .text of each Go binary of
# go_binaries.sh (the runtime's code, with its RIP-relative loads).
#
#   tests/fuzz/seed_go_riprel.sh OUTDIR
set -u
. "$(dirname "$0")/seed_lib.sh"
mkdir -p "$1" || exit 1
go_binaries "$1" | grep -v stripped | while read -r bin; do
	seed=$1/$(basename "$bin")
	[ "$seed.0" -nt "$bin" ] && continue
	dump_section "$bin" "$seed.text" .text || continue
	for piece in 0 16 32 64; do
		dd if="$seed.text" of="$seed.$piece" bs=4096 skip="$piece" count=1 2>/dev/null
	done
	rm -f "$seed.text"
done
