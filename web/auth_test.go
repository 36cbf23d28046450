package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/softkey"
)

func TestEnrollSignOutSignIn(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	if res := c.get("/"); res.Status != http.StatusOK || !strings.Contains(res.Body, "Welcome, Ana") {
		t.Fatalf("home after enroll: got %d, want 200 with the owner's name", res.Status)
	}
	if res := c.postForm("/signout", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("sign out: got %d, want 303", res.Status)
	}
	if res := c.get("/"); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("home after sign out: got %d to %q, want 303 to /signin", res.Status, res.Header.Get("Location"))
	}
	if res := c.signIn(auth); res.Status != http.StatusOK {
		t.Fatalf("sign in: got %d %s, want 200", res.Status, res.Body)
	}
	if res := c.get("/"); res.Status != http.StatusOK {
		t.Fatalf("home after sign in: got %d, want 200", res.Status)
	}
	got := app.auditActions()
	for _, want := range []string{db.AuditInviteUsed, db.AuditPasskeyAdded, db.AuditSignOut, db.AuditSignIn} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log %v lacks %s", got, want)
		}
	}
}

func TestSignInRotatesSession(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	before := sessionCookie(t, c)
	if res := c.signIn(auth); res.Status != http.StatusOK {
		t.Fatalf("sign in: got %d", res.Status)
	}
	after := sessionCookie(t, c)
	if before == after {
		t.Fatal("session cookie unchanged by sign-in, want a new one")
	}
	if _, _, err := app.db.SessionOwner(context.Background(), before, app.srv.sessionLimits()); err == nil {
		t.Error("old session still valid after sign-in, want it deleted")
	}
}

