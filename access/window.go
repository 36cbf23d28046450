package access

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// WindowChange is an access's new window, already read in its zone. A value
// the caller could not read is given as zero, and reported as missing.
type WindowChange struct {
	Permanent bool
	Starts    time.Time
	Ends      time.Time
}

// CheckWindow judges a new window for t without saving anything: ErrNotLive
// when t is not live, else the problems with the window. A stay that began
// days ago may still be extended: only a moved start must be recent.
func (s *Service) CheckWindow(t Target, w WindowChange) (FieldErrors, error) {
	now := s.now()
	if !StateOf(t.Access, now).Live() {
		return nil, ErrNotLive
	}
	errs := FieldErrors{}
	windowProblems(errs, w.Permanent, w.Starts, w.Ends, now, t.Access.StartsAt)
	return errs, nil
}

// ChangeWindow moves a live access's window, its codes following, and writes
// the audit line with it. Besides unexpected errors it returns ErrNotLive,
// ErrRevokedMeanwhile, or the window's problems (nothing saved).
func (s *Service) ChangeWindow(ctx context.Context, by Actor, t Target, w WindowChange) (FieldErrors, error) {
	errs, err := s.CheckWindow(t, w)
	if err != nil || len(errs) > 0 {
		return errs, err
	}
	start, end := w.Starts, w.Ends
	if w.Permanent {
		start, end = time.Time{}, time.Time{}
	}
	a := t.Access
	err = s.store.ChangeWindow(ctx, a.ID, start, end,
		by.line(db.AuditWindowChanged, t.Guest.Name+" on "+DoorNames(t.Locks)+": now "+
			domain.WindowText(start, end, domain.ZoneOf(a.TimeZone))+" ("+a.TimeZone+")"))
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrRevokedMeanwhile
	}
	if err != nil {
		return nil, err
	}
	s.nudge()
	return nil, nil
}

// windowProblems puts domain.CheckWindow's messages for an access's window
// into errs; kept is the current start of a window being changed (zero when
// giving access).
func windowProblems(errs FieldErrors, permanent bool, starts, ends, now, kept time.Time) {
	w := domain.CheckWindow(domain.Window{Start: starts, End: ends}, permanent, domain.AccessWindow, now, kept)
	if w.Start != "" {
		errs[FieldStarts] = w.Start
	}
	if w.End != "" {
		errs[FieldEnds] = w.End
	}
}
