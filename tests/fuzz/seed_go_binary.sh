#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_go_binary: each Go binary of go_binaries.sh cut down to the
# sections go_binary.c reads (build information, function table, module
# data, symbols), and its .go.buildinfo section alone.
#
#   tests/fuzz/seed_go_binary.sh OUTDIR
set -u
. "$(dirname "$0")/seed_lib.sh"
mkdir -p "$1" || exit 1
go_binaries "$1" | while read -r bin; do
	seed=$1/$(basename "$bin")
	dump_section "$bin" "$seed.buildinfo" .go.buildinfo
	[ "$seed" -nt "$bin" ] && continue
	objcopy -j .go.buildinfo -j .gopclntab -j .data.rel.ro.gopclntab -j .data.rel.ro \
		-j .noptrdata -j .data -j .bss "$bin" "$seed" 2>/dev/null || rm -f "$seed"
done
