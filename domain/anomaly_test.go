package domain

import (
	"testing"
	"time"
)

// TestClassify: an event's anomaly from itself and its code, rule by rule.
func TestClassify(t *testing.T) {
	t0 := time.Date(2026, 7, 14, 12, 0, 0, 0, time.UTC)
	h := time.Hour
	window := EventCode{Matched: true, Starts: t0, Ends: t0.Add(24 * h)}
	revoked := EventCode{Matched: true, Starts: t0, Ends: t0.Add(24 * h), Revoked: t0.Add(2 * h)}
	for _, tc := range []struct {
		name string
		kind EventKind
		at   time.Time
		code EventCode
		want Anomaly
	}{
		{"safe mode always", EventSafeMode, t0, EventCode{}, AnomalySafeMode},
		{"tamper always", EventTamper, t0, EventCode{}, AnomalyTamper},
		{"unlock with no code", EventUnlocked, t0.Add(-h), EventCode{}, AnomalyNone},
		{"unlock in window", EventUnlocked, t0.Add(h), window, AnomalyNone},
		{"unlock at the start", EventUnlocked, t0, window, AnomalyNone},
		{"unlock before the window", EventUnlocked, t0.Add(-time.Second), window, AnomalyOutsideWindow},
		{"unlock at the end", EventUnlocked, t0.Add(24 * h), window, AnomalyOutsideWindow},
		{"denied outside the window", EventDenied, t0.Add(25 * h), window, AnomalyOutsideWindow},
		{"permanent code", EventUnlocked, t0, EventCode{Matched: true}, AnomalyNone},
		{"unlock after revocation", EventUnlocked, t0.Add(2 * h), revoked, AnomalyRevokedUsed},
		{"denied after revocation", EventDenied, t0.Add(3 * h), revoked, AnomalyNone},
		{"unlock before revocation", EventUnlocked, t0.Add(h), revoked, AnomalyNone},
		{"locked is never one", EventLocked, t0.Add(-h), window, AnomalyNone},
	} {
		if got := Classify(tc.kind, tc.at, tc.code); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
