package lock

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// Converging one lock: under its lease, list what the lock holds, recognise our
// codes (match.go), and make each one what the store asks for: set, remove, or
// record what the lock reports. Foreign codes are handled in unmanaged.go.

// reconcileLock does one lock's work under its lease, or nothing when another
// reconciler holds the lease.
func (r *Reconciler) reconcileLock(ctx context.Context, conn Connector, l db.Lock, unmanaged []db.UnmanagedCode, log *slog.Logger) error {
	ok, err := r.store.ClaimLock(ctx, l.ID, r.holder, LeaseTTL)
	if err != nil {
		return err
	}
	log = log.With(slog.Int64("lock_id", l.ID), slog.String("device_id", l.DeviceID))
	if !ok {
		log.Debug("lock leased by another reconciler")
		return nil
	}
	// Writes that record a call already made must land even if the pass is being
	// cancelled; calls to the lock stop with ctx or the lock's budget.
	wctx, cancelW := context.WithTimeout(context.WithoutCancel(ctx), lockBudget+writeTimeout)
	defer cancelW()
	call, cancel := context.WithTimeout(ctx, lockBudget)
	defer cancel()
	p := &lockPass{r: r, conn: conn, lock: l, now: r.now(), parent: ctx, call: call, db: wctx, log: log}
	lockErr, err := p.run(unmanaged)
	if err != nil || ctx.Err() != nil {
		// The outcome is unknown: keep the lock's last one, just let go.
		return errors.Join(err, r.store.ReleaseLock(wctx, l.ID, r.holder))
	}
	return r.store.FinishLock(wctx, l.ID, r.holder, lockErr)
}

// lockPass is one lock's share of a pass.
type lockPass struct {
	r      *Reconciler
	conn   Connector
	lock   db.Lock
	now    time.Time
	parent context.Context // the pass's context: once done, failures are not counted
	call   context.Context // connector calls
	db     context.Context // store reads and writes
	log    *slog.Logger
	stop   string // set when further calls on this lock are pointless (credentials refused)
}

// run reconciles the lock's codes. It returns the message to show on the lock
// ("" when it was reachable) and a store error.
func (p *lockPass) run(unmanaged []db.UnmanagedCode) (string, error) {
	// Read under the lease, so what another replica did on this lock is seen.
	codes, err := p.r.store.CodesToReconcile(p.db, p.lock.ID)
	if err != nil {
		return "", err
	}
	reported, err := p.conn.ListCodes(p.call, p.lock.DeviceID)
	if err != nil {
		if p.parent.Err() != nil {
			return "", nil
		}
		msg := errText(err)
		if KindOf(err) == Auth {
			msg = authMessage
		}
		p.log.Warn("list codes failed", slog.String("error", msg))
		return msg, p.unreachable(codes, msg)
	}
	m, err := p.match(codes, reported)
	if err != nil {
		return "", err
	}
	for _, c := range codes {
		var rc *Code
		if got, ok := m.ours[c.ID]; ok {
			rc = &got
		}
		if err := p.code(c, rc); err != nil {
			return "", err
		}
	}
	for _, x := range m.extra {
		p.removeExtra(x)
	}
	if err := p.unmanaged(m.foreign, unmanaged); err != nil {
		return "", err
	}
	return p.stop, nil
}

// code converges one of our codes, given what the lock reports of it (nil: not
// on the lock).
func (p *lockPass) code(c db.AccessCode, rc *Code) error {
	want := wantOn(c, p.now, p.lock.NativeSchedules)
	switch {
	case want && rc != nil:
		return p.observe(c, reportedStatus(c, *rc, p.now), rc.ID, vendorErrors(*rc))
	case want:
		return p.set(c)
	case rc != nil:
		return p.remove(c, *rc)
	default:
		return p.absent(c)
	}
}

// wantOn reports whether c belongs on the lock at now. A lock that enforces
// windows itself gets a code up to EarlyPush before its window opens.
func wantOn(c db.AccessCode, now time.Time, native bool) bool {
	if c.ShouldBeOn(now) {
		return true
	}
	return native && c.RevokedAt.IsZero() && !c.StartsAt.IsZero() && !c.EndsAt.IsZero() &&
		now.Before(c.StartsAt) && c.StartsAt.Sub(now) <= EarlyPush
}

