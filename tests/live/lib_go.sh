# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Building the Go test programs (tests/go) with every installed Go, for the
# live tests. Source after lib.sh.
#
#   go_build VERSION MODE OUT FILE...   MODE: normal, stripped, pie,
#                                       pie-stripped, cgo, cgo-stripped, ...
GO_VERSIONS=${GO_VERSIONS:-1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27}
# Go's build cache is content-addressed: sharing it between runs is safe and
# saves rebuilding the standard library for every mode.
export GOCACHE=${THREADLEAK_GOCACHE:-/var/tmp/threadleak-gocache-$(id -u)} GOPATH=$TMP/gopath
export GO111MODULE=off GOFLAGS='' GOTOOLCHAIN=local

# go_toolchain VERSION: the go binary of Go VERSION (1.NN): Debian's
# (/usr/lib/go-1.NN), else the one scripts/go-toolchains.sh fetched; fails
# when neither is installed.
go_toolchain() {
	if [ -x "/usr/lib/go-$1/bin/go" ]; then
		echo "/usr/lib/go-$1/bin/go"
	else
		"$(dirname "${BASH_SOURCE[0]}")/../../scripts/go-toolchains.sh" path "$1"
	fi
}

go_build() {
	local go mode=$2 out=$3 flags=()
	go=$(go_toolchain "$1") || { echo "Go $1 is not installed" > "$out.build"; return 1; }
	shift 3
	case $mode in
	*stripped*) flags+=("-ldflags=-s -w") ;; # one argument: the last -ldflags wins
	esac
	case $mode in
	*pie*) flags+=(-buildmode=pie) ;;
	esac
	case $mode in
	cgo*) export CGO_ENABLED=1 ;;
	*) export CGO_ENABLED=0 ;;
	esac
	"$go" build "${flags[@]}" -o "$out" "$@" 2> "$out.build"
}

# need_gocensus: the census driver reads another process's memory: without
# root, or without the driver, say so and stop.
need_gocensus() {
	if [ "$(id -u)" != 0 ]; then
		skip "" "needs root to read another process's memory (run: sudo make test)"
		exit 0
	fi
	if [ ! -x "$GOCENSUS" ]; then
		fail "" "$GOCENSUS is missing: build it first"
		exit 0
	fi
}
