package domain

import "time"

// InZone formats a time on a door's wall clock, short: "2 Jan 15:04". A zero
// time is a dash.
func InZone(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2 Jan 15:04")
}

// WindowText words a code's or an access's window on the door's wall clock, as
// pages and audit lines show it: "Permanent", "until …", "from …", "… → …".
func WindowText(start, end time.Time, loc *time.Location) string {
	switch {
	case start.IsZero() && end.IsZero():
		return "Permanent"
	case start.IsZero():
		return "until " + InZone(end, loc)
	case end.IsZero():
		return "from " + InZone(start, loc)
	}
	return InZone(start, loc) + " → " + InZone(end, loc)
}
