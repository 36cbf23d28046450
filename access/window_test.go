package access_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// A new window is checked against the access's current start (a stay that
// began days ago may still be extended), saved with its line, and refused
// with field messages or a typed outcome otherwise.
func TestChangeWindow(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	week := f.stay("Ana Lima", l)
	week.Ends = f.now.Add(5 * 24 * time.Hour)
	given := f.give(olivia, week)
	read := f.target(given.Access.ID)

	// Three days later the stay began more than a day ago; extending it keeps
	// its start.
	f.now = f.now.Add(72 * time.Hour)
	longer := access.WindowChange{Starts: read.Access.StartsAt, Ends: f.now.Add(72 * time.Hour)}
	if errs, err := f.svc.ChangeWindow(f.ctx, olivia, read, longer); err != nil || len(errs) > 0 {
		t.Fatalf("extend: got %v, %v; want it saved", errs, err)
	}
	a, err := f.db.Access(f.ctx, read.Access.ID)
	if err != nil || !a.EndsAt.Equal(longer.Ends) {
		t.Errorf("extended: got end %v (%v), want %v", a.EndsAt, err, longer.Ends)
	}
	lines := f.audit()
	if got := lines[len(lines)-1]; got.Action != db.AuditWindowChanged ||
		got.Detail != "Ana Lima on Front door: now 2 Mar 14:00 → 8 Mar 13:00 (Europe/Berlin)" {
		t.Errorf("window's line: got %s %q", got.Action, got.Detail)
	}

	audit := f.actions()
	moved := access.WindowChange{Starts: read.Access.StartsAt.Add(time.Hour), Ends: longer.Ends}
	errs, err := f.svc.ChangeWindow(f.ctx, olivia, read, moved)
	if err != nil || errs[access.FieldStarts] == "" || len(errs) != 1 {
		t.Errorf("moving the start days back: got %v, %v; want a message for starts only", errs, err)
	}
	if err := f.svc.Revoke(f.ctx, olivia, read); err != nil {
		t.Fatal(err)
	}
	audit += "," + db.AuditAccessRevoked
	if _, err := f.svc.ChangeWindow(f.ctx, olivia, read, longer); !errors.Is(err, access.ErrRevokedMeanwhile) {
		t.Errorf("on an access revoked since read: got %v, want ErrRevokedMeanwhile", err)
	}
	if _, err := f.svc.CheckWindow(f.target(read.Access.ID), longer); !errors.Is(err, access.ErrNotLive) {
		t.Errorf("checking a revoked access's window: got %v, want ErrNotLive", err)
	}
	if f.actions() != audit {
		t.Errorf("audit: got %q, want %q", f.actions(), audit)
	}
}
