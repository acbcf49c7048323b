#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_go_derive: each Go binary of go_binaries.sh with every
# symbol and DWARF stripped (what derivation is for).
#
#   tests/fuzz/seed_go_derive.sh OUTDIR
set -u
. "$(dirname "$0")/seed_lib.sh"
mkdir -p "$1" || exit 1
go_binaries "$1" | while read -r bin; do
	seed=$1/$(basename "$bin")
	[ "$seed" -nt "$bin" ] && continue
	strip --strip-all -o "$seed" "$bin" 2>/dev/null || rm -f "$seed"
done
