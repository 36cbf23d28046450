// Package softkey is a software passkey authenticator. It plays both the
// browser and the authenticator: it reads the options JSON a server's begin
// endpoint returns and produces the JSON that PublicKeyCredential.toJSON()
// would post to the finish endpoint, so a program can register and sign in
// over plain HTTP without a browser. The load tool enrols owners with it and
// the handler tests drive passkey ceremonies with it; it is ordinary code, not
// a test package, because the load tool is a program. Its knobs produce
// responses a real browser never would (wrong origin, no user verification,
// counter regressions), so tests can prove the server rejects them.
package softkey

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// The DOMException names a browser rejects create() and get() with, so tests
// can tell which refusal they hit with errors.Is.
var (
	ErrInvalidState = errors.New("InvalidStateError: the authenticator already holds an excluded credential")
	ErrNotAllowed   = errors.New("NotAllowedError: no credential for this relying party")
	ErrNotSupported = errors.New("NotSupportedError: no supported algorithm in pubKeyCredParams")
)

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

const algES256 = -7

// Authenticator is a platform authenticator holding discoverable ES256
// credentials. Set the exported knobs before a ceremony; they are read, not
// locked, so don't change them while another goroutine calls Create or Get.
type Authenticator struct {
	// Origin goes into clientDataJSON.origin, and supplies the RP ID when the
	// options omit it, as a browser derives it from the page's origin.
	Origin string
	// UserVerified sets the UV flag. It is not checked against the options'
	// userVerification so a test can send what a browser would refuse to.
	UserVerified bool
	// BackupEligible and BackupState set the BE and BS flags, as a synced
	// passkey (both) or a device-bound one (neither) would.
	BackupEligible, BackupState bool
	// AAGUID identifies the authenticator model in the attested credential data.
	AAGUID [16]byte
	// CounterStep is added to a credential's sign counter on every Get. 0
	// keeps counters at 0, as many synced passkeys do.
	CounterStep uint32
	// Use, when set, picks the credential with this id in Get instead of the
	// first eligible one, like a user choosing in the account picker.
	Use []byte
	// NewID, when set, is the id Create gives its next credential, as a
	// crafted registration reusing a known credential id would.
	NewID []byte

	mu    sync.Mutex
	creds []*credential
}

type credential struct {
	id, userHandle []byte
	rpID           string
	key            *ecdsa.PrivateKey
	counter        uint32
}

// New returns an empty authenticator for origin that verifies the user and
// steps counters by 1; the zero Authenticator would do neither.
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, UserVerified: true, CounterStep: 1}
}

// Credentials returns the ids of all credentials, oldest first.
func (a *Authenticator) Credentials() [][]byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([][]byte, len(a.creds))
	for i, c := range a.creds {
		ids[i] = bytes.Clone(c.id)
	}
	return ids
}

// SetCounter sets a credential's sign counter; the next Get reports
// n+CounterStep. Setting it at or below what the server stored simulates a
// cloned authenticator. It panics on an unknown id, which is a test bug.
func (a *Authenticator) SetCounter(credID []byte, n uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.find(credID)
	if c == nil {
		panic(fmt.Sprintf("softkey: SetCounter: no credential %s", b64(credID)))
	}
	c.counter = n
}

func (a *Authenticator) find(id []byte) *credential {
	for _, c := range a.creds {
		if bytes.Equal(c.id, id) {
			return c
		}
	}
	return nil
}

// descriptor is a PublicKeyCredentialDescriptorJSON.
type descriptor struct {
	ID string `json:"id"`
}

