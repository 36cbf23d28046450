package softkey

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

const origin = "http://localhost:8080"

type user struct {
	id    []byte
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.id }
func (u *user) WebAuthnName() string                       { return "alice" }
func (u *user) WebAuthnDisplayName() string                { return "Alice" }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func newRP(t *testing.T) *webauthn.WebAuthn {
	t.Helper()
	rp, err := webauthn.New(&webauthn.Config{RPID: "localhost", RPDisplayName: "x", RPOrigins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errText includes protocol.Error's DevInfo, which is where go-webauthn says
// which check failed; Error() alone is often just "Error validating ...".
func errText(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Details + ": " + pe.DevInfo
	}
	return err.Error()
}

// register runs a passkey registration the way the server will: resident key
// and UV required, no attestation. On success the credential is added to u.
func register(t *testing.T, rp *webauthn.WebAuthn, a *Authenticator, u *user, opts ...webauthn.RegistrationOption) (*webauthn.Credential, []byte, error) {
	t.Helper()
	opts = append([]webauthn.RegistrationOption{
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationRequired,
		}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
	}, opts...)
	creation, session, err := rp.BeginRegistration(u, opts...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Create(mustJSON(t, creation))
	if err != nil {
		return nil, nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(resp)
	if err != nil {
		t.Fatalf("parse registration: %v", errText(err))
	}
	cred, err := rp.CreateCredential(u, *session, parsed)
	if err == nil {
		u.creds = append(u.creds, *cred)
	}
	return cred, resp, err
}

// login runs a discoverable login with UV required, looking the user up by
// user handle among users. On success the stored credential is updated.
func login(t *testing.T, rp *webauthn.WebAuthn, a *Authenticator, users ...*user) (*user, *webauthn.Credential, error) {
	t.Helper()
	assertion, session, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Get(mustJSON(t, assertion))
	if err != nil {
		return nil, nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		t.Fatalf("parse assertion: %v", errText(err))
	}
	found, cred, err := rp.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
		for _, u := range users {
			if bytes.Equal(u.id, handle) {
				return u, nil
			}
		}
		return nil, fmt.Errorf("no user %x", handle)
	}, *session, parsed)
	if err != nil {
		return nil, nil, err
	}
	u := found.(*user)
	for i := range u.creds {
		if bytes.Equal(u.creds[i].ID, cred.ID) {
			u.creds[i] = *cred
		}
	}
	return u, cred, nil
}

func TestRegistration(t *testing.T) {
	aaguid := [16]byte{0xad, 0xce, 15: 1}
	tests := []struct {
		name    string
		setup   func(*Authenticator)
		wantErr string // substring of errText; "" means success
		wantBE  bool
		wantBS  bool
	}{
		{name: "device-bound passkey", setup: func(*Authenticator) {}},
		{name: "synced passkey", setup: func(a *Authenticator) { a.BackupEligible, a.BackupState, a.AAGUID = true, true, aaguid }, wantBE: true, wantBS: true},
		{name: "wrong origin", setup: func(a *Authenticator) { a.Origin = "http://evil.example" }, wantErr: "origin"},
		{name: "no user verification", setup: func(a *Authenticator) { a.UserVerified = false }, wantErr: "User verification required"},
		{name: "backup state without eligibility", setup: func(a *Authenticator) { a.BackupState = true }, wantErr: "Backup State"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(origin)
			tt.setup(a)
			cred, resp, err := register(t, newRP(t), a, &user{id: []byte("user-1")})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(errText(err), tt.wantErr) {
					t.Fatalf("got error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want success", errText(err))
			}
			if got := a.Credentials(); len(got) != 1 || !bytes.Equal(got[0], cred.ID) {
				t.Errorf("got credentials %x, want [%x]", got, cred.ID)
			}
			f := cred.Flags
			if !f.UserPresent || !f.UserVerified || f.BackupEligible != tt.wantBE || f.BackupState != tt.wantBS {
				t.Errorf("got flags %+v, want UP UV BE=%v BS=%v", f, tt.wantBE, tt.wantBS)
			}
			if !bytes.Equal(cred.Authenticator.AAGUID, a.AAGUID[:]) {
				t.Errorf("got AAGUID %x, want %x", cred.Authenticator.AAGUID, a.AAGUID)
			}
			if cred.AttestationFormat != "none" || !slices.Equal(cred.Transport, []protocol.AuthenticatorTransport{protocol.Internal}) {
				t.Errorf("got format %q transports %v, want none [internal]", cred.AttestationFormat, cred.Transport)
			}
			checkRegistrationJSON(t, resp)
		})
	}
}

