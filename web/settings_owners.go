package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

func (s *Server) ownersView(c echo.Context) (views.OwnersPage, error) {
	a, _ := currentAuth(c)
	ctx := c.Request().Context()
	owners, err := s.db.Owners(ctx)
	if err != nil {
		return views.OwnersPage{}, err
	}
	p := views.OwnersPage{Page: s.page(c, "Owners", views.SectionSettings), Fresh: s.fresh(a)}
	for _, o := range owners {
		creds, err := s.db.Credentials(ctx, o.ID)
		if err != nil {
			return p, err
		}
		p.Owners = append(p.Owners, views.OwnerRow{ID: o.ID, Name: o.Name, Created: views.When(o.CreatedAt),
			Passkeys: len(creds), You: o.ID == a.owner.ID})
	}
	if c.QueryParam("done") == "removed" {
		p.Flash = "Owner removed."
	}
	return p, nil
}

func (s *Server) ownersPage(c echo.Context) error {
	p, err := s.ownersView(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Owners(p))
}

// inviteForm names the person an owner invites; the name is optional.
type inviteForm struct {
	Name string `form:"name"`
}

func (f *inviteForm) Validate() fieldErrors {
	errs := fieldErrors{}
	if f.Name = strings.TrimSpace(f.Name); f.Name != "" {
		var msg string
		f.Name, msg = validName(f.Name, "their name")
		errs.add("name", msg)
	}
	return errs
}

// inviteOwner makes a co-owner invite and shows its link once, in this response.
func (s *Server) inviteOwner(c echo.Context) error {
	a, _ := currentAuth(c)
	p, err := s.ownersView(c)
	if err != nil {
		return err
	}
	var f inviteForm
	if errs := readForm(c, &f); len(errs) > 0 {
		p.InviteName, p.NameError = f.Name, errs["name"]
		return render(c, http.StatusUnprocessableEntity, views.Owners(p))
	}
	name := f.Name
	token, _, err := s.db.CreateInvite(c.Request().Context(), name, a.owner.ID, s.cfg.InviteTTL)
	if err != nil {
		return err
	}
	detail := "invite link"
	if name != "" {
		detail = "invite link for " + name
	}
	s.audit(c, a.owner, db.AuditInviteCreated, detail)
	p.InviteLink = s.cfg.InviteURL(token)
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.Owners(p))
}

func (s *Server) removeOwner(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	target, err := s.db.Owner(ctx, id)
	if err != nil {
		return err
	}
	err = s.db.RemoveOwner(ctx, id)
	switch {
	case errors.Is(err, db.ErrLastOwner):
		p, err := s.ownersView(c)
		if err != nil {
			return err
		}
		p.Error = "The last owner cannot be removed: nobody could sign in any more."
		return render(c, http.StatusConflict, views.Owners(p))
	case err != nil:
		return err
	}
	s.audit(c, a.owner, db.AuditOwnerRemoved, target.Name)
	if id == a.owner.ID {
		s.clearSessionCookie(c)
		return redirect(c, paths.SignIn())
	}
	return redirect(c, paths.Done(paths.Owners(), "removed"))
}