func sessionCookie(t *testing.T, c *client) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.ts.URL, nil)
	for _, ck := range c.http.Jar.Cookies(req.URL) {
		if ck.Name == "gatehouse" {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestInviteRefusals(t *testing.T) {
	app := newTestApp(t, testOrigin)
	token := app.invite("")
	c := app.client()
	c.enroll(softkey.New(testOrigin), token, "Ana")

	// Reused: the page and both ceremony steps refuse it.
	other := app.client()
	if res := other.get("/enroll/" + token); res.Status != http.StatusGone || !strings.Contains(res.Body, "already been used") {
		t.Errorf("reused invite page: got %d, want 410 saying it was used", res.Status)
	}
	if res := other.postJSON("/enroll/"+token+"/begin", map[string]string{"name": "Eve"}); res.Status != http.StatusGone {
		t.Errorf("reused invite begin: got %d, want 410", res.Status)
	}

	// Expired: a link past its lifetime.
	expired := app.invite("")
	app.clock.Advance(25 * time.Hour)
	if res := other.get("/enroll/" + expired); res.Status != http.StatusGone || !strings.Contains(res.Body, "expired") {
		t.Errorf("expired invite page: got %d, want 410 saying it expired", res.Status)
	}
	if res := other.get("/enroll/not-a-token"); res.Status != http.StatusNotFound {
		t.Errorf("unknown invite: got %d, want 404", res.Status)
	}
	if n := app.count("owners"); n != 1 {
		t.Errorf("owners: got %d, want 1", n)
	}
}

func TestInviteExpiresBetweenBeginAndFinish(t *testing.T) {
	app := newTestApp(t, testOrigin)
	token := app.invite("")
	c := app.client()
	auth := softkey.New(testOrigin)
	res := c.postJSON("/enroll/"+token+"/begin", map[string]string{"name": "Ana"})
	cred, err := auth.Create([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	app.clock.Advance(24 * time.Hour)
	if res := c.postJSON("/enroll/"+token+"/finish", cred); res.Status != http.StatusGone {
		t.Errorf("finish after the invite expired: got %d, want 410", res.Status)
	}
	if n := app.count("owners"); n != 0 {
		t.Errorf("owners: got %d, want 0", n)
	}
}

func TestEnrollNameValidated(t *testing.T) {
	app := newTestApp(t, testOrigin)
	token := app.invite("")
	c := app.client()
	for _, name := range []string{"", "   ", strings.Repeat("x", 61), "bad\x00name"} {
		res := c.postJSON("/enroll/"+token+"/begin", map[string]string{"name": name})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"name"`) {
			t.Errorf("name %q: got %d %s, want 422 about the name field", name, res.Status, res.Body)
		}
	}
	// Bad input spent nothing: the invite still works.
	c.enroll(softkey.New(testOrigin), token, "Ana")
}

func TestReplayedChallengeRefused(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	res := c.postJSON("/signin/begin", nil)
	assertion, err := auth.Get([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	ceremony := cookieValue(t, c, "gatehouse-ceremony")
	if res := c.postJSON("/signin/finish", assertion); res.Status != http.StatusOK {
		t.Fatalf("first finish: got %d %s, want 200", res.Status, res.Body)
	}
	// Replay the same response with the same ceremony cookie.
	res = c.do(http.MethodPost, "/signin/finish", strings.NewReader(string(assertion)), map[string]string{
		"Content-Type": "application/json", "X-Requested-With": "fetch", "Cookie": "gatehouse-ceremony=" + ceremony})
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "no longer valid") {
		t.Errorf("replayed finish: got %d %s, want 400 no longer valid", res.Status, res.Body)
	}
}

func TestExpiredChallengeRefused(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	res := c.postJSON("/signin/begin", nil)
	assertion, err := auth.Get([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	app.clock.Advance(db.ChallengeTTL + time.Second)
	if res := c.postJSON("/signin/finish", assertion); res.Status != http.StatusBadRequest {
		t.Errorf("finish after 5 minutes: got %d %s, want 400", res.Status, res.Body)
	}
}

func TestWrongOriginRefused(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	auth.Origin = "http://localhost:9999"
	if res := c.signIn(auth); res.Status != http.StatusUnauthorized {
		t.Errorf("sign-in with a wrong origin: got %d %s, want 401", res.Status, res.Body)
	}
	// Enrollment checks the origin too.
	evil := softkey.New("https://gatehouse.example.evil")
	token := app.invite("")
	c2 := app.client()
	res := c2.postJSON("/enroll/"+token+"/begin", map[string]string{"name": "Eve"})
	cred, err := evil.Create([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if res := c2.postJSON("/enroll/"+token+"/finish", cred); res.Status != http.StatusBadRequest {
		t.Errorf("enroll with a wrong origin: got %d %s, want 400", res.Status, res.Body)
	}
	if n := app.count("owners"); n != 1 {
		t.Errorf("owners: got %d, want 1", n)
	}
}

func TestSignCountRegressionRefusedAndAudited(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	if res := c.signIn(auth); res.Status != http.StatusOK { // counter now 1
		t.Fatalf("sign in: got %d", res.Status)
	}
	if res := c.signIn(auth); res.Status != http.StatusOK { // counter now 2
		t.Fatalf("sign in: got %d", res.Status)
	}
	auth.SetCounter(auth.Credentials()[0], 0) // next assertion says 1: went backwards
	if res := c.signIn(auth); res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "copied") {
		t.Errorf("regressed counter: got %d %s, want 401 saying it may be copied", res.Status, res.Body)
	}
	if !slices.Contains(app.auditActions(), db.AuditSignCountBad) {
		t.Errorf("audit log lacks %s", db.AuditSignCountBad)
	}
	creds, _ := app.db.Credentials(context.Background(), 1)
	if creds[0].SignCount != 2 {
		t.Errorf("stored sign count: got %d, want 2 (unchanged by the refused login)", creds[0].SignCount)
	}
}

func TestZeroCountersStillSignIn(t *testing.T) {
	// Many synced passkeys always report 0; that is not a regression.
	app := newTestApp(t, testOrigin)
	c := app.client()
	auth := softkey.New(testOrigin)
	auth.CounterStep = 0
	c.enroll(auth, app.invite(""), "Ana")
	for i := range 2 {
		if res := c.signIn(auth); res.Status != http.StatusOK {
			t.Fatalf("sign in %d with a zero counter: got %d %s", i, res.Status, res.Body)
		}
	}
}

func TestSessionLifetimes(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	app.clock.Advance(11 * time.Hour)
	if res := c.get("/"); res.Status != http.StatusOK {
		t.Fatalf("after 11 idle hours: got %d, want 200", res.Status)
	}
	app.clock.Advance(12*time.Hour + time.Minute)
	if res := c.get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("after 12 idle hours: got %d, want 303 to sign in", res.Status)
	}
	// Active every few hours, the session still ends after 30 days.
	c.signIn(auth)
	for range 30 * 24 / 10 {
		app.clock.Advance(10 * time.Hour)
		c.get("/")
	}
	if res := c.get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("after 30 days: got %d, want 303 to sign in", res.Status)
	}
}

func cookieValue(t *testing.T, c *client, name string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.ts.URL, nil)
	for _, ck := range c.http.Jar.Cookies(req.URL) {
		if ck.Name == name {
			return ck.Value
		}
	}
	t.Fatalf("no cookie %s", name)
	return ""
}
