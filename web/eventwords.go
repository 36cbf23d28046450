package web

import (
	"regexp"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// eventWords says what an event means, in words, with a tone (a chip kind) for
// its colour. who is the person the event's code is for ("Ana"), or "".
func eventWords(e db.Event, who string) (string, string) {
	switch e.Kind {
	case domain.EventUnlocked:
		switch {
		case who != "":
			return "Unlocked with " + who + "'s code", "ok"
		case e.Method == domain.MethodApp:
			return "Unlocked from the app", "ok"
		case e.Method == domain.MethodManual:
			return "Unlocked by hand", "ok"
		case e.Method == domain.MethodKey:
			return "Unlocked with a key", "ok"
		case e.Method == domain.MethodFingerprint:
			return "Unlocked with a fingerprint", "ok"
		case e.Method == domain.MethodAutomatic:
			return "Unlocked automatically", "ok"
		case e.Method == domain.MethodKeypad:
			return "Unlocked at the keypad", "ok"
		}
		return "Unlocked", "ok"
	case domain.EventLocked:
		switch e.Method {
		case domain.MethodAutomatic:
			return "Locked automatically", "muted"
		case domain.MethodManual:
			return "Locked by hand", "muted"
		case domain.MethodKeypad:
			return "Locked at the keypad", "muted"
		case domain.MethodApp:
			return "Locked from the app", "muted"
		}
		return "Locked", "muted"
	case domain.EventDenied:
		switch {
		case who != "" && e.Detail == "code outside its schedule":
			return who + "'s code refused: outside its window", "warn"
		case who != "":
			return who + "'s code refused", "warn"
		case e.Detail == "safe mode":
			return "Code refused: the keypad is in safe mode", "warn"
		}
		return "Wrong code entered", "warn"
	case domain.EventSafeMode:
		return "Keypad locked after repeated wrong codes (safe mode)", "bad"
	case domain.EventCodeSet:
		if who != "" {
			return "Code for " + who + " set on the lock", "info"
		}
		return "A code was set on the lock", "info"
	case domain.EventCodeRemoved:
		if who != "" {
			return "Code for " + who + " removed from the lock", "info"
		}
		return "A code was removed from the lock", "info"
	case domain.EventBatteryLow:
		if pct := percent.FindString(e.Detail); pct != "" {
			return "Battery low (" + pct + ")", "warn"
		}
		return "Battery low", "warn"
	case domain.EventOffline:
		return "Lock went offline", "bad"
	case domain.EventOnline:
		return "Lock back online", "ok"
	case domain.EventTamper:
		return "Tamper alarm", "bad"
	case domain.EventOfflineLong:
		return "Offline for over an hour", "bad"
	case domain.EventCodeUnused:
		if who != "" {
			return who + " revealed the code but has not used it", "warn"
		}
		return "A code was revealed but not used", "warn"
	}
	return string(e.Kind), "muted"
}

// percent finds "15%" in a vendor's battery detail ("battery at 15%").
var percent = regexp.MustCompile(`\d{1,3}(\.\d+)?%`)

// anomalyWords says why an event stands out, and how badly.
func anomalyWords(e db.TimelineEvent) (string, string) {
	switch e.Anomaly {
	case domain.AnomalyDeniedBurst:
		return "3 or more wrong codes within 5 minutes", "bad"
	case domain.AnomalySafeMode:
		return "Safe mode", "bad"
	case domain.AnomalyTamper:
		return "Tamper", "bad"
	case domain.AnomalyOutsideWindow:
		if e.Kind == domain.EventUnlocked {
			return "Used outside its window", "bad"
		}
		return "Tried outside its window", "warn"
	case domain.AnomalyRevokedUsed:
		return "Sync failure: the code was revoked but is still on the lock", "bad"
	case domain.AnomalyOfflineLong:
		return "Lock offline for over an hour", "bad"
	case domain.AnomalyCodeUnused:
		return "Not used 6 hours after the window opened", "warn"
	case domain.AnomalyNone:
		return "", ""
	}
	return "Unusual", "warn"
}
