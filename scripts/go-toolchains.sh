#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Go toolchains the goroutine tests use beyond Debian's (Go 1.19 and
# 1.21-1.23 come from Debian, see install-deps.sh): the newest point release
# of each newer Go, fetched by the go command from the Go module proxy as the
# module golang.org/toolchain, into a module cache of their own that outlives
# test runs.
#
#   scripts/go-toolchains.sh install       fetch the missing ones (quiet when
#                                          all are there; needs `go` on PATH)
#   scripts/go-toolchains.sh path 1.NN     the go binary of Go 1.NN, if fetched
#   scripts/go-toolchains.sh list          the go binary of each fetched one
#
# To add a Go release: add it to RELEASES, run install, then
# `make go-offsets`, and add its minor version to tests/live/lib_go.sh's
# GO_VERSIONS.
set -eu

RELEASES="1.24.13 1.25.14 1.26.11 1.27.3"
DIR=${THREADLEAK_GO_TOOLCHAINS:-/usr/local/lib/threadleak-go}
ARCH=$(uname -m)
case $ARCH in
x86_64) ARCH=amd64 ;;
aarch64) ARCH=arm64 ;;
esac

# bin RELEASE: where the go command puts that release's go binary.
bin() {
	echo "$DIR/golang.org/toolchain@v0.0.1-go$1.linux-$ARCH/bin/go"
}

case ${1:-} in
install)
	for r in $RELEASES; do
		[ -x "$(bin "$r")" ] && continue
		if ! command -v go > /dev/null; then
			echo "go-toolchains.sh: Go $r needs the go command to fetch it; install Go 1.21 or later and run again" >&2
			exit 1
		fi
		echo "go-toolchains.sh: fetching Go $r into $DIR"
		mkdir -p "$DIR"
		# Run from / so no go.mod around pins another toolchain.
		(cd / && GOMODCACHE=$DIR GOTOOLCHAIN=go$r GOFLAGS=-modcacherw go version > /dev/null) || {
			echo "go-toolchains.sh: fetching Go $r failed (is the Go module proxy reachable? see GOPROXY)" >&2
			exit 1
		}
	done
	;;
path)
	for r in $RELEASES; do
		case $r in
		"${2:?usage: $0 path 1.NN}".*) [ -x "$(bin "$r")" ] && bin "$r" && exit 0 ;;
		esac
	done
	exit 1
	;;
list)
	for r in $RELEASES; do
		[ -x "$(bin "$r")" ] && bin "$r"
	done
	exit 0
	;;
*)
	echo "usage: $0 install | path 1.NN | list" >&2
	exit 2
	;;
esac
