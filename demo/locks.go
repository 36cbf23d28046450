package demo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// makeLocks installs the simulated locks a month before the history begins.
func (w *World) makeLocks() error {
	conn, err := w.store.SimConnection(w.ctx)
	if err != nil {
		return err
	}
	installed := w.start.AddDate(0, 0, -30)
	w.clk.Set(installed)
	w.byLock = map[int64]*door{}
	for pi := 0; len(w.doors) < w.o.Locks; pi++ {
		tmpl := properties[pi%len(properties)]
		name := tmpl.name
		if pi >= len(properties) {
			name += " " + strconv.Itoa(pi/len(properties)+1)
		}
		loc, err := time.LoadLocation(tmpl.zone)
		if err != nil {
			return err
		}
		p := &property{name: name, zone: tmpl.zone, loc: loc, checkIn: tmpl.checkIn}
		w.props = append(w.props, p)
		for _, doorName := range tmpl.doors {
			if len(w.doors) == w.o.Locks {
				break
			}
			d := &door{name: name + " · " + doorName, prop: p}
			if d.device, err = w.sims.AddLock(w.ctx, d.name, tmpl.zone); err != nil {
				return err
			}
			devices, err := w.sims.ListLocks(w.ctx)
			if err != nil {
				return err
			}
			for _, dev := range devices {
				if dev.ID == d.device {
					l, err := w.store.SyncLock(w.ctx, conn.ID, lock.StateOf(dev), tmpl.zone)
					if err != nil {
						return err
					}
					d.id = l.ID
				}
			}
			if err := w.store.Audit(w.ctx, db.AuditEntry{Actor: "seed-demo", Action: db.AuditLockAdded,
				Detail: "simulated lock " + d.name + " (demo data)"}); err != nil {
				return err
			}
			p.doors = append(p.doors, d)
			w.doors = append(w.doors, d)
			w.byLock[d.id] = d
		}
	}
	return nil
}

// makeLockLife adds what happens to the locks themselves: wifi drops, a low
// battery, the odd tamper alarm, wrong-code bursts, the door offline now and a
// code that Gatehouse did not set.
func (w *World) makeLockLife() {
	for i, d := range w.doors {
		// Now: the studio door is offline (its events wait on it, so the
		// history has none since; discovery and the alert say so).
		if !d.downAt.IsZero() {
			w.simOps = append(w.simOps, simOp{at: d.downAt, fn: func() error { return w.sims.SetOnline(w.ctx, d.device, false) }})
		}
		// The garage's batteries are low now; another lock's were, long ago.
		if i == 3 {
			w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventBatteryLow, At: w.now.AddDate(0, 0, -9), Detail: "battery at 19%"})
			w.simOps = append(w.simOps, simOp{at: w.now.AddDate(0, 0, -9), fn: func() error {
				return w.store.SetSimBattery(w.ctx, d.device, 0.14)
			}})
		}
		if i == 0 {
			w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventBatteryLow, At: w.now.AddDate(0, 0, -120), Detail: "battery at 19%"})
		}
		// The Berlin flat had a handyman's code before Gatehouse.
		if i == 4 || (i == 0 && len(w.doors) < 5) {
			w.simOps = append(w.simOps, simOp{at: w.start.AddDate(0, 0, -29), fn: func() error {
				got, err := w.sims.SetCode(w.ctx, d.device, lock.CodeSpec{Name: "Handyman", PIN: "40718293"})
				if err != nil {
					return err
				}
				w.clk.Set(w.now.Add(-time.Hour))
				return w.store.SyncUnmanaged(w.ctx, d.id, []db.SeenCode{{DeviceCodeID: got.ID, Name: "Handyman"}})
			}})
		}
		for day := w.start; day.Before(w.now); day = day.Add(24 * time.Hour) {
			end := earliest(day.Add(24*time.Hour), w.now)
			if !d.downAt.IsZero() {
				end = earliest(end, d.downAt)
			}
			if !end.After(day) {
				continue
			}
			if w.chance(0.025) { // wifi drop
				from := w.between(day, end)
				to := from.Add(time.Duration(5*60+w.rng.IntN(150*60)) * time.Second)
				if to.Before(end) {
					d.offline = append(d.offline, span{from, to})
					w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventOffline, At: from})
					if to.Sub(from) > domain.OfflineAlertAfter { // Gatehouse's alert at the time
						w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventOfflineLong, At: from.Add(domain.OfflineAlertAfter)})
					}
					w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventOnline, At: to})
				}
			}
			if w.chance(0.003) {
				w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventTamper, At: w.between(day, end), Detail: "tamper alarm"})
			}
			if w.chance(0.03) { // someone tries codes: three wrong ones start safe mode
				t := w.between(day, end)
				n := 3 + w.rng.IntN(3)
				for k := range n {
					if !t.Before(end) {
						break
					}
					if k < sim.WrongBeforeSafeMode {
						w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventDenied, Method: domain.MethodKeypad, At: t, Detail: "wrong code"})
					} else {
						w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventDenied, Method: domain.MethodKeypad, At: t, Detail: "safe mode"})
					}
					if k == sim.WrongBeforeSafeMode-1 {
						w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventSafeMode, Method: domain.MethodKeypad, At: t,
							Detail: fmt.Sprintf("%d wrong codes in a row; keypad disabled for %d minutes", sim.WrongBeforeSafeMode, int(sim.SafeModeFor/time.Minute))})
					}
					t = t.Add(time.Duration(15+w.rng.IntN(60)) * time.Second)
				}
			}
		}
	}
	// Old no-shows were flagged by Gatehouse at the time; recent ones (the
	// last 30 days) the running server flags itself (db.RaiseAlerts).
	for _, p := range w.props {
		for _, s := range p.stays {
			if s.noShow && s.cancelled.IsZero() && s.start.Before(w.now.AddDate(0, 0, -30)) {
				d := p.doors[0]
				w.add(db.SeedEvent{LockID: d.id, Kind: domain.EventCodeUnused, CodeID: s.codes[d.id],
					At: earliest(s.start.Add(domain.UnusedAlertAfter), s.end)})
			}
		}
	}
	slices.SortStableFunc(w.story, func(a, b db.SeedEvent) int { return a.At.Compare(b.At) })
}

// finishLocks records the locks' state now, as discovery would, and moves each
// lock's event cursor past what the simulator logged while the story was made:
// those events are in the history already.
func (w *World) finishLocks() error {
	w.clk.Set(w.now)
	conn, err := w.store.SimConnection(w.ctx)
	if err != nil {
		return err
	}
	devices, err := w.sims.ListLocks(w.ctx)
	if err != nil {
		return err
	}
	for _, d := range w.doors {
		if d.downAt.IsZero() {
			// Lands the codes sent last (the simulator settles lazily).
			if _, err := w.sims.ListCodes(w.ctx, d.device); err != nil {
				return err
			}
		}
		for _, dev := range devices {
			if dev.ID != d.device {
				continue
			}
			st := lock.StateOf(dev)
			if !d.downAt.IsZero() {
				w.clk.Set(d.downAt)
			}
			if _, err := w.store.SyncLock(w.ctx, conn.ID, st, d.prop.zone); err != nil {
				return err
			}
			w.clk.Set(w.now)
		}
		evs, err := w.store.SimEvents(w.ctx, d.device, 0, math.MaxInt32)
		if err != nil {
			return err
		}
		cursor := ""
		if len(evs) > 0 {
			cursor = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
		}
		if _, err := w.store.IngestEvents(w.ctx, d.id, nil, cursor); err != nil {
			return err
		}
	}
	return nil
}
