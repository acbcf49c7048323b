// SPDX-License-Identifier: GPL-2.0

// A Go program for the goroutine census tests, built by the tests with every
// installed Go toolchain (standard library only).
//
//	parked           parks exactly 100 goroutines on a chan send, 50 in a
//	                 select, 25 on sync.Mutex.Lock and 10 in
//	                 sync.WaitGroup.Wait, each group started by its own
//	                 function; once Go's own traceback of all goroutines
//	                 shows every one of them parked there, runs two GCs (which
//	                 set their waitsince) and prints "ready", then that
//	                 traceback between "dump-begin" and "dump-end", for the
//	                 tests to compare with.
//	many N           parks N goroutines on a chan receive; prints "ready".
//	churn N          parks N goroutines on a chan receive, prints "ready",
//	                 then starts and ends goroutines in ever larger bursts,
//	                 so that allgs grows and its gs change state while a
//	                 census reads them.
//	symbols          prints "sym NAME PC FILE LINE" for a few functions and
//	                 "caller NAME PC FILE LINE" for its own callers, as the
//	                 runtime symbolizes them, for the pclntab unit tests;
//	                 then exits.
//
// Then it sleeps, forever, for the test to kill it (sleeping, not blocked
// in a select: the runtime would call all goroutines asleep a deadlock).
package main

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	sendCh  = make(chan int)
	selectA = make(chan int)
	selectB = make(chan int)
	recvCh  = make(chan int)
	mu      sync.Mutex
	wg      sync.WaitGroup
)

//go:noinline
func chanSender() {
	sendCh <- 1
}

//go:noinline
func selecter() {
	select {
	case <-selectA:
	case selectB <- 1:
	}
}

//go:noinline
func mutexLocker() {
	mu.Lock()
	mu.Unlock()
}

//go:noinline
func waitGroupWaiter() {
	wg.Wait()
}

//go:noinline
func chanReceiver() {
	<-recvCh
}

//go:noinline
func startChanSenders(n int) {
	for i := 0; i < n; i++ {
		go chanSender()
	}
}

//go:noinline
func startSelecters(n int) {
	for i := 0; i < n; i++ {
		go selecter()
	}
}

//go:noinline
func startMutexLockers(n int) {
	for i := 0; i < n; i++ {
		go mutexLocker()
	}
}

//go:noinline
func startWaitGroupWaiters(n int) {
	for i := 0; i < n; i++ {
		go waitGroupWaiter()
	}
}

//go:noinline
func startChanReceivers(n int) {
	for i := 0; i < n; i++ {
		go chanReceiver()
	}
}

// allStacks is Go's own traceback of every goroutine.
func allStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// parkedIn counts, from a traceback, the goroutines that wait (not
// runnable, not running) with a frame in each of the functions.
func parkedIn(dump string, funcs []string) map[string]int {
	counts := make(map[string]int)
	for _, block := range strings.Split(dump, "\n\n") {
		lines := strings.Split(block, "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[0], "goroutine ") {
			continue
		}
		if strings.Contains(lines[0], "[runnable") || strings.Contains(lines[0], "[running") {
			continue
		}
		for _, f := range funcs {
			for _, l := range lines[1:] {
				if strings.HasPrefix(l, f+"(") {
					counts[f]++
					break
				}
			}
		}
	}
	return counts
}

func parked() {
	mu.Lock()
	wg.Add(1)
	startChanSenders(100)
	startSelecters(50)
	startMutexLockers(25)
	startWaitGroupWaiters(10)

	want := map[string]int{
		"main.chanSender":      100,
		"main.selecter":        50,
		"main.mutexLocker":     25,
		"main.waitGroupWaiter": 10,
	}
	funcs := []string{"main.chanSender", "main.selecter", "main.mutexLocker",
		"main.waitGroupWaiter"}
	for {
		dump := allStacks()
		if reflect.DeepEqual(parkedIn(dump, funcs), want) {
			// A GC's stack scan sets g.waitsince of each blocked goroutine to
			// work.tstart, which mark termination sets afterwards: the
			// first GC records 0, the second the first one's time.
			runtime.GC()
			runtime.GC()
			fmt.Println("ready")
			fmt.Println("dump-begin")
			fmt.Print(dump)
			fmt.Println("dump-end")
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func many(n int) {
	startChanReceivers(n)
	for runtime.NumGoroutine() < n+1 {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("ready")
}

//go:noinline
func churner(wg *sync.WaitGroup, release chan struct{}) {
	<-release
	wg.Done()
}

func churn(n int) {
	many(n)
	for burst := 100; ; burst += 100 {
		if burst > 20000 {
			burst = 100
		}
		var done sync.WaitGroup
		release := make(chan struct{})
		done.Add(burst)
		for i := 0; i < burst; i++ {
			go churner(&done, release)
		}
		close(release)
		done.Wait()
	}
}

// symbols prints how the runtime symbolizes a few functions' entries, and
// a pc inside main.chanSender, for the pclntab unit tests.
func symbols() {
	for _, f := range []interface{}{chanSender, selecter, startChanSenders, many, main,
		strconv.Itoa, bufio.NewReader} {
		pc := reflect.ValueOf(f).Pointer()
		fn := runtime.FuncForPC(pc)
		file, line := fn.FileLine(pc)
		fmt.Printf("sym %s %#x %s %d\n", fn.Name(), pc, file, line)
	}
	var pcs [8]uintptr
	n := runtime.Callers(1, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		fmt.Printf("caller %s %#x %s %d\n", fr.Function, fr.PC, fr.File, fr.Line)
		if !more {
			break
		}
	}
}

func main() {
	mode := "parked"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "parked":
		parked()
	case "many":
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "usage: parked many N")
			os.Exit(2)
		}
		many(n)
	case "churn":
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "usage: parked churn N")
			os.Exit(2)
		}
		churn(n)
	case "symbols":
		symbols()
		return
	default:
		fmt.Fprintln(os.Stderr, "usage: parked [parked|many N|churn N|symbols]")
		os.Exit(2)
	}
	for {
		time.Sleep(time.Hour)
	}
}
