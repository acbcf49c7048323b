#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: run threadleak for 15 s on a bundled program that leaks a thread
# every 100 ms, so the counts can be seen growing.
set -eu
build=${1:-build}
if [ "$(id -u)" != 0 ]; then
	echo "demo: threadleak loads BPF programs and needs root; run: sudo make demo" >&2
	exit 1
fi
"$build/tests/leaky_demo" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT INT TERM
echo "demo: leaky_demo (pid $pid) starts a thread every 100 ms that waits forever"
echo "demo: on a condition variable. Tracing it for 15 s:"
echo "demo: $build/threadleak -p $pid -d 15"
echo
"$build/threadleak" -p "$pid" -d 15
