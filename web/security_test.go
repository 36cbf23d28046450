package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

func TestCrossSitePostRefused(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		// Browsers that send Fetch Metadata.
		{"sec-fetch-site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"sec-fetch-site same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://sub.localhost:8080"}, http.StatusForbidden},
		// Older browsers: only Origin.
		{"origin mismatch", map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": testOrigin}, http.StatusSeeOther},
		{"origin only, ours", map[string]string{"Sec-Fetch-Site": "", "Origin": testOrigin}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			for k, v := range tt.header {
				h[k] = v
			}
			res := c.do(http.MethodPost, "/settings/sessions/delete-others", strings.NewReader(""), h)
			if res.Status != tt.want {
				t.Errorf("got %d, want %d", res.Status, tt.want)
			}
			if tt.want == http.StatusForbidden && !strings.Contains(res.Body, "another site") {
				t.Errorf("refusal page does not explain itself: %q", res.Body)
			}
		})
	}
	// A cross-site sign-out changed nothing: still signed in.
	if res := c.get("/"); res.Status != http.StatusOK {
		t.Errorf("still signed in: got %d, want 200", res.Status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	for _, publicURL := range []string{testOrigin, "https://door.example.com"} {
		t.Run(publicURL, func(t *testing.T) {
			app := newTestApp(t, publicURL)
			c := app.client()
			for _, path := range []string{"/signin", "/healthz", "/no-such-page", "/enroll/x"} {
				res := c.get(path)
				h := res.Header
				csp := h.Get("Content-Security-Policy")
				for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("%s: CSP %q lacks %q", path, csp, want)
					}
				}
				if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
					t.Errorf("%s: CSP allows unsafe scripts: %q", path, csp)
				}
				for k, want := range map[string]string{
					"X-Content-Type-Options": "nosniff", "Cross-Origin-Opener-Policy": "same-origin",
				} {
					if got := h.Get(k); got != want {
						t.Errorf("%s: %s: got %q, want %q", path, k, got, want)
					}
				}
				if got := h.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" {
					t.Errorf("%s: Referrer-Policy: got %q", path, got)
				}
				hsts := h.Get("Strict-Transport-Security")
				if secure := strings.HasPrefix(publicURL, "https"); secure != (hsts != "") {
					t.Errorf("%s: HSTS %q with public URL %s", path, hsts, publicURL)
				}
			}
		})
	}
}

func TestCookieNameAndFlags(t *testing.T) {
	app := newTestApp(t, "https://door.example.com")
	token := app.invite("")
	// Drive begin directly: the cookie set on it shows name and flags.
	c := app.client()
	res := c.do(http.MethodPost, "/enroll/"+token+"/begin", strings.NewReader(`{"name":"Ana"}`), map[string]string{
		"Content-Type": "application/json", "Origin": "https://door.example.com"})
	if res.Status != http.StatusOK {
		t.Fatalf("begin: got %d %s", res.Status, res.Body)
	}
	sc := res.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-gatehouse-ceremony=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	if app.srv.sessionCookieName() != "__Host-gatehouse" {
		t.Errorf("session cookie over https: got %q, want __Host-gatehouse", app.srv.sessionCookieName())
	}
}

