package lock

import (
	"context"
	"log/slog"
	"strings"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// discover records the connection's locks as its connector lists them and returns
// the locks to reconcile. A lock whose reported state has not changed is not
// written. When listing fails the known locks are still reconciled (their own
// calls may work, and revocations should not wait), unless the credentials were
// refused. The error returned is the store's.
func (r *Reconciler) discover(ctx context.Context, conn Connector, c db.Connection, log *slog.Logger) ([]db.Lock, error) {
	known, err := r.store.ConnectionLocks(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	devices, err := conn.ListLocks(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Warn("list locks failed", slog.String("error", err.Error()))
		if err := r.store.MarkConnectionSync(ctx, c.ID, errText(err)); err != nil {
			return nil, err
		}
		if KindOf(err) == Auth {
			return nil, nil
		}
		return known, nil
	}
	byDevice := make(map[string]db.Lock, len(known))
	for _, l := range known {
		byDevice[l.DeviceID] = l
	}
	changed := false
	present := make([]string, 0, len(devices))
	for _, d := range devices {
		present = append(present, d.ID)
		s := StateOf(d)
		k, ok := byDevice[d.ID]
		if ok && sameState(k, s) {
			continue
		}
		changed = true
		if _, err := r.store.SyncLock(ctx, c.ID, s, r.zone); err != nil {
			return nil, err
		}
		if !ok {
			log.Info("lock discovered", slog.String("device_id", d.ID))
		}
		if ok && !k.Online && s.Online {
			// Back online: what was backing off while it was away is due now.
			if err := r.store.ResumeLockAttempts(ctx, k.ID); err != nil {
				return nil, err
			}
		}
	}
	if len(known) > 0 {
		gone := false
		seen := make(map[string]bool, len(present))
		for _, p := range present {
			seen[p] = true
		}
		for _, l := range known {
			if !seen[l.DeviceID] {
				gone = true
				log.Warn("lock no longer reported", slog.Int64("lock_id", l.ID), slog.String("device_id", l.DeviceID))
			}
		}
		if gone {
			changed = true
			if err := r.store.MarkLocksGone(ctx, c.ID, present); err != nil {
				return nil, err
			}
		}
	}
	if err := r.store.MarkConnectionSync(ctx, c.ID, ""); err != nil {
		return nil, err
	}
	if !changed {
		return known, nil
	}
	return r.store.ConnectionLocks(ctx, c.ID)
}

// StateOf is what discovery records of a device: its reported state, a zone only
// when this server knows it (else the default applies), and a name to start from.
func StateOf(d Device) db.DeviceState {
	name := strings.TrimSpace(d.Name)
	if name == "" {
		name = strings.TrimSpace(d.Manufacturer + " " + d.Model)
	}
	if name == "" {
		name = d.ID
	}
	return db.DeviceState{
		DeviceID:        d.ID,
		Name:            name,
		Manufacturer:    d.Manufacturer,
		Model:           d.Model,
		Online:          d.Online,
		Locked:          d.Locked,
		Battery:         d.Battery,
		Firmware:        d.Firmware,
		TimeZone:        domain.DeviceZone(d.TimeZone),
		NativeSchedules: d.Caps.NativeSchedules,
		Slots:           d.Caps.Slots,
		MinCodeLen:      d.Caps.MinCodeLen,
		MaxCodeLen:      d.Caps.MaxCodeLen,
	}
}

// sameState reports whether SyncLock would change nothing: it compares the
// fields SyncLock refreshes (name and zone are the owner's once created).
func sameState(l db.Lock, s db.DeviceState) bool {
	return l.Manufacturer == s.Manufacturer && l.Model == s.Model && l.Online == s.Online &&
		samePtr(l.Locked, s.Locked) && samePtr(l.Battery, s.Battery) && l.Firmware == s.Firmware &&
		l.NativeSchedules == s.NativeSchedules && l.Slots == s.Slots &&
		l.MinCodeLen == s.MinCodeLen && l.MaxCodeLen == s.MaxCodeLen
}

func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
