#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install everything threadleak's build, tests, demo and benchmarks need on
# Debian 12 (bookworm). Idempotent: prints nothing and installs nothing when
# all is there. Run as root.
set -eu

# Packages from bookworm itself. The last four lines: the real host of the
# memory benchmark and of tests/live/realhost.sh (tests/live/lib_realhost.sh);
# the kernel matrix in qemu (make test-kernels); the HTML report's renderer
# (tests/live/html.sh) and the manifest's parser (tests/live/kubernetes.sh).
PKGS="make gcc g++ clang llvm llvm-14-dev pkg-config libbpf-dev bpftool libelf-dev
zlib1g-dev libdeflate-dev libdw-dev libmicrohttpd-dev libseccomp-dev uthash-dev libclang-rt-14-dev golang-1.19-go
rustc bpftrace prometheus prometheus-alertmanager hyperfine procps jq util-linux libfuse3-dev fuse3
postgresql redis-server memcached nginx wrk openjdk-17-jdk-headless python3
qemu-system-x86 busybox-static cpio kmod xz-utils zstd
chromium python3-yaml"
# Go toolchains from bookworm-backports, for the goroutine tests.
BPO_PKGS="golang-1.21-go golang-1.22-go golang-1.23-go"
BPO_LIST=/etc/apt/sources.list.d/threadleak-bookworm-backports.sources

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || printf '%s ' "$p"
	done
}

need=$(missing $PKGS)
need_bpo=$(missing $BPO_PKGS)
# Go 1.24 and later, which Debian 12 does not have, from the Go module proxy.
if [ -z "$need" ] && [ -z "$need_bpo" ]; then
	exec "$(dirname "$0")/go-toolchains.sh" install
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: $need$need_bpo; run as root: sudo $0" >&2
	exit 1
fi

if [ -n "$need_bpo" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	# Copy the existing Debian entry with the suite changed, so the
	# mirror and keyring stay whatever this machine already trusts.
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /URIs: [^ ]*debian\/?(\n|$)/ && !done {
			sub(/Suites:[^\n]*/, "Suites: bookworm-backports"); print; done = 1 }' \
			"$src" > "$BPO_LIST"
	else
		mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
		echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" \
			> /etc/apt/sources.list.d/threadleak-bookworm-backports.list
	fi
fi

echo "install-deps: installing: $need$need_bpo"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
[ -z "$need" ] || apt-get install -y -qq --no-install-recommends $need >/dev/null
# shellcheck disable=SC2086
[ -z "$need_bpo" ] || apt-get install -y -qq --no-install-recommends -t bookworm-backports $need_bpo >/dev/null
"$(dirname "$0")/go-toolchains.sh" install
echo "install-deps: done"
