package access_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
)

// fixture is the service on a real SQLite file, with a fixed clock and a
// count of the reconciler nudges it made.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     *db.DB
	svc    *access.Service
	now    time.Time
	nudges atomic.Int32
}

// olivia is an owner acting through the pages; booking, an API token.
var (
	olivia  = access.PageActor(db.Owner{Name: "Olivia"}, "203.0.113.7")
	booking = access.TokenActor(0, "Booking", "198.51.100.2")
)

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, ctx: context.Background(), now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	f.db = dbtest.New(t, db.WithClock(func() time.Time { return f.now }))
	f.svc = access.New(f.db, func() { f.nudges.Add(1) }, f.db.Now)
	return f
}

// lock stores a simulated door taking codes of 6 to 8 digits.
func (f *fixture) lock(name, zone string) db.Lock {
	f.t.Helper()
	conn, err := f.db.SimConnection(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := f.db.SyncLock(f.ctx, conn.ID, db.DeviceState{DeviceID: name, Name: name, Online: true, MinCodeLen: 6, MaxCodeLen: 8}, zone)
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// stay is a request for a new guest on locks from in an hour for two days.
func (f *fixture) stay(guest string, locks ...db.Lock) access.GiveRequest {
	req := access.GiveRequest{GuestName: guest, Starts: f.now.Add(time.Hour), Ends: f.now.Add(49 * time.Hour)}
	for _, l := range locks {
		req.LockIDs = append(req.LockIDs, l.ID)
	}
	return req
}

// give gives access and fails the test unless it was saved.
func (f *fixture) give(by access.Actor, req access.GiveRequest) access.Given {
	f.t.Helper()
	got, errs, err := f.svc.Give(f.ctx, by, req)
	if err != nil || len(errs) > 0 {
		f.t.Fatalf("give: got %v, %v; want it saved", errs, err)
	}
	return got
}

// target reads an access as a handler would before acting on it.
func (f *fixture) target(id int64) access.Target {
	f.t.Helper()
	t, err := f.svc.Load(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

// audit is the audit log, oldest first.
func (f *fixture) audit() []db.AuditEntry {
	f.t.Helper()
	entries, err := f.db.AuditLog(f.ctx, 0, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	return entries
}

// actions lists the audit log's actions, oldest first.
func (f *fixture) actions() string {
	var out []string
	for _, e := range f.audit() {
		out = append(out, e.Action)
	}
	return strings.Join(out, ",")
}

// writes counts the store's writes so far.
func (f *fixture) writes() uint64 { return f.db.WriterStats().Writes }

// An actor's audit lines name the owner on a page and the token on the API,
// for the owner the token acts for, from the client's address.
func TestActorAuditLines(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	f.give(olivia, f.stay("Ana Lima", l))
	f.give(booking, f.stay("Ben Okafor", l))
	got := f.audit()
	if len(got) != 4 {
		t.Fatalf("got %d audit lines, want 4 (two accesses, two links)", len(got))
	}
	for i, want := range []struct{ actor, ip string }{{"Olivia", "203.0.113.7"}, {"Olivia", "203.0.113.7"},
		{"API token Booking", "198.51.100.2"}, {"API token Booking", "198.51.100.2"}} {
		if got[i].Actor != want.actor || got[i].IP != want.ip {
			t.Errorf("line %d (%s): got %q from %q, want %q from %q", i, got[i].Action, got[i].Actor, got[i].IP, want.actor, want.ip)
		}
	}
}
