//go:build homeshots

package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/softkey"
	"github.com/gatehouse/gatehouse/internal/testkit/browser"
	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

// Screenshots of the home page over a database made by `gatehouse seed-demo`,
// at phone and desktop widths, for a person to look at; not part of the suite.
// The database is changed (an owner enrolls), so pass a copy:
//
//	gatehouse seed-demo --db /tmp/demo/demo.db --events 100000
//	cp /tmp/demo/demo.db /tmp/demo/copy.db
//	HOME_DB=/tmp/demo/copy.db HOME_KEY=/tmp/demo/demo.key SHOTS=/tmp/shots \
//	    go test -tags homeshots -run HomeShots ./web/
func TestHomeShots(t *testing.T) {
	path, keyFile, dir := os.Getenv("HOME_DB"), os.Getenv("HOME_KEY"), os.Getenv("SHOTS")
	if path == "" || keyFile == "" {
		t.Skip("HOME_DB and HOME_KEY name a seeded database and its key")
	}
	if dir == "" {
		dir = "/tmp/shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key, err := db.LoadOrCreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sims := wire.NewSim(store, nil, 0)
	kinds := wire.Kinds(store, sims, nil)
	rec := lock.NewReconciler(lock.Options{Store: store, Connect: kinds.Connect, DefaultZone: "UTC", Log: log})
	u, _ := url.Parse(testOrigin)
	srv, err := New(Config{PublicURL: u, SessionIdle: time.Hour, SessionAbsolute: time.Hour, InviteTTL: time.Hour}, store,
		&wire.Side{Store: store, Rec: rec, Kinds: kinds, Zone: "UTC"}, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	app := &testApp{t: t, db: store, srv: srv, ts: ts, secrets: &secretscan.Set{}}
	c := app.client()
	token, _, err := store.CreateInvite(ctx, db.NewInvite{TTL: time.Hour, Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	c.enroll(softkey.New(testOrigin), token, "Olivia")
	start := time.Now()
	res := c.get("/")
	t.Logf("home: %d, %d bytes, %v", res.Status, len(res.Body), time.Since(start))
	tsURL, _ := url.Parse(ts.URL)
	for _, size := range []struct {
		name string
		opt  browser.Option
	}{{"phone", browser.Phone()}, {"desktop", browser.Viewport(1280, 1000)}} {
		b := browser.New(t, size.opt)
		for _, ck := range c.http.Jar.Cookies(tsURL) {
			if _, err := chromedp.Call(b.Context(), network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: ts.URL}); err != nil {
				t.Fatal(err)
			}
		}
		b.Navigate(ts.URL + "/")
		b.Screenshot(filepath.Join(dir, size.name+"-home.png"))
		b.Navigate(ts.URL + "/timeline") // the same history, as a list
		b.Screenshot(filepath.Join(dir, size.name+"-timeline.png"))
		for _, e := range b.ConsoleErrors() {
			t.Errorf("%s console error: %q", size.name, e)
		}
	}
}
