package views

import (
	"fmt"
	"time"
)

// When formats a time for an owner: absolute, in the server's zone, with the zone named.
func When(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2 Jan 2006, 15:04 MST")
}

// Ago says how long ago t was in words, for "last used" columns.
func Ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.Local().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Day formats a date without the time, for narrow table columns.
func Day(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2 Jan 2006")
}

// spaced reads a code digit by digit for screen readers: "5 8 3 9 2 0".
func spaced(pin string) string {
	out := make([]byte, 0, 2*len(pin))
	for i := range len(pin) {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, pin[i])
	}
	return string(out)
}
