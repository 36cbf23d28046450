package web

import (
	"bytes"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

func (s *Server) signInPage(c echo.Context) error {
	if _, ok := currentAuth(c); ok {
		return redirect(c, "/")
	}
	s.ensureCeremonyBinding(c)
	var p views.SignInPage
	if c.QueryParam("signed-out") != "" {
		p.Notice = "You have been signed out."
	}
	return render(c, http.StatusOK, views.SignIn(p))
}

var errRateLimited = &appError{Status: http.StatusTooManyRequests}

// signInBegin starts a discoverable (username-less) login; the same options serve
// the button and passkey autofill.
func (s *Server) signInBegin(c echo.Context) error {
	ip := c.RealIP()
	if s.limits.failures.Blocked(ip) || !s.limits.ceremonies.Allow(ip) {
		return errRateLimited
	}
	options, session, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return err
	}
	return s.beginCeremony(c, db.Challenge{Kind: "login"}, session, options)
}

func (s *Server) signInFinish(c echo.Context) error {
	ip := c.RealIP()
	if s.limits.failures.Blocked(ip) {
		return errRateLimited
	}
	_, session, parsed, err := s.takeLogin(c, "login")
	if err != nil {
		why := "expired or reused passkey request"
		if parsed == nil {
			why = "malformed passkey response"
		}
		s.signInFailed(c, db.Owner{}, why)
		return err
	}
	ctx := c.Request().Context()
	var owner db.Owner
	user, cred, err := s.wa.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
		o, err := s.db.OwnerByHandle(ctx, handle)
		if err != nil {
			return nil, err
		}
		owner = o
		u, err := s.loadWAUser(c, o)
		return u, err
	}, session, parsed)
	if err != nil {
		s.signInFailed(c, owner, "passkey not accepted")
		return &appError{Status: http.StatusUnauthorized,
			Message: "That passkey was not accepted. If it was removed, sign in with another one or ask an owner for a new invite link."}
	}
	if err := s.refuseClone(c, owner, cred); err != nil {
		return err
	}
	_ = user
	// Rotate: whatever session this browser had is replaced by a new one.
	in := db.SignIn{OwnerID: owner.ID, CredentialID: cred.ID, Use: credentialUse(cred),
		UserAgent: c.Request().UserAgent(), IP: ip,
		Audit: auditLine(c, owner, db.AuditSignIn, "with passkey “"+s.nicknameOf(c, owner, cred.ID)+"”")}
	if a, ok := currentAuth(c); ok {
		in.Replace = a.session.ID
	}
	cookie, _, err := s.db.SignIn(ctx, in)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, cookie)
	return c.JSON(http.StatusOK, map[string]string{"redirect": "/"})
}

func (s *Server) signInFailed(c echo.Context, owner db.Owner, why string) {
	s.limits.failures.Allow(c.RealIP()) // spend a token: failures are what is limited
	s.audit(c, owner, db.AuditSignInFailed, why)
}

// checkSignCount refuses an assertion whose signature counter went backwards (or
// stood still) on a passkey that counts: a sign of a cloned authenticator. When it
// passes, the counter and flags from the validated assertion are written back.
func (s *Server) checkSignCount(c echo.Context, owner db.Owner, cred *webauthn.Credential) error {
	if err := s.refuseClone(c, owner, cred); err != nil {
		return err
	}
	return s.db.RecordCredentialUse(c.Request().Context(), cred.ID, credentialUse(cred))
}

// credentialUse is what the validated assertion says about its passkey now.
func credentialUse(cred *webauthn.Credential) db.CredentialUse {
	return db.CredentialUse{SignCount: cred.Authenticator.SignCount, UserPresent: cred.Flags.UserPresent,
		UserVerified: cred.Flags.UserVerified, BackupState: cred.Flags.BackupState}
}

// refuseClone refuses an assertion whose signature counter did not increase on
// a passkey that counts, and audits it.
func (s *Server) refuseClone(c echo.Context, owner db.Owner, cred *webauthn.Credential) error {
	if cred.Authenticator.CloneWarning {
		s.limits.failures.Allow(c.RealIP())
		s.audit(c, owner, db.AuditSignCountBad, "passkey “"+s.nicknameOf(c, owner, cred.ID)+"” sent a signature counter that did not increase; refused")
		return &appError{Status: http.StatusUnauthorized,
			Message: "This passkey was refused because it may have been copied. Sign in with another passkey and review your passkeys."}
	}
	return nil
}

func (s *Server) nicknameOf(c echo.Context, owner db.Owner, credID []byte) string {
	creds, err := s.db.Credentials(c.Request().Context(), owner.ID)
	if err != nil {
		return "?"
	}
	for _, k := range creds {
		if bytes.Equal(k.CredentialID, credID) {
			return k.Nickname
		}
	}
	return "?"
}

func (s *Server) signOut(c echo.Context) error {
	a, _ := currentAuth(c)
	if err := s.db.DeleteSession(c.Request().Context(), a.session.ID); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	s.audit(c, a.owner, db.AuditSignOut, "")
	return redirect(c, paths.SignedOut())
}

// reauthBegin asks the signed-in owner to confirm with one of their own passkeys.
func (s *Server) reauthBegin(c echo.Context) error {
	a, _ := currentAuth(c)
	u, err := s.loadWAUser(c, a.owner)
	if err != nil {
		return err
	}
	options, session, err := s.wa.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return err
	}
	return s.beginCeremony(c, db.Challenge{Kind: "reauth", OwnerID: a.owner.ID}, session, options)
}

func (s *Server) reauthFinish(c echo.Context) error {
	a, _ := currentAuth(c)
	ch, session, parsed, err := s.takeLogin(c, "reauth")
	if err != nil {
		return err
	}
	if ch.OwnerID != a.owner.ID {
		return errCeremonyGone
	}
	u, err := s.loadWAUser(c, a.owner)
	if err != nil {
		return err
	}
	cred, err := s.wa.ValidateLogin(u, session, parsed)
	if err != nil {
		return ceremonyFailed(err)
	}
	if err := s.checkSignCount(c, a.owner, cred); err != nil {
		return err
	}
	if err := s.db.MarkReauth(c.Request().Context(), a.session.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "message": "Confirmed."})
}
