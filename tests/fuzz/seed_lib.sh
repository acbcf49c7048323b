# SPDX-License-Identifier: GPL-2.0
#
# What the seed_NAME.sh scripts share; sourced.

# go_binaries OUTDIR: the Go binaries of go_binaries.sh, built next to the
# seeds (OUTPUT/fuzz-go), one path a line.
go_binaries() {
	"$(dirname "${BASH_SOURCE[0]}")/go_binaries.sh" "$1/../../fuzz-go"
}

# dump_section BIN OUT SECTION...: the bytes of the first SECTION that BIN
# has into OUT, unless OUT is newer than BIN; false if it has none.
dump_section() {
	local bin=$1 out=$2 section
	shift 2
	[ "$out" -nt "$bin" ] && return 0
	for section in "$@"; do
		rm -f "$out"
		objcopy --dump-section "$section=$out" "$bin" /dev/null 2>/dev/null
		[ -s "$out" ] && return 0
	done
	rm -f "$out"
	return 1
}
