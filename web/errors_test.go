package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// TestStoreNotFoundIsA404 checks the one mapping of a row the store does not
// have: wrapped as db returns it, it becomes the 404 page on a page route and
// the API's not_found on an API route, and is not logged as a failure.
func TestStoreNotFoundIsA404(t *testing.T) {
	app := newTestApp(t, testOrigin)
	missing := fmt.Errorf("db: lock 7: %w", db.ErrNotFound)
	for _, tc := range []struct {
		path, accept string
		check        func(body string) error
	}{
		{"/locks/7", "", func(body string) error {
			if !strings.Contains(body, "Page not found") {
				return fmt.Errorf("got body %q, want the 404 page", body)
			}
			return nil
		}},
		{"/api/v1/codes/7", "", func(body string) error {
			var b apiErrorBody
			if err := json.Unmarshal([]byte(body), &b); err != nil {
				return fmt.Errorf("got body %q, want the API's JSON: %v", body, err)
			}
			if b.Error.Code != codeNotFound || b.Error.Message == "" {
				return fmt.Errorf("got error %+v, want code %q with a message", b.Error, codeNotFound)
			}
			return nil
		}},
	} {
		rec := httptest.NewRecorder()
		c := app.srv.echo.NewContext(httptest.NewRequest(http.MethodGet, tc.path, nil), rec)
		app.srv.handleError(missing, c)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: got %d, want 404", tc.path, rec.Code)
		}
		if err := tc.check(rec.Body.String()); err != nil {
			t.Errorf("%s: %v", tc.path, err)
		}
	}
	if logs := app.logs.String(); strings.Contains(logs, "request failed") {
		t.Errorf("got a failure logged for a missing row:\n%s\nwant none", logs)
	}
}

// TestMissingRowsAnswer404 walks owner routes whose handlers hand the store's
// not-found to the error handler as it is: each must still answer 404, never 500.
func TestMissingRowsAnswer404(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olga")
	l := app.addSimLock("Front door")
	lockID := fmt.Sprint(l.ID)
	for _, tc := range []struct {
		method, path string
	}{
		{http.MethodGet, "/locks/999"},
		{http.MethodPost, "/locks/999/settings"},
		{http.MethodPost, "/locks/" + lockID + "/codes/999/revoke"},
		{http.MethodPost, "/locks/" + lockID + "/codes/999/retry"},
		{http.MethodPost, "/locks/" + lockID + "/unmanaged/999/remove"},
		{http.MethodGet, "/guests/999"},
		{http.MethodPost, "/guests/999"},
		{http.MethodGet, "/access/999/created"},
		{http.MethodPost, "/access/999/revoke"},
		{http.MethodPost, "/access/999/window"},
		{http.MethodPost, "/settings/passkeys/999/rename"},
		{http.MethodPost, "/settings/sessions/999/delete"},
		{http.MethodPost, "/settings/connections/999/delete"},
		{http.MethodPost, "/settings/api-tokens/999/revoke"},
	} {
		var res response
		if tc.method == http.MethodGet {
			res = c.get(tc.path)
		} else {
			res = c.postForm(tc.path, url.Values{"name": {"x"}, "nickname": {"x"}})
		}
		if res.Status != http.StatusNotFound || !strings.Contains(res.Body, "Page not found") {
			t.Errorf("%s %s: got %d, want the 404 page", tc.method, tc.path, res.Status)
		}
	}
	if logs := app.logs.String(); strings.Contains(logs, "request failed") {
		t.Errorf("got failures logged for missing rows:\n%s\nwant none", logs)
	}
}
