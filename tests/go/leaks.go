// SPDX-License-Identifier: GPL-2.0

// Goroutine leaks as production Go code makes them, and their fixes, for
// threadleak's goroutine leak tests (standard library only). One shape per
// run, serving a "request" every 50 ms:
//
//	forgotten-sender  the caller times out; the worker's send has no reader
//	range-unclosed    a consumer ranges over a channel nobody closes
//	select-no-ctx     a worker's select has no cancellation case
//	early-return      two senders, the caller takes the first result only
//	ticker            a goroutine reads a ticker that is never stopped
//	mutex             a request returns holding a mutex; later ones queue
//	waitgroup         a WaitGroup that never reaches zero
//	buffered          the forgotten sender fixed: a buffered channel
//	errgroup          every goroutine is waited for, errgroup style
//	pool              a worker pool that is shut down and started again
//
// It prints "ready PID" and runs until killed.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

var (
	sink      = make(chan int, 1024)
	leakedMu  sync.Mutex
	neverDone sync.WaitGroup
)

func forgottenSender() {
	result := make(chan int)
	go func() { result <- compute() }()
	select {
	case v := <-result:
		sink <- v
	case <-time.After(time.Millisecond):
	}
}

func rangeUnclosed() {
	items := make(chan int)
	go func() {
		for v := range items {
			sink <- v
		}
	}()
	items <- 1
}

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

func earlyReturn() {
	results := make(chan int)
	for i := 0; i < 2; i++ {
		go func(n int) { results <- n }(i)
	}
	sink <- <-results
}

func tickerNeverStopped() {
	ticker := time.NewTicker(time.Hour)
	go func() {
		for range ticker.C {
			sink <- 1
		}
	}()
}

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

func waitGroupNeverZero() {
	go func() {
		neverDone.Add(1)
		neverDone.Wait()
		sink <- 1
	}()
}

func bufferedSender() {
	result := make(chan int, 1)
	go func() { result <- compute() }()
	select {
	case v := <-result:
		sink <- v
	case <-time.After(time.Millisecond):
	}
}

func errgroupStyle() error {
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			if n == 5 {
				errs <- errors.New("never")
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func poolWithShutdown() {
	ctx, cancel := context.WithCancel(context.Background())
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case j := <-jobs:
					sink <- j
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	jobs <- 1
	cancel()
	wg.Wait()
}

func compute() int {
	time.Sleep(5 * time.Millisecond)
	return 42
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: leaks SHAPE")
		os.Exit(2)
	}
	shape := os.Args[1]
	go func() { // drain what the requests produce
		for range sink {
		}
	}()
	fmt.Printf("ready %d\n", os.Getpid())
	for i := 0; ; i++ {
		switch shape {
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
		case "buffered":
			bufferedSender()
		case "errgroup":
			_ = errgroupStyle()
		case "pool":
			poolWithShutdown()
		default:
			fmt.Fprintln(os.Stderr, "unknown shape", shape)
			os.Exit(2)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
