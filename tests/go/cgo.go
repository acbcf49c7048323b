// SPDX-License-Identifier: GPL-2.0

//go:build cgo

// Built with parked.go when the tests want a cgo binary: importing "C" makes
// the go command use cgo and the external linker.
package main

// static int threadleak_cgo_marker(void) { return 42; }
import "C"

var cgoMarker = int(C.threadleak_cgo_marker())
