// Package secretscan is for tests: it collects the secrets a test saw (share
// and invite tokens, API tokens, door codes, session secrets, passphrases,
// vendor API keys) and finds any of them in text where none may appear, such
// as log lines and audit rows. The web package's tests and the binary's tests
// both keep that promise through it.
package secretscan

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// MinLen: shorter values are not our secrets (door codes have 6 to 8 digits)
// and would match by chance.
const MinLen = 6

// Set is the set of secrets a test saw, each with what it is; safe for
// concurrent use. The zero Set is empty and ready.
type Set struct {
	mu   sync.Mutex
	seen map[string]string // secret -> what it is, for the report
}

// Add records v as a secret of the given kind ("door code", "share token"…).
func (s *Set) Add(kind, v string) {
	if len(v) < MinLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]string{}
	}
	if _, ok := s.seen[v]; !ok {
		s.seen[v] = kind
	}
}

// Snapshot is every secret recorded so far, with its kind.
func (s *Set) Snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.seen)
}

// AddLink records the token of every share or invite link (…/s/TOKEN,
// …/enroll/TOKEN) in text.
func (s *Set) AddLink(text string) {
	for _, m := range linkToken.FindAllStringSubmatch(text, -1) {
		s.Add(map[string]string{"s": "share token", "enroll": "invite token"}[m[1]], m[2])
	}
}

// AddCookie records a Gatehouse cookie: of a session ("id.secret") the
// secret, since its public id may be logged; of a ceremony the whole id.
func (s *Set) AddCookie(name, value string) {
	if !strings.Contains(name, "gatehouse") {
		return
	}
	if _, secret, ok := strings.Cut(value, "."); ok {
		s.Add("session secret", secret)
	} else {
		s.Add("ceremony id", value)
	}
}

var (
	linkToken   = regexp.MustCompile(`/(s|enroll)/([A-Za-z0-9_-]{22,43})`)
	apiToken    = regexp.MustCompile(`gh_[A-Za-z0-9_-]{20,}`)
	revealedPIN = regexp.MustCompile(`data-testid="pin"[^>]*>(\d+)<`)
	jsonSecret  = regexp.MustCompile(`"(pin|passphrase|api_key)"\s*:\s*"([^"]+)"`)
	digitsOnly  = regexp.MustCompile(`^[0-9]+$`)
)

// formFields are the fields of Gatehouse's forms and JSON bodies that hold a
// secret.
var formFields = map[string]string{"pin": "door code", "passphrase": "passphrase", "api_key": "vendor API key"}

// FromRequest records the secrets a request body sends, as a form or as JSON:
// a code typed at a keypad or given, a passphrase, a vendor API key.
func (s *Set) FromRequest(body []byte) {
	if form, err := url.ParseQuery(string(body)); err == nil {
		for k, kind := range formFields {
			for _, v := range form[k] {
				s.Add(kind, v)
			}
		}
	}
	for _, m := range jsonSecret.FindAllSubmatch(body, -1) {
		s.Add(formFields[string(m[1])], string(m[2]))
	}
}

// FromResponse records the secrets a response gives: cookies, share and
// invite links, API tokens, revealed and returned codes.
func (s *Set) FromResponse(h http.Header, body []byte) {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		s.AddCookie(c.Name, c.Value)
	}
	s.AddLink(string(body))
	for _, m := range apiToken.FindAll(body, -1) {
		s.Add("API token", string(m))
	}
	for _, m := range revealedPIN.FindAllSubmatch(body, -1) {
		s.Add("door code", string(m[1]))
	}
	for _, m := range jsonSecret.FindAllSubmatch(body, -1) {
		s.Add(formFields[string(m[1])], string(m[2]))
	}
}

// transport records into a Set everything a client sends and is answered.
type transport struct {
	next http.RoundTripper
	set  *Set
}

func (rt transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if auth, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
		rt.set.Add("API token", auth)
	}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			if b, err := io.ReadAll(body); err == nil {
				rt.set.FromRequest(b)
			}
		}
	}
	res, err := rt.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// The whole body is read here, so the secrets it shows are recorded
	// whether or not the caller reads it; a body cut short (the server was
	// killed) is an error, as it would be for the caller.
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	rt.set.FromResponse(res.Header, b)
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

// Wrap makes c record into s, on top of c's own transport (the default one if
// nil), and returns c.
func (s *Set) Wrap(c *http.Client) *http.Client {
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = transport{next: next, set: s}
	return c
}

// Client is a plain HTTP client (a guest's phone) that records into s.
func (s *Set) Client(timeout time.Duration) *http.Client {
	return s.Wrap(&http.Client{Timeout: timeout})
}

// Place is text that must hold no secret, as lines (log lines, audit rows),
// with how to name its i'th line in a report.
type Place struct {
	Lines []string
	Where func(i int) string
}

// Leak is one secret found where it must not be.
type Leak struct {
	Kind, Secret string
	Where        string // the place's name for the line
	Context      string // that line, the secret blanked out
}

func (l Leak) String() string {
	return fmt.Sprintf("the %s %.4s… (the test saw it) appears in %s: %s", l.Kind, l.Secret, l.Where, l.Context)
}

// Leaks finds the set's secrets in places, each secret once per place, at its
// first line.
func (s *Set) Leaks(places ...Place) []Leak {
	secrets := s.Snapshot()
	ix := newIndex(secrets)
	var found []Leak
	for _, pl := range places {
		reported := map[string]bool{}
		for i, line := range pl.Lines {
			ix.find(line, func(v string) {
				if reported[v] {
					return
				}
				reported[v] = true
				blanked := strings.ReplaceAll(line, v, "«"+secrets[v]+"»")
				if len(blanked) > 300 {
					blanked = "…" + blanked[len(blanked)-300:]
				}
				found = append(found, Leak{Kind: secrets[v], Secret: v, Where: pl.Where(i), Context: blanked})
			})
		}
	}
	return found
}

// index finds every secret of a set in a text in one pass: each position's
// first MinLen bytes are looked up among the secrets' prefixes, so a scan
// costs about the same for 2 secrets or 2,000 and a several-megabyte log takes
// well under a second.
type index map[string][]string // first MinLen bytes -> the secrets starting so

func newIndex(secrets map[string]string) index {
	ix := index{}
	for v := range secrets {
		ix[v[:MinLen]] = append(ix[v[:MinLen]], v)
	}
	return ix
}

// find calls found with each secret that text holds. A door code is digits
// only, and as a bare substring "123456" would turn up by chance: inside
// durations ("duration=1.123456ms" has a six-digit run on every request
// line), temporary paths and other numbers. So a code counts only as a whole
// token, not touching a letter, digit or underscore on either side (as
// regexp's \b...\b), which is how a leak would show it ("pin=123456", "code
// 123456", "\"123456\""). Tokens and keys are long and random: any substring
// counts.
func (ix index) find(text string, found func(secret string)) {
	for i := 0; i+MinLen <= len(text); i++ {
		for _, v := range ix[text[i:i+MinLen]] {
			if !strings.HasPrefix(text[i:], v) {
				continue
			}
			if digitsOnly.MatchString(v) && (i > 0 && isWordByte(text[i-1]) || i+len(v) < len(text) && isWordByte(text[i+len(v)])) {
				continue
			}
			found(v)
		}
	}
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
