package web

import (
	"regexp"

	"github.com/gatehouse/gatehouse/db"
)

// eventWords says what an event means, in words, with a tone (a chip kind) for
// its colour. who is the person the event's code is for ("Ana"), or "".
func eventWords(e db.Event, who string) (string, string) {
	switch e.Kind {
	case "unlocked":
		switch {
		case who != "":
			return "Unlocked with " + who + "'s code", "ok"
		case e.Method == "app":
			return "Unlocked from the app", "ok"
		case e.Method == "manual":
			return "Unlocked by hand", "ok"
		case e.Method == "key":
			return "Unlocked with a key", "ok"
		case e.Method == "fingerprint":
			return "Unlocked with a fingerprint", "ok"
		case e.Method == "automatic":
			return "Unlocked automatically", "ok"
		case e.Method == "keypad":
			return "Unlocked at the keypad", "ok"
		}
		return "Unlocked", "ok"
	case "locked":
		switch e.Method {
		case "automatic":
			return "Locked automatically", "muted"
		case "manual":
			return "Locked by hand", "muted"
		case "keypad":
			return "Locked at the keypad", "muted"
		case "app":
			return "Locked from the app", "muted"
		}
		return "Locked", "muted"
	case "denied":
		switch {
		case who != "" && e.Detail == "code outside its schedule":
			return who + "'s code refused: outside its window", "warn"
		case who != "":
			return who + "'s code refused", "warn"
		case e.Detail == "safe mode":
			return "Code refused: the keypad is in safe mode", "warn"
		}
		return "Wrong code entered", "warn"
	case "safe_mode":
		return "Keypad locked after repeated wrong codes (safe mode)", "bad"
	case "code_set":
		if who != "" {
			return "Code for " + who + " set on the lock", "info"
		}
		return "A code was set on the lock", "info"
	case "code_removed":
		if who != "" {
			return "Code for " + who + " removed from the lock", "info"
		}
		return "A code was removed from the lock", "info"
	case "battery_low":
		if pct := percent.FindString(e.Detail); pct != "" {
			return "Battery low (" + pct + ")", "warn"
		}
		return "Battery low", "warn"
	case "offline":
		return "Lock went offline", "bad"
	case "online":
		return "Lock back online", "ok"
	case "tamper":
		return "Tamper alarm", "bad"
	case db.KindOfflineLong:
		return "Offline for over an hour", "bad"
	case db.KindCodeUnused:
		if who != "" {
			return who + " revealed the code but has not used it", "warn"
		}
		return "A code was revealed but not used", "warn"
	}
	return e.Kind, "muted"
}

// percent finds "15%" in a vendor's battery detail ("battery at 15%").
var percent = regexp.MustCompile(`\d{1,3}(\.\d+)?%`)

// anomalyWords says why an event stands out, and how badly.
func anomalyWords(e db.TimelineEvent) (string, string) {
	switch e.Anomaly {
	case db.AnomalyDeniedBurst:
		return "3 or more wrong codes within 5 minutes", "bad"
	case db.AnomalySafeMode:
		return "Safe mode", "bad"
	case db.AnomalyTamper:
		return "Tamper", "bad"
	case db.AnomalyOutsideWindow:
		if e.Kind == "unlocked" {
			return "Used outside its window", "bad"
		}
		return "Tried outside its window", "warn"
	case db.AnomalyRevokedUsed:
		return "Sync failure: the code was revoked but is still on the lock", "bad"
	case db.AnomalyOfflineLong:
		return "Lock offline for over an hour", "bad"
	case db.AnomalyCodeUnused:
		return "Not used 6 hours after the window opened", "warn"
	case "":
		return "", ""
	}
	return "Unusual", "warn"
}
