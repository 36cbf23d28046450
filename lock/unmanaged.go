package lock

import (
	"errors"
	"log/slog"

	"github.com/gatehouse/gatehouse/db"
)

// removeExtra takes off a second copy of one of our codes (ours by its marker and
// PIN). Failures are logged and retried on the next pass.
func (p *lockPass) removeExtra(rc Code) {
	if rc.Status == CodeRemoving || p.stop != "" || p.call.Err() != nil {
		return
	}
	err := p.conn.RemoveCode(p.call, p.lock.DeviceID, rc.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		p.log.Warn("removing an extra copy of a code failed", slog.String("device_code_id", rc.ID), slog.String("error", errText(err)))
		return
	}
	p.log.Warn("extra copy of a code removed", slog.String("device_code_id", rc.ID))
}

// unmanaged records the foreign codes for the owner and removes the ones the
// owner asked to remove; they leave the list once the lock no longer reports them.
func (p *lockPass) unmanaged(foreign []Code, known []db.UnmanagedCode) error {
	if len(foreign) == 0 && len(known) == 0 {
		return nil
	}
	seen := make([]db.SeenCode, 0, len(foreign))
	byID := make(map[string]Code, len(foreign))
	for _, rc := range foreign {
		seen = append(seen, db.SeenCode{DeviceCodeID: rc.ID, Name: rc.Name})
		byID[rc.ID] = rc
	}
	if err := p.r.store.SyncUnmanaged(p.db, p.lock.ID, seen); err != nil {
		return err
	}
	for _, u := range known {
		rc, ok := byID[u.DeviceCodeID]
		if u.RemovalRequestedAt.IsZero() || !ok || rc.Status == CodeRemoving || p.stop != "" || p.call.Err() != nil {
			continue
		}
		msg := ""
		if err := p.conn.RemoveCode(p.call, p.lock.DeviceID, u.DeviceCodeID); err != nil && !errors.Is(err, ErrNotFound) {
			if p.parent.Err() != nil {
				return nil
			}
			msg = errText(err)
			if KindOf(err) == Auth {
				msg, p.stop = authMessage, authMessage
			}
			p.log.Warn("removing an unmanaged code failed", slog.Int64("unmanaged_id", u.ID), slog.String("error", msg))
		} else {
			p.log.Info("unmanaged code removal sent to the lock", slog.Int64("unmanaged_id", u.ID))
		}
		if msg != u.LastError {
			if err := p.r.store.MarkUnmanagedError(p.db, u.ID, msg); err != nil {
				return err
			}
		}
	}
	return nil
}
