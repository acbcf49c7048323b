#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_go_layout: small ELF files whose DWARF describes the Go
# runtime's structures (fake_go_dwarf.c, built with gcc and its runtime_X
# renamed runtime.X): in DWARF 5 and 4, and with g.sched.sp past 0xffff
# ("wrap", which go_layout.c must refuse). The unit tests use them too.
# A real Go binary's DWARF is megabytes: too large to fuzz.
#
#   tests/fuzz/seed_go_layout.sh OUTDIR
set -u
out=$1
src=$(dirname "$0")/fake_go_dwarf.c
mkdir -p "$out" || exit 1

# fake NAME CFLAGS...
fake() {
	local name=$1
	shift
	[ "$out/$name" -nt "$src" ] && return 0
	gcc -g -O0 -nostdlib -static -fno-asynchronous-unwind-tables "$@" -o "$out/$name" "$src" &&
		perl -0777 -pi -e 's/runtime_(g|gobuf|stack|moduledata)\0/runtime.$1\0/g' "$out/$name"
}

fake fake-dwarf5 -gdwarf-5 || exit 1
fake fake-dwarf4 -gdwarf-4 || exit 1
fake fake-wrap -gdwarf-5 -DG_PAD=65448 -DGOBUF_PAD=256 || exit 1
