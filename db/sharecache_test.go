package db

import (
	"context"
	"testing"
	"time"
)

// TestShareCacheSeesEveryChange: each change an owner can make to what a
// guest page shows is seen by the very next read, and the link's own reveal
// and first opening are too, though they do not empty the cache.
func TestShareCacheSeesEveryChange(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	tokens := linksForTest(t, d, 3)
	read := func(token string) (ShareLink, ShareDetails) {
		t.Helper()
		l, s, err := d.ShareByToken(ctx, token, false)
		if err != nil {
			t.Fatal(err)
		}
		return l, s
	}
	l, s := read(tokens[0])
	read(tokens[0]) // cached now

	// A write behind the store's back that does not touch share_version (the
	// reveal's own column) is not seen: proof that the second read was cached.
	if _, err := d.w.ExecContext(ctx, "UPDATE share_links SET revealed_at = 1 WHERE id = ?", l.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(tokens[0]); !got.RevealedAt.IsZero() {
		t.Fatal("the share cache was not used")
	}
	if _, err := d.w.ExecContext(ctx, "UPDATE share_links SET revealed_at = NULL WHERE id = ?", l.ID); err != nil {
		t.Fatal(err)
	}

	checks := []struct {
		name   string
		change func() error
		seen   func(ShareLink, ShareDetails) bool
	}{
		{"guest renamed", func() error { return d.UpdateGuest(ctx, s.Access.GuestID, "Ana Lima", "") },
			func(_ ShareLink, s ShareDetails) bool { return s.GuestName == "Ana Lima" }},
		{"door renamed", func() error {
			return d.UpdateLockSettings(ctx, lockOf(t, d, s), LockSettings{Name: "Front", TimeZone: "UTC", Instructions: "Push hard"})
		}, func(_ ShareLink, s ShareDetails) bool {
			return len(s.Doors) == 1 && s.Doors[0].Name == "Front" && s.Doors[0].Instructions == "Push hard"
		}},
		{"window changed", func() error {
			return d.ChangeWindow(ctx, s.Access.ID, s.Access.StartsAt, s.Access.EndsAt.Add(30*time.Minute))
		}, func(_ ShareLink, got ShareDetails) bool {
			return got.Access.EndsAt.Equal(s.Access.EndsAt.Add(30 * time.Minute))
		}},
		{"access revoked", func() error { return d.RevokeAccess(ctx, s.Access.ID) },
			func(l ShareLink, _ ShareDetails) bool { return !l.RevokedAt.IsZero() && !l.Usable(time.Now()) }},
	}
	for _, c := range checks {
		read(tokens[0]) // cached before the change
		if err := c.change(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if l, s := read(tokens[0]); !c.seen(l, s) {
			t.Errorf("%s: not seen by the next read: %+v %+v", c.name, l, s)
		}
	}

	// The reveal and the first opening, recorded by this process.
	l1, _ := read(tokens[1])
	if err := d.MarkLinkOpened(ctx, l1.ID, "iPhone"); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(tokens[1]); got.FirstOpenedAt.IsZero() {
		t.Error("first opening not seen")
	}
	if _, err := d.ClaimReveal(ctx, tokens[1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(tokens[1]); got.RevealedAt.IsZero() || got.Usable(time.Now()) {
		t.Error("reveal not seen: the page would offer the code again")
	}
	// The other link's entry survived those writes, and still reveals.
	if _, s, err := d.ShareByToken(ctx, tokens[2], true); err != nil || s.PIN == "" {
		t.Errorf("untouched link: %v, PIN read %v", err, s.PIN != "")
	}
}

func lockOf(t *testing.T, d *DB, s ShareDetails) int64 {
	t.Helper()
	var id int64
	if err := d.r.QueryRow("SELECT lock_id FROM access_codes WHERE access_id = ?", s.Access.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
