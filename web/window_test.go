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

// TestCalDayStart: a timeline day begins at the domain.WallTime of its midnight, which
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

// TestParseCalDay: the timeline's dates are domain.ParseDate's, within 2000 to 2200.
func TestParseCalDay(t *testing.T) {
	for s, want := range map[string]string{"2024-05-03": "2024-05-03", " 2024-05-03 ": "2024-05-03", "2000-01-01": "2000-01-01",
		"2200-12-31": "2200-12-31", "1999-12-31": "", "2201-01-01": "", "": "", "2024-02-30": "", "24-05-03": "", "3 May 2024": ""} {
		d, ok := parseCalDay(s)
		if got := dateText(d); got != want || ok != (want != "") {
			t.Errorf("parseCalDay(%q): got %q, %v, want %q", s, got, ok, want)
		}
	}
}
