package web

import (
	"github.com/gatehouse/gatehouse/db"
)

// eventWords says what an event means, in words, with a chip kind for its colour.
// labels maps code ids to who the code is for.
func eventWords(e db.Event, labels map[int64]string) (string, string) {
	who := ""
	if l, ok := labels[e.CodeID]; ok && e.CodeID != 0 {
		who = l + "'s"
	}
	switch e.Kind {
	case "unlocked":
		switch {
		case who != "":
			return "Unlocked with " + who + " code", "ok"
		case e.Method != "":
			return "Unlocked (" + e.Method + ")", "ok"
		}
		return "Unlocked", "ok"
	case "locked":
		if e.Method != "" {
			return "Locked (" + e.Method + ")", "muted"
		}
		return "Locked", "muted"
	case "denied":
		if e.Detail != "" && e.Detail != "wrong code" {
			return "Wrong code entered: " + e.Detail, "warn"
		}
		return "Wrong code entered", "warn"
	case "safe_mode":
		return "Keypad locked after repeated wrong codes (safe mode)", "bad"
	case "code_set":
		if who != "" {
			return "Code for " + labels[e.CodeID] + " set on the lock", "info"
		}
		return "A code was set on the lock", "info"
	case "code_removed":
		if who != "" {
			return "Code for " + labels[e.CodeID] + " removed from the lock", "info"
		}
		return "A code was removed from the lock", "info"
	case "battery_low":
		if e.Detail != "" {
			return "Battery low (" + e.Detail + ")", "warn"
		}
		return "Battery low", "warn"
	case "offline":
		return "Lock went offline", "bad"
	case "online":
		return "Lock back online", "ok"
	case "tamper":
		return "Tamper alarm", "bad"
	}
	return e.Kind, "muted"
}
