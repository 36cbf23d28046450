// Package sim is a simulated lock that behaves like a Lockly Secure Pro: a
// lock.Connector for trying Gatehouse without hardware, and for tests of everything
// above the connector. Its state (codes, keypad memory, event log) lives in a
// Store (store.go; Gatehouse keeps it in its database), so it survives restarts the
// way a real lock's memory does.
//
// Like a real cloud-connected lock, a code change is not instant: SetCode and
// RemoveCode only queue the change, which lands on the lock delay later. Pending
// changes are settled lazily by whichever call comes next, so there is no
// background goroutine to start or stop.
//
// This file holds the connector; controls.go what a person does at the door;
// settle.go how queued changes land; store.go what it keeps.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

const vendor = "sim"

// What the simulated lock reports about itself.
const (
	Manufacturer = "Lockly"
	Model        = "Secure Pro (simulated)"
	Firmware     = "3.7.2"
	// Slots is how many codes one lock holds. Lockly's Secure Pro manual
	// (PGD628WSN) says "store up to 18 Access Codes"; the older Secure manual
	// (PGD688F) says 16 once the lock is paired with the app, 18 without.
	Slots      = 18
	MinCodeLen = 6 // Lockly: "any combination of 6 to 8 digits"
	MaxCodeLen = 8
)

// eventPage bounds one Events call, as a vendor API pages its log.
const eventPage = 500

// Sim is the simulator. It keeps no state of its own, so it is safe for concurrent
// use and many Sims over one database agree.
type Sim struct {
	store Store
	now   func() time.Time
	delay time.Duration
}

var (
	_ lock.Connector = (*Sim)(nil)
	_ lock.Door      = (*Sim)(nil)
)

// New returns a simulator over store. now is its clock (nil: the store's); delay is
// how long a code change takes to reach the lock (production: about 1.5s; tests pass
// a small or zero delay and advance the clock).
func New(store Store, now func() time.Time, delay time.Duration) *Sim {
	if now == nil {
		now = store.Now
	}
	return &Sim{store: store, now: now, delay: delay}
}

// ListLocks returns every simulated lock, online or not: the cloud knows a lock it
// cannot reach.
func (s *Sim) ListLocks(ctx context.Context) ([]lock.Device, error) {
	ls, err := s.store.Locks(ctx)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]lock.Device, 0, len(ls))
	for _, l := range ls {
		locked, battery := l.Locked, l.Battery
		out = append(out, lock.Device{
			ID:           l.DeviceID,
			Name:         l.Name,
			Manufacturer: Manufacturer,
			Model:        Model,
			Online:       l.Online,
			Locked:       &locked,
			Battery:      &battery,
			Firmware:     l.Firmware,
			TimeZone:     l.TimeZone,
			Caps: lock.Capabilities{
				NativeSchedules: true,
				Slots:           l.Slots,
				MinCodeLen:      MinCodeLen,
				MaxCodeLen:      MaxCodeLen,
				DigitsOnly:      true,
			},
		})
	}
	return out, nil
}

// SetCode queues a code for the lock. The code is checked the way the lock checks
// it (format, clashes with its other codes, free slots) in the same transaction
// that stores it, so two concurrent calls cannot both take the last slot or the same
// PIN. It comes back as CodeSetting and becomes CodeSet delay later.
func (s *Sim) SetCode(ctx context.Context, deviceID string, spec lock.CodeSpec) (lock.Code, error) {
	if err := checkSpec(spec); err != nil {
		return lock.Code{}, err
	}
	now := s.now()
	c := HeldCode{
		CodeID:   newID("simcode_"),
		DeviceID: deviceID,
		Name:     spec.Name,
		PIN:      spec.PIN,
		StartsAt: spec.Window.Start,
		EndsAt:   spec.Window.End,
		State:    StateSetting,
		ReadyAt:  s.readyAt(now),
	}
	err := s.store.Update(ctx, func(t Tx) error {
		l, err := s.online(ctx, t, deviceID, now)
		if err != nil {
			return err
		}
		codes, err := t.Codes(ctx, deviceID)
		if err != nil {
			return err
		}
		if err := checkFits(spec.PIN, codes, l.Slots); err != nil {
			return err
		}
		return t.InsertCode(ctx, c)
	})
	if err != nil {
		return lock.Code{}, connErr(err)
	}
	return toCode(c), nil
}

// RemoveCode queues a code's removal; it disappears delay later. Removing a code
// already on its way off is a no-op and does not push its removal back.
func (s *Sim) RemoveCode(ctx context.Context, deviceID, codeID string) error {
	now := s.now()
	err := s.store.Update(ctx, func(t Tx) error {
		if _, err := s.online(ctx, t, deviceID, now); err != nil {
			return err
		}
		codes, err := t.Codes(ctx, deviceID)
		if err != nil {
			return err
		}
		for _, c := range codes {
			if c.CodeID != codeID {
				continue
			}
			if c.State == StateRemoving {
				return nil
			}
			return t.SetCodeState(ctx, deviceID, codeID, StateRemoving, s.readyAt(now))
		}
		return &lock.Error{Kind: lock.Permanent, Vendor: vendor, Code: "code_not_found",
			Message: "no such code on the lock", Err: lock.ErrNotFound}
	})
	return connErr(err)
}

