package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// "New link" and "Rotate" on the owner's page keep the passphrase the guest was
// told and the link lifetime the owner chose, and the page that shows the new
// link says it asks for the passphrase.
func TestNewLinkAndRotateKeepPassphrase(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	form := app.giveForm("Ana", l)
	form.Set("passphrase", "blue heron")
	form.Set("link_ttl", "24")
	_, a := c.give(form)
	ctx := context.Background()
	for _, step := range []string{"/link", "/rotate", "/link"} {
		res := c.follow(c.postForm(accessPath(a, step), nil))
		if !strings.Contains(res.Body, "asks for the passphrase") {
			t.Errorf("%s: the page does not say the link asks for the passphrase", step)
		}
		link, err := app.db.LinkByToken(ctx, shareToken(t, res.Body))
		if err != nil {
			t.Fatal(err)
		}
		if !link.HasPassphrase || link.ExpiresAt.Sub(link.CreatedAt) != 24*time.Hour {
			t.Errorf("%s: got passphrase %v, lifetime %v; want the passphrase and 24h kept", step, link.HasPassphrase,
				link.ExpiresAt.Sub(link.CreatedAt))
		}
		if err := app.db.CheckPassphrase(ctx, link.ID, "blue heron"); err != nil {
			t.Errorf("%s: the guest's passphrase: got %v, want accepted", step, err)
		}
		a = app.lastAccess()
	}
}

// The API's rotate keeps the passphrase and lifetime when its body leaves them
// out, as the owner's page does, and uses those it is given.
func TestAPIRotateKeepsPassphrase(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	id := app.giveCleo(72, map[string]any{"passphrase": "blue heron", "link_ttl_hours": 24}).Access.ID
	for _, tc := range []struct {
		body       any
		passphrase string
		ttl        time.Duration
	}{
		{nil, "blue heron", 24 * time.Hour},
		{map[string]any{"link_ttl_hours": 48}, "blue heron", 48 * time.Hour},
		{map[string]any{"passphrase": "grey owl"}, "grey owl", 48 * time.Hour},
	} {
		res := app.api(http.MethodPost, "/api/v1/accesses/"+strconv.FormatInt(id, 10)+"/rotate", app.rwToken, tc.body)
		if res.Status != http.StatusCreated {
			t.Fatalf("rotate %v: got %d %s", tc.body, res.Status, res.Body)
		}
		out := decodeAPI[apiSharedJSON](t, res)
		link, err := app.db.LinkByToken(ctx, strings.TrimPrefix(apiSharePath(t, out.ShareURL), "/s/"))
		if err != nil {
			t.Fatal(err)
		}
		if got := link.ExpiresAt.Sub(link.CreatedAt); !link.HasPassphrase || got != tc.ttl {
			t.Errorf("rotate %v: got passphrase %v, lifetime %v; want a passphrase, %v", tc.body, link.HasPassphrase, got, tc.ttl)
		}
		if err := app.db.CheckPassphrase(ctx, link.ID, tc.passphrase); err != nil {
			t.Errorf("rotate %v: passphrase %q: got %v, want accepted", tc.body, tc.passphrase, err)
		}
		id = out.Access.ID
	}
}
