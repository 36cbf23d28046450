package domain

import "time"

// Gatehouse's own alerts are conditions, not events a lock reports: the store
// raises one as an event at the moment its condition began to hold. These say
// when that is.

// OfflineAlertAt is when a lock offline since since raises its alert.
func OfflineAlertAt(since time.Time) time.Time { return since.Add(OfflineAlertAfter) }

// UnusedAlertAt is when "revealed but not used" began to hold for an access
// whose window opened at opened and ends at ends (zero: never), whose code was
// first revealed at revealed and first used at used (zero: not yet):
// UnusedAlertAfter after the window opened, or at its end if sooner, or at the
// reveal if later still. It is false when the condition does not hold at now.
func UnusedAlertAt(opened, ends, revealed, used, now time.Time) (time.Time, bool) {
	if revealed.IsZero() || (!ends.IsZero() && !revealed.Before(ends)) {
		return time.Time{}, false // never revealed, or revealed too late to be used
	}
	at := opened.Add(UnusedAlertAfter)
	if !ends.IsZero() && ends.Before(at) {
		at = ends
	}
	if revealed.After(at) {
		at = revealed
	}
	if at.After(now) || (!used.IsZero() && !used.After(at)) {
		return time.Time{}, false
	}
	return at, true
}
