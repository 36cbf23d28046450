package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
)

// waUser adapts an owner and their passkeys to go-webauthn.
type waUser struct {
	owner db.Owner
	creds []db.Credential
}

func (u waUser) WebAuthnID() []byte          { return u.owner.Handle }
func (u waUser) WebAuthnName() string        { return u.owner.Name }
func (u waUser) WebAuthnDisplayName() string { return u.owner.Name }
func (u waUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(u.creds))
	for i, c := range u.creds {
		ts := make([]protocol.AuthenticatorTransport, len(c.Transports))
		for j, t := range c.Transports {
			ts[j] = protocol.AuthenticatorTransport(t)
		}
		out[i] = webauthn.Credential{
			ID: c.CredentialID, PublicKey: c.PublicKey,
			AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat, Transport: ts,
			Flags: webauthn.CredentialFlags{UserPresent: c.UserPresent, UserVerified: c.UserVerified,
				BackupEligible: c.BackupEligible, BackupState: c.BackupState},
			Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount,
				Attachment: protocol.AuthenticatorAttachment(c.Attachment)},
		}
	}
	return out
}

func (s *Server) loadWAUser(c echo.Context, owner db.Owner) (waUser, error) {
	creds, err := s.db.Credentials(c.Request().Context(), owner.ID)
	return waUser{owner: owner, creds: creds}, err
}

// dbCredential turns a newly registered passkey into its stored form.
func dbCredential(cred *webauthn.Credential, nickname string) db.Credential {
	ts := make([]string, len(cred.Transport))
	for i, t := range cred.Transport {
		ts[i] = string(t)
	}
	return db.Credential{
		CredentialID: cred.ID, PublicKey: cred.PublicKey,
		AttestationType: cred.AttestationType, AttestationFormat: cred.AttestationFormat,
		AAGUID: cred.Authenticator.AAGUID, SignCount: cred.Authenticator.SignCount, Transports: ts,
		Attachment: string(cred.Authenticator.Attachment), UserPresent: cred.Flags.UserPresent,
		UserVerified: cred.Flags.UserVerified, BackupEligible: cred.Flags.BackupEligible,
		BackupState: cred.Flags.BackupState, Nickname: nickname,
	}
}

// beginCeremony stores the ceremony's state server-side, puts its id in a short-
// lived cookie, and answers with the options for the browser.
func (s *Server) beginCeremony(c echo.Context, ch db.Challenge, session *webauthn.SessionData, options any) error {
	data, err := json.Marshal(session)
	if err != nil {
		return err
	}
	ch.Data = data
	id, err := s.db.SaveChallenge(c.Request().Context(), ch)
	if err != nil {
		return err
	}
	s.setCookie(c, s.ceremonyCookieName(), id, db.ChallengeTTL, http.SameSiteStrictMode)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, options)
}

var errCeremonyGone = &appError{Status: http.StatusBadRequest,
	Message: "This passkey request is no longer valid (it was used already or took too long). Please try again."}

// takeCeremony consumes the ceremony named by the cookie: once only, within 5 minutes.
func (s *Server) takeCeremony(c echo.Context, kind string) (db.Challenge, webauthn.SessionData, error) {
	var session webauthn.SessionData
	ck, err := c.Cookie(s.ceremonyCookieName())
	if err != nil || ck.Value == "" {
		return db.Challenge{}, session, errCeremonyGone
	}
	s.setCookie(c, s.ceremonyCookieName(), "", -1, http.SameSiteStrictMode)
	ch, err := s.db.TakeChallenge(c.Request().Context(), ck.Value, kind)
	switch {
	case errors.Is(err, db.ErrNotFound), errors.Is(err, db.ErrChallengeExpired):
		return db.Challenge{}, session, errCeremonyGone
	case err != nil:
		return db.Challenge{}, session, err
	}
	if err := json.Unmarshal(ch.Data, &session); err != nil {
		return db.Challenge{}, session, err
	}
	return ch, session, nil
}

// ceremonyFailed explains a rejected WebAuthn response without exposing internals.
func ceremonyFailed(err error) *appError {
	msg := "Your passkey was not accepted. Please try again."
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Type == protocol.ErrVerification.Type {
		msg = "Your passkey could not be verified for this site. Make sure you opened Gatehouse at its usual address."
	}
	return &appError{Status: http.StatusBadRequest, Message: msg}
}
