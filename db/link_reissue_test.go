package db

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// reissueFixture is a live ten-day access whose link has a passphrase and a
// one-day lifetime, on the test's clock.
func reissueFixture(t *testing.T, passphrase string) (*DB, *time.Time, Access, string) {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	d := openClocked(t, func() time.Time { return now })
	ctx := context.Background()
	l := simLockForTest(t, d, "Door", "UTC")
	a, token, err := d.CreateAccess(ctx, NewAccess{GuestName: "Ana", LockIDs: []int64{l.ID}, PIN: "482913",
		StartsAt: now, EndsAt: now.Add(10 * 24 * time.Hour), TimeZone: "UTC",
		Link: LinkOptions{TTL: 24 * time.Hour, Passphrase: passphrase}})
	if err != nil {
		t.Fatal(err)
	}
	return d, &now, a, token
}

// openClocked is openTest on a clock the test sets.
func openClocked(t *testing.T, now func() time.Time) *DB {
	t.Helper()
	key := make([]byte, KeySize)
	rand.Read(key)
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), WithKey(key), WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// wantLink checks a reissued link: live, its passphrase the one given (or
// none), its wrong-passphrase count fresh, and its lifetime.
func wantLink(t *testing.T, d *DB, what, token, passphrase string, ttl time.Duration) {
	t.Helper()
	ctx := context.Background()
	l, err := d.LinkByToken(ctx, token)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if l.HasPassphrase != (passphrase != "") || l.FailedAttempts != 0 || !l.RevokedAt.IsZero() {
		t.Errorf("%s: got passphrase %v, %d failed attempts, revoked %v; want passphrase %v, 0, live",
			what, l.HasPassphrase, l.FailedAttempts, l.RevokedAt, passphrase != "")
	}
	if got := l.ExpiresAt.Sub(l.CreatedAt); got != ttl {
		t.Errorf("%s: lifetime got %v, want %v", what, got, ttl)
	}
	if passphrase == "" {
		return
	}
	if err := d.CheckPassphrase(ctx, l.ID, passphrase); err != nil {
		t.Errorf("%s: the passphrase the guest was told: got %v, want accepted", what, err)
	}
	var wrong *ErrWrongPassphrase
	if err := d.CheckPassphrase(ctx, l.ID, "not it"); !errors.As(err, &wrong) || wrong.Left != MaxPassphraseTries-1 {
		t.Errorf("%s: a wrong passphrase: got %v, want %d tries left", what, err, MaxPassphraseTries-1)
	}
}

// A new link, and a rotation's link, keep the passphrase (as stored) and the
// lifetime of the link they replace unless given their own; the wrong guesses
// made on the old link do not carry over.
func TestReissuedLinkKeepsPassphraseAndLifetime(t *testing.T) {
	d, now, a, first := reissueFixture(t, "blue heron")
	ctx := context.Background()
	old, err := d.LinkByToken(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		d.CheckPassphrase(ctx, old.ID, "wrong")
	}
	*now = now.Add(36 * time.Hour) // the one-day link has expired

	second, _, err := d.ReissueLink(ctx, a.ID, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, d, "new link", second, "blue heron", 24*time.Hour)
	if l, _ := d.LinkByToken(ctx, first); l.RevokedAt.IsZero() {
		t.Error("the older link still works")
	}

	next, third, err := d.RotateAccess(ctx, a.ID, "739102", LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, d, "rotation", third, "blue heron", 24*time.Hour)

	// What is given wins.
	fourth, _, err := d.ReissueLink(ctx, next.ID, LinkOptions{TTL: 48 * time.Hour, Passphrase: "grey owl"})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, d, "new link with its own options", fourth, "grey owl", 48*time.Hour)
	_, fifth, err := d.RotateAccess(ctx, next.ID, "905713", LinkOptions{TTL: 72 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, d, "rotation with its own lifetime", fifth, "grey owl", 72*time.Hour)

	if _, _, err := d.ReissueLink(ctx, a.ID, LinkOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("new link for the rotated access: got %v, want ErrNotFound", err)
	}
}

// A link without a passphrase is reissued without one; a link cut short by
// its access's end is reissued until that end.
func TestReissuedLinkWithoutPassphrase(t *testing.T) {
	d, now, a, _ := reissueFixture(t, "")
	ctx := context.Background()
	token, _, err := d.ReissueLink(ctx, a.ID, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, d, "new link", token, "", 24*time.Hour)

	*now = a.EndsAt.Add(-6 * time.Hour)
	token, _, err = d.ReissueLink(ctx, a.ID, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := d.LinkByToken(ctx, token)
	if !l.ExpiresAt.Equal(a.EndsAt) {
		t.Fatalf("late link: expires %v, want the access's end %v", l.ExpiresAt, a.EndsAt)
	}
	*now = a.EndsAt.Add(-3 * time.Hour)
	token, _, err = d.ReissueLink(ctx, a.ID, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := d.LinkByToken(ctx, token); !l.ExpiresAt.Equal(a.EndsAt) {
		t.Errorf("link after one cut short: expires %v, want the access's end %v", l.ExpiresAt, a.EndsAt)
	}
}