// codeWindow is the window sent with a code: its own when the lock enforces
// windows, else none (the reconciler sets and removes it on time instead).
func codeWindow(c db.AccessCode, native bool) domain.Window {
	if native && !c.StartsAt.IsZero() && !c.EndsAt.IsZero() {
		return domain.Window{Start: c.StartsAt, End: c.EndsAt}
	}
	return domain.Window{}
}

// reportedStatus is our status for a code the lock reports.
func reportedStatus(c db.AccessCode, rc Code, now time.Time) domain.CodeStatus {
	switch rc.Status {
	case CodeSet:
		return domain.StatusOnLock
	case CodeSetting:
		return domain.StatusSetting
	case CodeRemoving:
		return domain.StatusRemoving
	case CodeUnset:
		// Known to the lock's cloud, not yet in the lock: a native schedule that
		// has not started, or a code still to be programmed.
		if c.ShouldBeOn(now) {
			return domain.StatusSetting
		}
		return domain.StatusScheduled
	}
	if c.Status == domain.StatusOnLock || c.Status == domain.StatusSetting {
		return c.Status
	}
	return domain.StatusSetting
}

func vendorErrors(rc Code) string {
	return clip(strings.Join(rc.Errors, "; "))
}

// due reports whether a code's next attempt may be made at now.
func due(c db.AccessCode, now time.Time) bool {
	return c.NextAttemptAt.IsZero() || !c.NextAttemptAt.After(now)
}

// removalDue is due, except that the settling time after a successful set
// (attempts at zero) never holds back a removal.
func removalDue(c db.AccessCode, now time.Time) bool {
	return c.Attempts == 0 || due(c, now)
}

// neverSent reports whether c cannot be on the lock: it was never sent, or the
// lock refused it. Such a code needs no lock to be marked removed.
func neverSent(c db.AccessCode) bool {
	return (c.Status == domain.StatusScheduled || c.Status == domain.StatusFailed) && c.DeviceCodeID == "" && c.SetAt.IsZero()
}

// observe records a status when it differs from the one stored.
func (p *lockPass) observe(c db.AccessCode, status domain.CodeStatus, deviceCodeID, errMsg string) error {
	if c.Status == status && c.LastError == errMsg && (deviceCodeID == "" || deviceCodeID == c.DeviceCodeID) {
		return nil
	}
	if c.Status != status {
		p.log.Info("code status", slog.Int64("code_id", c.ID), slog.String("from", string(c.Status)), slog.String("to", string(status)))
	}
	return p.r.store.ObserveCode(p.db, c.ID, db.CodeObservation{Status: status, DeviceCodeID: deviceCodeID, Error: errMsg})
}

// set puts a wanted code that the lock does not report on the lock.
func (p *lockPass) set(c db.AccessCode) error {
	if c.Status == domain.StatusFailed || !due(c, p.now) || p.stop != "" || p.call.Err() != nil {
		return nil // failed codes wait for the owner's retry
	}
	// Intent first: if the process dies after the call, the code says "setting"
	// and the next pass finds it on the lock by its marker.
	if err := p.observe(c, domain.StatusSetting, "", c.LastError); err != nil {
		return err
	}
	c.Status = domain.StatusSetting
	pin, err := p.r.store.CodePIN(p.db, c.ID)
	if err != nil {
		return err
	}
	spec := CodeSpec{Name: CodeName(c.Label, c.ID), PIN: pin, Window: codeWindow(c, p.lock.NativeSchedules)}
	got, err := p.conn.SetCode(p.call, p.lock.DeviceID, spec)
	if err != nil {
		return p.failed(c, actionSet, err)
	}
	p.log.Info("code sent to the lock", slog.Int64("code_id", c.ID), slog.String("device_code_id", got.ID))
	status := reportedStatus(c, got, p.now)
	if status == domain.StatusRemoving {
		status = domain.StatusSetting
	}
	if err := p.r.store.ObserveCode(p.db, c.ID, db.CodeObservation{Status: status, DeviceCodeID: got.ID, Error: vendorErrors(got)}); err != nil {
		return err
	}
	return p.r.store.RecordAttempt(p.db, c.ID, actionSet, "", p.now.Add(settleAfterSet))
}

