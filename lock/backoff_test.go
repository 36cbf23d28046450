package lock_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/lock"
)

func TestBackoff(t *testing.T) {
	cases := []struct {
		failures int
		want     time.Duration
	}{
		{-1, 0}, {0, 0}, {1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {4, 4 * time.Minute},
		{5, 8 * time.Minute}, {6, 10 * time.Minute}, {7, 10 * time.Minute}, {100, 10 * time.Minute}, {1 << 30, 10 * time.Minute},
	}
	for _, tc := range cases {
		if got := lock.Backoff(tc.failures); got != tc.want {
			t.Errorf("Backoff(%d): got %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestJitter(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 30 * time.Second, 10 * time.Minute} {
		for range 100 {
			if got := lock.Jitter(d); got < d || got > d+d/10 {
				t.Fatalf("Jitter(%v): got %v, want within [%v, %v]", d, got, d, d+d/10)
			}
		}
	}
}

func TestCodeNameMarker(t *testing.T) {
	cases := []struct {
		label string
		id    int64
		want  string
	}{
		{"Alice", 42, "Alice · gh-42"},
		{"", 7, "gh-7"},
		{"  Cleaner\tTuesday\n ", 3, "Cleaner Tuesday · gh-3"},
		{"A very long label for a guest who stays all summer", 123456, "A very long label for a gues · gh-123456"},
		{"Zoë’s family — ünïcödé everywhere in this label", 9, "Zoë’s family — ünïcödé everywhere · gh-9"},
		{"Ends with gh-5", 6, "Ends with gh-5 · gh-6"},
	}
	for _, tc := range cases {
		got := lock.CodeName(tc.label, tc.id)
		if got != tc.want {
			t.Errorf("CodeName(%q, %d): got %q, want %q", tc.label, tc.id, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > 40 {
			t.Errorf("CodeName(%q, %d): %d runes, want at most 40", tc.label, tc.id, n)
		}
		if id, ok := lock.ParseMarker(got); !ok || id != tc.id {
			t.Errorf("ParseMarker(%q): got %d %v, want %d", got, id, ok, tc.id)
		}
	}
	for _, name := range []string{"", "Plumber", "gh-", "gh-0", "xgh-5", "Tom gh-12a", "gh-5 spare key", "gh-" + strings.Repeat("9", 19), "7gh-5"} {
		if id, ok := lock.ParseMarker(name); ok {
			t.Errorf("ParseMarker(%q): got %d, want no marker", name, id)
		}
	}
	for name, want := range map[string]int64{"gh-5": 5, "Guest · gh-5": 5, "Guest - gh-5 ": 5, "Guest (gh-12)": 0, "Guest [gh-12": 12} {
		id, _ := lock.ParseMarker(name)
		if id != want {
			t.Errorf("ParseMarker(%q): got %d, want %d", name, id, want)
		}
	}
}
