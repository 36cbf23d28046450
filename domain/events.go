package domain

// EventKind is a normalised event kind: what connectors report, and the alert
// kinds Gatehouse raises itself. It is stored as is in events.kind.
type EventKind string

// What connectors normalise events to.
const (
	EventUnlocked    EventKind = "unlocked"
	EventLocked      EventKind = "locked"
	EventDenied      EventKind = "denied"
	EventSafeMode    EventKind = "safe_mode"
	EventCodeSet     EventKind = "code_set"
	EventCodeRemoved EventKind = "code_removed"
	EventBatteryLow  EventKind = "battery_low"
	EventOffline     EventKind = "offline"
	EventOnline      EventKind = "online"
	EventTamper      EventKind = "tamper"
)

// Kinds of the events Gatehouse raises itself for anomalies that are conditions
// rather than events: nothing happens at the door when a lock stays offline or a
// guest does not come. Each is stored with the anomaly of the same name.
const (
	EventOfflineLong EventKind = "offline_long"
	EventCodeUnused  EventKind = "code_unused"
)

// EventKinds are every kind an event can have, connectors' first, then
// Gatehouse's alerts.
var EventKinds = []EventKind{EventUnlocked, EventLocked, EventDenied, EventSafeMode, EventCodeSet, EventCodeRemoved,
	EventBatteryLow, EventOffline, EventOnline, EventTamper, EventOfflineLong, EventCodeUnused}

// Method is how an unlock or lock happened.
type Method string

const (
	MethodNone        Method = ""
	MethodKeypad      Method = "keypad"
	MethodApp         Method = "app"
	MethodManual      Method = "manual"
	MethodAutomatic   Method = "automatic"
	MethodFingerprint Method = "fingerprint"
	MethodKey         Method = "key"
)