// remove takes an unwanted code that the lock reports off the lock. It stays
// "removing" until a later list no longer reports it.
func (p *lockPass) remove(c db.AccessCode, rc Code) error {
	if rc.Status == CodeRemoving {
		return p.observe(c, domain.StatusRemoving, rc.ID, vendorErrors(rc))
	}
	if !removalDue(c, p.now) || p.stop != "" || p.call.Err() != nil {
		return nil
	}
	err := p.conn.RemoveCode(p.call, p.lock.DeviceID, rc.ID)
	if err != nil {
		return p.failed(c, actionRemove, err)
	}
	p.log.Info("code removal sent to the lock", slog.Int64("code_id", c.ID), slog.String("device_code_id", rc.ID))
	if err := p.observe(c, domain.StatusRemoving, rc.ID, ""); err != nil {
		return err
	}
	return p.r.store.RecordAttempt(p.db, c.ID, actionRemove, "", time.Time{})
}

// absent settles an unwanted code the lock does not report: removed once it may
// have been on the lock or its time is over, scheduled while it has not started.
func (p *lockPass) absent(c db.AccessCode) error {
	sent := c.Status == domain.StatusSetting || c.Status == domain.StatusOnLock || c.Status == domain.StatusRemoving ||
		c.DeviceCodeID != "" || !c.SetAt.IsZero()
	over := !c.RevokedAt.IsZero() || (!c.EndsAt.IsZero() && !p.now.Before(c.EndsAt))
	switch {
	case sent || over:
		return p.observe(c, domain.StatusRemoved, "", "")
	case c.Status == domain.StatusFailed:
		return nil // not started, refused: stays failed for the owner
	default:
		return p.observe(c, domain.StatusScheduled, "", "")
	}
}

// failed records a call that did not work. Transient errors are retried with
// backoff; a refused code fails until the owner retries it; a removal is never
// given up on (the code must leave the door), it backs off and stays "removing"
// with the reason, which the overdue alert then shows.
func (p *lockPass) failed(c db.AccessCode, action string, err error) error {
	if p.parent.Err() != nil {
		return nil // shutting down: not the lock's fault; the next start lists and carries on
	}
	msg := errText(err)
	kind := KindOf(err)
	if kind == Auth {
		msg = authMessage
		p.stop = authMessage
	}
	if p.call.Err() != nil {
		kind = Transient // the lock's budget ran out
	}
	log := p.log.With(slog.Int64("code_id", c.ID), slog.String("action", action), slog.String("kind", kind.String()))
	if action == actionRemove && kind == Permanent && errors.Is(err, ErrNotFound) {
		log.Info("code already gone from the lock")
		if err := p.observe(c, domain.StatusRemoved, "", ""); err != nil {
			return err
		}
		return p.r.store.RecordAttempt(p.db, c.ID, action, "", time.Time{})
	}
	log.Warn("lock call failed", slog.String("error", msg))
	if action == actionSet && kind != Transient {
		if err := p.observe(c, domain.StatusFailed, "", msg); err != nil {
			return err
		}
		return p.r.store.RecordAttempt(p.db, c.ID, action, msg, time.Time{})
	}
	status := domain.StatusSetting
	if action == actionRemove {
		status = domain.StatusRemoving
	}
	if err := p.observe(c, status, "", msg); err != nil {
		return err
	}
	return p.r.store.RecordAttempt(p.db, c.ID, action, msg, p.r.nextAttempt(p.now, c.Attempts+1))
}

// unreachable handles a lock whose codes could not be listed. Nothing is marked
// done that the lock has not confirmed: codes on their way keep their status with
// the reason, and each pending one counts an attempt and backs off. Only a code
// that was never sent can be settled without the lock.
func (p *lockPass) unreachable(codes []db.AccessCode, msg string) error {
	for _, c := range codes {
		want := wantOn(c, p.now, p.lock.NativeSchedules)
		var action string
		var status domain.CodeStatus
		switch {
		case !want && neverSent(c):
			if err := p.absent(c); err != nil {
				return err
			}
			continue
		case want && (c.Status == domain.StatusScheduled || c.Status == domain.StatusSetting) && due(c, p.now):
			action, status = actionSet, domain.StatusSetting
		case !want && !neverSent(c) && c.Status != domain.StatusFailed && removalDue(c, p.now):
			action, status = actionRemove, domain.StatusRemoving
		default:
			continue
		}
		if err := p.observe(c, status, "", msg); err != nil {
			return err
		}
		if err := p.r.store.RecordAttempt(p.db, c.ID, action, msg, p.r.nextAttempt(p.now, c.Attempts+1)); err != nil {
			return err
		}
	}
	return nil
}
