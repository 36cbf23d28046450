package lock_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
)

func TestSetThenConfirmed(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Alice", "482913", time.Time{}, time.Time{})

	e.pass()
	got := e.wantStatus(c.ID, domain.StatusSetting, "")
	held := e.onLock(dev)
	if len(held) != 1 {
		t.Fatalf("codes on the lock: got %d, want 1", len(held))
	}
	if held[0].CodeID != got.DeviceCodeID || held[0].PIN != "482913" || held[0].Name != lock.CodeName("Alice", c.ID) {
		t.Errorf("code on the lock: got id %s name %q, want id %s name %q with our PIN",
			held[0].CodeID, held[0].Name, got.DeviceCodeID, lock.CodeName("Alice", c.ID))
	}
	if as := e.attempts(c.ID); len(as) != 1 || !as[0].OK || as[0].Action != "set" {
		t.Errorf("attempts: got %+v, want one successful set", as)
	}

	// Not yet landed: still setting, nothing sent again.
	e.clk.Advance(time.Second)
	e.pass()
	e.wantStatus(c.ID, domain.StatusSetting, "")

	e.settle()
	got = e.wantStatus(c.ID, domain.StatusOnLock, "")
	if !got.SetAt.Equal(e.clk.Now()) {
		t.Errorf("set at: got %v, want %v", got.SetAt, e.clk.Now())
	}
	if n := len(e.onLock(dev)); n != 1 {
		t.Errorf("codes on the lock: got %d, want 1", n)
	}
	if n := len(e.attempts(c.ID)); n != 1 {
		t.Errorf("attempts: got %d, want 1", n)
	}
}

