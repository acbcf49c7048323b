// SPDX-License-Identifier: GPL-2.0

// The Go program whose binaries seed the fuzz targets (go_binaries.sh):
// small, so each seed is, yet with goroutines, a closure and inlined calls.
package main

import "os"

func square(n int) int { return n * n }

func main() {
	done := make(chan int)
	go func() { done <- square(len(os.Args)) }()
	println("hello", <-done)
}
