#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The capabilities scripts/threadleak.service grants are enough, and each
# is needed: threadleak runs as root's uid under setpriv with its bounding
# set emptied but for the unit's CapabilityBoundingSet (what systemd does),
# then once more without each of them, all at once. Targets: leaky_demo as
# root, and as nobody from a directory only nobody may enter.
#
#   sudo tests/live/capabilities.sh [BUILD]
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/live/lib.sh
. tests/live/lib.sh
need_root
UNIT=scripts/threadleak.service
SITE='wait_for_config (leaky_demo.c:28)'

# CAP_BPF CAP_PERFMON ... -> bpf perfmon ... (setpriv's names)
read -ra CAPS <<< "$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr '[:upper:]' '[:lower:]' | sed 's/cap_//g')"
if [ ${#CAPS[@]} = 0 ]; then
	fail "" "no CapabilityBoundingSet in $UNIT"
	exit 0
fi

mkdir -m 0700 "$TMP/private"
cp "$PROGS/leaky_demo" "$TMP/private/leaky_user"
chown -R nobody: "$TMP/private"
chmod 0711 "$TMP" # nobody may pass through to its own directory only
"$PROGS/leaky_demo" > /dev/null &
PIDS+=($!)
root_pid=$!
setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/private/leaky_user" > /dev/null &
PIDS+=($!)
user_pid=$!

# run NAME CAP...: threadleak -p both, 9 s, with only these capabilities.
run() {
	local name=$1 bset=-all cap
	shift
	for cap in "$@"; do
		bset+=",+$cap"
	done
	setpriv --inh-caps=-all --ambient-caps=-all --bounding-set="$bset" -- \
		"$TL" -p "$root_pid,$user_pid" -d 9 --json > "$TMP/$name.json" 2> "$TMP/$name.err"
	echo $? > "$TMP/$name.rc"
}

# leak_site NAME PID: the site of PID's first leak finding, and whether it
# had a stack.
leak_site() {
	jq -r "select(.type == \"finding\" and .kind == \"thread_leak\" and .pid == $2)
		| \"\(.site) stack=\((.stack | length) > 0)\"" "$TMP/$1.json" 2> /dev/null | head -n 1
}

runs=()
run all "${CAPS[@]}" &
runs+=($!)
for cap in "${CAPS[@]}"; do
	# shellcheck disable=SC2046 # one word per capability
	run "without_$cap" $(printf '%s\n' "${CAPS[@]}" | grep -vx "$cap") &
	runs+=($!)
done
for pid in "${runs[@]}"; do
	wait "$pid"
done

CASE=unit_set
if expect status "$(cat "$TMP/all.rc")" 0 &&
	expect "root's process" "$(leak_site all "$root_pid")" "$SITE stack=true" &&
	expect "nobody's process" "$(leak_site all "$user_pid")" "$SITE stack=true"; then
	pass "$CASE"
fi

for cap in "${CAPS[@]}"; do
	CASE=needs_$cap
	name=without_$cap
	root_site=$(leak_site "$name" "$root_pid")
	user_site=$(leak_site "$name" "$user_pid")
	if [ "$(cat "$TMP/$name.rc")" != 0 ]; then
		pass "$CASE"
	elif [ "$root_site" != "$SITE stack=true" ] || [ "$user_site" != "$SITE stack=true" ]; then
		pass "$CASE"
	else
		fail "$CASE" "works as well without it: root's '$root_site', nobody's '$user_site'"
	fi
	echo "  without $cap: status $(cat "$TMP/$name.rc"), root's '$root_site', nobody's '$user_site' $(head -c 100 "$TMP/$name.err")"
done
