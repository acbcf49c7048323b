#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rust threads (tests/progs/rust_threads.rs, built with `rustc -g -O` by the
# current toolchain and by Debian's): each leak's site is the user's closure,
# which rustc inlines into std's thread start (so it is named only from
# DWARF's inlined frames), and its waits are named after std's Mutex and
# channel, never "futex".
. "$(dirname "$0")/lib.sh"
need_root

# check_leak OUT FUNC LINE PRIMITIVE: one leak of FUNC's closure (declared
# at LINE), every thread blocked on PRIMITIVE. Leaves the finding in f.
check_leak() {
	f=$(jq -c "select(.type == \"finding\" and .kind == \"thread_leak\" and (.summary | not)) |
		select(.site | startswith(\"rust_threads::$2::\"))" "$1")
	expect "$2: findings" "$(echo "$f" | grep -c .)" 1 || return 1
	expect "$2: site" "$(echo "$f" | jq -r .site)" "rust_threads::$2::{{closure}} (rust_threads.rs:$3)" || return 1
	expect "$2: all blocked on a $4" "$(echo "$f" | jq -c '[(.blocked == .live), (.blocked_on | keys)]')" \
		"[true,[\"$4\"]]"
}

# check_rustc CASE RUSTC: one program built by RUSTC, traced for 15 s.
check_rustc() {
	local CASE=$1 rustc=$2 bin=$TMP/rust_threads_$1 out=$TMP/$1.json pid f

	if [ ! -x "$rustc" ]; then
		skip "$CASE" "$rustc not installed (scripts/install-deps.sh)"
		return
	fi
	"$rustc" -g -O -o "$bin" tests/progs/rust_threads.rs 2> "$TMP/$CASE.rustc" ||
		{ fail "$CASE" "rustc: $(head -3 "$TMP/$CASE.rustc")"; return; }
	"$bin" 600 > "$TMP/$CASE.out" &
	pid=$!
	PIDS+=($pid)
	wait_for "$TMP/$CASE.out" '^ready' 30 || { fail "$CASE" "program did not start"; return; }
	start_tl "$out" -p "$pid" -d 15 --wait-threshold 3 --json
	wait_exit "$TL_PID" 60
	expect "threadleak exit status" $? 0 || return
	kill "$pid"

	expect "thread leaks in all" \
		"$(jq -c 'select(.type == "finding" and .kind == "thread_leak" and (.summary | not))' "$out" | wc -l)" 2 || return
	check_leak "$out" handle_locked_request 20 mutex || return
	check_leak "$out" handle_channel_request 30 "channel receive" || return
	echo "$f" | jq -e '.stack | index("rust_threads::handle_channel_request::{{closure}} (rust_threads.rs:31) [inlined]")' > /dev/null ||
		{ fail "$CASE" "inlined frame not in the stack: $(echo "$f" | jq -c .stack)"; return; }
	expect "no wait named futex" "$(jq -c 'select(.type == "finding" and .primitive == "futex")' "$out" | wc -l)" 0 || return
	pass "$CASE"
}

check_rustc rustc_current /root/.cargo/bin/rustc
check_rustc rustc_debian /usr/bin/rustc
