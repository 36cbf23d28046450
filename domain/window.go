package domain

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Window is when a code or an access may open the door. A zero Start and End
// means permanent; a zero Start alone opens now, a zero End alone never closes.
type Window struct {
	Start time.Time
	End   time.Time
}

// Permanent reports whether the window has no bounds.
func (w Window) Permanent() bool { return w.Start.IsZero() && w.End.IsZero() }

// Access windows are typed as a date and a time on the door's wall clock, in the
// lock's zone. These functions turn them into instants. They are pure (no clock,
// no database) so they can be fuzzed, and they never trust time.Date across a DST
// change: Go documents that for a skipped or repeated wall time it picks one of
// the two offsets without saying which.

// Layouts of a form's date, time, and datetime-local fields.
const (
	DateLayout     = "2006-01-02"
	ClockLayout    = "15:04"
	DateTimeLayout = "2006-01-02T15:04"
)

// Default check-in and check-out times for the "N nights" preset, as hotels and
// holiday rentals use them.
const (
	CheckInClock  = "15:00"
	CheckOutClock = "11:00"
)

var (
	ErrNoDate  = errors.New("enter a date")
	ErrBadDate = errors.New("enter the date as year-month-day")
	ErrBadTime = errors.New("enter the time as hours:minutes")
)

// ParseDate reads "2026-03-08" into a calendar date. Years are kept to four
// digits, so a typo cannot make a window end in the year 20260.
func ParseDate(s string) (y int, m time.Month, d int, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, 0, ErrNoDate
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return 0, 0, 0, ErrBadDate
	}
	return t.Year(), t.Month(), t.Day(), nil
}

// ParseClock reads "15:04" or "15:04:05" (what browsers send for type=time).
func ParseClock(s string) (h, m, sec int, err error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, ErrBadTime
	}
	var v [3]int
	for i, p := range parts {
		if len(p) != 2 {
			return 0, 0, 0, ErrBadTime
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, 0, ErrBadTime
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, ErrBadTime
	}
	return v[0], v[1], v[2], nil
}

// WallTime is the instant a wall clock in loc shows the given date and time.
// A time skipped by a spring-forward change (02:30 on a night clocks jump from
// 02:00 to 03:00) is moved forward by the length of the gap (03:30), as a guest
// arriving then would read their watch. A time repeated by a fall-back change
// (01:30 happens twice) takes the first, earlier one, so an access never starts
// or ends an hour later than the owner could have meant.
func WallTime(y int, mo time.Month, d, h, mi, sec int, loc *time.Location) time.Time {
	// The wall reading as if it were UTC; the real instant is this minus the
	// zone's offset, for whichever offset is in force then.
	naive := time.Date(y, mo, d, h, mi, sec, 0, time.UTC).Unix()
	// A day either side reaches past any single transition; zones do not change
	// offset twice within two days.
	_, before := time.Unix(naive-86400, 0).In(loc).Zone()
	_, after := time.Unix(naive+86400, 0).In(loc).Zone()
	best := int64(0)
	found := false
	for _, off := range []int{before, after} {
		at := naive - int64(off)
		if _, o := time.Unix(at, 0).In(loc).Zone(); o == off && (!found || at < best) {
			best, found = at, true
		}
	}
	if !found {
		// In the gap: read the wall time with the offset from before the jump,
		// which lands as far past the jump as the time was past its start.
		best = naive - int64(before)
	}
	return time.Unix(best, 0).In(loc)
}

// ParseStart reads a date and an optional time in loc. An empty time means
// the start of that day.
func ParseStart(date, clock string, loc *time.Location) (time.Time, error) {
	y, m, d, err := ParseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	var h, mi, sec int
	if strings.TrimSpace(clock) != "" {
		if h, mi, sec, err = ParseClock(clock); err != nil {
			return time.Time{}, err
		}
	}
	return WallTime(y, m, d, h, mi, sec, loc), nil
}

// ParseEnd reads a check-out. A date without a time means the whole of
// that day: the access ends at the next midnight in the lock's zone (not
// 23:59:59, which would leave the last second out, and not 24 hours later, which
// is wrong on a day with a DST change).
func ParseEnd(date, clock string, loc *time.Location) (time.Time, error) {
	if strings.TrimSpace(clock) != "" {
		return ParseStart(date, clock, loc)
	}
	y, m, d, err := ParseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	next := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC) // normalises month and year ends
	return WallTime(next.Year(), next.Month(), next.Day(), 0, 0, 0, loc), nil
}

