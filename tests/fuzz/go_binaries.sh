#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Go binaries the fuzz targets' seeds come from: tests/fuzz/hello.go
# built with every Go on this machine (/usr/lib/go-1.*, /usr/local/go and
# the releases scripts/go-toolchains.sh fetched), in
# each mode a target process can be (normal, stripped with -s -w, PIE, and
# with cgo, PIE and stripped, which hides the function table in
# .data.rel.ro), into DIR. Built once: a binary newer than its toolchain and
# hello.go is kept. Prints the path of every binary.
#
#   tests/fuzz/go_binaries.sh DIR
set -u
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
src=$here/hello.go
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 1
export GOCACHE=${THREADLEAK_GOCACHE:-/var/tmp/threadleak-gocache-$(id -u)}
export GOPATH=$dir/gopath GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local

# build GO NAME FLAGS...: $dir/hello-VERSION-NAME (VERSION: go-1.NN, or
# go-local for /usr/local/go), unless up to date; $files: the sources.
build() {
	local go=$1 name=$2 version out
	shift 2
	version=$(basename "$(dirname "$(dirname "$go")")")
	[ "$version" = go ] && version=go-local
	# a fetched toolchain: toolchain@v0.0.1-go1.NN.P.linux-amd64
	[[ $version =~ -go(1\.[0-9]+)\. ]] && version=go-${BASH_REMATCH[1]}
	out=$dir/hello-$version-$name
	if [ ! "$out" -nt "$go" ] || [ ! "$out" -nt "$src" ]; then
		"$go" build "$@" -o "$out" "${files[@]}" >"$out.log" 2>&1 || return 0
	fi
	echo "$out"
}

files=("$src")

for go in /usr/lib/go-1.*/bin/go /usr/local/go/bin/go $("$here/../../scripts/go-toolchains.sh" list); do
	[ -x "$go" ] || continue
	CGO_ENABLED=0 build "$go" normal &
	CGO_ENABLED=0 build "$go" stripped -ldflags='-s -w' &
	wait
	CGO_ENABLED=0 build "$go" pie -buildmode=pie
	last=$go
done
# cgo with the newest Go only: the external linker's layout, which is the same for each
if [ -n "${last:-}" ] && command -v gcc >/dev/null; then
	# the go command wants the files of a build in one directory
	mkdir -p "$dir/cgo-src" && cp "$src" "$here/../go/cgo.go" "$dir/cgo-src/" &&
		files=("$dir/cgo-src/hello.go" "$dir/cgo-src/cgo.go")
	CGO_ENABLED=1 build "$last" cgo-pie-stripped -buildmode=pie -ldflags='-s -w'
fi
