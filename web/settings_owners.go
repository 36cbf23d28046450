package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// Settings → Owners, for admins: invite, approve, make admin or member, remove.
// The rules: the last admin stays an admin and an owner; an admin is removed
// by another admin, never by themselves; every change needs a fresh passkey.

func (s *Server) ownersView(c echo.Context) (views.OwnersPage, error) {
	a, _ := currentAuth(c)
	ctx := c.Request().Context()
	owners, err := s.db.Owners(ctx)
	if err != nil {
		return views.OwnersPage{}, err
	}
	p := views.OwnersPage{Page: s.page(c, "Owners", views.SectionSettings), Fresh: s.fresh(a)}
	admins := 0
	for _, o := range owners {
		if o.Admin && !o.Pending() {
			admins++
		}
	}
	for _, o := range owners {
		creds, err := s.db.Credentials(ctx, o.ID)
		if err != nil {
			return p, err
		}
		you := o.ID == a.owner.ID
		p.Owners = append(p.Owners, views.OwnerRow{ID: o.ID, Name: o.Name, Created: views.When(o.CreatedAt),
			Passkeys: len(creds), You: you, Admin: o.Admin, Pending: o.Pending(),
			CanRemove: !you || !o.Admin, CanDemote: o.Admin && admins > 1, CanPromote: !o.Admin && !o.Pending()})
	}
	switch c.QueryParam("done") {
	case "removed":
		p.Flash = "Owner removed."
	case "approved":
		p.Flash = "Owner approved: they can use Gatehouse now."
	case "role":
		p.Flash = "Role changed."
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

// inviteForm names the person an owner invites (optional), and whether they
// will be an admin.
type inviteForm struct {
	Name  string `form:"name"`
	Admin bool   `form:"admin"`
}

func (f *inviteForm) Validate() fieldErrors {
	errs := fieldErrors{}
	if f.Name = strings.TrimSpace(f.Name); f.Name != "" {
		var msg string
		f.Name, msg = domain.CheckName(f.Name, "their name")
		errs.add("name", msg)
	}
	return errs
}

// inviteOwner makes a co-owner invite and shows its link once, in this
// response. The route needs a fresh passkey, so the owner it enrolls is
// approved in advance.
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
	name, admin := f.Name, f.Admin
	token, _, err := s.db.CreateInvite(c.Request().Context(), db.NewInvite{Name: name, CreatedBy: a.owner.ID,
		TTL: s.cfg.InviteTTL, Admin: admin, Approved: true})
	if err != nil {
		return err
	}
	detail := "invite link"
	if name != "" {
		detail = "invite link for " + name
	}
	if admin {
		detail += ", as an admin"
	}
	s.audit(c, a.owner, db.AuditInviteCreated, detail)
	p.InviteLink = s.cfg.InviteURL(token)
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.Owners(p))
}

// targetOwner is the owner named in the path.
func (s *Server) targetOwner(c echo.Context) (db.Owner, error) {
	id, err := pathID(c)
	if err != nil {
		return db.Owner{}, err
	}
	return s.db.Owner(c.Request().Context(), id)
}

func (s *Server) ownersConflict(c echo.Context, msg string) error {
	p, err := s.ownersView(c)
	if err != nil {
		return err
	}
	p.Error = msg
	return render(c, http.StatusConflict, views.Owners(p))
}

const lastAdminMessage = "The last admin cannot be removed or made a member: nobody could manage owners any more. Make another owner an admin first."

func (s *Server) removeOwner(c echo.Context) error {
	a, _ := currentAuth(c)
	target, err := s.targetOwner(c)
	if err != nil {
		return err
	}
	if target.Admin && target.ID == a.owner.ID {
		return &appError{Status: http.StatusForbidden, Title: "Another admin needed",
			Message: "An admin is removed by another admin, never by themselves: ask another admin to remove you."}
	}
	err = s.db.RemoveOwner(c.Request().Context(), target.ID, auditLine(c, a.owner, db.AuditOwnerRemoved, target.Name))
	switch {
	case errors.Is(err, db.ErrLastOwner):
		return s.ownersConflict(c, "The last owner cannot be removed: nobody could sign in any more.")
	case errors.Is(err, db.ErrLastAdmin):
		return s.ownersConflict(c, lastAdminMessage)
	case err != nil:
		return err
	}
	return redirect(c, paths.Done(paths.Owners(), "removed"))
}

// approveOwner lets an owner enrolled from a command-line invite act.
func (s *Server) approveOwner(c echo.Context) error {
	a, _ := currentAuth(c)
	target, err := s.targetOwner(c)
	if err != nil {
		return err
	}
	err = s.db.ApproveOwner(c.Request().Context(), target.ID, auditLine(c, a.owner, db.AuditOwnerApproved, target.Name))
	if errors.Is(err, db.ErrNotFound) {
		return s.ownersConflict(c, target.Name+" was approved already.")
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Done(paths.Owners(), "approved"))
}

// setOwnerRole makes an approved owner an admin or a member.
func (s *Server) setOwnerRole(c echo.Context) error {
	a, _ := currentAuth(c)
	target, err := s.targetOwner(c)
	if err != nil {
		return err
	}
	var admin bool
	switch c.FormValue("role") {
	case "admin":
		admin = true
	case "member":
	default:
		return &appError{Status: http.StatusUnprocessableEntity, Message: "Choose admin or member."}
	}
	word := map[bool]string{true: "now an admin", false: "now a member"}[admin]
	err = s.db.SetOwnerAdmin(c.Request().Context(), target.ID, admin, auditLine(c, a.owner, db.AuditOwnerRoleChanged, target.Name+" is "+word))
	switch {
	case errors.Is(err, db.ErrLastAdmin):
		return s.ownersConflict(c, lastAdminMessage)
	case errors.Is(err, db.ErrNotFound):
		return s.ownersConflict(c, target.Name+" waits for approval: approve them first.")
	case err != nil:
		return err
	}
	return redirect(c, paths.Done(paths.Owners(), "role"))
}
