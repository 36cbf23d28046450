package domain

import (
	"testing"
	"time"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// DST edges of 2026: New York springs forward on 8 March at 02:00 and falls back
// on 1 November at 02:00; Berlin on 29 March at 02:00 and 25 October at 03:00.
func TestParseWallTimeAcrossDST(t *testing.T) {
	cases := []struct {
		name, zone, date, clock string
		want                    string // UTC
		wall                    string // what the lock's clock shows then
	}{
		{"NY ordinary", "America/New_York", "2026-07-14", "15:00", "2026-07-14T19:00:00Z", "2026-07-14 15:00 EDT"},
		{"NY spring gap moves forward", "America/New_York", "2026-03-08", "02:30", "2026-03-08T07:30:00Z", "2026-03-08 03:30 EDT"},
		{"NY gap start", "America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"},
		{"NY just before gap", "America/New_York", "2026-03-08", "01:59", "2026-03-08T06:59:00Z", "2026-03-08 01:59 EST"},
		{"NY just after gap", "America/New_York", "2026-03-08", "03:00", "2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"},
		{"NY fall overlap takes the first", "America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z", "2026-11-01 01:30 EDT"},
		{"NY after overlap", "America/New_York", "2026-11-01", "02:00", "2026-11-01T07:00:00Z", "2026-11-01 02:00 EST"},
		{"Berlin ordinary", "Europe/Berlin", "2026-01-10", "11:00", "2026-01-10T10:00:00Z", "2026-01-10 11:00 CET"},
		{"Berlin spring gap moves forward", "Europe/Berlin", "2026-03-29", "02:30", "2026-03-29T01:30:00Z", "2026-03-29 03:30 CEST"},
		{"Berlin fall overlap takes the first", "Europe/Berlin", "2026-10-25", "02:30", "2026-10-25T00:30:00Z", "2026-10-25 02:30 CEST"},
		{"Berlin after overlap", "Europe/Berlin", "2026-10-25", "03:00", "2026-10-25T02:00:00Z", "2026-10-25 03:00 CET"},
		{"seconds from a browser", "Europe/Berlin", "2026-10-25", "15:04:05", "2026-10-25T14:04:05Z", "2026-10-25 15:04 CET"},
		{"no time is the start of the day", "Europe/Berlin", "2026-03-29", "", "2026-03-28T23:00:00Z", "2026-03-29 00:00 CET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			got, err := ParseStart(tc.date, tc.clock, loc)
			if err != nil {
				t.Fatal(err)
			}
			if want := utc(tc.want); !got.Equal(want) {
				t.Errorf("got %s, want %s", got.UTC().Format(time.RFC3339), tc.want)
			}
			if wall := got.In(loc).Format("2006-01-02 15:04 MST"); wall != tc.wall {
				t.Errorf("wall clock: got %s, want %s", wall, tc.wall)
			}
		})
	}
}

