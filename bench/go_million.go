// SPDX-License-Identifier: GPL-2.0

// A threadleak benchmark target: a Go program with a million parked
// goroutines that serves net/http/pprof and times its own lateness. It parks
// IDLE goroutines on a channel nobody sends on, then a 1 ms ticker measures
// how late each tick comes, the program's own latency while a goroutine
// census (threadleak's, or its own pprof goroutine profile) runs.
//
//	go_million IDLE PORT      (default 1000000 6061)
//
// It prints "ready pid=N" and serves, on 127.0.0.1:PORT:
//
//	/debug/pprof/...   net/http/pprof
//	/lateness          "ticks=N late_max_us=M late_p99_us=P" since the
//	                   last call, and starts a new period
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

var (
	mu   sync.Mutex
	late []time.Duration
)

func count(arg string, min, max int) int {
	n, err := strconv.Atoi(arg)
	if err != nil || n < min || n > max {
		fmt.Fprintf(os.Stderr, "go_million: bad number '%s': expected %d to %d\n", arg, min, max)
		os.Exit(2)
	}
	return n
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
		mu.Lock()
		late = append(late, d)
		mu.Unlock()
	}
}

func lateness(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	l := late
	late = nil
	mu.Unlock()
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	var max, p99 time.Duration
	if len(l) > 0 {
		max = l[len(l)-1]
		p99 = l[len(l)*99/100]
	}
	fmt.Fprintf(w, "ticks=%d late_max_us=%d late_p99_us=%d\n", len(l), max.Microseconds(), p99.Microseconds())
}

func main() {
	idle, port := 1000000, 6061
	if len(os.Args) > 1 {
		idle = count(os.Args[1], 0, 10000000)
	}
	if len(os.Args) > 2 {
		port = count(os.Args[2], 1, 65535)
	}

	never := make(chan struct{})
	var parked sync.WaitGroup
	parked.Add(idle)
	for i := 0; i < idle; i++ {
		go func() {
			parked.Done()
			<-never
		}()
	}
	parked.Wait()

	http.HandleFunc("/lateness", lateness)
	go ticks()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	errc := make(chan error)
	go func() { errc <- http.ListenAndServe(addr, nil) }()
	fmt.Printf("ready pid=%d\n", os.Getpid())
	fmt.Fprintf(os.Stderr, "go_million: %v\n", <-errc)
	os.Exit(1)
}
