package access

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// rotateAttempts is how often a rotation retries when another owner took the
// generated code between choosing it and saving it.
const rotateAttempts = 3

// Rotated is what a rotation made: the access that replaces the old one, and
// its new link's secret, shown once.
type Rotated struct {
	Access db.Access
	Token  string
}

// Rotate replaces a live access with one that has a new generated code and a
// new link (link's options; what it leaves unset is kept from the old link),
// trying again when another write took that code in between; the audit lines
// commit with the rotation that succeeds. Besides unexpected errors it returns
// ErrNotLive (t as read is not live), ErrRotatedMeanwhile, ErrNoFreeCode, or
// ErrCodeRefused (the doors take no code of the old length, or have none free).
func (s *Service) Rotate(ctx context.Context, by Actor, t Target, link db.LinkOptions) (Rotated, error) {
	if !s.live(t.Access) {
		return Rotated{}, ErrNotLive
	}
	audit := []db.AuditEntry{
		by.line(db.AuditAccessRotated, "new code for "+t.Guest.Name+" on "+DoorNames(t.Locks)+"; the old one is being removed"),
		by.line(db.AuditLinkCreated, "share link for "+t.Guest.Name+"'s new code"),
	}
	for range rotateAttempts {
		pin, err := s.freshPIN(ctx, t.Access, t.Locks)
		if err != nil {
			return Rotated{}, refused(err)
		}
		a, token, err := s.store.RotateAccess(ctx, t.Access.ID, pin, link, audit...)
		switch {
		case errors.Is(err, db.ErrAccessRevoked) || errors.Is(err, db.ErrNotFound):
			return Rotated{}, ErrRotatedMeanwhile
		case errors.Is(err, db.ErrPINConflict):
			continue
		case err != nil:
			return Rotated{}, refused(err)
		}
		s.nudge()
		return Rotated{Access: a, Token: token}, nil
	}
	return Rotated{}, ErrNoFreeCode
}

// freshPIN generates a code for a rotation: the same length as the old one when
// the doors still take it, clashing with nothing on them (the old code included,
// since it stays live until the lock confirms its removal).
func (s *Service) freshPIN(ctx context.Context, a db.Access, locks []db.Lock) (string, error) {
	rules := CommonPINRules(locks)
	var others []string
	for _, l := range locks {
		pins, err := s.store.LivePINs(ctx, l.ID)
		if err != nil {
			return "", err
		}
		others = append(others, pins...)
	}
	codes, err := s.store.AccessCodes(ctx, a.ID)
	if err != nil {
		return "", err
	}
	n := 0
	if len(codes) > 0 && codes[0].PINLen >= rules.MinLen && codes[0].PINLen <= rules.MaxLen {
		n = codes[0].PINLen
	}
	return domain.GeneratePIN(n, rules, others)
}
