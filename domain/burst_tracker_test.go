package domain

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestBurstTrackerAgreesWithInBurst: streaming a lock's denied events through
// a BurstTracker marks exactly the events InBurst marks.
func TestBurstTrackerAgreesWithInBurst(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 7, 14, 15, 0, 0, 0, time.UTC)
	for run := range 500 {
		at := make([]time.Time, rng.IntN(30))
		next := t0
		for i := range at {
			next = next.Add(time.Duration(rng.IntN(240)) * time.Second)
			at[i] = next
		}
		want := InBurst(at)
		got := make([]bool, len(at))
		var b BurstTracker
		for i := range at {
			if n, burst := b.Add(at[i]); burst {
				for k := i - n + 1; k <= i; k++ {
					got[k] = true
				}
			}
		}
		for i := range at {
			if got[i] != want[i] {
				t.Fatalf("run %d, times %v: got %v, want %v", run, at, got, want)
			}
		}
	}
}
