#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds of fuzz_libc_layout: a small shared object with glibc's
# _thread_db_pthread_* descriptors (fake_libc.c, built with gcc), and the
# maps of this process and of init (where libc_path_of_pid finds libc).
#
#   tests/fuzz/seed_libc_layout.sh OUTDIR
set -u
out=$1
src=$(dirname "$0")/fake_libc.c
mkdir -p "$out" || exit 1
if [ ! "$out/fake-libc.so" -nt "$src" ]; then
	gcc -shared -nostdlib -fPIC -o "$out/fake-libc.so" "$src" || exit 1
fi
head -c 65536 /proc/self/maps >"$out/maps-self"
head -c 65536 /proc/1/maps >"$out/maps-init" 2>/dev/null
exit 0
