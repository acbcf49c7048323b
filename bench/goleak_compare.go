// SPDX-License-Identifier: GPL-2.0

// One leak per mode, for bench/goleak_compare.sh: threadleak beside Go's
// own goroutine leak profile (/debug/pprof/goroutineleak, Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile, on by default from Go 1.27). It serves
// net/http/pprof on 127.0.0.1 (a port of its own), makes one "request"
// every 200 ms, and times a 1 ms ticker of its own. Modes:
//
// The leak shapes of tests/go/leaks.go, one leaked goroutine a request:
//
//	forgotten-sender  the caller times out; the worker's send has no reader
//	range-unclosed    a consumer ranges over a channel nobody closes
//	select-no-ctx     a worker's select has no cancellation case
//	early-return      two senders, the caller takes the first result only
//	ticker            a goroutine reads a ticker that is never stopped
//	mutex             a request returns holding a mutex; later ones queue
//	waitgroup         a WaitGroup that never reaches zero
//
// Leaks the profile cannot see by design (it reports a goroutine only when
// what it waits on is unreachable from every live goroutine and global):
//
//	global-chan       a goroutine blocked on a channel kept in a global slice
//	poll-loop         a goroutine polls a flag nobody sets, sleeping 100 ms
//	io-wait           a goroutine reads a loopback connection nobody closes
//
// And one that does not grow:
//
//	fixed             5 goroutines blocked for ever on a channel nobody
//	                  else holds, started once; then two GCs (which date
//	                  their waits), and no more leaks
//
// The shapes are tests/go/leaks.go's functions, copied (each program is
// built alone, from one file, by the go command in GOPATH mode), and the
// ticker is bench/go_million.go's: what the tests check is what is measured.
//
// It prints "ready pid=PID port=PORT" and runs until killed. GET /lateness:
// "ticks=N late_max_us=M late_p99_us=P" for the ticks since the last call.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var (
	sink      = make(chan int, 1024)
	leakedMu  sync.Mutex
	neverDone sync.WaitGroup

	pending  []chan int // global-chan: reachable, so never "leaked"
	stopPoll int32      // poll-loop: nobody sets it
	held     []net.Conn // io-wait: the server ends, kept open

	lateMu sync.Mutex
	late   []time.Duration
)

//go:noinline
func forgottenSender() {
	result := make(chan int)
	go func() { result <- compute() }()
	select {
	case v := <-result:
		sink <- v
	case <-time.After(time.Millisecond):
	}
}

//go:noinline
func rangeUnclosed() {
	items := make(chan int)
	go func() {
		for v := range items {
			sink <- v
		}
	}()
	items <- 1
}

//go:noinline
func selectNoCtx() {
	work, stop := make(chan int), make(chan struct{})
	go func() {
		for {
			select {
			case v := <-work:
				sink <- v
			case <-stop:
				return
			}
		}
	}()
	work <- 1
}

//go:noinline
func earlyReturn() {
	results := make(chan int)
	for i := 0; i < 2; i++ {
		go func(n int) { results <- n }(i)
	}
	sink <- <-results
}

//go:noinline
func tickerNeverStopped() {
	ticker := time.NewTicker(time.Hour)
	go func() {
		for range ticker.C {
			sink <- 1
		}
	}()
}

//go:noinline
func mutexNeverUnlocked(first bool) {
	if first {
		leakedMu.Lock() // and returns without Unlock
		return
	}
	go func() {
		leakedMu.Lock()
		sink <- 1
		leakedMu.Unlock()
	}()
}

//go:noinline
func waitGroupNeverZero() {
	go func() {
		neverDone.Add(1)
		neverDone.Wait()
		sink <- 1
	}()
}

//go:noinline
func globalChan() {
	ch := make(chan int)
	pending = append(pending, ch)
	go func() { sink <- <-ch }()
}

//go:noinline
func pollLoop() {
	go func() {
		for atomic.LoadInt32(&stopPoll) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}()
}

//go:noinline
func ioWait(ln net.Listener) {
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "goleak_compare: dial:", err)
		os.Exit(1)
	}
	s, err := ln.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, "goleak_compare: accept:", err)
		os.Exit(1)
	}
	held = append(held, s)
	go func() {
		buf := make([]byte, 1)
		_, _ = io.ReadFull(c, buf)
		sink <- 1
	}()
}

//go:noinline
func fixedLeak(n int) {
	never := make(chan int)
	for i := 0; i < n; i++ {
		go func() { sink <- <-never }()
	}
}

func compute() int {
	time.Sleep(5 * time.Millisecond)
	return 42
}

// ticks records how late each tick of a 1 ms ticker comes.
func ticks() {
	t := time.NewTicker(time.Millisecond)
	next := time.Now().Add(time.Millisecond)
	for now := range t.C {
		d := now.Sub(next)
		if d < 0 {
			d = 0
		}
		// a tick the ticker dropped is late too: count from when it was due
		next = next.Add(time.Millisecond)
		for next.Before(now) {
			next = next.Add(time.Millisecond)
		}
		lateMu.Lock()
		late = append(late, d)
		lateMu.Unlock()
	}
}

func lateness(w http.ResponseWriter, r *http.Request) {
	lateMu.Lock()
	l := late
	late = nil
	lateMu.Unlock()
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	var max, p99 time.Duration
	if len(l) > 0 {
		max = l[len(l)-1]
		p99 = l[len(l)*99/100]
	}
	fmt.Fprintf(w, "ticks=%d late_max_us=%d late_p99_us=%d\n", len(l), max.Microseconds(), p99.Microseconds())
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goleak_compare MODE")
		os.Exit(2)
	}
	mode := os.Args[1]
	go func() { // drain what the requests produce
		for range sink {
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "goleak_compare: listen:", err)
		os.Exit(1)
	}
	var conns net.Listener
	if mode == "io-wait" {
		if conns, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			fmt.Fprintln(os.Stderr, "goleak_compare: listen:", err)
			os.Exit(1)
		}
	}
	http.HandleFunc("/lateness", lateness)
	go func() {
		fmt.Fprintln(os.Stderr, "goleak_compare:", http.Serve(ln, nil))
		os.Exit(1)
	}()
	go ticks()
	if mode == "fixed" {
		fixedLeak(5)
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		runtime.GC()
	}
	fmt.Printf("ready pid=%d port=%d\n", os.Getpid(), ln.Addr().(*net.TCPAddr).Port)
	for i := 0; ; i++ {
		switch mode {
		case "forgotten-sender":
			forgottenSender()
		case "range-unclosed":
			rangeUnclosed()
		case "select-no-ctx":
			selectNoCtx()
		case "early-return":
			earlyReturn()
		case "ticker":
			tickerNeverStopped()
		case "mutex":
			mutexNeverUnlocked(i == 0)
		case "waitgroup":
			waitGroupNeverZero()
		case "global-chan":
			globalChan()
		case "poll-loop":
			pollLoop()
		case "io-wait":
			ioWait(conns)
		case "fixed":
		default:
			fmt.Fprintln(os.Stderr, "unknown mode", mode)
			os.Exit(2)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
