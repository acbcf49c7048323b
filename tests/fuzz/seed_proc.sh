#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_proc: the maps, status, stat, syscall and cgroup files of a
# few of this machine's processes (this one, init, a kernel thread), as
# they are now.
#
#   tests/fuzz/seed_proc.sh OUTDIR
set -u
mkdir -p "$1" || exit 1
for pid in self 1 2; do
	for file in maps status stat syscall cgroup; do
		head -c 65536 "/proc/$pid/$file" >"$1/$pid-$file" 2>/dev/null
	done
done
