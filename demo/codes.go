package demo

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// codeLife records code k's life on door d: set on the lock a day before its
// window (these locks keep schedules), removed when it ends or is revoked; on
// the lock now; or scheduled when that is still ahead. A door offline now
// kept the codes it held and took none since.
func (w *World) codeLife(s *stay, d *door, k db.AccessCode) error {
	ctx := w.ctx
	set := s.created.Add(time.Duration(20+w.rng.IntN(40)) * time.Second)
	if !s.permanent() {
		set = latest(set, s.start.Add(-lock.EarlyPush).Add(time.Duration(w.rng.IntN(600))*time.Second))
	}
	if !set.Before(w.now) || (!d.downAt.IsZero() && !set.Before(d.downAt)) {
		return nil // the reconciler will set it
	}
	label := lock.CodeName(k.Label, k.ID)
	w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventCodeSet, CodeID: k.ID, At: set, Detail: label})
	gone := s.end
	if !s.leftEarly.IsZero() {
		gone = s.leftEarly
	}
	removed := gone.Add(time.Duration(30+w.rng.IntN(60)) * time.Second)
	if !s.leftEarly.IsZero() && d == s.prop.doors[0] && d.downAt.IsZero() && removed.Before(w.now.AddDate(0, 0, -1)) {
		// The door was offline when the owner revoked the code: it kept the
		// code, which opened it once more before it came back and let go.
		down, back := s.leftEarly.Add(-20*time.Minute), s.leftEarly.Add(3*time.Hour)
		d.offline = append(d.offline, span{down, back})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventOffline, At: down})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventOfflineLong, At: down.Add(domain.OfflineAlertAfter)})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventUnlocked, Method: domain.MethodKeypad, CodeID: k.ID, At: s.leftEarly.Add(95 * time.Minute)})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventLocked, Method: domain.MethodAutomatic, At: s.leftEarly.Add(96 * time.Minute)})
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventOnline, At: back})
		removed = back.Add(45 * time.Second)
	}
	if !gone.IsZero() && removed.Before(w.now) && (d.downAt.IsZero() || removed.Before(d.downAt)) {
		w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventCodeRemoved, CodeID: k.ID, At: removed, Detail: label})
		w.clk.Set(set)
		if err := w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: domain.StatusOnLock, DeviceCodeID: w.pastCodeID()}); err != nil {
			return err
		}
		w.clk.Set(removed)
		return w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: domain.StatusRemoved})
	}
	// On the lock now: the simulated lock holds it.
	w.onLock++
	w.simOps = append(w.simOps, simOp{at: set, fn: func() error {
		pin, err := w.store.CodePIN(ctx, k.ID)
		if err != nil {
			return err
		}
		var win domain.Window
		if !s.permanent() {
			win = domain.Window{Start: s.start, End: s.end}
		}
		got, err := w.sims.SetCode(ctx, d.device, lock.CodeSpec{Name: label, PIN: pin, Window: win})
		if err != nil {
			return fmt.Errorf("seed-demo: code for %s on %s: %w", s.name, d.name, err)
		}
		return w.store.ObserveCode(ctx, k.ID, db.CodeObservation{Status: domain.StatusOnLock, DeviceCodeID: got.ID})
	}})
	return nil
}

// pastCodeID is a device code id for a code long gone from a simulated lock.
func (w *World) pastCodeID() string {
	return fmt.Sprintf("simcode_%016x", w.rng.Uint64())
}
