package web

import (
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
)

// invite checks the token in the URL and explains, in words, why it cannot be used.
func (s *Server) invite(c echo.Context) (db.Invite, error) {
	inv, err := s.db.InviteByToken(c.Request().Context(), c.Param("token"))
	switch {
	case errors.Is(err, db.ErrNotFound):
		return inv, &appError{Status: http.StatusNotFound, Title: "Invite link not found",
			Message: "This invite link is not valid. Check that you copied all of it."}
	case errors.Is(err, db.ErrInviteUsed):
		return inv, &appError{Status: http.StatusGone, Title: "Invite link used",
			Message: "This invite link has already been used. Each link works once."}
	case errors.Is(err, db.ErrInviteExpired):
		return inv, &appError{Status: http.StatusGone, Title: "Invite link expired",
			Message: "This invite link has expired."}
	}
	return inv, err
}

func (s *Server) enrollPage(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	c.Response().Header().Set("Cache-Control", "no-store")
	inv, err := s.invite(c)
	var ae *appError
	if errors.As(err, &ae) {
		return render(c, ae.Status, views.InviteProblem(ae.Message))
	}
	if err != nil {
		return err
	}
	s.ensureCeremonyBinding(c)
	return render(c, http.StatusOK, views.Enroll(views.EnrollPage{Token: c.Param("token"), Name: inv.Name}))
}

type enrollForm struct {
	Name string `json:"name"`
}

func (s *Server) enrollBegin(c echo.Context) error {
	ip := c.RealIP()
	if s.limits.failures.Blocked(ip) || !s.limits.ceremonies.Allow(ip) {
		return errRateLimited
	}
	inv, err := s.invite(c)
	if err != nil {
		s.limits.failures.Allow(ip)
		return err
	}
	var f enrollForm
	if err := bindJSON(c, &f); err != nil {
		return err
	}
	name, msg := domain.CheckName(f.Name, "your name")
	if msg != "" {
		return &appError{Status: http.StatusUnprocessableEntity, Message: msg, Field: "name"}
	}
	// The owner does not exist until the passkey is made; its handle is chosen now
	// and travels in the ceremony state.
	u := waUser{owner: db.Owner{Name: name, Handle: db.NewOwnerHandle()}}
	options, session, err := s.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return err
	}
	return s.beginCeremony(c, db.Challenge{Kind: "enroll", InviteID: inv.ID, Name: name}, session, options)
}

func (s *Server) enrollFinish(c echo.Context) error {
	ip := c.RealIP()
	if s.limits.failures.Blocked(ip) {
		return errRateLimited
	}
	inv, err := s.invite(c)
	if err != nil {
		s.limits.failures.Allow(ip)
		return err
	}
	ch, session, parsed, err := s.takeCreation(c, "enroll")
	if err != nil {
		return err
	}
	if ch.InviteID != inv.ID {
		return errCeremonyGone
	}
	u := waUser{owner: db.Owner{Name: ch.Name, Handle: session.UserID}}
	cred, err := s.wa.CreateCredential(u, session, parsed)
	if err != nil {
		s.limits.failures.Allow(ip)
		return ceremonyFailed(err)
	}
	ctx := c.Request().Context()
	owner, err := s.db.EnrollOwner(ctx, inv.ID, ch.Name, session.UserID, dbCredential(cred, passkeyNickname(cred, c.Request().UserAgent())))
	switch {
	case errors.Is(err, db.ErrInviteUsed), errors.Is(err, db.ErrInviteExpired):
		return &appError{Status: http.StatusGone, Message: "This invite link was used or expired meanwhile. Ask for a new one."}
	case errors.Is(err, db.ErrCredentialExists):
		s.limits.failures.Allow(ip)
		return errPasskeyExists
	case err != nil:
		return err
	}
	cookie, _, err := s.db.CreateSession(ctx, owner.ID, c.Request().UserAgent(), ip)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, cookie)
	s.audit(c, owner, db.AuditInviteUsed, "enrolled as owner")
	s.audit(c, owner, db.AuditPasskeyAdded, "first passkey")
	return c.JSON(http.StatusOK, map[string]string{"redirect": "/"})
}