// checkRegistrationJSON checks the toJSON() members go-webauthn doesn't verify
// but a server may store or a client library may rely on.
func checkRegistrationJSON(t *testing.T, resp []byte) {
	t.Helper()
	var r struct {
		Attachment string          `json:"authenticatorAttachment"`
		Ext        json.RawMessage `json:"clientExtensionResults"`
		Response   struct {
			ClientDataJSON string
			PublicKey      string
			Alg            int `json:"publicKeyAlgorithm"`
		}
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		t.Fatal(err)
	}
	if r.Attachment != "platform" || string(r.Ext) != "{}" || r.Response.Alg != int(webauthncose.AlgES256) {
		t.Errorf("got attachment %q extensions %s alg %d, want platform {} -7", r.Attachment, r.Ext, r.Response.Alg)
	}
	spki, _ := base64.RawURLEncoding.DecodeString(r.Response.PublicKey)
	if pub, err := x509.ParsePKIXPublicKey(spki); err != nil {
		t.Errorf("got publicKey error %v, want SPKI", err)
	} else if _, ok := pub.(*ecdsa.PublicKey); !ok {
		t.Errorf("got publicKey %T, want *ecdsa.PublicKey", pub)
	}
	cd, _ := base64.RawURLEncoding.DecodeString(r.Response.ClientDataJSON)
	if want := `"crossOrigin":false`; !strings.HasPrefix(string(cd), `{"type":"webauthn.create","challenge":`) || !strings.Contains(string(cd), want) {
		t.Errorf("got clientDataJSON %s, want type, challenge first and %s", cd, want)
	}
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name string
		// setup runs after registration and one good login (stored count 1 for CounterStep 1).
		setup       func(a *Authenticator, credID []byte)
		counterStep uint32
		wantErr     string
		wantCount   uint32
		wantClone   bool
	}{
		{name: "counter advances", counterStep: 1, wantCount: 2},
		{name: "counter stays zero", counterStep: 0, wantCount: 0},
		{name: "counter regression", counterStep: 1, setup: func(a *Authenticator, id []byte) { a.SetCounter(id, 0) }, wantCount: 1, wantClone: true},
		{name: "wrong origin", counterStep: 1, setup: func(a *Authenticator, _ []byte) { a.Origin = "http://evil.example" }, wantErr: "origin"},
		{name: "no user verification", counterStep: 1, setup: func(a *Authenticator, _ []byte) { a.UserVerified = false }, wantErr: "User verification required"},
		{name: "backup eligibility changed", counterStep: 1, setup: func(a *Authenticator, _ []byte) { a.BackupEligible = true }, wantErr: "Backup Eligible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp, a, u := newRP(t), New(origin), &user{id: []byte("user-1")}
			a.CounterStep = tt.counterStep
			reg, _, err := register(t, rp, a, u)
			if err != nil {
				t.Fatalf("register: %v", errText(err))
			}
			if _, cred, err := login(t, rp, a, u); err != nil {
				t.Fatalf("first login: got %v, want success", errText(err))
			} else if cred.Authenticator.SignCount != tt.counterStep {
				t.Fatalf("first login: got sign count %d, want %d", cred.Authenticator.SignCount, tt.counterStep)
			}
			if tt.setup != nil {
				tt.setup(a, reg.ID)
			}
			got, cred, err := login(t, rp, a, u)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(errText(err), tt.wantErr) {
					t.Fatalf("got error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want success", errText(err))
			}
			if got != u || !bytes.Equal(cred.ID, reg.ID) {
				t.Errorf("got user %q credential %x, want %q %x", got.id, cred.ID, u.id, reg.ID)
			}
			if a := cred.Authenticator; a.SignCount != tt.wantCount || a.CloneWarning != tt.wantClone {
				t.Errorf("got sign count %d clone warning %v, want %d %v", a.SignCount, a.CloneWarning, tt.wantCount, tt.wantClone)
			}
		})
	}
}

// TestChoosingCredential covers the two ways a credential is picked when the
// authenticator holds several: the server's allowCredentials, or Use.
func TestChoosingCredential(t *testing.T) {
	rp, a := newRP(t), New(origin)
	alice, bob := &user{id: []byte("alice")}, &user{id: []byte("bob")}
	for _, u := range []*user{alice, bob} {
		if _, _, err := register(t, rp, a, u); err != nil {
			t.Fatalf("register %s: %v", u.id, errText(err))
		}
	}

	if got, _, err := login(t, rp, a, alice, bob); err != nil || got != alice {
		t.Fatalf("discoverable login: got %v, %v, want alice (the first credential)", got, err)
	}
	a.Use = bob.creds[0].ID
	if got, _, err := login(t, rp, a, alice, bob); err != nil || got != bob {
		t.Fatalf("discoverable login with Use: got %v, %v, want bob", got, err)
	}
	a.Use = nil

	// allowCredentials names only bob's credential, so it must be used even though alice's comes first.
	assertion, session, err := rp.BeginLogin(bob, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Get(mustJSON(t, assertion))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		t.Fatal(errText(err))
	}
	if _, err := rp.ValidateLogin(bob, *session, parsed); err != nil {
		t.Fatalf("allowCredentials login: got %v, want success", errText(err))
	}
}

func TestRefusals(t *testing.T) {
	rp, a, u := newRP(t), New(origin), &user{id: []byte("user-1")}
	if _, err := a.Get(mustJSON(t, must(rp.BeginDiscoverableLogin()))); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("get with no credentials: got %v, want %v", err, ErrNotAllowed)
	}
	if _, _, err := register(t, rp, a, u); err != nil {
		t.Fatal(errText(err))
	}
	other := New(origin)
	if _, err := other.Get(mustJSON(t, must(rp.BeginLogin(u)))); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("get with foreign allowCredentials: got %v, want %v", err, ErrNotAllowed)
	}

	exclude := webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors())
	if _, _, err := register(t, rp, a, u, exclude); !errors.Is(err, ErrInvalidState) {
		t.Errorf("create with excluded credential: got %v, want %v", err, ErrInvalidState)
	}
	// Another authenticator doesn't hold the excluded credential, so it may register.
	if _, _, err := register(t, rp, other, u, exclude); err != nil {
		t.Errorf("create on another authenticator: got %v, want success", errText(err))
	}

	rsaOnly := webauthn.WithCredentialParameters([]protocol.CredentialParameter{{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256}})
	if _, _, err := register(t, rp, New(origin), u, rsaOnly); !errors.Is(err, ErrNotSupported) {
		t.Errorf("create with RS256 only: got %v, want %v", err, ErrNotSupported)
	}
}

func must[T, S any](v T, _ S, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
