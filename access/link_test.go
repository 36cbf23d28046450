package access_test

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// A new link is one write with its line; an access revoked since it was read
// is ErrRevokedMeanwhile, and one read revoked ErrNotLive, with nothing saved.
func TestNewLink(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	given := f.give(olivia, f.stay("Ana Lima", l))
	read := f.target(given.Access.ID)

	before := f.writes()
	token, err := f.svc.NewLink(f.ctx, olivia, read)
	if err != nil || token == "" || token == given.Token || f.writes()-before != 1 {
		t.Fatalf("new link: got token %t (new %t), %v in %d writes; want a new token in 1 write",
			token != "", token != given.Token, err, f.writes()-before)
	}
	if got := f.audit(); got[len(got)-1].Detail != "new share link for Ana Lima (older links stop working)" {
		t.Errorf("new link's line: got %q", got[len(got)-1].Detail)
	}
	if err := f.svc.Revoke(f.ctx, olivia, read); err != nil {
		t.Fatal(err)
	}
	audit := f.actions()
	if _, err := f.svc.NewLink(f.ctx, olivia, read); !errors.Is(err, access.ErrRevokedMeanwhile) {
		t.Errorf("new link on an access revoked since read: got %v, want ErrRevokedMeanwhile", err)
	}
	if _, err := f.svc.NewLink(f.ctx, olivia, f.target(given.Access.ID)); !errors.Is(err, access.ErrNotLive) {
		t.Errorf("new link on a revoked access: got %v, want ErrNotLive", err)
	}
	if f.actions() != audit {
		t.Errorf("audit: got %q, want %q", f.actions(), audit)
	}
}

// Revoking writes its line once, and nudges only the call that found the
// access live; revoking again changes nothing and says nothing.
func TestRevokeOnce(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	given := f.give(olivia, f.stay("Ana Lima", l))
	nudged := f.nudges.Load()
	for range 2 {
		if err := f.svc.Revoke(f.ctx, booking, f.target(given.Access.ID)); err != nil {
			t.Fatal(err)
		}
	}
	want := db.AuditAccessCreated + "," + db.AuditLinkCreated + "," + db.AuditAccessRevoked
	if got := f.actions(); got != want || f.nudges.Load() != nudged+1 {
		t.Errorf("revoked twice: got audit %q, %d nudges; want %q, 1 nudge", got, f.nudges.Load()-nudged, want)
	}
	if lines := f.audit(); lines[2].Detail != "access of Ana Lima to Front door" || lines[2].Actor != "API token Booking" {
		t.Errorf("revoke's line: got %q by %q", lines[2].Detail, lines[2].Actor)
	}
}
