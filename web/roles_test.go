package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/softkey"
)

// Roles (issue 11, item 7): the first owner is an admin; only admins manage
// owners, connections and API tokens; an owner enrolled from a command-line
// member invite waits for an admin's approval; the last admin stays.

// memberInvite makes an invite as `gatehouse invite` (without --admin) does.
func (a *testApp) memberInvite() string {
	a.t.Helper()
	token, _, err := a.db.CreateInvite(context.Background(), db.NewInvite{TTL: 24 * time.Hour})
	if err != nil {
		a.t.Fatal(err)
	}
	return token
}

// newMember enrolls an owner from a member invite; they wait for approval.
func (a *testApp) newMember(name string) (*client, *softkey.Authenticator) {
	c := a.client()
	auth := softkey.New(testOrigin)
	c.enroll(auth, a.memberInvite(), name)
	return c, auth
}

func (a *testApp) ownerID(name string) int64 {
	a.t.Helper()
	owners, err := a.db.Owners(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	for _, o := range owners {
		if o.Name == name {
			return o.ID
		}
	}
	a.t.Fatalf("no owner %s", name)
	return 0
}

func ownerPath(id int64, action string) string {
	return "/settings/owners/" + strconv.FormatInt(id, 10) + "/" + action
}

func wantStatus(t *testing.T, what string, res response, status int, body string) {
	t.Helper()
	if res.Status != status || !strings.Contains(res.Body, body) {
		t.Errorf("%s: got %d %.300s, want %d containing %q", what, res.Status, res.Body, status, body)
	}
}

func TestFirstOwnerIsAdmin(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	o, err := app.db.Owner(context.Background(), app.ownerID("Ana"))
	if err != nil {
		t.Fatal(err)
	}
	if !o.Admin || o.Pending() {
		t.Errorf("first owner: got admin=%v pending=%v, want an approved admin", o.Admin, o.Pending())
	}
	wantStatus(t, "owners page", c.get("/settings/owners"), http.StatusOK, "Owners")
}

func TestPendingOwnerCanDoNothingUntilApproved(t *testing.T) {
	app := newTestApp(t, testOrigin)
	admin, adminAuth := app.newOwner("Ana")
	pending, _ := app.newMember("Mallory")
	l := app.addSimLock("Front door")

	wantStatus(t, "pending home", pending.get("/"), http.StatusOK, "waiting for an admin")
	for _, p := range []string{"/locks", "/guests", "/settings/passkeys", "/settings/owners", "/locks/" + strconv.FormatInt(l.ID, 10)} {
		wantStatus(t, "pending GET "+p, pending.get(p), http.StatusForbidden, "approval")
	}
	for _, p := range []string{"/locks/sim", ownerPath(app.ownerID("Ana"), "delete"), "/settings/api-tokens", "/settings/owners/invite",
		ownerPath(app.ownerID("Mallory"), "approve")} {
		wantStatus(t, "pending POST "+p, pending.postForm(p, url.Values{"name": {"x"}, "scope": {db.ScopeRead}}), http.StatusForbidden, "approval")
	}
	if n := app.count("owners"); n != 2 {
		t.Errorf("owners after the pending owner's posts: got %d, want 2", n)
	}
	if res := pending.postForm("/signout", nil); res.Status != http.StatusSeeOther {
		t.Errorf("pending sign out: got %d, want 303", res.Status)
	}

	// Approval needs an admin's fresh passkey confirmation.
	id := app.ownerID("Mallory")
	app.clock.Advance(FreshFor + time.Minute)
	wantStatus(t, "approve without a fresh passkey", admin.postForm(ownerPath(id, "approve"), nil), http.StatusForbidden, "fresh confirmation")
	admin.reauth(adminAuth)
	if res := admin.postForm(ownerPath(id, "approve"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("approve: got %d %s, want 303", res.Status, res.Body)
	}
	o, _ := app.db.Owner(context.Background(), id)
	if o.Pending() || o.Admin {
		t.Errorf("approved owner: got pending=%v admin=%v, want an approved member", o.Pending(), o.Admin)
	}
}

func TestMemberCannotManageOwnersConnectionsOrTokens(t *testing.T) {
	app := newTestApp(t, testOrigin)
	admin, adminAuth := app.newOwner("Ana")
	admin.reauth(adminAuth)
	member, memberAuth := app.newMember("Ben")
	if res := admin.postForm(ownerPath(app.ownerID("Ben"), "approve"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("approve: got %d %s", res.Status, res.Body)
	}
	member.reauth(memberAuth)
	conn, err := app.db.CreateConnection(context.Background(), "seam", "Seam", "http://127.0.0.1:1", "seam_key")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/settings/owners", "/settings/connections", "/settings/api-tokens"} {
		wantStatus(t, "member GET "+p, member.get(p), http.StatusForbidden, "admin")
	}
	for _, p := range []string{"/settings/owners/invite", ownerPath(app.ownerID("Ana"), "delete"), ownerPath(app.ownerID("Ben"), "role"),
		"/settings/connections/seam", "/settings/connections/" + strconv.FormatInt(conn.ID, 10) + "/delete",
		"/settings/api-tokens", "/settings/api-tokens/1/revoke"} {
		wantStatus(t, "member POST "+p, member.postForm(p, url.Values{"name": {"Script"}, "scope": {db.ScopeReadWrite}, "admin": {"1"}}),
			http.StatusForbidden, "admin")
	}
	tokens, _ := app.db.APITokens(context.Background())
	if len(tokens) != 0 {
		t.Errorf("API tokens after a member's attempt: got %d, want 0", len(tokens))
	}
	if n := app.count("owners"); n != 2 {
		t.Errorf("owners: got %d, want 2", n)
	}
	// A member still runs the doors.
	wantStatus(t, "member locks", member.get("/locks"), http.StatusOK, "Locks")
	if res := member.postForm("/locks/sim", nil); res.Status != http.StatusSeeOther {
		t.Errorf("member adds a simulated lock: got %d, want 303", res.Status)
	}
}

func TestDashboardInviteIsApprovedAtOnce(t *testing.T) {
	app := newTestApp(t, testOrigin)
	admin, adminAuth := app.newOwner("Ana")
	admin.reauth(adminAuth)
	for _, tc := range []struct {
		name  string
		admin string
	}{{"Ben", ""}, {"Cleo", "1"}} {
		res := admin.postForm("/settings/owners/invite", url.Values{"name": {tc.name}, "admin": {tc.admin}})
		m := regexp.MustCompile(`/enroll/([A-Za-z0-9_-]+)`).FindStringSubmatch(res.Body)
		if res.Status != http.StatusOK || m == nil {
			t.Fatalf("invite %s: got %d, want 200 with a link", tc.name, res.Status)
		}
		c := app.client()
		c.enroll(softkey.New(testOrigin), m[1], tc.name)
		wantStatus(t, tc.name+"'s locks", c.get("/locks"), http.StatusOK, "Locks")
		o, _ := app.db.Owner(context.Background(), app.ownerID(tc.name))
		if o.Pending() || o.Admin != (tc.admin != "") {
			t.Errorf("%s: got pending=%v admin=%v, want approved, admin=%v", tc.name, o.Pending(), o.Admin, tc.admin != "")
		}
	}
}

func TestLastAdminStays(t *testing.T) {
	app := newTestApp(t, testOrigin)
	ana, anaAuth := app.newOwner("Ana")
	ana.reauth(anaAuth)
	ben, benAuth := app.newMember("Ben")
	anaID, benID := app.ownerID("Ana"), app.ownerID("Ben")
	if res := ana.postForm(ownerPath(benID, "approve"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("approve: got %d", res.Status)
	}
	wantStatus(t, "demote the last admin", ana.postForm(ownerPath(anaID, "role"), url.Values{"role": {"member"}}), http.StatusConflict, "last admin")
	wantStatus(t, "remove yourself, an admin", ana.postForm(ownerPath(anaID, "delete"), nil), http.StatusForbidden, "another admin")
	if res := ana.postForm(ownerPath(benID, "role"), url.Values{"role": {"admin"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("make Ben an admin: got %d %s", res.Status, res.Body)
	}
	wantStatus(t, "remove yourself with another admin", ana.postForm(ownerPath(anaID, "delete"), nil), http.StatusForbidden, "another admin")
	ben.reauth(benAuth)
	if res := ben.postForm(ownerPath(anaID, "delete"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("Ben removes Ana: got %d %s", res.Status, res.Body)
	}
	wantStatus(t, "demote the last admin (Ben)", ben.postForm(ownerPath(benID, "role"), url.Values{"role": {"member"}}), http.StatusConflict, "last admin")
	o, _ := app.db.Owner(context.Background(), benID)
	if !o.Admin {
		t.Error("Ben: got member, want still admin")
	}
}

func TestChangesStayOnEveryAdminsHomeUntilAcknowledged(t *testing.T) {
	app := newTestApp(t, testOrigin)
	ana, anaAuth := app.newOwner("Ana")
	cleo, _ := app.newOwner("Cleo")
	ana.reauth(anaAuth)
	if res := ana.postForm("/settings/api-tokens", url.Values{"name": {"Backup script"}, "scope": {db.ScopeRead}}); res.Status != http.StatusOK {
		t.Fatalf("create token: got %d", res.Status)
	}
	changes := func(c *client) []string {
		t.Helper()
		var out []string
		doc(t, c.get("/").Body).Find(`[data-testid=changes] [data-testid=change]`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.Join(strings.Fields(s.Text()), " "))
		})
		return out
	}
	has := func(list []string, sub string) bool {
		for _, x := range list {
			if strings.Contains(x, sub) {
				return true
			}
		}
		return false
	}
	for name, c := range map[string]*client{"Ana": ana, "Cleo": cleo} {
		if got := changes(c); !has(got, "Backup script") {
			t.Errorf("%s's home changes: got %q, want the new API token", name, got)
		}
	}
	id := app.lastAudit(db.AuditAPITokenCreated).ID
	if res := ana.postForm("/changes/"+strconv.FormatInt(id, 10)+"/ack", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: got %d %s", res.Status, res.Body)
	}
	if got := changes(ana); has(got, "Backup script") {
		t.Errorf("Ana's home after acknowledging: got %q, want the token's change gone", got)
	}
	if got := changes(cleo); !has(got, "Backup script") {
		t.Errorf("Cleo's home after Ana acknowledged: got %q, want it still there", got)
	}
	if res := cleo.postForm("/changes/ack", url.Values{"through": {strconv.FormatInt(id, 10)}}); res.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge all: got %d %s", res.Status, res.Body)
	}
	if got := changes(cleo); len(got) != 0 {
		t.Errorf("Cleo's home after acknowledging all: got %q, want none", got)
	}
	member, _ := app.newMember("Ben")
	wantStatus(t, "a pending owner acknowledges", member.postForm("/changes/ack", nil), http.StatusForbidden, "approval")
}