// TestWindow follows a code through its window, on a lock that enforces windows
// itself (the code goes on up to a day early, with its window) and on one that
// does not (the reconciler sets it at the start and removes it at the end).
func TestWindow(t *testing.T) {
	type check struct {
		at       time.Duration // after the start of the window (negative: before)
		status   domain.CodeStatus
		onLock   int  // codes in the lock's memory
		windowed bool // the code on the lock carries its window
	}
	const length = 3 * time.Hour
	cases := []struct {
		name   string
		native bool
		steps  []check
	}{
		{"native schedules", true, []check{
			{-48 * time.Hour, domain.StatusScheduled, 0, false},
			{-24*time.Hour - time.Minute, domain.StatusScheduled, 0, false},
			{-23 * time.Hour, domain.StatusSetting, 1, true},
			{-23*time.Hour + simDelay, domain.StatusOnLock, 1, true},
			{0, domain.StatusOnLock, 1, true},
			{length - time.Second, domain.StatusOnLock, 1, true},
			{length, domain.StatusRemoving, 1, true},
			{length + simDelay, domain.StatusRemoved, 0, false},
		}},
		{"no native schedules", false, []check{
			{-48 * time.Hour, domain.StatusScheduled, 0, false},
			{-23 * time.Hour, domain.StatusScheduled, 0, false},
			{-time.Second, domain.StatusScheduled, 0, false},
			{0, domain.StatusSetting, 1, false},
			{simDelay, domain.StatusOnLock, 1, false},
			{length - time.Second, domain.StatusOnLock, 1, false},
			{length, domain.StatusRemoving, 1, false},
			{length + simDelay, domain.StatusRemoved, 0, false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []envOption
			if !tc.native {
				opts = append(opts, withWrap(func(c lock.Connector) lock.Connector { return hideNative{c} }))
			}
			e := newEnv(t, opts...)
			l, dev := e.addLock("Front door")
			if l.NativeSchedules != tc.native {
				t.Fatalf("native schedules: got %v, want %v", l.NativeSchedules, tc.native)
			}
			start := e.clk.Now().Add(48 * time.Hour)
			c := e.newCode(l.ID, "Guest", "482913", start, start.Add(length))
			for _, s := range tc.steps {
				e.clk.Set(start.Add(s.at))
				e.pass()
				got := e.code(c.ID)
				held := e.onLock(dev)
				if got.Status != s.status || len(held) != s.onLock {
					t.Fatalf("at %v: got status %q (error %q) with %d codes on the lock, want %q with %d",
						s.at, got.Status, got.LastError, len(held), s.status, s.onLock)
				}
				if len(held) == 1 {
					w := !held[0].StartsAt.IsZero()
					if w != s.windowed || w && (!held[0].StartsAt.Equal(start) || !held[0].EndsAt.Equal(start.Add(length))) {
						t.Errorf("at %v: window on the lock: got %v to %v, want windowed %v", s.at, held[0].StartsAt, held[0].EndsAt, s.windowed)
					}
				}
			}
			if got := e.code(c.ID); got.RemovedAt.IsZero() || got.SetAt.IsZero() {
				t.Errorf("set at %v, removed at %v: want both stamped", got.SetAt, got.RemovedAt)
			}
		})
	}
}

func TestRevokeRemovedOnlyOnceConfirmed(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Cleaner", "482913", time.Time{}, time.Time{})
	e.pass()
	e.settle()
	e.wantStatus(c.ID, domain.StatusOnLock, "")

	if _, err := e.store.RevokeAccessCode(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.wantStatus(c.ID, domain.StatusRemoving, "")
	if held := e.onLock(dev); len(held) != 1 || held[0].State != db.SimRemoving {
		t.Fatalf("lock memory after removal sent: got %+v, want the code being removed", held)
	}
	// The lock has not confirmed yet: passes keep it removing and send nothing more.
	for range 3 {
		e.clk.Advance(time.Second / 2)
		e.pass()
		e.wantStatus(c.ID, domain.StatusRemoving, "")
	}
	e.clk.Advance(simDelay)
	e.pass()
	got := e.wantStatus(c.ID, domain.StatusRemoved, "")
	if got.RemovedAt.IsZero() {
		t.Errorf("removed at: got zero, want stamped")
	}
	if n := len(e.onLock(dev)); n != 0 {
		t.Errorf("codes on the lock: got %d, want 0", n)
	}
	var actions []string
	for _, a := range e.attempts(c.ID) {
		actions = append(actions, fmt.Sprintf("%s ok=%v", a.Action, a.OK))
	}
	if got, want := strings.Join(actions, ", "), "remove ok=true, set ok=true"; got != want {
		t.Errorf("attempts (newest first): got %s, want %s", got, want)
	}
}

func TestRevokeNeverSent(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	if err := e.sim.SetOnline(e.ctx, dev, false); err != nil {
		t.Fatal(err)
	}
	start := e.clk.Now().Add(72 * time.Hour)
	later := e.newCode(l.ID, "Later", "482913", start, start.Add(time.Hour))
	e.pass()
	e.wantStatus(later.ID, domain.StatusScheduled, "")
	// Revoked before it was ever sent: no lock needed to know it is not on it.
	if _, err := e.store.RevokeAccessCode(e.ctx, later.ID); err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.wantStatus(later.ID, domain.StatusRemoved, "")
}

func TestOfflineThenBack(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	keep := e.newCode(l.ID, "Family", "111111", time.Time{}, time.Time{})
	gone := e.newCode(l.ID, "Old tenant", "222222", time.Time{}, time.Time{})
	e.pass()
	e.settle()
	if _, err := e.store.RevokeAccessCode(e.ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	fresh := e.newCode(l.ID, "New tenant", "333333", time.Time{}, time.Time{})
	if err := e.sim.SetOnline(e.ctx, dev, false); err != nil {
		t.Fatal(err)
	}

	e.pass()
	const offline = "sim: the lock is offline (device_offline)"
	e.wantStatus(keep.ID, domain.StatusOnLock, "")
	e.wantStatus(gone.ID, domain.StatusRemoving, offline)
	e.wantStatus(fresh.ID, domain.StatusSetting, offline)
	if got := e.lock(l.ID); got.LastError != offline || got.Online {
		t.Errorf("lock: got error %q online %v, want %q offline", got.LastError, got.Online, offline)
	}

	// Each failure doubles the wait, up to ten minutes; passes in between do nothing.
	waits := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, want := range waits {
		for _, id := range []int64{gone.ID, fresh.ID} {
			c := e.code(id)
			if c.Attempts != i+1 {
				t.Errorf("code %d after failure %d: got %d attempts, want %d", id, i+1, c.Attempts, i+1)
			}
			if got := c.NextAttemptAt.Sub(e.clk.Now()); got != want {
				t.Errorf("code %d after failure %d: next attempt in %v, want %v", id, i+1, got, want)
			}
		}
		e.clk.Advance(want - time.Second)
		e.pass()
		if c := e.code(fresh.ID); c.Attempts != i+1 {
			t.Fatalf("pass before the wait ended: got %d attempts, want %d", c.Attempts, i+1)
		}
		e.clk.Advance(time.Second)
		e.pass()
	}
	e.wantStatus(gone.ID, domain.StatusRemoving, offline)
	e.wantStatus(fresh.ID, domain.StatusSetting, offline)
	if held := e.onLock(dev); len(held) != 2 {
		t.Errorf("lock memory while offline: got %d codes, want the 2 it had", len(held))
	}

	// Back online: discovery sees it, pending codes are due at once and converge.
	if err := e.sim.SetOnline(e.ctx, dev, true); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(15 * time.Second)
	e.pass()
	e.wantStatus(gone.ID, domain.StatusRemoving, "")
	e.wantStatus(fresh.ID, domain.StatusSetting, "")
	e.settle()
	e.wantStatus(keep.ID, domain.StatusOnLock, "")
	e.wantStatus(gone.ID, domain.StatusRemoved, "")
	e.wantStatus(fresh.ID, domain.StatusOnLock, "")
	if got := e.lock(l.ID); got.LastError != "" || !got.Online {
		t.Errorf("lock: got error %q online %v, want none, online", got.LastError, got.Online)
	}
	held := e.onLock(dev)
	var pins []string
	for _, h := range held {
		pins = append(pins, h.PIN)
	}
	if got := strings.Join(pins, ","); got != "111111,333333" {
		t.Errorf("PINs on the lock: got %s, want 111111,333333", got)
	}
}

func TestSlotsFull(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	for i := range sim.Slots {
		if _, err := e.sim.SetCode(e.ctx, dev, lock.CodeSpec{Name: fmt.Sprintf("Lockly app %d", i), PIN: fmt.Sprintf("5%05d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	e.pass()
	got := e.wantStatus(c.ID, domain.StatusFailed, "sim: all 18 code slots on the lock are in use (slots_full)")
	if got.Attempts != 1 {
		t.Errorf("attempts: got %d, want 1", got.Attempts)
	}
	// No automatic retry.
	e.clk.Advance(time.Hour)
	e.pass()
	if got := e.wantStatus(c.ID, domain.StatusFailed, "*"); got.Attempts != 1 || len(e.attempts(c.ID)) != 1 {
		t.Errorf("after an hour: got %d attempts, want still 1", got.Attempts)
	}

	// The owner frees a slot (removes a foreign code) and retries.
	un, err := e.store.UnmanagedCodes(e.ctx, l.ID)
	if err != nil || len(un) != sim.Slots {
		t.Fatalf("unmanaged codes: got %d (%v), want %d", len(un), err, sim.Slots)
	}
	if err := e.store.RequestUnmanagedRemoval(e.ctx, l.ID, un[0].ID); err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.settle()
	if err := e.store.RetryAccessCode(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.settle()
	e.wantStatus(c.ID, domain.StatusOnLock, "")
	if n := len(e.onLock(dev)); n != sim.Slots {
		t.Errorf("codes on the lock: got %d, want %d", n, sim.Slots)
	}
}

// failSet is the simulator with SetCode answering err; when acted, the simulator
// did create the code first (a reply lost after the vendor acted).
type failSet struct {
	lock.Connector
	err   error
	acted bool
}

func (f failSet) SetCode(ctx context.Context, deviceID string, spec lock.CodeSpec) (lock.Code, error) {
	if f.acted {
		if _, err := f.Connector.SetCode(ctx, deviceID, spec); err != nil {
			return lock.Code{}, err
		}
	}
	return lock.Code{}, f.err
}

func TestSetErrors(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		status   domain.CodeStatus
		lastErr  string
		attempts int
		next     time.Duration // next attempt after now; 0: none scheduled
	}{
		{"transient", &lock.Error{Kind: lock.Transient, Vendor: "sim", Message: "gateway timeout"},
			domain.StatusSetting, "sim: gateway timeout", 1, 30 * time.Second},
		{"permanent", &lock.Error{Kind: lock.Permanent, Vendor: "sim", Code: "code_rejected", Message: "a PIN may only hold the digits 0 to 9"},
			domain.StatusFailed, "sim: a PIN may only hold the digits 0 to 9 (code_rejected)", 1, 0},
		{"auth", &lock.Error{Kind: lock.Auth, Vendor: "sim", Message: "invalid API key"},
			domain.StatusFailed, "connection credentials rejected", 1, 0},
		{"not a lock.Error", errors.New("connection reset"),
			domain.StatusSetting, "connection reset", 1, 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withWrap(func(c lock.Connector) lock.Connector { return failSet{Connector: c, err: tc.err} }))
			l, dev := e.addLock("Front door")
			c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
			e.pass()
			got := e.wantStatus(c.ID, tc.status, tc.lastErr)
			if got.Attempts != tc.attempts {
				t.Errorf("attempts: got %d, want %d", got.Attempts, tc.attempts)
			}
			var next time.Duration
			if !got.NextAttemptAt.IsZero() {
				next = got.NextAttemptAt.Sub(e.clk.Now())
			}
			if next != tc.next {
				t.Errorf("next attempt in: got %v, want %v", next, tc.next)
			}
			if n := len(e.onLock(dev)); n != 0 {
				t.Errorf("codes on the lock: got %d, want 0", n)
			}
		})
	}
}

// TestTransientAfterVendorActed is Seam's case: the create reached the vendor but
// the reply was lost. The next pass lists the code, recognises it by its marker and
// adopts it instead of creating a second one.
func TestTransientAfterVendorActed(t *testing.T) {
	e := newEnv(t, withWrap(func(c lock.Connector) lock.Connector {
		return failSet{Connector: c, acted: true, err: &lock.Error{Kind: lock.Transient, Vendor: "sim", Message: "502 bad gateway"}}
	}))
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	e.pass()
	e.wantStatus(c.ID, domain.StatusSetting, "sim: 502 bad gateway")
	for range 3 {
		e.clk.Advance(time.Minute) // past any backoff
		e.pass()
	}
	held := e.onLock(dev)
	if len(held) != 1 {
		t.Fatalf("codes on the lock: got %d, want 1", len(held))
	}
	got := e.wantStatus(c.ID, domain.StatusOnLock, "")
	if got.DeviceCodeID != held[0].CodeID {
		t.Errorf("device code id: got %q, want %q", got.DeviceCodeID, held[0].CodeID)
	}
	if n := len(e.attempts(c.ID)); n != 1 {
		t.Errorf("set attempts: got %d, want 1", n)
	}
}

// TestCrashBetweenCallAndWrite: the process died after the lock accepted a code
// and before the database recorded it. The next pass adopts the code.
func TestCrashBetweenCallAndWrite(t *testing.T) {
	for _, intent := range []bool{false, true} {
		t.Run(fmt.Sprintf("intent written %v", intent), func(t *testing.T) {
			e := newEnv(t)
			l, dev := e.addLock("Front door")
			c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
			if intent {
				if err := e.store.ObserveCode(e.ctx, c.ID, db.CodeObservation{Status: domain.StatusSetting}); err != nil {
					t.Fatal(err)
				}
			}
			sent, err := e.sim.SetCode(e.ctx, dev, lock.CodeSpec{Name: lock.CodeName(c.Label, c.ID), PIN: "482913"})
			if err != nil {
				t.Fatal(err)
			}
			e.pass()
			got := e.wantStatus(c.ID, domain.StatusSetting, "")
			if got.DeviceCodeID != sent.ID {
				t.Errorf("device code id: got %q, want the adopted %q", got.DeviceCodeID, sent.ID)
			}
			e.settle()
			e.wantStatus(c.ID, domain.StatusOnLock, "")
			if held := e.onLock(dev); len(held) != 1 || held[0].CodeID != sent.ID {
				t.Errorf("codes on the lock: got %+v, want exactly the one sent", held)
			}
			if n := len(e.attempts(c.ID)); n != 0 {
				t.Errorf("set attempts: got %d, want 0 (nothing sent again)", n)
			}
			if un, _ := e.store.UnmanagedCodes(e.ctx, l.ID); len(un) != 0 {
				t.Errorf("unmanaged codes: got %d, want 0", len(un))
			}
		})
	}
}

// TestMarkerWithAnotherPIN: a code bearing our marker but not our PIN is not ours
// (another installation's, or a hand-made copy): it is listed, not adopted.
func TestMarkerWithAnotherPIN(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	if _, err := e.sim.SetCode(e.ctx, dev, lock.CodeSpec{Name: lock.CodeName(c.Label, c.ID), PIN: "777777"}); err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.settle()
	e.wantStatus(c.ID, domain.StatusOnLock, "")
	if n := len(e.onLock(dev)); n != 2 {
		t.Errorf("codes on the lock: got %d, want 2", n)
	}
	if un, _ := e.store.UnmanagedCodes(e.ctx, l.ID); len(un) != 1 || un[0].Name != lock.CodeName(c.Label, c.ID) {
		t.Errorf("unmanaged codes: got %+v, want the look-alike", un)
	}
}

func TestUnmanagedCodes(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	ours := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	foreign, err := e.sim.SetCode(e.ctx, dev, lock.CodeSpec{Name: "Plumber", PIN: "919191"})
	if err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.settle()
	un, err := e.store.UnmanagedCodes(e.ctx, l.ID)
	if err != nil || len(un) != 1 || un[0].DeviceCodeID != foreign.ID || un[0].Name != "Plumber" {
		t.Fatalf("unmanaged codes: got %+v (%v), want the plumber's", un, err)
	}
	e.wantStatus(ours.ID, domain.StatusOnLock, "")

	// Listed only: it stays on the lock until the owner asks.
	e.clk.Advance(time.Hour)
	e.pass()
	if n := len(e.onLock(dev)); n != 2 {
		t.Fatalf("codes on the lock: got %d, want 2", n)
	}

	if err := e.store.RequestUnmanagedRemoval(e.ctx, l.ID, un[0].ID); err != nil {
		t.Fatal(err)
	}
	e.pass()
	for _, h := range e.onLock(dev) {
		if want := map[bool]string{true: db.SimRemoving, false: db.SimSet}[h.CodeID == foreign.ID]; h.State != want {
			t.Errorf("after removal sent, %q on the lock: got %s, want %s", h.Name, h.State, want)
		}
	}
	e.settle()
	held := e.onLock(dev)
	if len(held) != 1 || held[0].PIN != "482913" {
		t.Errorf("codes on the lock: got %+v, want only ours", held)
	}
	if un, _ := e.store.UnmanagedCodes(e.ctx, l.ID); len(un) != 0 {
		t.Errorf("unmanaged codes after removal: got %+v, want none", un)
	}
	e.wantStatus(ours.ID, domain.StatusOnLock, "")
}

func TestUnmanagedRemovalWhileOffline(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	if _, err := e.sim.SetCode(e.ctx, dev, lock.CodeSpec{Name: "Plumber", PIN: "919191"}); err != nil {
		t.Fatal(err)
	}
	e.pass()
	un, _ := e.store.UnmanagedCodes(e.ctx, l.ID)
	if len(un) != 1 {
		t.Fatalf("unmanaged codes: got %d, want 1", len(un))
	}
	if err := e.store.RequestUnmanagedRemoval(e.ctx, l.ID, un[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetOnline(e.ctx, dev, false); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	e.pass()
	// Unknown while the lock is unreachable: the listing stays as last seen.
	if un, _ := e.store.UnmanagedCodes(e.ctx, l.ID); len(un) != 1 {
		t.Errorf("unmanaged codes while offline: got %d, want 1", len(un))
	}
	if err := e.sim.SetOnline(e.ctx, dev, true); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	e.pass()
	e.settle()
	if n := len(e.onLock(dev)); n != 0 {
		t.Errorf("codes on the lock: got %d, want 0", n)
	}
}

// hidePINs is the real simulator as a connector that does not disclose PINs.
type hidePINs struct{ lock.Connector }

func (h hidePINs) ListCodes(ctx context.Context, dev string) ([]lock.Code, error) {
	cs, err := h.Connector.ListCodes(ctx, dev)
	for i := range cs {
		cs[i].PIN = ""
	}
	return cs, err
}

// TestExtraCopyRemoved: a second code bearing the marker of one of ours (say, left
// by an older version) is taken off when the connector gives no PIN to tell them
// apart; ours, known by its device code id, stays.
func TestExtraCopyRemoved(t *testing.T) {
	e := newEnv(t, withWrap(func(c lock.Connector) lock.Connector { return hidePINs{c} }))
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	e.pass()
	e.settle()
	first := e.code(c.ID).DeviceCodeID
	if _, err := e.sim.SetCode(e.ctx, dev, lock.CodeSpec{Name: lock.CodeName(c.Label, c.ID), PIN: "555555"}); err != nil {
		t.Fatal(err)
	}
	e.pass()
	e.settle()
	held := e.onLock(dev)
	if len(held) != 1 || held[0].CodeID != first {
		t.Errorf("codes on the lock: got %+v, want only %s", held, first)
	}
	e.wantStatus(c.ID, domain.StatusOnLock, "")
	if un, _ := e.store.UnmanagedCodes(e.ctx, l.ID); len(un) != 0 {
		t.Errorf("unmanaged codes: got %d, want 0", len(un))
	}
}
