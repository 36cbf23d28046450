package access

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// CodeRequest is a code added on a lock's page, for someone who is not a guest
// with an access (a cleaner, a neighbour). Its window is read in the lock's
// zone; a value the caller could not read is given as zero, and reported as
// missing.
type CodeRequest struct {
	Label     string
	PIN       string // empty: generated, of the lock's shortest length
	Permanent bool
	Starts    time.Time
	Ends      time.Time
}

// AddCode checks a code against the lock (its zone, its rules, its other
// codes) and stores it with its audit line in one write. Problems come back as
// FieldErrors under FieldLabel, FieldPIN, FieldStarts and FieldEnds, with
// nothing saved.
func (s *Service) AddCode(ctx context.Context, by Actor, l db.Lock, req CodeRequest) (FieldErrors, error) {
	errs := FieldErrors{}
	label, msg := domain.CheckName(req.Label, "who the code is for")
	if msg != "" {
		errs[FieldLabel] = msg
	}
	start, end := req.Starts, req.Ends
	if req.Permanent {
		start, end = time.Time{}, time.Time{}
	} else {
		w := domain.CheckWindow(domain.Window{Start: start, End: end}, false, domain.CodeWindow, s.now(), time.Time{})
		if w.Start != "" {
			errs[FieldStarts] = w.Start
		}
		if w.End != "" {
			errs[FieldEnds] = w.End
		}
	}
	others, err := s.store.LivePINs(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	rules := PINRules(l)
	pin := strings.TrimSpace(req.PIN)
	if pin == "" {
		lo, _ := rules.Bounds()
		if pin, err = domain.GeneratePIN(lo, rules, others); err != nil {
			errs[FieldPIN] = "Gatehouse could not find a free code for this lock: remove codes that are no longer needed."
		}
	} else if err := domain.CheckPIN(pin, rules, others); err != nil {
		errs[FieldPIN] = err.Error()
	}
	if len(errs) > 0 {
		return errs, nil
	}
	loc := domain.ZoneOf(l.TimeZone)
	_, err = s.store.CreateAccessCode(ctx, db.NewAccessCode{LockID: l.ID, Label: label, PIN: pin,
		StartsAt: start, EndsAt: end, TimeZone: l.TimeZone},
		by.line(db.AuditCodeCreated, "code for "+label+" on "+l.Name+", "+domain.WindowText(start, end, loc)))
	switch {
	case errors.Is(err, db.ErrPINConflict):
		return FieldErrors{FieldPIN: "This code clashes with another code on the lock. Choose another, or leave it empty."}, nil
	case err != nil:
		return nil, err
	}
	s.nudge()
	return nil, nil
}

// RevokeCode has the reconciler take a lock page's code off its lock. The
// audit line is written only by the call that revokes it, in the same write.
func (s *Service) RevokeCode(ctx context.Context, by Actor, l db.Lock, k db.AccessCode) error {
	_, err := s.store.RevokeAccessCode(ctx, k.ID, by.line(db.AuditCodeRevoked, "code for "+k.Label+" on "+l.Name))
	if err != nil {
		return err
	}
	s.nudge()
	return nil
}

// RetryCode clears a failed code's backoff so the reconciler tries it now,
// with its audit line in the same write.
func (s *Service) RetryCode(ctx context.Context, by Actor, l db.Lock, k db.AccessCode) error {
	if err := s.store.RetryAccessCode(ctx, k.ID, by.line(db.AuditCodeRetried, "code for "+k.Label+" on "+l.Name)); err != nil {
		return err
	}
	s.nudge()
	return nil
}
