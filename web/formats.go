package web

import (
	"strconv"
	"strings"
	"time"
)

// plural counts things in words: "1 code", "3 codes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// inZone formats a time in a lock's zone, short.
func inZone(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2 Jan 15:04")
}

// windowText shows a code's window in the lock's zone.
func windowText(start, end time.Time, loc *time.Location) string {
	switch {
	case start.IsZero() && end.IsZero():
		return "Permanent"
	case start.IsZero():
		return "until " + inZone(end, loc)
	case end.IsZero():
		return "from " + inZone(start, loc)
	}
	return inZone(start, loc) + " → " + inZone(end, loc)
}

// firstName greets a guest by the first word of their name.
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return "there"
}
