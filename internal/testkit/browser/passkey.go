package browser

import (
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// AuthenticatorID names a virtual authenticator of one tab.
type AuthenticatorID = webauthn.AuthenticatorID

// Credential is a passkey stored on a virtual authenticator.
type Credential = webauthn.Credential

// AddPasskeyAuthenticator attaches a virtual platform authenticator to this
// tab, like a phone's or laptop's built-in passkey store: CTAP 2.1, internal
// transport, resident keys, and user verification that succeeds. Ceremonies
// then complete without any UI.
func (b *Browser) AddPasskeyAuthenticator() AuthenticatorID {
	b.t.Helper()
	// Without EnableUI false Chromium would wait for a person to pick.
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: new(false)}); err != nil {
		b.t.Fatalf("browser: WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:            webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:        webauthn.Ctap2versionCtap21,
			Transport:           webauthn.AuthenticatorTransportInternal,
			HasResidentKey:      true,
			HasUserVerification: true,
			IsUserVerified:      true,
			// The protocol defaults this to true, but the Go struct always
			// sends the field: left false, every ceremony waits for a touch
			// that never comes.
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		b.t.Fatalf("browser: WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

// Credentials returns the passkeys stored on the authenticator.
func (b *Browser) Credentials(id AuthenticatorID) []*Credential {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		b.t.Fatalf("browser: WebAuthn.getCredentials: %v", err)
	}
	return res.Credentials
}

// SetUserVerified makes the authenticator's user verification (the
// fingerprint or PIN prompt) succeed or fail from the next ceremony on.
func (b *Browser) SetUserVerified(id AuthenticatorID, ok bool) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{AuthenticatorID: id, IsUserVerified: ok})
	if err != nil {
		b.t.Fatalf("browser: WebAuthn.setUserVerified: %v", err)
	}
}

// RemoveAuthenticator detaches the authenticator and drops its passkeys.
func (b *Browser) RemoveAuthenticator(id AuthenticatorID) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: id})
	if err != nil {
		b.t.Fatalf("browser: WebAuthn.removeVirtualAuthenticator: %v", err)
	}
}

// CancelCeremonies makes every ceremony on the authenticator reject with
// NotAllowedError at once, as when the user dismisses the passkey prompt,
// until SetUserVerified(id, true). It fails user verification, so it only
// works for ceremonies that require or prefer it (Gatehouse requires it).
// Measured: the page sees the error in about 50-150 ms. Removing the
// authenticator or turning off presence simulation instead only rejects when
// the ceremony's own timeout runs out.
func (b *Browser) CancelCeremonies(id AuthenticatorID) {
	b.t.Helper()
	b.SetUserVerified(id, false)
}
