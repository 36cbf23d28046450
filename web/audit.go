package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
)

// audit records who did what from where. owner may be zero (a failed sign-in).
// The detail is written by Gatehouse and must never hold a secret.
func (s *Server) audit(c echo.Context, owner db.Owner, action, detail string) {
	err := s.db.Audit(c.Request().Context(), db.AuditEntry{
		OwnerID: owner.ID, Actor: owner.Name, Action: action, IP: c.RealIP(), Detail: detail,
	})
	if err != nil {
		// The action itself succeeded; a lost audit line is logged, not shown.
		s.log.Error("audit", slog.String("action", action), slog.Any("err", err))
	}
}

// auditActor is the owner signed in on this request, if any.
func auditActor(c echo.Context) db.Owner {
	a, _ := currentAuth(c)
	return a.owner
}
