// A small CPU-bound and allocating Go program whose runtime/pprof
// profiles are profkit's real pprof samples (samples/make_pprof.sh).
// It exercises recursion, small functions the compiler inlines (several
// Lines in one Location), standard-library frames and several sample
// types (the heap profile has four, and a default_sample_type in allocs).
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// square and mix are small enough to be inlined into their callers.
func square(x uint64) uint64 { return x * x }

func mix(x uint64) uint64 { return square(x) ^ (x >> 7) }

func churn(rounds int) uint64 {
	var acc uint64 = 1
	for i := 0; i < rounds; i++ {
		acc = mix(acc + uint64(i))
	}
	return acc
}

func hashChain(rounds int) [32]byte {
	sum := sha256.Sum256([]byte("profkit"))
	for i := 0; i < rounds; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

var keep [][]string

func buildWords(n int) []string {
	words := make([]string, 0, n)
	for i := 0; i < n; i++ {
		words = append(words, strings.Repeat(string(rune('a'+i%26)), 1+i%7))
	}
	keep = append(keep, words)
	return words
}

func sortWords(words []string) {
	sort.Slice(words, func(i, j int) bool { return words[i] > words[j] })
}

func work() {
	total := 0
	for round := 0; round < 6; round++ {
		total += fib(27)
		total += int(churn(20_000_000) & 1)
		h := hashChain(300_000)
		total += int(h[0])
		w := buildWords(200_000)
		sortWords(w)
		total += len(w[0])
	}
	fmt.Println("total", total)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: goprog CPU.pb.gz HEAP.pb.gz ALLOCS.pb.gz")
		os.Exit(2)
	}
	runtime.MemProfileRate = 4096
	cpu, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	work()
	pprof.StopCPUProfile()
	cpu.Close()
	runtime.GC()
	for i, name := range []string{"heap", "allocs"} {
		f, err := os.Create(os.Args[2+i])
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
			panic(err)
		}
		f.Close()
	}
}
