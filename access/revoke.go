package access

import (
	"context"

	"github.com/gatehouse/gatehouse/db"
)

// Revoke ends an access: its links die and the reconciler takes its codes off
// the doors. The audit line is written only by the call that revokes it, in the
// same write; revoking again changes nothing and says nothing.
func (s *Service) Revoke(ctx context.Context, by Actor, t Target) error {
	err := s.store.RevokeAccess(ctx, t.Access.ID,
		by.line(db.AuditAccessRevoked, "access of "+t.Guest.Name+" to "+DoorNames(t.Locks)))
	if err != nil {
		return err
	}
	if t.Access.RevokedAt.IsZero() {
		s.nudge()
	}
	return nil
}
