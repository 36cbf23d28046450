package access

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/db"
)

// NewLink gives a live access a fresh share link in place of its older ones,
// which stop working; the new link keeps the older one's passphrase (the guest
// was told it) and lifetime. It returns the link's secret, shown once.
// Besides unexpected errors: ErrNotLive, or ErrRevokedMeanwhile.
func (s *Service) NewLink(ctx context.Context, by Actor, t Target) (string, error) {
	if !s.live(t.Access) {
		return "", ErrNotLive
	}
	token, _, err := s.store.ReissueLink(ctx, t.Access.ID, db.LinkOptions{},
		by.line(db.AuditLinkCreated, "new share link for "+t.Guest.Name+" (older links stop working)"))
	if errors.Is(err, db.ErrNotFound) {
		return "", ErrRevokedMeanwhile
	}
	return token, err
}
