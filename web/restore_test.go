package web

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Issue 11, item 10: after a restore every session is signed out, API tokens
// wait for an admin to enable each, links unrevealed in the backup are paused
// (their guest page says so kindly, without the code) until an admin resumes
// or reissues them, and the home page says the data came from a backup.
func TestAfterARestore(t *testing.T) {
	app := newTestApp(t, testOrigin)
	ana, anaAuth := app.newOwner("Ana")
	ctx := context.Background()
	apiToken, _, err := app.db.CreateAPIToken(ctx, "script", db.ScopeRead, app.ownerID("Ana"))
	if err != nil {
		t.Fatal(err)
	}
	app.secrets.Add("API token", apiToken)
	l := app.addSimLock("Front door")
	now := app.clock.Now()
	acc, link := app.homeAccess("Cleo", now.Add(time.Hour), now.Add(48*time.Hour), l)
	backupAt := now.Add(-3 * time.Hour)

	if err := app.db.EndWhatTheBackupEnded(ctx, backupAt); err != nil {
		t.Fatal(err)
	}

	if res := ana.get("/"); res.Status != http.StatusSeeOther {
		t.Errorf("home after the restore: got %d, want 303 to sign in (signed out)", res.Status)
	}
	if res := ana.signIn(anaAuth); res.Status != http.StatusOK {
		t.Fatalf("sign in: got %d %s", res.Status, res.Body)
	}
	home := ana.get("/")
	wantStatus(t, "home's restore notice", home, http.StatusOK, "restored from a backup")
	if d := doc(t, home.Body); d.Find(`[data-testid=restored]`).Length() != 1 || d.Find(`[data-testid=paused-link]`).Length() != 1 {
		t.Errorf("home: got %d restore notices and %d paused links, want 1 and 1",
			d.Find(`[data-testid=restored]`).Length(), d.Find(`[data-testid=paused-link]`).Length())
	}

	wantStatus(t, "API with a suspended token", app.api(http.MethodGet, "/api/v1/locks", apiToken, nil), http.StatusForbidden, "token_suspended")

	guest := app.client()
	page := guest.get("/s/" + link)
	wantStatus(t, "paused link's page", page, http.StatusOK, "paused")
	if d := doc(t, page.Body); d.Find(`form`).Length() != 0 {
		t.Error("paused link's page offers a form to reveal the code")
	}
	wantStatus(t, "reveal of a paused link", guest.postForm("/s/"+link, nil), http.StatusConflict, "paused")

	// A member may do neither; an admin needs a fresh passkey for both.
	tokens, _ := app.db.APITokens(ctx)
	enable := "/settings/api-tokens/" + strconv.FormatInt(tokens[0].ID, 10) + "/enable"
	links, _ := app.db.AccessLinks(ctx, acc.ID)
	resume := "/links/" + strconv.FormatInt(links[0].ID, 10) + "/resume"
	app.clock.Advance(FreshFor + time.Minute)
	wantStatus(t, "enable without a fresh passkey", ana.postForm(enable, nil), http.StatusForbidden, "fresh confirmation")
	ana.reauth(anaAuth)
	member, memberAuth := app.newMember("Ben")
	ana.postForm(ownerPath(app.ownerID("Ben"), "approve"), nil)
	member.reauth(memberAuth)
	wantStatus(t, "member enables a token", member.postForm(enable, nil), http.StatusForbidden, "admin")
	wantStatus(t, "member resumes a link", member.postForm(resume, nil), http.StatusForbidden, "admin")

	if res := ana.postForm(enable, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("enable: got %d %s", res.Status, res.Body)
	}
	if res := app.api(http.MethodGet, "/api/v1/locks", apiToken, nil); res.Status != http.StatusOK {
		t.Errorf("API after enabling: got %d, want 200", res.Status)
	}
	if res := ana.postForm(resume, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("resume: got %d %s", res.Status, res.Body)
	}
	wantStatus(t, "resumed link's page", guest.get("/s/"+link), http.StatusOK, "Hello Cleo")
}
