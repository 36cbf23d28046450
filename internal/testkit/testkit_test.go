package testkit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("new clock: got %v, want %v", got, start)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance: got %v, want %v", got, want)
	}
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Errorf("after Set: got %v, want %v", got, later)
	}
}

// TestSyncBufferConcurrentWrites: run with -race, writers and a reader at
// once; every line written is kept.
func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&b, "writer %d line %d\n", i, j)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	lines := 0
	for _, c := range b.String() {
		if c == '\n' {
			lines++
		}
	}
	if lines != 800 {
		t.Errorf("lines kept: got %d, want 800", lines)
	}
}

func TestPollUntil(t *testing.T) {
	n := 0
	PollUntil(t, time.Minute, "the third look", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("looks: got %d, want 3", n)
	}
}
