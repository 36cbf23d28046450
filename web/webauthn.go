package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

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

// Ceremonies are independent of each other: the sign-in page's passkey
// autofill and its button each begin one, and either may finish, in either
// order. A ceremony's state is stored under a hash of this browser's binding
// secret (a cookie) with the ceremony's challenge; the finish finds it again
// from the challenge the authenticator signed (in clientDataJSON), so it is
// bound to this browser and consumed once, and still expires in 5 minutes.

// bindingLifetime is how long a browser keeps its ceremony binding; every
// page that offers a ceremony and every begin renews it.
const bindingLifetime = 24 * time.Hour

// ceremonyBinding returns this browser's binding secret, making and setting a
// new one only when it has none, so a second begin never replaces the first's.
// The pages that offer ceremonies set it before any begin (see
// ensureCeremonyBinding): two begins sent at once by a browser without one
// would each make their own.
func (s *Server) ceremonyBinding(c echo.Context) string {
	binding := ""
	if ck, err := c.Cookie(s.ceremonyCookieName()); err == nil && validBinding(ck.Value) {
		binding = ck.Value
	} else {
		binding = db.NewToken(32)
	}
	s.setCookie(c, s.ceremonyCookieName(), binding, bindingLifetime, http.SameSiteStrictMode)
	return binding
}

// ensureCeremonyBinding gives this browser a binding before its page can
// begin a ceremony.
func (s *Server) ensureCeremonyBinding(c echo.Context) { s.ceremonyBinding(c) }

func validBinding(v string) bool {
	if len(v) < 32 || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ceremonyKey names a ceremony's stored state: neither the binding nor the
// challenge alone finds it.
func ceremonyKey(binding, challenge string) string {
	sum := sha256.Sum256([]byte(binding + "\x00" + challenge))
	return hex.EncodeToString(sum[:])
}

// beginCeremony stores the ceremony's state server-side under this browser's
// binding and the challenge, and answers with the options for the browser.
func (s *Server) beginCeremony(c echo.Context, ch db.Challenge, session *webauthn.SessionData, options any) error {
	data, err := json.Marshal(session)
	if err != nil {
		return err
	}
	ch.ID, ch.Data = ceremonyKey(s.ceremonyBinding(c), session.Challenge), data
	if err := s.db.SaveChallenge(c.Request().Context(), ch); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, options)
}

var errCeremonyGone = &appError{Status: http.StatusBadRequest,
	Message: "This passkey request is no longer valid (it was used already or took too long). Please try again."}

// takeCeremony consumes the ceremony this browser began with the challenge the
// authenticator answered: once only, within 5 minutes.
func (s *Server) takeCeremony(c echo.Context, kind, challenge string) (db.Challenge, webauthn.SessionData, error) {
	var session webauthn.SessionData
	ck, err := c.Cookie(s.ceremonyCookieName())
	if err != nil || !validBinding(ck.Value) || challenge == "" {
		return db.Challenge{}, session, errCeremonyGone
	}
	ch, err := s.db.TakeChallenge(c.Request().Context(), ceremonyKey(ck.Value, challenge), kind)
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

// takeLogin reads an assertion and consumes the ceremony it answers.
func (s *Server) takeLogin(c echo.Context, kind string) (db.Challenge, webauthn.SessionData, *protocol.ParsedCredentialAssertionData, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBody(c.Request().Body)
	if err != nil {
		return db.Challenge{}, webauthn.SessionData{}, nil, ceremonyFailed(err)
	}
	ch, session, err := s.takeCeremony(c, kind, parsed.Response.CollectedClientData.Challenge)
	return ch, session, parsed, err
}

// takeCreation reads a new passkey and consumes the ceremony it answers.
func (s *Server) takeCreation(c echo.Context, kind string) (db.Challenge, webauthn.SessionData, *protocol.ParsedCredentialCreationData, error) {
	parsed, err := protocol.ParseCredentialCreationResponseBody(c.Request().Body)
	if err != nil {
		return db.Challenge{}, webauthn.SessionData{}, nil, ceremonyFailed(err)
	}
	ch, session, err := s.takeCeremony(c, kind, parsed.Response.CollectedClientData.Challenge)
	return ch, session, parsed, err
}

// errPasskeyExists answers a new passkey whose credential id is already stored.
var errPasskeyExists = &appError{Status: http.StatusConflict,
	Message: "This passkey is already registered with Gatehouse. Use another device or security key, or sign in with this one."}

// ceremonyFailed explains a rejected WebAuthn response without exposing internals.
func ceremonyFailed(err error) *appError {
	msg := "Your passkey was not accepted. Please try again."
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Type == protocol.ErrVerification.Type {
		msg = "Your passkey could not be verified for this site. Make sure you opened Gatehouse at its usual address."
	}
	return &appError{Status: http.StatusBadRequest, Message: msg}
}
