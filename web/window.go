package web

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Access windows are typed as a date and a time on the door's wall clock, in the
// lock's zone. These functions turn them into instants. They are pure (no clock,
// no database) so they can be fuzzed, and they never trust time.Date across a DST
// change: Go documents that for a skipped or repeated wall time it picks one of
// the two offsets without saying which.

const (
	formDate  = "2006-01-02"
	formClock = "15:04"
)

// Default check-in and check-out times for the "N nights" preset, as hotels and
// holiday rentals use them.
const (
	checkInClock  = "15:00"
	checkOutClock = "11:00"
)

var (
	errNoDate  = errors.New("enter a date")
	errBadDate = errors.New("enter the date as year-month-day")
	errBadTime = errors.New("enter the time as hours:minutes")
)

// parseDate reads "2026-03-08" into a calendar date. Years are kept to four
// digits, so a typo cannot make a window end in the year 20260.
func parseDate(s string) (y int, m time.Month, d int, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, 0, errNoDate
	}
	t, err := time.Parse(formDate, s)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return 0, 0, 0, errBadDate
	}
	return t.Year(), t.Month(), t.Day(), nil
}

// parseClock reads "15:04" or "15:04:05" (what browsers send for type=time).
func parseClock(s string) (h, m, sec int, err error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, errBadTime
	}
	var v [3]int
	for i, p := range parts {
		if len(p) != 2 {
			return 0, 0, 0, errBadTime
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, 0, errBadTime
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, errBadTime
	}
	return v[0], v[1], v[2], nil
}

// wallTime is the instant a wall clock in loc shows the given date and time.
// A time skipped by a spring-forward change (02:30 on a night clocks jump from
// 02:00 to 03:00) is moved forward by the length of the gap (03:30), as a guest
// arriving then would read their watch. A time repeated by a fall-back change
// (01:30 happens twice) takes the first, earlier one, so an access never starts
// or ends an hour later than the owner could have meant.
func wallTime(y int, mo time.Month, d, h, mi, sec int, loc *time.Location) time.Time {
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

// parseWallTime reads a date and an optional time in loc. An empty time means
// the start of that day.
func parseWallTime(date, clock string, loc *time.Location) (time.Time, error) {
	y, m, d, err := parseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	var h, mi, sec int
	if strings.TrimSpace(clock) != "" {
		if h, mi, sec, err = parseClock(clock); err != nil {
			return time.Time{}, err
		}
	}
	return wallTime(y, m, d, h, mi, sec, loc), nil
}

// parseWindowEnd reads a check-out. A date without a time means the whole of
// that day: the access ends at the next midnight in the lock's zone (not
// 23:59:59, which would leave the last second out, and not 24 hours later, which
// is wrong on a day with a DST change).
func parseWindowEnd(date, clock string, loc *time.Location) (time.Time, error) {
	if strings.TrimSpace(clock) != "" {
		return parseWallTime(date, clock, loc)
	}
	y, m, d, err := parseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	next := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC) // normalises month and year ends
	return wallTime(next.Year(), next.Month(), next.Day(), 0, 0, 0, loc), nil
}

// nightsWindow is the preset "from today 15:00 for N nights until 11:00": it
// starts on the day today falls on in loc and ends N days later, both on loc's
// wall clock, so a stay across a DST change still ends at 11:00.
func nightsWindow(today time.Time, nights int, loc *time.Location) (time.Time, time.Time) {
	t := today.In(loc)
	ih, im, _, _ := parseClock(checkInClock)
	oh, om, _, _ := parseClock(checkOutClock)
	out := time.Date(t.Year(), t.Month(), t.Day()+nights, 0, 0, 0, 0, time.UTC)
	return wallTime(t.Year(), t.Month(), t.Day(), ih, im, 0, loc),
		wallTime(out.Year(), out.Month(), out.Day(), oh, om, 0, loc)
}

// formValues splits an instant into the date and time fields of a form, on loc's
// wall clock.
func formValues(t time.Time, loc *time.Location) (date, clock string) {
	if t.IsZero() {
		return "", ""
	}
	t = t.In(loc)
	return t.Format(formDate), t.Format(formClock)
}