func TestParseWindowEndDateOnly(t *testing.T) {
	cases := []struct {
		name, zone, date, clock string
		want                    string
	}{
		// A date alone is the whole day: the end is the next midnight, even on a
		// day 23 or 25 hours long.
		{"Berlin ordinary", "Europe/Berlin", "2026-07-14", "", "2026-07-14T22:00:00Z"},
		{"Berlin spring day (23h)", "Europe/Berlin", "2026-03-29", "", "2026-03-29T22:00:00Z"},
		{"Berlin eve of spring", "Europe/Berlin", "2026-03-28", "", "2026-03-28T23:00:00Z"},
		{"Berlin fall day (25h)", "Europe/Berlin", "2026-10-25", "", "2026-10-25T23:00:00Z"},
		{"NY spring day", "America/New_York", "2026-03-08", "", "2026-03-09T04:00:00Z"},
		{"NY eve of spring", "America/New_York", "2026-03-07", "", "2026-03-08T05:00:00Z"},
		{"NY fall day", "America/New_York", "2026-11-01", "", "2026-11-02T05:00:00Z"},
		{"year end", "America/New_York", "2026-12-31", "", "2027-01-01T05:00:00Z"},
		{"leap day", "Europe/Berlin", "2028-02-29", "", "2028-02-29T23:00:00Z"},
		{"with a time it is that time", "Europe/Berlin", "2026-03-29", "11:00", "2026-03-29T09:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEnd(tc.date, tc.clock, mustZone(t, tc.zone))
			if err != nil {
				t.Fatal(err)
			}
			if want := utc(tc.want); !got.Equal(want) {
				t.Errorf("got %s, want %s", got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestParseWindowBadInput(t *testing.T) {
	loc := mustZone(t, "Europe/Berlin")
	cases := []struct {
		date, clock string
		want        error
	}{
		{"", "10:00", ErrNoDate},
		{"   ", "", ErrNoDate},
		{"2026-02-30", "", ErrBadDate},
		{"2026-13-01", "", ErrBadDate},
		{"26-03-08", "", ErrBadDate},
		{"14/07/2026", "", ErrBadDate},
		{"0001-01-01", "", ErrBadDate},
		{"2026-07-14", "25:00", ErrBadTime},
		{"2026-07-14", "12:60", ErrBadTime},
		{"2026-07-14", "1:00", ErrBadTime},
		{"2026-07-14", "aa:bb", ErrBadTime},
		{"2026-07-14", "12:00:00:00", ErrBadTime},
		{"2026-07-14", "-1:00", ErrBadTime},
	}
	for _, tc := range cases {
		if _, err := ParseStart(tc.date, tc.clock, loc); err != tc.want {
			t.Errorf("ParseStart(%q, %q): got %v, want %v", tc.date, tc.clock, err, tc.want)
		}
		if _, err := ParseEnd(tc.date, tc.clock, loc); err != tc.want {
			t.Errorf("ParseEnd(%q, %q): got %v, want %v", tc.date, tc.clock, err, tc.want)
		}
	}
}

func TestNightsWindowAcrossDST(t *testing.T) {
	cases := []struct {
		name, zone, today string
		nights            int
		start, end        string
	}{
		{"Berlin over spring forward", "Europe/Berlin", "2026-03-27T09:00:00Z", 3, "2026-03-27T14:00:00Z", "2026-03-30T09:00:00Z"},
		{"Berlin over fall back", "Europe/Berlin", "2026-10-24T09:00:00Z", 2, "2026-10-24T13:00:00Z", "2026-10-26T10:00:00Z"},
		{"NY over spring forward", "America/New_York", "2026-03-07T17:00:00Z", 1, "2026-03-07T20:00:00Z", "2026-03-08T15:00:00Z"},
		// 23:30 UTC on 31 Oct is still 31 Oct in New York: today is the lock's today.
		{"NY today is the lock's today", "America/New_York", "2026-10-31T23:30:00Z", 2, "2026-10-31T19:00:00Z", "2026-11-02T16:00:00Z"},
		{"month end", "Europe/Berlin", "2026-01-31T12:00:00Z", 1, "2026-01-31T14:00:00Z", "2026-02-01T10:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			w := NightsWindow(utc(tc.today), tc.nights, loc)
			start, end := w.Start, w.End
			if !start.Equal(utc(tc.start)) || !end.Equal(utc(tc.end)) {
				t.Errorf("got %s → %s, want %s → %s", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), tc.start, tc.end)
			}
			if s, e := start.In(loc).Format("15:04"), end.In(loc).Format("15:04"); s != CheckInClock || e != CheckOutClock {
				t.Errorf("wall clock: got %s → %s, want %s → %s", s, e, CheckInClock, CheckOutClock)
			}
		})
	}
}

var fuzzZones = []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"}

// FuzzWallTime checks WallTime's promise for any wall reading: the result shows
// that reading on the zone's clock, unless the reading was skipped by a DST gap,
// when it shows a later reading within the gap's length; and no earlier instant
// shows the same reading (the first of a repeated hour).
func FuzzWallTime(f *testing.F) {
	f.Add(2026, 3, 8, 2, 30, 0)
	f.Add(2026, 11, 1, 1, 30, 0)
	f.Add(2026, 3, 29, 2, 30, 1)
	f.Add(2026, 10, 25, 2, 30, 1)
	f.Add(2026, 4, 5, 1, 45, 2)
	f.Fuzz(func(t *testing.T, y, mo, d, h, mi, z int) {
		if y < 1970 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 28 || h < 0 || h > 23 || mi < 0 || mi > 59 {
			t.Skip()
		}
		loc := mustZone(t, fuzzZones[(z%len(fuzzZones)+len(fuzzZones))%len(fuzzZones)])
		got := WallTime(y, time.Month(mo), d, h, mi, 0, loc)
		want := time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC)
		shown := got.In(loc)
		asUTC := time.Date(shown.Year(), shown.Month(), shown.Day(), shown.Hour(), shown.Minute(), shown.Second(), 0, time.UTC)
		switch diff := asUTC.Sub(want); {
		case diff == 0:
			for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
				e := got.Add(-back).In(loc)
				if e.Hour() == h && e.Minute() == mi && e.Day() == d {
					t.Fatalf("%v in %s: got %s, but %s earlier shows the same reading", want, loc, got, back)
				}
			}
		case diff > 0 && diff <= 2*time.Hour:
			// Moved forward: the reading must not exist at all.
			for off := -3 * time.Hour; off <= 3*time.Hour; off += 15 * time.Minute {
				e := got.Add(off).In(loc)
				if e.Year() == y && int(e.Month()) == mo && e.Day() == d && e.Hour() == h && e.Minute() == mi {
					t.Fatalf("%v in %s: moved to %s although %s shows it", want, loc, shown, e)
				}
			}
		default:
			t.Fatalf("%v in %s: got %s, off by %s", want, loc, shown, diff)
		}
	})
}

// FuzzParseWindow feeds arbitrary form text: no panic, and anything accepted
// round-trips through the form's own fields to the same instant (outside gaps).
func FuzzParseWindow(f *testing.F) {
	f.Add("2026-03-08", "02:30", 0)
	f.Add("2026-10-25", "", 1)
	f.Add("2026-02-29", "24:00", 1)
	f.Add("9999-12-31", "23:59:59", 2)
	f.Fuzz(func(t *testing.T, date, clock string, z int) {
		loc := mustZone(t, fuzzZones[(z%len(fuzzZones)+len(fuzzZones))%len(fuzzZones)])
		start, err := ParseStart(date, clock, loc)
		end, err2 := ParseEnd(date, clock, loc)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("start and end disagree on %q %q: %v, %v", date, clock, err, err2)
		}
		if err != nil {
			return
		}
		if end.Before(start) {
			t.Fatalf("%q %q: end %s before start %s", date, clock, end, start)
		}
		d, c := FormValues(start, loc)
		again, err := ParseStart(d, c, loc)
		if err != nil {
			t.Fatalf("round trip of %s: %v", start, err)
		}
		if !again.Truncate(time.Minute).Equal(start.Truncate(time.Minute)) {
			t.Fatalf("round trip: %s became %s", start, again)
		}
	})
}

