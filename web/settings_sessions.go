package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

func (s *Server) sessionsPage(c echo.Context) error {
	a, _ := currentAuth(c)
	sessions, err := s.db.Sessions(c.Request().Context(), a.owner.ID)
	if err != nil {
		return err
	}
	p := views.SessionsPage{Page: s.page(c, "Sessions", views.SectionSettings)}
	now := s.db.Now()
	for _, x := range sessions {
		p.Sessions = append(p.Sessions, views.SessionRow{ID: x.ID, Device: deviceSummary(x.UserAgent), IP: x.IP,
			Created: views.When(x.CreatedAt), LastSeen: views.Ago(now, x.LastSeenAt), Current: x.ID == a.session.ID})
	}
	switch c.QueryParam("done") {
	case "one":
		p.Flash = "That session was signed out."
	case "others":
		p.Flash = "All other sessions were signed out."
	}
	return render(c, http.StatusOK, views.Sessions(p))
}

func (s *Server) removeSession(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = s.db.DeleteOwnerSession(c.Request().Context(), a.owner.ID, id)
	if err != nil {
		return err
	}
	s.audit(c, a.owner, db.AuditSessionsRevoked, "1 session")
	if id == a.session.ID {
		s.clearSessionCookie(c)
		return redirect(c, paths.SignedOut())
	}
	return redirect(c, paths.Done(paths.Sessions(), "one"))
}

func (s *Server) removeOtherSessions(c echo.Context) error {
	a, _ := currentAuth(c)
	n, err := s.db.DeleteOtherSessions(c.Request().Context(), a.owner.ID, a.session.ID)
	if err != nil {
		return err
	}
	s.audit(c, a.owner, db.AuditSessionsRevoked, fmt.Sprintf("all other sessions (%d)", n))
	return redirect(c, paths.Done(paths.Sessions(), "others"))
}
