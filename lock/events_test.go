package lock_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
)

func (e *env) events(lockID int64) []db.Event {
	e.t.Helper()
	evs, err := e.store.LockEvents(e.ctx, lockID, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func (e *env) keypad(dev, pin string, want domain.EventKind) {
	e.t.Helper()
	res, err := e.sim.Keypad(e.ctx, dev, pin)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Outcome != want {
		e.t.Fatalf("keypad: got %s (%s), want %s", res.Outcome, res.Message, want)
	}
}

func TestEventsMatchedAndDeduplicated(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	e.pass()
	e.settle()
	e.clk.Advance(time.Hour)
	used := e.clk.Now()
	e.keypad(dev, "482913", sim.OutcomeUnlocked)
	e.clk.Advance(time.Minute)
	e.keypad(dev, "000000", sim.OutcomeDenied)

	e.pull()
	evs := e.events(l.ID)
	kinds := map[domain.EventKind]int{}
	for _, ev := range evs {
		kinds[ev.Kind]++
		switch ev.Kind {
		case domain.EventUnlocked, domain.EventCodeSet:
			if ev.CodeID != c.ID {
				t.Errorf("%s event: got code %d, want %d", ev.Kind, ev.CodeID, c.ID)
			}
		case domain.EventDenied:
			if ev.CodeID != 0 {
				t.Errorf("wrong-code event: got code %d, want none", ev.CodeID)
			}
		}
	}
	if kinds["unlocked"] != 1 || kinds["denied"] != 1 || kinds["code_set"] != 1 {
		t.Errorf("event kinds: got %v, want one each of unlocked, denied, code_set", kinds)
	}
	got := e.code(c.ID)
	if !got.FirstUsedAt.Equal(used) || !got.LastUsedAt.Equal(used) {
		t.Errorf("code use: got first %v last %v, want both %v", got.FirstUsedAt, got.LastUsedAt, used)
	}
	cursor := e.lock(l.ID).EventCursor
	if cursor == "" {
		t.Fatalf("cursor: got empty, want saved")
	}

	// Pulled again: nothing new.
	e.pull()
	if n := len(e.events(l.ID)); n != len(evs) {
		t.Errorf("after a second pull: got %d events, want %d", n, len(evs))
	}
	// Pulled again from the start (a lost cursor): the lock's event ids keep each once.
	if _, err := e.store.IngestEvents(e.ctx, l.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	e.pull()
	if n := len(e.events(l.ID)); n != len(evs) {
		t.Errorf("after pulling from the start: got %d events, want %d", n, len(evs))
	}
	if got := e.lock(l.ID).EventCursor; got != cursor {
		t.Errorf("cursor: got %q, want %q", got, cursor)
	}
	// A later use moves last use, not first.
	e.clk.Advance(time.Hour)
	later := e.clk.Now()
	e.keypad(dev, "482913", sim.OutcomeUnlocked)
	e.pull()
	if got := e.code(c.ID); !got.FirstUsedAt.Equal(used) || !got.LastUsedAt.Equal(later) {
		t.Errorf("code use: got first %v last %v, want %v and %v", got.FirstUsedAt, got.LastUsedAt, used, later)
	}
}

func TestEventsWhileOffline(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	e.pass()
	e.settle()
	e.pull()
	before := len(e.events(l.ID))
	cursor := e.lock(l.ID).EventCursor

	if err := e.sim.SetOnline(e.ctx, dev, false); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	e.keypad(dev, "482913", sim.OutcomeUnlocked) // the keypad works offline; its event waits
	e.pull()                                     // fails transiently: logged, not returned
	if n, got := len(e.events(l.ID)), e.lock(l.ID).EventCursor; n != before || got != cursor {
		t.Errorf("while offline: got %d events cursor %q, want %d and %q", n, got, before, cursor)
	}

	if err := e.sim.SetOnline(e.ctx, dev, true); err != nil {
		t.Fatal(err)
	}
	e.pull()
	if got := e.code(c.ID); got.FirstUsedAt.IsZero() {
		t.Errorf("first use after the lock is back: got none, want stamped")
	}
	kinds := map[domain.EventKind]int{}
	for _, ev := range e.events(l.ID) {
		kinds[ev.Kind]++
	}
	if kinds["offline"] != 1 || kinds["online"] != 1 || kinds["unlocked"] != 1 {
		t.Errorf("event kinds: got %v, want offline, online and unlocked once each", kinds)
	}
}

func TestEventsCursorRefused(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	e.keypad(dev, "000000", sim.OutcomeDenied)
	e.pull()
	want := len(e.events(l.ID))
	if _, err := e.store.IngestEvents(e.ctx, l.ID, nil, "not-a-cursor"); err != nil {
		t.Fatal(err)
	}
	e.pull() // refused: cursor reset
	if got := e.lock(l.ID).EventCursor; got != "" {
		t.Errorf("cursor after refusal: got %q, want reset", got)
	}
	e.pull()
	if got := len(e.events(l.ID)); got != want {
		t.Errorf("events: got %d, want %d", got, want)
	}
	if got := e.lock(l.ID).EventCursor; got == "" {
		t.Errorf("cursor: got empty, want saved again")
	}
}

// failEvents is the simulator whose Events fails transiently from the call
// numbered failAt (1-based) on.
type failEvents struct {
	lock.Connector
	calls  *int
	failAt int
}

func (f failEvents) Events(ctx context.Context, dev, cursor string) ([]lock.Event, string, error) {
	*f.calls++
	if *f.calls >= f.failAt {
		return nil, cursor, &lock.Error{Kind: lock.Transient, Vendor: "sim", Message: "503"}
	}
	return f.Connector.Events(ctx, dev, cursor)
}

// TestEventsPages: more events than fit in a page or in one write are all pulled
// in one go; a failure midway keeps what was read, and the next pull goes on.
func TestEventsPages(t *testing.T) {
	const n = 4321 // 9 pages of at most 500; stored at 2000, 4000 and the end
	cases := []struct {
		name   string
		failAt int // 0: never
		first  int // events stored by the first pull
	}{
		{"all at once", 0, n},
		{"failing on the third page", 3, 1000},
		{"failing on the sixth page", 6, 2500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			e := newEnv(t, withWrap(func(c lock.Connector) lock.Connector {
				if tc.failAt == 0 {
					return c
				}
				return failEvents{Connector: c, calls: &calls, failAt: tc.failAt}
			}))
			l, dev := e.addLock("Front door")
			err := e.store.SimUpdate(e.ctx, func(tx *db.SimTx) error {
				for i := range n {
					if _, err := tx.AppendEvent(e.ctx, db.SimEvent{DeviceID: dev, Kind: domain.EventLocked,
						Method: domain.MethodAutomatic, At: e.clk.Now().Add(time.Duration(i) * time.Second), Detail: fmt.Sprint(i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			e.pull()
			if got := len(e.events(l.ID)); got != tc.first {
				t.Errorf("events after the first pull: got %d, want %d", got, tc.first)
			}
			calls = -1000 // no more failures
			e.pull()
			if got := len(e.events(l.ID)); got != n {
				t.Errorf("events after the second pull: got %d, want %d", got, n)
			}
		})
	}
}
