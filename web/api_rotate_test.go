package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What docs/API.md and openapi.json promise of a rotation's body beyond
// TestAPIRotateKeepsPassphrase: an empty passphrase and a zero lifetime are
// the same as leaving them out (no rotation removes a passphrase), and
// rotating a revoked access answers 409 conflict.
func TestAPIRotateEmptyOptionsKeepTheOldOnes(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	id := app.giveCleo(72, map[string]any{"passphrase": "blue heron", "link_ttl_hours": 24}).Access.ID
	path := func(id int64, action string) string { return "/api/v1/accesses/" + strconv.FormatInt(id, 10) + action }

	res := app.api(http.MethodPost, path(id, "/rotate"), app.rwToken, map[string]any{"passphrase": "", "link_ttl_hours": 0})
	if res.Status != http.StatusCreated {
		t.Fatalf("rotate: got %d %s, want 201", res.Status, res.Body)
	}
	out := decodeAPI[apiSharedJSON](t, res)
	link, err := app.db.LinkByToken(ctx, strings.TrimPrefix(apiSharePath(t, out.ShareURL), "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	if got := link.ExpiresAt.Sub(link.CreatedAt); !link.HasPassphrase || got != 24*time.Hour {
		t.Errorf("rotate with empty options: got passphrase %v, lifetime %v; want a passphrase, 24h", link.HasPassphrase, got)
	}
	if err := app.db.CheckPassphrase(ctx, link.ID, "blue heron"); err != nil {
		t.Errorf("rotate with empty options: the old passphrase got %v, want accepted", err)
	}

	id = out.Access.ID
	if res := app.api(http.MethodPost, path(id, "/revoke"), app.rwToken, nil); res.Status != http.StatusOK {
		t.Fatalf("revoke: got %d %s, want 200", res.Status, res.Body)
	}
	res = app.api(http.MethodPost, path(id, "/rotate"), app.rwToken, nil)
	if res.Status != http.StatusConflict || errorOf(t, res).Code != codeConflict {
		t.Errorf("rotate a revoked access: got %d %s, want 409 %s", res.Status, res.Body, codeConflict)
	}
}
