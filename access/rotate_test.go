package access_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// Rotate, shared by the owner's page and the API, replaces a live access in one
// write with its audit lines; a rotation that lost to another (the target as
// read before the first one) is ErrRotatedMeanwhile, and the target read after
// it ErrNotLive, each caller wording them its own way. Neither saves anything.
func TestRotateOutcomes(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	given := f.give(olivia, f.stay("Ana Lima", l))
	old := f.target(given.Access.ID)
	nudged := f.nudges.Load()

	before := f.writes()
	next, err := f.svc.Rotate(f.ctx, booking, old, db.LinkOptions{})
	if err != nil || next.Access.ID == old.Access.ID || next.Token == "" {
		t.Fatalf("first rotation: got access %d, token %t, %v; want a new access and link", next.Access.ID, next.Token != "", err)
	}
	if n := f.writes() - before; n != 1 || f.nudges.Load() != nudged+1 {
		t.Errorf("first rotation: got %d writes, %d nudges; want 1 write, 1 nudge", n, f.nudges.Load()-nudged)
	}
	lines := f.audit()
	if got := lines[len(lines)-2]; got.Action != db.AuditAccessRotated || got.Actor != "API token Booking" ||
		got.Detail != "new code for Ana Lima on Front door; the old one is being removed" {
		t.Errorf("rotation's line: got %s by %q: %q, want access_rotated by API token Booking", got.Action, got.Actor, got.Detail)
	}

	audit, writes := f.actions(), f.writes()
	if _, err := f.svc.Rotate(f.ctx, olivia, old, db.LinkOptions{}); !errors.Is(err, access.ErrRotatedMeanwhile) {
		t.Errorf("rotating the replaced access as read before: got %v, want ErrRotatedMeanwhile", err)
	}
	if _, err := f.svc.Rotate(f.ctx, olivia, f.target(old.Access.ID), db.LinkOptions{}); !errors.Is(err, access.ErrNotLive) {
		t.Errorf("rotating the replaced access as read now: got %v, want ErrNotLive", err)
	}
	if f.actions() != audit || f.writes() != writes+1 { // the one write is the meanwhile rotation's, which saved nothing
		t.Errorf("after the refused rotations: got audit %q in %d writes, want %q in 1", f.actions(), f.writes()-writes, audit)
	}
}

// When every code of the old length clashes with a code on the door, the
// rotation is ErrCodeRefused with a reason for the owner, and changes nothing.
func TestRotateNoFreeCode(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	const pin = "583920"
	req := f.stay("Ana Lima", l)
	req.PIN = pin
	given := f.give(olivia, req)
	// A code beside every digit of the PIN's path ("0".."4", "6".."9", "50",
	// "51", …): every code of six to eight digits starts with one of them, or
	// with the PIN.
	for i := range len(pin) {
		for d := byte('0'); d <= '9'; d++ {
			if d == pin[i] {
				continue
			}
			if _, err := f.db.CreateAccessCode(f.ctx, db.NewAccessCode{LockID: l.ID, Label: "filler",
				PIN: pin[:i] + string(d), TimeZone: l.TimeZone}); err != nil {
				t.Fatal(err)
			}
		}
	}
	audit := f.actions()
	_, err := f.svc.Rotate(f.ctx, olivia, f.target(given.Access.ID), db.LinkOptions{})
	if !errors.Is(err, access.ErrCodeRefused) || !strings.Contains(access.Reason(err), "could not find a free code") {
		t.Errorf("rotate: got %v (reason %q), want ErrCodeRefused, no free code", err, access.Reason(err))
	}
	if f.actions() != audit {
		t.Errorf("audit: got %q, want %q (nothing saved)", f.actions(), audit)
	}
}
