package lock_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/lock"
)

func TestBackoff(t *testing.T) {
	cases := []struct {
		failures int
		want     time.Duration
	}{
		{-1, 0}, {0, 0}, {1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {4, 4 * time.Minute},
		{5, 8 * time.Minute}, {6, 10 * time.Minute}, {7, 10 * time.Minute}, {100, 10 * time.Minute}, {1 << 30, 10 * time.Minute},
	}
	for _, tc := range cases {
		if got := lock.Backoff(tc.failures); got != tc.want {
			t.Errorf("Backoff(%d): got %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestJitter(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 30 * time.Second, 10 * time.Minute} {
		for range 100 {
			if got := lock.Jitter(d); got < d || got > d+d/10 {
				t.Fatalf("Jitter(%v): got %v, want within [%v, %v]", d, got, d, d+d/10)
			}
		}
	}
}
