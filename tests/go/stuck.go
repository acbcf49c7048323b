// SPDX-License-Identifier: GPL-2.0

// A Go program for the stuck-site tests (tests/live/stuck.sh): goroutines
// that leaked before threadleak came, and healthy programs at rest.
//
//	leak N    main.startWorkers starts N goroutines of main.processJob,
//	          each blocked for ever on a chan receive; once all are
//	          parked, runs two GCs (which set their waitsince) and prints
//	          "ready"; on each SIGUSR1, N/2 more, two GCs, "more".
//	pool N    an idle worker pool: N goroutines of main.poolWorker wait
//	          on a job channel nobody sends on yet; two GCs; "ready".
//	http N    an HTTP server and N keep-alive connections to it, each
//	          after one request, all idle; two GCs; "ready".
//
// Under GOGC=off it runs no GC: the waits stay unknown.
//
// Then it sleeps, forever, for the test to kill it.
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

var (
	jobs = make(chan int)
	// The client ends of the idle connections: unreachable, a GC would
	// close them (finalizers).
	idleConns []net.Conn
)

//go:noinline
func processJob(ch chan int) {
	<-ch
}

//go:noinline
func startWorkers(n int) {
	for i := 0; i < n; i++ {
		go processJob(jobs)
	}
}

//go:noinline
func poolWorker() {
	for j := range jobs {
		_ = j
	}
}

// waitParked waits until at least n more goroutines than base exist and
// every one is parked (NumGoroutine counts them; a short settle lets the
// last ones reach their receive), then runs two GCs: a GC's stack scan sets
// the waitsince of each blocked goroutine to work.tstart, which its mark
// termination sets afterwards, so the first GC ever records 0.
func waitParked(base, n int) {
	for runtime.NumGoroutine() < base+n {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	collect()
}

// collect runs two GCs, unless GOGC=off: then waitsince stays 0, as in a
// program that never collects.
func collect() {
	if os.Getenv("GOGC") == "off" {
		return
	}
	runtime.GC()
	runtime.GC()
}

func serveHTTP(n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: stuck\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		resp.Body.Close()
		idleConns = append(idleConns, c) // kept open: keep-alive, idle
	}
	time.Sleep(200 * time.Millisecond)
	collect()
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stuck leak|pool|http N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	base := runtime.NumGoroutine()
	switch os.Args[1] {
	case "leak":
		more := make(chan os.Signal, 1)
		signal.Notify(more, syscall.SIGUSR1)
		base = runtime.NumGoroutine()
		startWorkers(n)
		waitParked(base, n)
		go func() {
			for range more {
				base := runtime.NumGoroutine()
				startWorkers(n / 2)
				waitParked(base, n/2)
				fmt.Println("more")
			}
		}()
	case "pool":
		for i := 0; i < n; i++ {
			go poolWorker()
		}
		waitParked(base, n)
	case "http":
		serveHTTP(n)
	default:
		fmt.Fprintln(os.Stderr, "usage: stuck leak|pool|http N")
		os.Exit(2)
	}
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
