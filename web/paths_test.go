package web

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/web/paths"
)

// TestPathsHaveRoutes checks that every URL web/paths builds is one routes.go
// registers, with the method the pages use it with: a route renamed on one
// side only fails here instead of in a browser.
func TestPathsHaveRoutes(t *testing.T) {
	app := newTestApp(t, testOrigin)
	registered := map[string]bool{}
	for _, r := range app.srv.echo.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	get, post := http.MethodGet, http.MethodPost
	for _, tc := range []struct{ method, path string }{
		{get, paths.Home()}, {get, paths.SignIn()}, {get, paths.SignedOut()},
		{post, paths.SignInBegin()}, {post, paths.SignInFinish()},
		{get, paths.Enroll("t")}, {post, paths.EnrollBegin("t")}, {post, paths.EnrollFinish("t")},
		{get, paths.OpenAPI()}, {get, paths.Share("t")}, {post, paths.Share("t")},
		{post, paths.SignOut()}, {post, paths.ReauthBegin()}, {post, paths.ReauthFinish()},
		{get, paths.Locks()}, {post, paths.AddSimLock()}, {get, paths.Lock(1)}, {get, paths.LockLive(1)},
		{get, paths.LockSaved(1)}, {post, paths.LockSettings(1)}, {post, paths.LockCodes(1)},
		{post, paths.CodeRevoke(1, 2)}, {post, paths.CodeRetry(1, 2)}, {post, paths.UnmanagedRemove(1, 2)},
		{post, paths.SimKeypad(1)}, {post, paths.SimAction(1, "lock")},
		{get, paths.Guests()}, {get, paths.Guest(1)}, {post, paths.Guest(1)},
		{get, paths.GuestAccess(1, 2, "saved")}, {get, paths.GuestConfirm(1, 2)},
		{get, paths.AccessNew()}, {get, paths.AccessNewForGuest(1)}, {get, paths.AccessNewForLock(1)},
		{post, paths.AccessCreate()}, {get, paths.AccessCreated(1)}, {post, paths.AccessLink(1)},
		{post, paths.AccessRevoke(1)}, {post, paths.AccessRotate(1)}, {post, paths.AccessWindow(1)},
		{post, paths.AccessCode(1)},
		{get, paths.Timeline(nil)}, {get, paths.TimelineMore(nil)}, {get, paths.TimelineNew(nil)},
		{get, paths.TimelinePictures(nil)}, {get, paths.TimelineCSV(nil)}, {get, paths.TimelineAnomalies()},
		{get, paths.Settings()}, {get, paths.Passkeys()}, {post, paths.PasskeyAddBegin()},
		{post, paths.PasskeyAddFinish()}, {post, paths.PasskeyRename(1)}, {post, paths.PasskeyDelete(1)},
		{get, paths.Owners()}, {post, paths.OwnerInvite()}, {post, paths.OwnerDelete(1)},
		{get, paths.Connections()}, {post, paths.ConnectionSeam()}, {post, paths.ConnectionDelete(1)},
		{get, paths.Sessions()}, {post, paths.SessionDelete(1)}, {post, paths.SessionsDeleteOthers()},
		{get, paths.Activity()}, {get, paths.ActivityBefore(1)},
		{get, paths.APITokens()}, {post, paths.APITokens()}, {post, paths.APITokenRevoke(1)},
	} {
		req, err := http.NewRequest(tc.method, tc.path, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		c := app.srv.echo.NewContext(req, nil)
		app.srv.echo.Router().Find(tc.method, req.URL.Path, c)
		if !registered[tc.method+" "+c.Path()] {
			t.Errorf("%s %s: got no route, want one in routes.go", tc.method, tc.path)
		}
	}
}
