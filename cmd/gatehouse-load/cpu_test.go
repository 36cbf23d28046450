package main

import (
	"os"
	"testing"
	"time"
)

// procCPU, read for this process, must see the CPU getrusage sees: burn
// 100 ms of CPU and both must have moved by about that much (/proc counts in
// 10 ms ticks).
func TestProcCPUSeesWork(t *testing.T) {
	before, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self := selfCPU()
	x := 0
	for selfCPU()-self < 100*time.Millisecond {
		for i := range 100000 {
			x += i
		}
	}
	after, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got := after - before; got < 70*time.Millisecond {
		t.Errorf("/proc saw %v of CPU while getrusage saw 100ms (x=%d)", got, x)
	}
	if _, err := procCPU(-1); err == nil {
		t.Error("procCPU(-1) read something")
	}
}

func TestPerRequest(t *testing.T) {
	if got := perRequest(3*time.Millisecond, 20); got != 150 {
		t.Errorf("3 ms over 20 requests = %v µs, want 150", got)
	}
	if got := perRequest(time.Second, 0); got != 0 {
		t.Errorf("no requests gave %v", got)
	}
}
