package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// Give saves guest, access, code and link with their audit lines in one write,
// hands back the link's secret once, and nudges the reconciler.
func TestGiveSavesInOneWrite(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	before := f.writes()
	req := f.stay("Ana Lima", l)
	req.PIN = "583920"
	got := f.give(olivia, req)
	if n := f.writes() - before; n != 1 {
		t.Errorf("writes: got %d, want 1", n)
	}
	if got.Token == "" || got.Access.ID == 0 || got.Guest.ID != got.Access.GuestID || got.Guest.Name != "Ana Lima" {
		t.Errorf("given: got access %d for guest %d (%q), token %t; want a saved access for the new guest Ana Lima with a token",
			got.Access.ID, got.Guest.ID, got.Guest.Name, got.Token != "")
	}
	if n := f.nudges.Load(); n != 1 {
		t.Errorf("nudges: got %d, want 1", n)
	}
	lines := f.audit()
	if f.actions() != db.AuditAccessCreated+","+db.AuditLinkCreated {
		t.Fatalf("audit: got %s, want access created and link created", f.actions())
	}
	if want := "access for Ana Lima to Front door, 2 Mar 14:00 → 4 Mar 14:00 (Europe/Berlin)"; lines[0].Detail != want {
		t.Errorf("audit detail: got %q, want %q", lines[0].Detail, want)
	}
	for _, e := range lines {
		if strings.Contains(e.Detail, "583920") || strings.Contains(e.Detail, got.Token) {
			t.Errorf("audit line %s holds the code or the token: %q", e.Action, e.Detail)
		}
	}
}

// Every problem with a request comes back at once, by field, with nothing
// saved and no nudge.
func TestGiveFieldErrors(t *testing.T) {
	f := newFixture(t)
	berlin := f.lock("Front door", "Europe/Berlin")
	lisbon := f.lock("Beach house", "Europe/Lisbon")
	for _, tc := range []struct {
		name   string
		edit   func(*access.GiveRequest)
		fields []string
	}{
		{"no name, no door", func(r *access.GiveRequest) { r.GuestName, r.LockIDs = " ", nil }, []string{access.FieldGuestName, access.FieldLocks}},
		{"unknown guest", func(r *access.GiveRequest) { r.GuestID = 999 }, []string{access.FieldGuest}},
		{"long note", func(r *access.GiveRequest) { r.GuestNote = strings.Repeat("x", 501) }, []string{access.FieldGuestNote}},
		{"unknown door", func(r *access.GiveRequest) { r.LockIDs = append(r.LockIDs, 999) }, []string{access.FieldLocks}},
		{"two zones", func(r *access.GiveRequest) { r.LockIDs = append(r.LockIDs, lisbon.ID) }, []string{access.FieldLocks}},
		{"no window", func(r *access.GiveRequest) { r.Starts, r.Ends = time.Time{}, time.Time{} }, []string{access.FieldStarts, access.FieldEnds}},
		{"ends before it starts", func(r *access.GiveRequest) { r.Ends = r.Starts.Add(-time.Minute) }, []string{access.FieldEnds}},
		{"link too long", func(r *access.GiveRequest) { r.LinkTTL = access.MaxLinkTTL + time.Hour }, []string{access.FieldLinkTTL}},
		{"passphrase too short", func(r *access.GiveRequest) { r.Passphrase = "heron" }, []string{access.FieldPassphrase}},
		{"passphrase too long", func(r *access.GiveRequest) { r.Passphrase = strings.Repeat("x", 101) }, []string{access.FieldPassphrase}},
		{"code too short", func(r *access.GiveRequest) { r.PIN = "1234" }, []string{access.FieldPIN}},
		{"length the door refuses", func(r *access.GiveRequest) { r.PINLength = 4 }, []string{access.FieldPIN}},
	} {
		req := f.stay("Ana Lima", berlin)
		tc.edit(&req)
		_, errs, err := f.svc.Give(f.ctx, olivia, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(errs) != len(tc.fields) {
			t.Errorf("%s: got %v, want messages for exactly %v", tc.name, errs, tc.fields)
		}
		for _, k := range tc.fields {
			if errs[k] == "" {
				t.Errorf("%s: got no message for %s in %v, want one", tc.name, k, errs)
			}
		}
		checked, err := f.svc.Check(f.ctx, req)
		if err != nil || len(checked) != len(errs) {
			t.Errorf("%s: Check got %v, %v; want Give's %v", tc.name, checked, err, errs)
		}
	}
	if got := f.actions(); got != "" || f.nudges.Load() != 0 {
		t.Errorf("got audit %q and %d nudges, want nothing saved", got, f.nudges.Load())
	}
}

// A typed code that clashes with a code on the door is refused inside the
// write, leaving nothing behind (not even the new guest); a request refused
// for another reason never says whether its code is on the door.
func TestGiveClashSavesNothing(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	first := f.stay("Ana Lima", l)
	first.PIN = "583920"
	f.give(olivia, first)
	before := f.actions()

	for pin, want := range map[string]string{"583920": "already on the lock", "5839201": "starts with another code"} {
		req := f.stay("Ben Okafor", l)
		req.PIN = pin
		_, errs, err := f.svc.Give(f.ctx, olivia, req)
		if err != nil || !strings.Contains(errs[access.FieldPIN], want) || len(errs) != 1 {
			t.Errorf("clash %s: got %v, %v; want only %q beside the code", pin, errs, err, want)
		}
	}
	guests, err := f.db.Guests(f.ctx, "", 10)
	if err != nil || len(guests) != 1 || f.actions() != before {
		t.Errorf("after the clashes: got %d guests (%v), audit %q; want 1 guest, audit %q", len(guests), err, f.actions(), before)
	}

	probe := f.stay("Ben Okafor", l)
	probe.PIN = "583920"
	probe.Passphrase = strings.Repeat("x", 101)
	errs, err := f.svc.Check(f.ctx, probe)
	if err != nil || errs[access.FieldPIN] != "" || errs[access.FieldPassphrase] == "" {
		t.Errorf("probe: got %v, %v; want the passphrase refused and nothing said of the code", errs, err)
	}
}
