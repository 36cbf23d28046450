package db

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAccessesForGuestsPlan: the guests page's one query reads each guest's
// accesses through accesses_guest, never the whole table.
func TestAccessesForGuestsPlan(t *testing.T) {
	d := openTest(t)
	plan, err := d.explain(context.Background(), accessesForGuestsQ, []any{"[1,2,3]"})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "SEARCH x USING COVERING INDEX accesses_guest (guest_id=?)") ||
		!strings.Contains(joined, "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Errorf("accesses for guests: got plan\n%s\nwant accesses_guest per guest, then each access by id", joined)
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN a") || strings.HasPrefix(step, "SCAN x") || strings.HasPrefix(step, "SCAN accesses") {
			t.Errorf("plan step %q scans accesses", step)
		}
	}
}

// TestAccessesForGuests: one query answers what GuestAccesses answers for each
// guest: the newest 100, newest first; guests without accesses (or unknown)
// have no entry, and an id asked twice is answered once.
func TestAccessesForGuests(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	var ids []int64
	for _, name := range []string{"Ana", "Bo", "Cy"} {
		g, err := d.CreateGuest(ctx, name, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	ana, bo, cy := ids[0], ids[1], ids[2]
	now := time.Now().Unix()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		for i := range 107 {
			g := ana
			if i%50 == 7 {
				g = bo
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO accesses (guest_id, starts_at, ends_at, time_zone, created_at) VALUES (?, ?, ?, 'UTC', ?)",
				g, now+int64(i)*3600, now+int64(i+1)*3600, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.AccessesForGuests(ctx, []int64{ana, bo, cy, ana, 999})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{ana, bo} {
		want, err := d.GuestAccesses(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got[id], want) {
			t.Errorf("guest %d: got %d accesses %v, want GuestAccesses' %d %v", id, len(got[id]), accessIDs(got[id]), len(want), accessIDs(want))
		}
	}
	if n := len(got[ana]); n != guestAccessesMax {
		t.Errorf("Ana: got %d accesses, want the newest %d", n, guestAccessesMax)
	}
	if n := len(got[bo]); n != 2 {
		t.Errorf("Bo: got %d accesses, want 2", n)
	}
	if _, ok := got[cy]; ok {
		t.Errorf("Cy has no access: got an entry %v", got[cy])
	}
	if _, ok := got[999]; ok {
		t.Error("an unknown guest: got an entry")
	}
	if none, err := d.AccessesForGuests(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no guests: got %v, %v, want an empty map", none, err)
	}
}

func accessIDs(list []Access) []int64 {
	var out []int64
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}
