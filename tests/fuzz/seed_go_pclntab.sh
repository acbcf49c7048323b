#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_go_pclntab: the function table of each Go binary of
# go_binaries.sh, as the section it is in.
#
#   tests/fuzz/seed_go_pclntab.sh OUTDIR
set -u
. "$(dirname "$0")/seed_lib.sh"
mkdir -p "$1" || exit 1
go_binaries "$1" | while read -r bin; do
	dump_section "$bin" "$1/$(basename "$bin")" .gopclntab .data.rel.ro.gopclntab
done
