package wire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// SimStore keeps the simulated locks' memory in Gatehouse's database (db/sim.go),
// translating between db's rows and the simulator's shapes: the simulator never
// imports db.
func SimStore(d *db.DB) sim.Store { return simStore{d} }

// NewSim is the simulator over the database: now nil is the database's clock.
func NewSim(d *db.DB, now func() time.Time, delay time.Duration) *sim.Sim {
	return sim.New(SimStore(d), now, delay)
}

type simStore struct{ d *db.DB }

func (s simStore) Now() time.Time { return s.d.Now() }

func (s simStore) Locks(ctx context.Context) ([]sim.LockState, error) {
	ls, err := s.d.SimLocks(ctx)
	out := make([]sim.LockState, 0, len(ls))
	for _, l := range ls {
		out = append(out, fromSimLock(l))
	}
	return out, err
}

func (s simStore) CreateLock(ctx context.Context, l sim.LockState) (sim.LockState, error) {
	got, err := s.d.CreateSimLock(ctx, db.SimLock{DeviceID: l.DeviceID, Name: l.Name, Online: l.Online, Battery: l.Battery,
		Firmware: l.Firmware, Slots: l.Slots, TimeZone: l.TimeZone, Locked: l.Locked, WrongInARow: l.WrongInARow,
		SafeModeUntil: l.SafeModeUntil})
	return fromSimLock(got), err
}

func (s simStore) Events(ctx context.Context, deviceID string, afterSeq int64, limit int) ([]sim.LogEntry, error) {
	evs, err := s.d.SimEvents(ctx, deviceID, afterSeq, limit)
	out := make([]sim.LogEntry, 0, len(evs))
	for _, e := range evs {
		out = append(out, sim.LogEntry{Seq: e.Seq, DeviceID: e.DeviceID, Kind: e.Kind, Method: e.Method, CodeID: e.CodeID,
			At: e.At, Detail: e.Detail})
	}
	return out, err
}

func (s simStore) Update(ctx context.Context, fn func(sim.Tx) error) error {
	return s.d.SimUpdate(ctx, func(t *db.SimTx) error { return fn(simTx{t}) })
}

type simTx struct{ t *db.SimTx }

func (t simTx) Lock(ctx context.Context, deviceID string) (sim.LockState, error) {
	l, err := t.t.Lock(ctx, deviceID)
	return fromSimLock(l), notFound(err)
}

func (t simTx) Codes(ctx context.Context, deviceID string) ([]sim.HeldCode, error) {
	cs, err := t.t.Codes(ctx, deviceID)
	out := make([]sim.HeldCode, 0, len(cs))
	for _, c := range cs {
		out = append(out, sim.HeldCode{CodeID: c.CodeID, DeviceID: c.DeviceID, Name: c.Name, PIN: c.PIN,
			StartsAt: c.StartsAt, EndsAt: c.EndsAt, State: sim.CodeState(c.State), ReadyAt: c.ReadyAt})
	}
	return out, err
}

func (t simTx) InsertCode(ctx context.Context, c sim.HeldCode) error {
	return t.t.InsertCode(ctx, db.SimCode{CodeID: c.CodeID, DeviceID: c.DeviceID, Name: c.Name, PIN: c.PIN,
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, State: string(c.State), ReadyAt: c.ReadyAt})
}

func (t simTx) SetCodeState(ctx context.Context, deviceID, codeID string, state sim.CodeState, readyAt time.Time) error {
	return notFound(t.t.SetCodeState(ctx, deviceID, codeID, string(state), readyAt))
}

func (t simTx) DeleteCode(ctx context.Context, deviceID, codeID string) error {
	return notFound(t.t.DeleteCode(ctx, deviceID, codeID))
}

func (t simTx) AppendEvent(ctx context.Context, e sim.LogEntry) (int64, error) {
	return t.t.AppendEvent(ctx, db.SimEvent{DeviceID: e.DeviceID, Kind: e.Kind, Method: e.Method, CodeID: e.CodeID,
		At: e.At, Detail: e.Detail})
}

func (t simTx) SetOnline(ctx context.Context, deviceID string, online bool) error {
	return notFound(t.t.SetOnline(ctx, deviceID, online))
}

func (t simTx) SetBattery(ctx context.Context, deviceID string, level float64) error {
	return notFound(t.t.SetBattery(ctx, deviceID, level))
}

func (t simTx) SetKeypad(ctx context.Context, deviceID string, wrongInARow int, safeModeUntil time.Time, locked bool) error {
	return notFound(t.t.SetKeypad(ctx, deviceID, wrongInARow, safeModeUntil, locked))
}

func fromSimLock(l db.SimLock) sim.LockState {
	return sim.LockState{DeviceID: l.DeviceID, Name: l.Name, Online: l.Online, Battery: l.Battery, Firmware: l.Firmware,
		Slots: l.Slots, TimeZone: l.TimeZone, Locked: l.Locked, WrongInARow: l.WrongInARow,
		SafeModeUntil: l.SafeModeUntil, CreatedAt: l.CreatedAt}
}

// notFound speaks the simulator's not-found (lock.ErrNotFound) for db's.
func notFound(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("wire: %w", lock.ErrNotFound)
	}
	return err
}
