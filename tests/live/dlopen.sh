#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A library dlopened after threadleak first read the process's maps: the
# threads it starts are named by their start routine in it, because an
# address in no known mapping makes threadleak read the maps again.
. "$(dirname "$0")/lib.sh"
need_root
CASE=start_routine_in_dlopened_library

lib=$TMP/libdlopen_threads.so
cc -g -O2 -Wall -Werror -shared -fPIC -pthread -DDLOPEN_LIB tests/progs/dlopen_threads.c \
	-o "$lib" || { fail "$CASE" "could not build the library"; exit 0; }
mkfifo "$TMP/prog.in"
"$PROGS/dlopen_threads" "$lib" < "$TMP/prog.in" > "$TMP/prog.out" 2>&1 &
PIDS+=($!)
pid=$!
exec {fd}> "$TMP/prog.in"
wait_for "$TMP/prog.out" '^ready' 30 || { fail "$CASE" "program did not start"; exit 0; }

out=$TMP/tl.json
start_tl "$out" -p "$pid" -d 14 --wait-threshold 3 --json
# a few censuses first: its maps are read (its main thread waits in read,
# a long wait of its own: only the thread leak is asserted)
wait_samples "$out" "$pid" 3 || { fail "$CASE" "no samples: $(cat "$out.err")"; exit 0; }
grep -q dlopen_threads.so "/proc/$pid/maps" && { fail "$CASE" "library loaded too early"; exit 0; }
echo go >&"$fd"
wait_for "$TMP/prog.out" '^loaded' 30 || { fail "$CASE" "library not loaded: $(cat "$TMP/prog.out")"; exit 0; }
wait_exit "$TL_PID" 60; status=$?
expect "threadleak exit status" $status 0 || exit 0

f=$(jq -c "select(.type == \"finding\" and .kind == \"thread_leak\" and .pid == $pid and (.summary | not))" "$out")
expect "thread leak findings" "$(echo "$f" | grep -c .)" 1 || exit 0
expect "kind, site" "$(echo "$f" | jq -r '.kind + " " + .site')" \
	"thread_leak dlopened_worker (dlopen_threads.c:27)" || exit 0
pass "$CASE"
