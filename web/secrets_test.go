package web

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
)

// Every test app collects in app.secrets (a secretscan.Set) each secret its
// traffic carried: session cookies, invite, share and API tokens, door codes
// typed or revealed, passphrases. After each test, checkNoSecretsLeaked
// asserts none of them reached the log or the audit table.

func (a *testApp) checkNoSecretsLeaked() {
	if len(a.secrets.Snapshot()) == 0 {
		return
	}
	entries, err := a.db.AuditLog(context.Background(), 0, 100000)
	if err != nil {
		a.t.Errorf("read audit log: %v", err)
		return
	}
	for _, leak := range leaks(a.secrets, a.logs.String(), entries) {
		a.t.Error(leak)
	}
}

// leaks says where each secret appears in the log or in an audit entry (a
// code only as a whole token: see secretscan).
func leaks(s *secretscan.Set, logs string, entries []db.AuditEntry) []string {
	audit := make([]string, len(entries))
	for i, e := range entries {
		audit[i] = e.Detail + "\n" + e.Actor + "\n" + e.IP
	}
	var out []string
	for _, l := range s.Leaks(
		secretscan.Place{Lines: strings.Split(logs, "\n"), Where: func(int) string { return "the log" }},
		secretscan.Place{Lines: audit, Where: func(i int) string { return "the audit log: " + entries[i].Action }},
	) {
		out = append(out, "a secret the test used ("+l.Secret[:4]+"…) appears in "+l.Where)
	}
	return out
}

func TestSecretScanCatchesLeak(t *testing.T) {
	s := &secretscan.Set{}
	s.FromRequest([]byte("label=Ben&pin=583920"))
	s.FromResponse(map[string][]string{"Set-Cookie": {"gatehouse=abc.SECRETSECRET; Path=/"}}, []byte(`<p data-testid="pin" aria-label="x">719304</p> /s/AAAAAAAAAAAAAAAAAAAAAA {"pin":"246813"}`))
	got := map[string]bool{}
	for v := range s.Snapshot() {
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
	found := strings.Join(leaks(s, logs, entries), "\n")
	for _, want := range []string{"(7193…) appears in the log", "(SECR…) appears in the audit log"} {
		if !strings.Contains(found, want) {
			t.Errorf("leak %q not found; got:\n%s", want, found)
		}
	}
	if strings.Contains(found, "5839") {
		t.Errorf("a code inside a duration or a longer number counted as a leak:\n%s", found)
	}
}