// NightsWindow is the preset "from today 15:00 for N nights until 11:00": it
// starts on the day today falls on in loc and ends N days later, both on loc's
// wall clock, so a stay across a DST change still ends at 11:00.
func NightsWindow(today time.Time, nights int, loc *time.Location) Window {
	t := today.In(loc)
	ih, im, _, _ := ParseClock(CheckInClock)
	oh, om, _, _ := ParseClock(CheckOutClock)
	out := time.Date(t.Year(), t.Month(), t.Day()+nights, 0, 0, 0, 0, time.UTC)
	return Window{Start: WallTime(t.Year(), t.Month(), t.Day(), ih, im, 0, loc),
		End: WallTime(out.Year(), out.Month(), out.Day(), oh, om, 0, loc)}
}

// FormValues splits an instant into the date and time fields of a form, on loc's
// wall clock.
func FormValues(t time.Time, loc *time.Location) (date, clock string) {
	if t.IsZero() {
		return "", ""
	}
	t = t.In(loc)
	return t.Format(DateLayout), t.Format(ClockLayout)
}

// ParseDateTime reads a browser's datetime-local value, "2026-03-08T15:04" (or
// with seconds), on loc's wall clock, as ParseStart reads a date and a time.
func ParseDateTime(v string, loc *time.Location) (time.Time, error) {
	date, clock, ok := strings.Cut(strings.TrimSpace(v), "T")
	if !ok || strings.TrimSpace(clock) == "" {
		if strings.TrimSpace(date) == "" {
			return time.Time{}, ErrNoDate
		}
		return time.Time{}, ErrBadTime
	}
	return ParseStart(date, clock, loc)
}

// ParseMessage is the field message for a date or time ParseStart or ParseEnd
// refused; what names the field ("check-in", "check-out").
func ParseMessage(err error, what string) string {
	switch {
	case errors.Is(err, ErrNoDate):
		return "Enter the " + what + " date, or make the access permanent."
	case errors.Is(err, ErrBadTime):
		return "Enter the " + what + " time as hours and minutes, like 15:00."
	}
	return "Enter the " + what + " date as year-month-day, like 2026-07-14."
}

// WindowOf is what a window belongs to, which names it in the messages for a
// missing bound.
type WindowOf int

const (
	AccessWindow WindowOf = iota // a guest's access: "give access", "change window"
	CodeWindow                   // a code added on a lock's page
)

// WindowErrors are the field messages for a window's start and end; "" where
// the field is fine.
type WindowErrors struct{ Start, End string }

// OK reports whether neither field has a message.
func (e WindowErrors) OK() bool { return e.Start == "" && e.End == "" }

// CheckWindow checks a window as every form that sets one needs it. Permanent
// must be an explicit choice: a zero bound of a window that is not permanent is
// missing (a bound that did not parse is given as zero). The start may lie up
// to a day in the past; a start equal to kept (the current start of a window
// being changed) may lie further back, so a stay that began days ago can still
// be extended.
func CheckWindow(w Window, permanent bool, of WindowOf, now, kept time.Time) WindowErrors {
	var e WindowErrors
	if permanent {
		return e
	}
	switch {
	case w.Start.IsZero() && of == CodeWindow:
		e.Start = "Enter when the code starts working, as a date and time."
	case w.Start.IsZero():
		e.Start = "Choose when the access starts."
	case now.Sub(w.Start) > 24*time.Hour && !(!kept.IsZero() && w.Start.Equal(kept)):
		e.Start = "The start is more than a day in the past. Choose now or later."
	}
	switch {
	case w.End.IsZero() && of == CodeWindow:
		e.End = "Enter when the code stops working, or tick “Permanent”."
	case w.End.IsZero():
		e.End = "Choose when the access ends, or make it permanent."
	case !w.Start.IsZero() && !w.End.After(w.Start):
		e.End = "The end must be after the start."
	case !w.End.After(now):
		e.End = "The end is in the past."
	}
	return e
}