// TestParseDateTime: a datetime-local value is a date and a time, read as
// ParseStart reads them (across DST too); anything else is refused.
func TestParseDateTime(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	for _, tc := range []struct {
		in   string
		want string // UTC; "" means refused
	}{
		{"2026-07-14T15:00", "2026-07-14T19:00:00Z"},
		{" 2026-07-14T15:00:30 ", "2026-07-14T19:00:30Z"},
		{"2026-03-08T02:30", "2026-03-08T07:30:00Z"}, // skipped: moved forward
		{"2026-11-01T01:30", "2026-11-01T05:30:00Z"}, // repeated: the first
		{"", ""},
		{"2026-07-14", ""},
		{"2026-07-14T", ""},
		{"2026-07-14 15:00", ""},
		{"2026-02-30T10:00", ""},
		{"2026-07-14T25:00", ""},
	} {
		got, err := ParseDateTime(tc.in, ny)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseDateTime(%q): got %s, want refused", tc.in, got.UTC().Format(time.RFC3339))
		case tc.want != "" && err != nil:
			t.Errorf("ParseDateTime(%q): got %v, want %s", tc.in, err, tc.want)
		case tc.want != "" && !got.Equal(utc(tc.want)):
			t.Errorf("ParseDateTime(%q): got %s, want %s", tc.in, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
}

func TestParseMessage(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ErrNoDate, "Enter the check-in date, or make the access permanent."},
		{ErrBadTime, "Enter the check-in time as hours and minutes, like 15:00."},
		{ErrBadDate, "Enter the check-in date as year-month-day, like 2026-07-14."},
	} {
		if got := ParseMessage(tc.err, "check-in"); got != tc.want {
			t.Errorf("ParseMessage(%v): got %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestCheckWindow: the messages beside a window's fields, word for word, for
// an access and for a code.
func TestCheckWindow(t *testing.T) {
	now := utc("2026-07-14T12:00:00Z")
	at := func(d time.Duration) time.Time { return now.Add(d) }
	day := 24 * time.Hour
	for _, tc := range []struct {
		name      string
		w         Window
		permanent bool
		of        WindowOf
		kept      time.Time
		want      WindowErrors
	}{
		{"fine", Window{at(time.Hour), at(day)}, false, AccessWindow, time.Time{}, WindowErrors{}},
		{"permanent needs no bounds", Window{}, true, AccessWindow, time.Time{}, WindowErrors{}},
		{"missing access bounds", Window{}, false, AccessWindow, time.Time{},
			WindowErrors{"Choose when the access starts.", "Choose when the access ends, or make it permanent."}},
		{"missing code bounds", Window{}, false, CodeWindow, time.Time{},
			WindowErrors{"Enter when the code starts working, as a date and time.", "Enter when the code stops working, or tick “Permanent”."}},
		{"start within the last day", Window{at(-23 * time.Hour), at(day)}, false, AccessWindow, time.Time{}, WindowErrors{}},
		{"start over a day back", Window{at(-25 * time.Hour), at(day)}, false, CodeWindow, time.Time{},
			WindowErrors{Start: "The start is more than a day in the past. Choose now or later."}},
		{"kept start may be old", Window{at(-3 * day), at(day)}, false, AccessWindow, at(-3 * day), WindowErrors{}},
		{"moved start may not", Window{at(-3 * day), at(day)}, false, AccessWindow, at(-4 * day),
			WindowErrors{Start: "The start is more than a day in the past. Choose now or later."}},
		{"end before start", Window{at(day), at(time.Hour)}, false, AccessWindow, time.Time{},
			WindowErrors{End: "The end must be after the start."}},
		{"end equal to start", Window{at(day), at(day)}, false, CodeWindow, time.Time{},
			WindowErrors{End: "The end must be after the start."}},
		{"end in the past", Window{at(-2 * time.Hour), at(-time.Hour)}, false, AccessWindow, time.Time{},
			WindowErrors{End: "The end is in the past."}},
		{"end in the past, start missing", Window{End: at(-time.Hour)}, false, AccessWindow, time.Time{},
			WindowErrors{"Choose when the access starts.", "The end is in the past."}},
	} {
		got := CheckWindow(tc.w, tc.permanent, tc.of, now, tc.kept)
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
		if got.OK() != (tc.want == WindowErrors{}) {
			t.Errorf("%s: OK() got %v", tc.name, got.OK())
		}
	}
}

func TestWindowPermanent(t *testing.T) {
	now := utc("2026-07-14T12:00:00Z")
	for _, tc := range []struct {
		w    Window
		want bool
	}{{Window{}, true}, {Window{Start: now}, false}, {Window{End: now}, false}, {Window{now, now.Add(time.Hour)}, false}} {
		if got := tc.w.Permanent(); got != tc.want {
			t.Errorf("%+v.Permanent(): got %v, want %v", tc.w, got, tc.want)
		}
	}
}
