package web

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// After `gatehouse restore` the home page says the data came from a backup,
// and shows admins the links the restore paused, to resume or reissue.

// restoreNoticeFor is how long after a restore every owner's home says so.
const restoreNoticeFor = 14 * 24 * time.Hour

func (s *Server) restoredView(c echo.Context, owner db.Owner, p *views.HomePage) error {
	ctx := c.Request().Context()
	r, ok, err := s.db.LastRestore(ctx)
	if err != nil || !ok || s.db.Now().Sub(r.RestoredAt) > restoreNoticeFor {
		return err
	}
	backup := "a backup"
	if !r.BackupAt.IsZero() {
		backup = "a backup of " + views.When(r.BackupAt)
	}
	p.Restored = "Gatehouse was restored from " + backup + " on " + views.When(r.RestoredAt) +
		": everyone was signed out, API tokens wait for an admin to enable them, and links not yet revealed in the backup are paused."
	if !owner.Admin || owner.Pending() {
		return nil
	}
	links, err := s.db.PausedLinks(ctx)
	if err != nil {
		return err
	}
	for _, l := range links {
		p.PausedLinks = append(p.PausedLinks, views.PausedLink{ID: l.ID, Guest: l.GuestName,
			GuestHref: paths.Guest(l.GuestID), Expires: views.When(l.ExpiresAt)})
	}
	return nil
}

// resumeLink lets a link a restore paused reveal again.
func (s *Server) resumeLink(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = s.db.ResumeLink(c.Request().Context(), id, auditLine(c, a.owner, db.AuditLinkResumed, "link "+strconv.FormatInt(id, 10)))
	if err != nil {
		return err // ErrNotFound (not paused, or no such link) becomes the 404 page
	}
	return redirect(c, paths.Home())
}