// ListCodes returns the codes on the lock and on their way to or off it, PINs
// included (a Lockly discloses them to its owner).
func (s *Sim) ListCodes(ctx context.Context, deviceID string) ([]lock.Code, error) {
	now := s.now()
	var codes []HeldCode
	err := s.store.Update(ctx, func(t Tx) error {
		if _, err := s.online(ctx, t, deviceID, now); err != nil {
			return err
		}
		var err error
		codes, err = t.Codes(ctx, deviceID)
		return err
	})
	if err != nil {
		return nil, connErr(err)
	}
	out := make([]lock.Code, 0, len(codes))
	for _, c := range codes {
		out = append(out, toCode(c))
	}
	return out, nil
}

// Events returns the lock's events after cursor (the last seq seen, as decimal
// text; "" from the start), oldest first, at most 500, and the next cursor. While
// the lock is offline its events wait on the lock and the call fails transiently.
func (s *Sim) Events(ctx context.Context, deviceID, cursor string) ([]lock.Event, string, error) {
	var after int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 {
			return nil, cursor, &lock.Error{Kind: lock.Permanent, Vendor: vendor, Code: "bad_cursor",
				Message: "the event cursor is not a sequence number"}
		}
		after = n
	}
	now := s.now()
	err := s.store.Update(ctx, func(t Tx) error {
		_, err := s.online(ctx, t, deviceID, now)
		return err
	})
	if err != nil {
		return nil, cursor, connErr(err)
	}
	// Read after the commit: the settled events are in, and the write connection
	// is not held while a page is read.
	evs, err := s.store.Events(ctx, deviceID, after, eventPage)
	if err != nil {
		return nil, cursor, storeErr(err)
	}
	out := make([]lock.Event, 0, len(evs))
	for _, e := range evs {
		out = append(out, lock.Event{
			ID:       "sim-" + strconv.FormatInt(e.Seq, 10),
			DeviceID: e.DeviceID,
			Kind:     e.Kind,
			Method:   e.Method,
			CodeID:   e.CodeID,
			At:       e.At,
			Detail:   e.Detail,
		})
	}
	if len(evs) > 0 {
		cursor = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	return out, cursor, nil
}

// online loads the lock inside t, fails transiently when it is offline, and
// otherwise lands its due changes first, so every connector call sees the lock as
// it is at now.
func (s *Sim) online(ctx context.Context, t Tx, deviceID string, now time.Time) (LockState, error) {
	l, err := lockIn(ctx, t, deviceID)
	if err != nil {
		return l, err
	}
	if !l.Online {
		return l, &lock.Error{Kind: lock.Transient, Vendor: vendor, Code: "device_offline", Message: "the lock is offline"}
	}
	return l, settle(ctx, t, l, now)
}

// lockIn loads a lock, turning a missing one into the connector's not-found error.
func lockIn(ctx context.Context, t Tx, deviceID string) (LockState, error) {
	l, err := t.Lock(ctx, deviceID)
	if errors.Is(err, lock.ErrNotFound) {
		return l, &lock.Error{Kind: lock.Permanent, Vendor: vendor, Code: "device_not_found",
			Message: "no such lock", Err: lock.ErrNotFound}
	}
	return l, err
}

// readyAt is when a change sent at now lands. It is rounded up to the second the
// store keeps, so a change never lands before delay has passed.
func (s *Sim) readyAt(now time.Time) time.Time {
	t := now.Add(s.delay)
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

func toCode(c HeldCode) lock.Code {
	status := lock.CodeSetting
	switch c.State {
	case StateSet:
		status = lock.CodeSet
	case StateRemoving:
		status = lock.CodeRemoving
	}
	return lock.Code{
		ID:       c.CodeID,
		DeviceID: c.DeviceID,
		Name:     c.Name,
		PIN:      c.PIN,
		Window:   domain.Window{Start: c.StartsAt, End: c.EndsAt},
		Status:   status,
	}
}

// connErr makes sure a connector returns *lock.Error: anything that is not one
// already is a store failure, worth retrying.
func connErr(err error) error {
	if err == nil {
		return nil
	}
	var le *lock.Error
	if errors.As(err, &le) {
		return err
	}
	return storeErr(err)
}

func storeErr(err error) error {
	return &lock.Error{Kind: lock.Transient, Vendor: vendor, Message: "simulator state unavailable", Err: err}
}

// newID returns a random id, as vendors hand out: callers must not read meaning or
// order into a lock's or a code's id.
func newID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
