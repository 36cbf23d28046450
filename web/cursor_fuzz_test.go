package web

import (
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// FuzzEventCursor: the timeline page's cursor parses to a key within range,
// or is refused, and a parsed key written back parses to itself.
func FuzzEventCursor(f *testing.F) {
	for _, s := range []string{"1767225600.42", "0.1", "1.0", "-1.5", "1099511627777.1", "1.9223372036854775808",
		"+5.07", ".", "", "1767225600", "1.2.3", " 1.2", "１.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := eventCursor(s)
		if !ok {
			if k != nil {
				t.Fatalf("refused %q but returned a key", s)
			}
			return
		}
		if k.ID <= 0 || k.OccurredAt.Unix() < 0 || k.OccurredAt.Unix() > 1<<40 {
			t.Fatalf("%q: key %+v out of range", s, *k)
		}
		again, ok := eventCursor(cursorOf(db.TimelineEvent{Event: db.Event{ID: k.ID, OccurredAt: k.OccurredAt}}))
		if !ok || *again != *k {
			t.Fatalf("%q: key %+v written back parses to %v, %v", s, *k, again, ok)
		}
	})
}

// FuzzAPICursor: the API's opaque cursors decode to the kind and count of
// non-negative numbers asked for, or to errBadCursor (a 400), never a panic;
// a decoded cursor encoded again decodes to the same numbers.
func FuzzAPICursor(f *testing.F) {
	f.Add(encodeCursor("e", 1767225600, 42), "e", 2)
	f.Add(encodeCursor("c", 7), "c", 1)
	f.Add(encodeCursor("c", 7), "e", 2)
	f.Add("ZS4tMS4y", "e", 2) // "e.-1.2"
	f.Add("", "c", 1)
	f.Add("!!!!", "c", 1)
	f.Fuzz(func(t *testing.T, s, kind string, n int) {
		if n < 0 || n > 4 || kind == "" {
			return // the handlers ask for kind "e" with 2 or "c" with 1
		}
		key, err := decodeCursor(s, kind, n)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 {
				t.Fatalf("%q: got %v, want errBadCursor", s, err)
			}
			return
		}
		if len(key) != n {
			t.Fatalf("%q: got %d numbers, want %d", s, len(key), n)
		}
		for _, v := range key {
			if v < 0 {
				t.Fatalf("%q: negative number %d", s, v)
			}
		}
		again, err := decodeCursor(encodeCursor(kind, key...), kind, n)
		if err != nil || !slices.Equal(again, key) {
			t.Fatalf("%q: %v encoded again decodes to %v, %v", s, key, again, err)
		}
	})
}
