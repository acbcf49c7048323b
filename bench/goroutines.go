// SPDX-License-Identifier: GPL-2.0

// A threadleak benchmark workload: a Go program with many goroutines. It
// parks IDLE goroutines on a channel nobody sends on (threadleak reads every
// one of them at each goroutine census), then times ROUNDS round trips over
// unbuffered channels between two goroutines, which keep the Go scheduler,
// its futexes and the garbage collector busy.
//
//	goroutines [IDLE [ROUNDS]]      (default 100000 1000000)
//
// Like every workload in bench/ (see workload.h), it prints "ready pid=N",
// waits for a line on stdin, does its work and prints
// "result workload=goroutines ops=N elapsed_s=S cpu_s=C".
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func count(arg string, min, max int) int {
	n, err := strconv.Atoi(arg)
	if err != nil || n < min || n > max {
		fmt.Fprintf(os.Stderr, "goroutines: bad number '%s': expected %d to %d\n", arg, min, max)
		os.Exit(2)
	}
	return n
}

func cpuSeconds() float64 {
	var ru syscall.Rusage

	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func main() {
	idle, rounds := 100000, 1000000
	if len(os.Args) > 1 {
		idle = count(os.Args[1], 0, 10000000)
	}
	if len(os.Args) > 2 {
		rounds = count(os.Args[2], 1, 1000000000)
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

	fmt.Printf("ready pid=%d\n", os.Getpid())
	in := bufio.NewReader(os.Stdin)
	in.ReadString('\n')

	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	cpu0 := cpuSeconds()
	start := time.Now()
	for i := 0; i < rounds; i++ {
		ping <- i
		<-pong
	}
	elapsed := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	close(ping)
	fmt.Printf("result workload=goroutines ops=%d elapsed_s=%.6f cpu_s=%.6f\n", rounds, elapsed, cpu)
}
