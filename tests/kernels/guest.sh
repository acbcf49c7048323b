#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside a kernel of the matrix (tests/kernels/run.sh boots it): what
# threadleak takes on this kernel, then the live tests that must hold on
# every kernel. Everything writes under /tmp (a tmpfs; the rest is the host's
# root, read-only).
#
#   tests/kernels/guest.sh BUILD GO_PROGRAM
BUILD=$1
GO_PROGRAM=$2
HERE=$(cd "$(dirname "$0")" && pwd)
LIVE=$HERE/../live

echo "INFO: uname $(uname -r)"
# Under TCG code runs 10-30x slower than on the host: the inspector's
# per-census time budget (wall time, --inspect-budget, 500 ms) is given 20
# times that, through a build directory whose threadleak passes it on.
REAL=$BUILD/threadleak
BUILD=/tmp/kernels-build
mkdir -p "$BUILD"
ln -s "$(dirname "$REAL")"/* "$BUILD"/
rm "$BUILD/threadleak"
cat > "$BUILD/threadleak" << EOF
#!/bin/bash
case "\${1:-}" in
record|monitor) c=\$1; shift; exec "$REAL" "\$c" --inspect-budget 10000 "\$@" ;;
-*) exec "$REAL" --inspect-budget 10000 "\$@" ;;
*) exec "$REAL" "\$@" ;;
esac
EOF
chmod +x "$BUILD/threadleak"
# Which paths threadleak takes here: its -v line says.
sleep 300 & idle=$!
"$BUILD/threadleak" -p $idle -d 1 -v > /dev/null 2> /tmp/kernel-probe.err
kill $idle
grep -E 'census by|lacks|threadleak:' /tmp/kernel-probe.err | head -n 5 | sed 's/^/INFO: /'

# GO_VERSIONS=none: record_replay.sh leaves out its Go program, which it
# would build here (minutes under TCG); go_census.sh runs one built outside.
# tests/live/findings.sh is left out: threadleak takes seconds to attach
# under TCG, and a process that has leaked mutex waiters for longer than the
# wait threshold before threadleak attaches gets one long_wait per waiter
# before its thread_leak (on the host too, when attached 5 s late):
# leak.sh and deadlock.sh run its shapes that matter per kernel.
for t in counts record_replay compat; do
	GO_VERSIONS=none bash "$LIVE/$t.sh" "$BUILD" 2>&1
done
bash "$HERE/leak.sh" "$BUILD" 2>&1
bash "$HERE/deadlock.sh" "$BUILD" 2>&1
bash "$HERE/go_census.sh" "$BUILD" "$GO_PROGRAM" 2>&1
