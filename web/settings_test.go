package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/softkey"
)

// addPasskey runs the add-passkey ceremony with a second authenticator.
func (c *client) addPasskey(auth *softkey.Authenticator, nickname string) response {
	c.app.t.Helper()
	res := c.postJSON("/settings/passkeys/add/begin", map[string]string{"nickname": nickname})
	if res.Status != http.StatusOK {
		return res
	}
	cred, err := auth.Create([]byte(res.Body))
	if err != nil {
		c.app.t.Fatal(err)
	}
	return c.postJSON("/settings/passkeys/add/finish", cred)
}

func TestAddRenameRemovePasskey(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, first := app.newOwner("Ana")
	second := softkey.New(testOrigin)
	if res := c.addPasskey(second, "Spare key"); res.Status != http.StatusOK {
		t.Fatalf("add: got %d %s", res.Status, res.Body)
	}
	// The same authenticator cannot add twice: excludeCredentials is filled.
	res := c.postJSON("/settings/passkeys/add/begin", map[string]string{"nickname": "Again"})
	if _, err := first.Create([]byte(res.Body)); err == nil {
		t.Error("excludeCredentials let the first authenticator register again")
	}
	page := c.get("/settings/passkeys").Body
	if got := strings.Count(page, `data-testid="passkey-row"`); got != 2 {
		t.Fatalf("passkey rows: got %d, want 2", got)
	}
	if res := c.postForm("/settings/passkeys/2/rename", url.Values{"nickname": {""}}); res.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Body, "Enter a name for the passkey") {
		t.Errorf("empty rename: got %d, want 422 with a message", res.Status)
	}
	if res := c.postForm("/settings/passkeys/2/rename", url.Values{"nickname": {"Backup key"}}); res.Status != http.StatusSeeOther {
		t.Errorf("rename: got %d, want 303", res.Status)
	}
	if res := c.postForm("/settings/passkeys/2/delete", nil); res.Status != http.StatusSeeOther {
		t.Errorf("remove: got %d, want 303", res.Status)
	}
	// The removed passkey no longer signs in; the first still does.
	if res := c.signIn(second); res.Status == http.StatusOK {
		t.Error("removed passkey still signs in")
	}
	if res := c.signIn(first); res.Status != http.StatusOK {
		t.Errorf("remaining passkey: got %d", res.Status)
	}
	acts := app.auditActions()
	for _, want := range []string{db.AuditPasskeyAdded, db.AuditPasskeyRenamed, db.AuditPasskeyRemoved} {
		if !slices.Contains(acts, want) {
			t.Errorf("audit lacks %s", want)
		}
	}
}

func TestLastPasskeyRemovalRefused(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	res := c.postForm("/settings/passkeys/1/delete", nil)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "only passkey") {
		t.Errorf("remove last passkey: got %d, want 409 explaining it is the only one", res.Status)
	}
	creds, _ := app.db.Credentials(context.Background(), 1)
	if len(creds) != 1 {
		t.Errorf("passkeys after refusal: got %d, want 1", len(creds))
	}
}

func TestSensitiveActionsNeedFreshPasskey(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	app.clock.Advance(FreshFor + time.Second)
	if res := c.postJSON("/settings/passkeys/add/begin", map[string]string{"nickname": "x"}); res.Status != http.StatusForbidden {
		t.Errorf("add passkey when stale: got %d, want 403", res.Status)
	}
	if res := c.postForm("/settings/owners/invite", nil); res.Status != http.StatusForbidden {
		t.Errorf("invite when stale: got %d, want 403", res.Status)
	}
	if res := c.postForm("/settings/passkeys/1/delete", nil); res.Status != http.StatusForbidden {
		t.Errorf("remove passkey when stale: got %d, want 403", res.Status)
	}
	if page := c.get("/settings/passkeys").Body; !strings.Contains(page, `data-testid="reauth"`) {
		t.Error("stale passkeys page offers no confirmation")
	}
	// Confirm with the passkey, then it works.
	res := c.postJSON("/reauth/begin", nil)
	assertion, err := auth.Get([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if res := c.postJSON("/reauth/finish", assertion); res.Status != http.StatusOK {
		t.Fatalf("reauth: got %d %s", res.Status, res.Body)
	}
	if res := c.postForm("/settings/owners/invite", nil); res.Status != http.StatusOK || !strings.Contains(res.Body, "/enroll/") {
		t.Errorf("invite after reauth: got %d, want 200 with a link", res.Status)
	}
}

func TestOwnersInviteAndRemove(t *testing.T) {
	app := newTestApp(t, testOrigin)
	ana, _ := app.newOwner("Ana")
	res := ana.postForm("/settings/owners/invite", url.Values{"name": {"Ben"}})
	if res.Status != http.StatusOK {
		t.Fatalf("invite: got %d", res.Status)
	}
	i := strings.Index(res.Body, testOrigin+"/enroll/")
	if i < 0 {
		t.Fatal("invite page shows no link")
	}
	token := strings.TrimPrefix(res.Body[i:i+len(testOrigin)+8+43], testOrigin+"/enroll/")
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("page with the invite link is cacheable")
	}
	ben := app.client()
	ben.enroll(softkey.New(testOrigin), token, "Ben")
	if res := ana.postForm("/settings/owners/invite", url.Values{"name": {strings.Repeat("n", 61)}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("long invite name: got %d, want 422", res.Status)
	}
	if res := ana.postForm("/settings/owners/2/delete", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("remove Ben: got %d", res.Status)
	}
	if res := ben.get("/"); res.Status != http.StatusSeeOther {
		t.Errorf("removed owner's session: got %d, want 303 to sign in", res.Status)
	}
	// The last owner is also the last admin, whom only another admin removes.
	res = ana.postForm("/settings/owners/1/delete", nil)
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "another admin") {
		t.Errorf("remove last owner: got %d, want 403 (another admin needed)", res.Status)
	}
}

func TestSignOutOtherSessions(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	other := app.client()
	other.signIn(auth)
	if got := strings.Count(c.get("/settings/sessions").Body, `data-testid="session-row"`); got != 2 {
		t.Fatalf("sessions listed: got %d, want 2", got)
	}
	if res := c.postForm("/settings/sessions/delete-others", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("sign out others: got %d", res.Status)
	}
	if res := other.get("/"); res.Status != http.StatusSeeOther {
		t.Errorf("other session after sign-out-others: got %d, want 303", res.Status)
	}
	if res := c.get("/"); res.Status != http.StatusOK {
		t.Errorf("this session: got %d, want 200", res.Status)
	}
}

func TestActivityPage(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	for range 60 {
		c.postForm("/settings/passkeys/1/rename", url.Values{"nickname": {"Laptop"}})
	}
	page := c.get("/settings/activity")
	if !strings.Contains(page.Body, "Passkey renamed") || strings.Contains(page.Body, "Invite used") {
		t.Errorf("first activity page: want the 50 newest entries only")
	}
	if older := c.get("/settings/activity?before=13"); !strings.Contains(older.Body, "Invite used") {
		t.Errorf("older activity page lacks the invite")
	}
	if !strings.Contains(page.Body, "Load older") {
		t.Error("no way to older entries with 62 entries")
	}
	res := c.do(http.MethodGet, "/settings/activity?before=garbage", nil, nil)
	if res.Status != http.StatusOK {
		t.Errorf("garbage cursor: got %d, want 200", res.Status)
	}
}
