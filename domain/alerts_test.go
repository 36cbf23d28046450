package domain

import (
	"testing"
	"time"
)

// TestUnusedAlertAt: when "revealed but not used" begins to hold, case by case.
func TestUnusedAlertAt(t *testing.T) {
	t0 := time.Date(2026, 7, 14, 15, 0, 0, 0, time.UTC)
	h := time.Hour
	var none time.Time
	for _, tc := range []struct {
		name                              string
		opened, ends, revealed, used, now time.Time
		want                              time.Time // zero: no alert
	}{
		{"never revealed", t0, none, none, none, t0.Add(48 * h), none},
		{"revealed, unused past the threshold", t0, none, t0.Add(-h), none, t0.Add(7 * h), t0.Add(UnusedAlertAfter)},
		{"not yet past the threshold", t0, none, t0.Add(-h), none, t0.Add(5 * h), none},
		{"exactly at the threshold", t0, none, t0.Add(-h), none, t0.Add(UnusedAlertAfter), t0.Add(UnusedAlertAfter)},
		{"used before the threshold", t0, none, t0.Add(-h), t0.Add(h), t0.Add(7 * h), none},
		{"used exactly at the threshold", t0, none, t0.Add(-h), t0.Add(UnusedAlertAfter), t0.Add(7 * h), none},
		{"used after the threshold", t0, none, t0.Add(-h), t0.Add(8 * h), t0.Add(9 * h), t0.Add(UnusedAlertAfter)},
		{"a short window ends first", t0, t0.Add(2 * h), t0.Add(-h), none, t0.Add(3 * h), t0.Add(2 * h)},
		{"revealed after the threshold", t0, none, t0.Add(8 * h), none, t0.Add(9 * h), t0.Add(8 * h)},
		{"revealed after the window ended", t0, t0.Add(2 * h), t0.Add(2 * h), none, t0.Add(9 * h), none},
	} {
		got, ok := UnusedAlertAt(tc.opened, tc.ends, tc.revealed, tc.used, tc.now)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, ok, tc.want)
		}
	}
}

func TestOfflineAlertAt(t *testing.T) {
	since := time.Date(2026, 7, 14, 15, 0, 0, 0, time.UTC)
	if got, want := OfflineAlertAt(since), since.Add(OfflineAlertAfter); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestInBurst: BurstCount denied events within BurstWindow (ends included)
// make a burst; each event in one is marked, those outside are not.
func TestInBurst(t *testing.T) {
	t0 := time.Date(2026, 7, 14, 15, 0, 0, 0, time.UTC)
	m := time.Minute
	for _, tc := range []struct {
		name string
		at   []time.Duration // after t0, ascending
		want []bool
	}{
		{"none", nil, []bool{}},
		{"two are not a burst", []time.Duration{0, m}, []bool{false, false}},
		{"three within the window", []time.Duration{0, m, 2 * m}, []bool{true, true, true}},
		{"the window's ends count", []time.Duration{0, 2 * m, BurstWindow}, []bool{true, true, true}},
		{"a second past the window", []time.Duration{0, 2 * m, BurstWindow + time.Second}, []bool{false, false, false}},
		{"a lone one before a burst", []time.Duration{0, 10 * m, 11 * m, 12 * m}, []bool{false, true, true, true}},
		{"overlapping windows", []time.Duration{0, 4 * m, 5 * m, 9 * m, 20 * m}, []bool{true, true, true, true, false}},
	} {
		at := make([]time.Time, len(tc.at))
		for i, d := range tc.at {
			at[i] = t0.Add(d)
		}
		got := InBurst(at)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
