package web

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
			got, err := parseWallTime(tc.date, tc.clock, loc)
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
			got, err := parseWindowEnd(tc.date, tc.clock, mustZone(t, tc.zone))
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
		{"", "10:00", errNoDate},
		{"   ", "", errNoDate},
		{"2026-02-30", "", errBadDate},
		{"2026-13-01", "", errBadDate},
		{"26-03-08", "", errBadDate},
		{"14/07/2026", "", errBadDate},
		{"0001-01-01", "", errBadDate},
		{"2026-07-14", "25:00", errBadTime},
		{"2026-07-14", "12:60", errBadTime},
		{"2026-07-14", "1:00", errBadTime},
		{"2026-07-14", "aa:bb", errBadTime},
		{"2026-07-14", "12:00:00:00", errBadTime},
		{"2026-07-14", "-1:00", errBadTime},
	}
	for _, tc := range cases {
		if _, err := parseWallTime(tc.date, tc.clock, loc); err != tc.want {
			t.Errorf("parseWallTime(%q, %q): got %v, want %v", tc.date, tc.clock, err, tc.want)
		}
		if _, err := parseWindowEnd(tc.date, tc.clock, loc); err != tc.want {
			t.Errorf("parseWindowEnd(%q, %q): got %v, want %v", tc.date, tc.clock, err, tc.want)
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
			start, end := nightsWindow(utc(tc.today), tc.nights, loc)
			if !start.Equal(utc(tc.start)) || !end.Equal(utc(tc.end)) {
				t.Errorf("got %s → %s, want %s → %s", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), tc.start, tc.end)
			}
			if s, e := start.In(loc).Format("15:04"), end.In(loc).Format("15:04"); s != checkInClock || e != checkOutClock {
				t.Errorf("wall clock: got %s → %s, want %s → %s", s, e, checkInClock, checkOutClock)
			}
		})
	}
}

var fuzzZones = []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"}

// FuzzWallTime checks wallTime's promise for any wall reading: the result shows
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
		got := wallTime(y, time.Month(mo), d, h, mi, 0, loc)
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
		start, err := parseWallTime(date, clock, loc)
		end, err2 := parseWindowEnd(date, clock, loc)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("start and end disagree on %q %q: %v, %v", date, clock, err, err2)
		}
		if err != nil {
			return
		}
		if end.Before(start) {
			t.Fatalf("%q %q: end %s before start %s", date, clock, end, start)
		}
		d, c := formValues(start, loc)
		again, err := parseWallTime(d, c, loc)
		if err != nil {
			t.Fatalf("round trip of %s: %v", start, err)
		}
		if !again.Truncate(time.Minute).Equal(start.Truncate(time.Minute)) {
			t.Fatalf("round trip: %s became %s", start, again)
		}
	})
}

// TestCalDayStart: a timeline day begins at the wallTime of its midnight, which
// where clocks skip midnight is the first instant after the gap, on the day
// itself (time.Date gave 23:00 of the day before).
func TestCalDayStart(t *testing.T) {
	cases := []struct {
		zone, day, want, wall string
	}{
		{"America/Santiago", "2025-09-07", "2025-09-07T04:00:00Z", "2025-09-07 01:00 -03"},
		{"America/Santiago", "2025-09-08", "2025-09-08T03:00:00Z", "2025-09-08 00:00 -03"},
		{"America/Santiago", "2025-04-06", "2025-04-06T04:00:00Z", "2025-04-06 00:00 -04"}, // falls back at 24:00: the 5th ends twice, the 6th begins once
		{"America/Havana", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-08 01:00 CDT"},
		{"Europe/Berlin", "2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29 00:00 CET"},
	}
	for _, tc := range cases {
		loc := mustZone(t, tc.zone)
		d, ok := parseCalDay(tc.day)
		if !ok {
			t.Fatalf("parseCalDay(%q): not a day", tc.day)
		}
		got := d.start(loc)
		if want := utc(tc.want); !got.Equal(want) {
			t.Errorf("%s %s: got %s, want %s", tc.zone, tc.day, got.UTC().Format(time.RFC3339), tc.want)
		}
		if wall := got.In(loc).Format("2006-01-02 15:04 MST"); wall != tc.wall {
			t.Errorf("%s %s wall clock: got %s, want %s", tc.zone, tc.day, wall, tc.wall)
		}
	}
}

// TestParseCalDay: the timeline's dates are parseDate's, within 2000 to 2200.
func TestParseCalDay(t *testing.T) {
	for s, want := range map[string]string{"2024-05-03": "2024-05-03", " 2024-05-03 ": "2024-05-03", "2000-01-01": "2000-01-01",
		"2200-12-31": "2200-12-31", "1999-12-31": "", "2201-01-01": "", "": "", "2024-02-30": "", "24-05-03": "", "3 May 2024": ""} {
		d, ok := parseCalDay(s)
		if got := dateText(d); got != want || ok != (want != "") {
			t.Errorf("parseCalDay(%q): got %q, %v, want %q", s, got, ok, want)
		}
	}
}
