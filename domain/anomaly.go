package domain

import "time"

// Anomaly is why an event stands out; "" when it does not. It is stored as is in
// events.anomaly.
type Anomaly string

const (
	AnomalyNone          Anomaly = ""
	AnomalyDeniedBurst   Anomaly = "denied_burst"   // BurstCount or more denied on a lock within BurstWindow
	AnomalySafeMode      Anomaly = "safe_mode"      // the keypad locked itself after wrong codes
	AnomalyTamper        Anomaly = "tamper"         // the lock reported tampering
	AnomalyOutsideWindow Anomaly = "outside_window" // a code used (or tried) outside its window
	AnomalyRevokedUsed   Anomaly = "revoked_used"   // a revoked code opened the door: the lock still holds it
	AnomalyOfflineLong   Anomaly = "offline_long"   // Gatehouse's alert: a lock offline for over OfflineAlertAfter
	AnomalyCodeUnused    Anomaly = "code_unused"    // Gatehouse's alert: a revealed code not used UnusedAlertAfter into its window
)

// Thresholds of the anomaly rules.
const (
	BurstCount        = 3               // denied events on one lock ...
	BurstWindow       = 5 * time.Minute // ... within this long make a burst
	OfflineAlertAfter = time.Hour       // a lock offline this long raises an alert
	UnusedAlertAfter  = 6 * time.Hour   // a revealed code unused this long into its window raises one
)

// EventCode is what classifying an event needs of the code it names. The zero
// value means no code matched; zero times are open bounds (or not revoked).
type EventCode struct {
	Matched      bool
	Starts, Ends time.Time
	Revoked      time.Time
}

// Classify is an event's anomaly from itself and its code alone; bursts need
// the lock's other events and are found where those are (db's ingest).
func Classify(kind EventKind, at time.Time, c EventCode) Anomaly {
	switch kind {
	case EventSafeMode:
		return AnomalySafeMode
	case EventTamper:
		return AnomalyTamper
	case EventUnlocked, EventDenied:
		if !c.Matched {
			return AnomalyNone
		}
		if !c.Revoked.IsZero() && !at.Before(c.Revoked) {
			if kind == EventUnlocked {
				return AnomalyRevokedUsed // refused after revocation is the lock doing its job
			}
			return AnomalyNone
		}
		if (!c.Starts.IsZero() && at.Before(c.Starts)) || (!c.Ends.IsZero() && !at.Before(c.Ends)) {
			return AnomalyOutsideWindow
		}
	}
	return AnomalyNone
}
