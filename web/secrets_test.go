package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// secretLog collects every secret a test's traffic carried: session cookies,
// invite, share and API tokens, door codes typed or revealed, passphrases. After
// each test, checkNoSecretsLeaked asserts none of them reached the log or the
// audit table.
type secretLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (s *secretLog) add(v string) {
	if len(v) < 6 { // too short to be one of our secrets, too likely to match by chance
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[v] = true
}

func (s *secretLog) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.seen))
	for v := range s.seen {
		out = append(out, v)
	}
	return out
}

var (
	tokenInBody = regexp.MustCompile(`/(?:s|enroll)/([A-Za-z0-9_-]{22,43})`)
	apiToken    = regexp.MustCompile(`gh_[A-Za-z0-9_-]{20,}`)
	revealedPIN = regexp.MustCompile(`data-testid="pin"[^>]*>(\d+)<`)
	jsonPIN     = regexp.MustCompile(`"(?:pin|passphrase)"\s*:\s*"([^"]+)"`)
)

func (s *secretLog) fromRequest(body string) {
	if form, err := url.ParseQuery(body); err == nil {
		for _, k := range []string{"pin", "passphrase", "api_key"} {
			s.add(form.Get(k))
		}
	}
	for _, m := range jsonPIN.FindAllStringSubmatch(body, -1) {
		s.add(m[1])
	}
}

func (s *secretLog) fromResponse(h http.Header, body string) {
	for _, sc := range h.Values("Set-Cookie") {
		if name, rest, ok := strings.Cut(sc, "="); ok && strings.Contains(name, "gatehouse") {
			value, _, _ := strings.Cut(rest, ";")
			if _, secret, ok := strings.Cut(value, "."); ok {
				s.add(secret) // the session secret; its public id may be logged
			} else {
				s.add(value) // the ceremony id
			}
		}
	}
	for _, m := range tokenInBody.FindAllStringSubmatch(body, -1) {
		s.add(m[1])
	}
	for _, m := range apiToken.FindAllString(body, -1) {
		s.add(m)
	}
	for _, m := range revealedPIN.FindAllStringSubmatch(body, -1) {
		s.add(m[1])
	}
}

func (a *testApp) checkNoSecretsLeaked() {
	secrets := a.secrets.all()
	if len(secrets) == 0 {
		return
	}
	entries, err := a.db.AuditLog(context.Background(), 0, 100000)
	if err != nil {
		a.t.Errorf("read audit log: %v", err)
		return
	}
	for _, leak := range leaks(secrets, a.logs.String(), entries) {
		a.t.Error(leak)
	}
}

// leaks says where each secret appears in the log or in an audit entry. A
// code (digits only) counts only as a whole token: every request line has a
// duration such as "1.164013ms", whose digits would otherwise match a code
// by chance now and then.
func leaks(secrets []string, logs string, entries []db.AuditEntry) []string {
	var out []string
	for _, v := range secrets {
		in := func(text string) bool { return strings.Contains(text, v) }
		if digitsOnly.MatchString(v) {
			whole := regexp.MustCompile(`(^|[^0-9A-Za-z.])` + v + `($|[^0-9A-Za-z])`)
			in = whole.MatchString
		}
		if in(logs) {
			out = append(out, fmt.Sprintf("a secret the test used (%.4s…) appears in the log", v))
		}
		for _, e := range entries {
			if in(e.Detail) || in(e.Actor) || in(e.IP) {
				out = append(out, fmt.Sprintf("a secret the test used (%.4s…) appears in the audit log: %s", v, e.Action))
			}
		}
	}
	return out
}

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

func TestSecretScanCatchesLeak(t *testing.T) {
	s := &secretLog{}
	s.fromRequest("label=Ben&pin=583920")
	s.fromResponse(map[string][]string{"Set-Cookie": {"gatehouse=abc.SECRETSECRET; Path=/"}}, `<p data-testid="pin" aria-label="x">719304</p> /s/AAAAAAAAAAAAAAAAAAAAAA {"pin":"246813"}`)
	got := map[string]bool{}
	for _, v := range s.all() {
		got[v] = true
	}
	for _, want := range []string{"583920", "SECRETSECRET", "719304", "AAAAAAAAAAAAAAAAAAAAAA"} {
		if !got[want] {
			t.Errorf("secret %q not collected; got %v", want, got)
		}
	}

	// Planted: the code alone in a log line, the cookie secret in an audit
	// detail. Decoys: the code's digits inside a duration and a longer number.
	logs := "level=INFO msg=request duration=1.583920ms\nlevel=INFO msg=x id=75839201\nlevel=WARN msg=oops pin=719304\n"
	entries := []db.AuditEntry{{Action: "x", Detail: "cookie SECRETSECRET"}, {Action: "y", Detail: "took 0.583920s"}}
	found := strings.Join(leaks(s.all(), logs, entries), "\n")
	for _, want := range []string{"(7193…) appears in the log", "(SECR…) appears in the audit log"} {
		if !strings.Contains(found, want) {
			t.Errorf("leak %q not found; got:\n%s", want, found)
		}
	}
	if strings.Contains(found, "5839") {
		t.Errorf("a code inside a duration or a longer number counted as a leak:\n%s", found)
	}
}
