package lock_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/lock"
)

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