func TestGetChangesNothing(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	unused := app.invite("Ben")
	before := snapshot(t, app)
	for _, path := range []string{"/", "/locks", "/guests", "/timeline", "/settings", "/settings/passkeys",
		"/settings/owners", "/settings/sessions", "/settings/activity", "/enroll/" + unused, "/signin", "/healthz",
		"/signout", "/settings/passkeys/1/delete", "/settings/sessions/delete-others", "/settings/owners/1/delete"} {
		res := c.get(path)
		if res.Status >= 500 {
			t.Errorf("GET %s: got %d", path, res.Status)
		}
	}
	if after := snapshot(t, app); after != before {
		t.Errorf("GETs changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if res := c.get("/"); res.Status != http.StatusOK {
		t.Errorf("still signed in after GET /signout: got %d, want 200", res.Status)
	}
	// The unused invite still works.
	if res := app.client().get("/enroll/" + unused); res.Status != http.StatusOK {
		t.Errorf("invite after GETs: got %d, want 200", res.Status)
	}
}

// snapshot summarises every table that a GET could wrongly change.
func snapshot(t *testing.T, app *testApp) string {
	t.Helper()
	ctx := context.Background()
	owners, _ := app.db.Owners(ctx)
	creds, _ := app.db.Credentials(ctx, 1)
	sessions, _ := app.db.Sessions(ctx, 1)
	audit, _ := app.db.AuditLog(ctx, 0, 1000)
	var b strings.Builder
	b.WriteString(strings.Repeat("o", len(owners)) + " " + strings.Repeat("c", len(creds)) + " " +
		strings.Repeat("s", len(sessions)) + " " + strings.Repeat("a", len(audit)))
	for _, k := range creds {
		b.WriteString(" " + k.Nickname)
	}
	return b.String()
}

func TestRateLimitOnFailedSignIns(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c := app.client()
	var got []int
	for range 14 {
		c.postJSON("/signin/begin", nil)
		res := c.postJSON("/signin/finish", []byte(`{"id":"garbage","type":"public-key"}`))
		got = append(got, res.Status)
	}
	if got[0] == http.StatusTooManyRequests {
		t.Fatalf("first failure already limited: %v", got)
	}
	if last := got[len(got)-1]; last != http.StatusTooManyRequests {
		t.Fatalf("after 14 failures: statuses %v, want the last to be 429", got)
	}
	res := c.postJSON("/signin/begin", nil)
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "Too many attempts") {
		t.Errorf("begin while limited: got %d %s, want 429 with a reason", res.Status, res.Body)
	}
	if !slices.Contains(app.auditActions(), db.AuditSignInFailed) {
		t.Error("failed sign-ins were not audited")
	}
}

func TestSpoofedForwardedForIgnored(t *testing.T) {
	app := newTestApp(t, testOrigin) // no trusted proxies
	c := app.client()
	for i := range 14 {
		c.do(http.MethodPost, "/signin/finish", strings.NewReader(`{}`), map[string]string{
			"Content-Type": "application/json", "X-Forwarded-For": "203.0.113." + string(rune('1'+i%9))})
	}
	res := c.do(http.MethodPost, "/signin/begin", nil, map[string]string{"X-Forwarded-For": "198.51.100.7"})
	if res.Status != http.StatusTooManyRequests {
		t.Errorf("a new X-Forwarded-For escaped the limit: got %d, want 429", res.Status)
	}
	entries, _ := app.db.AuditLog(context.Background(), 0, 1)
	if len(entries) == 0 || entries[0].IP != "127.0.0.1" {
		t.Errorf("audited IP: got %+v, want 127.0.0.1", entries)
	}
}

func TestOversizedBodyRefused(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	big := strings.Repeat("x", 65<<10)
	for _, path := range []string{"/signin/finish", "/settings/passkeys/1/rename"} {
		res := c.do(http.MethodPost, path, strings.NewReader("nickname="+big),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with 65 KB: got %d, want 413", path, res.Status)
		}
	}
	creds, _ := app.db.Credentials(context.Background(), 1)
	if len(creds) != 1 || len(creds[0].Nickname) > 60 {
		t.Errorf("passkey after oversized rename: %+v", creds)
	}
}

func TestNotFoundPage(t *testing.T) {
	app := newTestApp(t, testOrigin)
	res := app.client().get("/no/such/page")
	if res.Status != http.StatusNotFound || !strings.Contains(res.Body, "Page not found") {
		t.Errorf("got %d, want 404 page", res.Status)
	}
	if strings.Contains(res.Body, "echo") || strings.Contains(res.Body, "goroutine") {
		t.Errorf("404 page leaks internals: %s", res.Body)
	}
	res = app.client().postJSON("/settings/passkeys/add/begin", nil)
	if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, `"error"`) {
		t.Errorf("signed-out JSON call: got %d %s, want 401 JSON", res.Status, res.Body)
	}
}