// Create answers navigator.credentials.create() for the JSON of a
// protocol.CredentialCreation and returns the RegistrationResponseJSON. It
// always makes a discoverable credential, as a platform passkey store does,
// and attests with format "none".
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var opts struct {
		PublicKey struct {
			RP        struct{ ID string }
			User      struct{ ID string }
			Challenge string
			Params    []struct {
				Type string
				Alg  int
			} `json:"pubKeyCredParams"`
			Exclude []descriptor `json:"excludeCredentials"`
		}
	}
	if err := json.Unmarshal(optionsJSON, &opts); err != nil {
		return nil, fmt.Errorf("softkey: creation options: %w", err)
	}
	o := opts.PublicKey
	rpID, err := a.rpID(o.RP.ID)
	if err != nil {
		return nil, err
	}
	userHandle, err := unb64("user.id", o.User.ID)
	if err != nil {
		return nil, err
	}
	// An empty list means the browser's default, which includes ES256.
	supported := len(o.Params) == 0
	for _, p := range o.Params {
		supported = supported || (p.Type == "public-key" && p.Alg == algES256)
	}
	if !supported {
		return nil, ErrNotSupported
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range o.Exclude {
		id, err := unb64("excludeCredentials.id", d.ID)
		if err != nil {
			return nil, err
		}
		if c := a.find(id); c != nil && c.rpID == rpID {
			return nil, ErrInvalidState
		}
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &credential{id: make([]byte, 16), userHandle: userHandle, rpID: rpID, key: key}
	_, _ = rand.Read(c.id)
	if a.NewID != nil {
		c.id, a.NewID = bytes.Clone(a.NewID), nil
	}
	point, err := key.PublicKey.Bytes() // 0x04 || X || Y, each 32 bytes
	if err != nil {
		return nil, err
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: algES256, -1: 1, -2: point[1:33], -3: point[33:]})
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	clientData, err := a.clientData("webauthn.create", o.Challenge)
	if err != nil {
		return nil, err
	}

	authData := a.authData(rpID, flagAT, c.counter)
	authData = append(authData, a.AAGUID[:]...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(c.id)))
	authData = append(authData, c.id...)
	authData = append(authData, cose...)
	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	a.creds = append(a.creds, c)

	return json.Marshal(map[string]any{
		"id":    b64(c.id),
		"rawId": b64(c.id),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":     b64(clientData),
			"attestationObject":  b64(attObj),
			"authenticatorData":  b64(authData),
			"transports":         []string{"internal"},
			"publicKey":          b64(spki),
			"publicKeyAlgorithm": algES256,
		},
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
	})
}

// Get answers navigator.credentials.get() for the JSON of a
// protocol.CredentialAssertion and returns the AuthenticationResponseJSON,
// signed with the chosen credential's key.
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var opts struct {
		PublicKey struct {
			Challenge string
			RPID      string       `json:"rpId"`
			Allow     []descriptor `json:"allowCredentials"`
		}
	}
	if err := json.Unmarshal(optionsJSON, &opts); err != nil {
		return nil, fmt.Errorf("softkey: request options: %w", err)
	}
	o := opts.PublicKey
	rpID, err := a.rpID(o.RPID)
	if err != nil {
		return nil, err
	}
	allowed := make([][]byte, len(o.Allow))
	for i, d := range o.Allow {
		if allowed[i], err = unb64("allowCredentials.id", d.ID); err != nil {
			return nil, err
		}
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	var c *credential
	for _, cand := range a.creds {
		ok := cand.rpID == rpID && (len(allowed) == 0 || containsID(allowed, cand.id))
		if ok && (a.Use == nil || bytes.Equal(a.Use, cand.id)) {
			c = cand
			break
		}
	}
	if c == nil {
		return nil, ErrNotAllowed
	}
	clientData, err := a.clientData("webauthn.get", o.Challenge)
	if err != nil {
		return nil, err
	}
	c.counter += a.CounterStep
	authData := a.authData(rpID, 0, c.counter)
	hash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(bytes.Clone(authData), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return nil, err
	}

	return json.Marshal(map[string]any{
		"id":    b64(c.id),
		"rawId": b64(c.id),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64(clientData),
			"authenticatorData": b64(authData),
			"signature":         b64(sig),
			"userHandle":        b64(c.userHandle),
		},
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
	})
}

// rpID returns the options' RP ID or, as a browser does when it is
// omitted, the host of the caller's origin.
func (a *Authenticator) rpID(fromOptions string) (string, error) {
	if fromOptions != "" {
		return fromOptions, nil
	}
	u, err := url.Parse(a.Origin)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("softkey: no rp id in options and origin %q has no host", a.Origin)
	}
	return u.Hostname(), nil
}

// clientData builds clientDataJSON with members in the order browsers emit.
// The challenge is decoded and re-encoded, as a browser's JSON options parser
// would, so malformed challenges fail here rather than at the server.
func (a *Authenticator) clientData(typ, challenge string) ([]byte, error) {
	raw, err := unb64("challenge", challenge)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, b64(raw), a.Origin, false})
}

// authData builds the fixed 37-byte authenticator data head: rpIdHash, flags,
// big-endian sign counter. User presence is always asserted.
func (a *Authenticator) authData(rpID string, flags byte, counter uint32) []byte {
	flags |= flagUP
	if a.UserVerified {
		flags |= flagUV
	}
	if a.BackupEligible {
		flags |= flagBE
	}
	if a.BackupState {
		flags |= flagBS
	}
	h := sha256.Sum256([]byte(rpID))
	return binary.BigEndian.AppendUint32(append(h[:], flags), counter)
}

func containsID(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// unb64 accepts padded input too, since servers differ in what they send.
func unb64(field, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.URLEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("softkey: %s is not base64url: %w", field, err)
		}
	}
	return b, nil
}
