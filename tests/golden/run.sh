#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replay of traces recorded before the userspace restructure (issue 12): a
# thread leak, a deadlock, a Go goroutine leak (Go 1.22) and a system-wide
# minute, recorded on 2026-12-03 with threadleak 6e3bc6b (see README.md in
# this directory). Replay must print the same bytes, text and JSON, as the
# replay at the time; old traces keep replaying through the format's version.
# No root needed.
build=${1:-build}
dir=$(dirname "$0")
tl=$build/threadleak
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in leak deadlock goleak system; do
	for fmt in txt json; do
		case=golden/$t.$fmt
		args=()
		[ $fmt = json ] && args=(--json)
		TZ=UTC "$tl" replay "${args[@]}" "$dir/$t.tl" > "$tmp/out" 2>&1
		st=$?
		if [ $st != 0 ]; then
			echo "FAIL: $case: replay exited with status $st: $(tail -n 1 "$tmp/out")"
		elif ! cmp -s "$tmp/out" "$dir/$t.$fmt"; then
			echo "FAIL: $case: replay differs from $dir/$t.$fmt:"
			diff "$dir/$t.$fmt" "$tmp/out" | head -n 8
		else
			echo "PASS: $case"
		fi
	done
done
