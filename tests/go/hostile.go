// SPDX-License-Identifier: GPL-2.0

// A Go program that lies about its goroutines, for the live tests of what a
// local user can do to threadleak: it rewrites runtime.allglen and
// runtime.allgptr, the words threadleak reads allgs through, and makes gs
// no Go runtime would. Built with Go 1.22 (whose linker lets a program name
// runtime variables); run as nobody. The runtime itself never reads those
// two words once every goroutine exists: it keeps its own slice, allgs.
//
//	wrap        a copy of a parked goroutine's g whose stack is [0, ~0) and
//	            whose sp is near the top of the address space
//	huge        allglen 2^26 over a 512 MB mapping
//	copies N    allgs lists one parked goroutine N times
//	flip        allglen and allgptr change all the time, between the real
//	            array and one of garbage
//
// It prints "ready" once the lie is in place, then sleeps until killed.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
	_ "unsafe"
)

//go:linkname allglen runtime.allglen
var allglen uintptr

//go:linkname allgptr runtime.allgptr
var allgptr unsafe.Pointer

//go:linkname allgs runtime.allgs
var allgs []unsafe.Pointer

// Offsets in a g that every Go since 1.17 shares: stack.lo, stack.hi and
// sched.sp.
const (
	gStackLo = 0
	gStackHi = 8
	gSchedSP = 0x38
	gCopy    = 1024 // bytes of a g copied: more than any Go's g
)

var (
	marker  atomic.Uintptr // an address on the parked goroutine's stack
	fake    []unsafe.Pointer
	fakeG   []uint64
	mapping []byte
)

func park(ch chan int) {
	var here int
	marker.Store(uintptr(unsafe.Pointer(&here)))
	<-ch
	fmt.Fprint(os.Stderr, here)
}

// The g of the parked goroutine: the one whose stack holds the marker.
func parkedG() unsafe.Pointer {
	m := marker.Load()
	for _, g := range allgs {
		lo := *(*uintptr)(unsafe.Add(g, gStackLo))
		hi := *(*uintptr)(unsafe.Add(g, gStackHi))
		if lo <= m && m < hi {
			return g
		}
	}
	panic("no g holds the marker")
}

// Point allglen and allgptr at @v, as allgadd does: the array first.
func publish(v []unsafe.Pointer) {
	fake = v
	atomic.StorePointer(&allgptr, unsafe.Pointer(&v[0]))
	atomic.StoreUintptr(&allglen, uintptr(len(v)))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hostile wrap|huge|copies N|flip")
		os.Exit(2)
	}
	go park(make(chan int))
	for marker.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Every goroutine the runtime will start (GC workers) exists after a GC.
	runtime.GC()
	runtime.GC()
	g := parkedG()
	real := append([]unsafe.Pointer(nil), allgs...)

	switch os.Args[1] {
	case "wrap":
		fakeG = make([]uint64, gCopy/8)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&fakeG[0])), gCopy),
			unsafe.Slice((*byte)(g), gCopy))
		fakeG[gStackLo/8] = 0
		fakeG[gStackHi/8] = ^uint64(0)
		fakeG[gSchedSP/8] = ^uint64(0) - 0x17
		publish(append(real, unsafe.Pointer(&fakeG[0])))
	case "huge":
		var err error
		mapping, err = syscall.Mmap(-1, 0, 512<<20, syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			panic(err)
		}
		*(*unsafe.Pointer)(unsafe.Pointer(&mapping[0])) = real[0]
		atomic.StorePointer(&allgptr, unsafe.Pointer(&mapping[0]))
		atomic.StoreUintptr(&allglen, 1<<26)
	case "copies":
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 2 {
			panic("copies N, N >= 2")
		}
		v := make([]unsafe.Pointer, n)
		v[0] = real[0]
		for i := 1; i < n; i++ {
			v[i] = g
		}
		publish(v)
	case "flip":
		garbage := make([]unsafe.Pointer, 4096)
		for i := range garbage {
			garbage[i] = unsafe.Pointer(uintptr(0x1000 + i*0x10008))
		}
		garbage[0] = real[0]
		fmt.Println("ready")
		for i := 0; ; i++ {
			if i%2 == 0 {
				publish(real)
			} else {
				publish(garbage)
			}
			if i%1024 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	default:
		fmt.Fprintln(os.Stderr, "hostile: unknown mode", os.Args[1])
		os.Exit(2)
	}
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
