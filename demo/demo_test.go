package demo

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
)

// build makes a small world in a fresh database and returns its events.
func build(t *testing.T, o Options, now time.Time) (*World, []db.SeedEvent) {
	t.Helper()
	clk := NewClock(now)
	store := dbtest.New(t, db.WithClock(clk.Now))
	w := New(t.Context(), store, clk, o, now)
	if err := w.Build(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return w, slices.Collect(w.Events())
}

// TestWorldEvents: Events gives exactly the events asked for, oldest first,
// within the history and on the world's locks, and the same seed makes the
// same story.
func TestWorldEvents(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	o := Options{Events: 1500, Locks: 3, Days: 20, Seed: 7}
	w, evs := build(t, o, now)
	if got := w.Stats(); got.Locks != 3 || got.Accesses == 0 || got.Guests == 0 {
		t.Errorf("stats: got %+v, want 3 locks and some guests and accesses", got)
	}
	if len(evs) != o.Events {
		t.Fatalf("events: got %d, want %d", len(evs), o.Events)
	}
	start := now.AddDate(0, 0, -o.Days)
	for i, e := range evs {
		if w.byLock[e.LockID] == nil {
			t.Fatalf("event %d: lock %d is none of the world's", i, e.LockID)
		}
		if e.At.Before(start) || !e.At.Before(now) {
			t.Fatalf("event %d at %v: want within [%v, %v)", i, e.At, start, now)
		}
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Fatalf("event %d at %v: before the one ahead of it (%v)", i, e.At, evs[i-1].At)
		}
	}
	_, again := build(t, o, now)
	if len(again) != len(evs) {
		t.Fatalf("the same seed made %d events, then %d", len(evs), len(again))
	}
	same := func(a, b db.SeedEvent) bool {
		// Times compare with Equal: each build loads its zones afresh.
		a.At, b.At = a.At.UTC(), b.At.UTC()
		return a == b
	}
	for i := range evs {
		if !same(evs[i], again[i]) {
			t.Fatalf("the same seed made a different story: event %d is %+v, then %+v", i, evs[i], again[i])
		}
	}
}

func TestShares(t *testing.T) {
	weight := [][]float64{{1, 0, 2}, {0.5, 0.5, 0}}
	got := shares(weight, 4, 10)
	sum := 0
	for i, row := range got {
		for k, n := range row {
			sum += n
			if weight[i][k] == 0 && n != 0 {
				t.Errorf("share [%d][%d]: got %d for a zero weight, want 0", i, k, n)
			}
		}
	}
	if sum != 10 {
		t.Errorf("shares add up to %d, want 10", sum)
	}
	if got[0][2] != 5 {
		t.Errorf("half the weight: got %d, want 5", got[0][2])
	}
}
