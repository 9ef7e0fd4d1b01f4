package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cpuSelf is the CPU time (user + system) this process has used.
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf is the CPU time another process has used so far, from
// /proc/<pid>/stat (Linux; 0 elsewhere).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on every Linux Go supports.
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// resetPeakRSS starts the peak resident set size (VmHWM) again from the
// current one, where Linux allows it; it reports whether it did.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is the process's peak resident set size (VmHWM), in bytes.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kb << 10
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		return uint64(ru.Maxrss) << 10
	}
	return 0
}

// heapNow is the bytes of live and not yet swept heap objects (what
// runtime.MemStats.HeapAlloc says), read without stopping the world.
func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	// Twice: the first collection only moves sync.Pool contents to their
	// victim caches.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// phase measures one timed part of the benchmark: wall time, this
// process's CPU, another process's CPU (the Jetstream server), the peak RSS
// and the highest HeapAlloc seen (sampled every 50 ms).
type phase struct {
	start    time.Time
	cpu      time.Duration
	otherPID int
	otherCPU time.Duration
	rssReset bool
	heapBase uint64

	stop    chan struct{}
	wg      sync.WaitGroup
	heapMax uint64
	profile *os.File
}

// measured is what a phase found.
type measured struct {
	Wall, CPU, OtherCPU time.Duration
	PeakRSS             uint64
	// RSSSinceStart is false when the peak RSS could not be reset and is
	// the process's lifetime peak.
	RSSSinceStart bool
	HeapBase      uint64 // live heap when the phase started
	HeapMax       uint64
}

// cpuProfile, when set, is the prefix of a CPU profile written for each
// phase (-cpuprofile).
var cpuProfile string

func startPhase(name string, otherPID int) *phase {
	ph := &phase{otherPID: otherPID, stop: make(chan struct{})}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile + "-" + name + ".pprof")
		if err == nil && pprof.StartCPUProfile(f) == nil {
			ph.profile = f
		}
	}
	ph.heapBase = liveHeap()
	ph.heapMax = ph.heapBase
	ph.rssReset = resetPeakRSS()
	if otherPID > 0 {
		ph.otherCPU = cpuOf(otherPID)
	}
	ph.wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ph.stop:
				return
			case <-t.C:
				ph.heapMax = max(ph.heapMax, heapNow())
			}
		}
	})
	ph.cpu = cpuSelf()
	ph.start = time.Now()
	return ph
}

func (ph *phase) end() measured {
	m := measured{Wall: time.Since(ph.start), CPU: cpuSelf() - ph.cpu}
	if ph.profile != nil {
		pprof.StopCPUProfile()
		ph.profile.Close()
	}
	close(ph.stop)
	ph.wg.Wait()
	if ph.otherPID > 0 {
		m.OtherCPU = cpuOf(ph.otherPID) - ph.otherCPU
	}
	m.PeakRSS, m.RSSSinceStart = peakRSS(), ph.rssReset
	m.HeapBase, m.HeapMax = ph.heapBase, max(ph.heapMax, heapNow())
	return m
}
