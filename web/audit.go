package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// audit records who did what from where. owner may be zero (a failed sign-in).
// The detail is written by Gatehouse and must never hold a secret.
// For a change, pass auditLine's entry to the db call that makes it instead,
// so the change and its line commit together.
func (s *Server) audit(c echo.Context, owner db.Owner, action, detail string) {
	if err := s.db.Audit(c.Request().Context(), auditLine(c, owner, action, detail)); err != nil {
		// The action itself succeeded; a lost audit line is logged, not shown.
		s.log.Error("audit", slog.String("action", action), slog.Any("err", err))
	}
}

// auditActor is the owner signed in on this request, if any.
func auditActor(c echo.Context) db.Owner {
	a, _ := currentAuth(c)
	return a.owner
}

// pageActor is the owner signed in on this request, acting through the pages,
// for the access service's audit lines.
func pageActor(c echo.Context) access.Actor { return access.PageActor(auditActor(c), c.RealIP()) }

// auditLine is an audit entry for a change made by this request, for db to
// write in the change's own transaction, so the two commit together or not at
// all. The detail must never hold a secret (a code, token or passphrase).
func auditLine(c echo.Context, by db.Owner, action, detail string) db.AuditEntry {
	return db.AuditEntry{OwnerID: by.ID, Actor: by.Name, Action: action, IP: c.RealIP(), Detail: detail}
}
