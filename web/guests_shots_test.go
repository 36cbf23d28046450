//go:build guestshots

package web

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit/browser"
	"github.com/gatehouse/gatehouse/web/paths"
)

// Screenshots of the guest and access pages at phone (390px) and desktop
// widths, for a person to look at; not part of the suite:
//
//	SHOTS=/tmp/shots go test -tags guestshots -run GuestShots ./web/
func TestGuestShots(t *testing.T) {
	dir := os.Getenv("SHOTS")
	if dir == "" {
		dir = "/tmp/shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	front, garage := app.addSimLock("Front door"), app.addSimLock("Garage")
	token, a := c.give(app.giveForm("Ana Lima", front, garage))
	perm := app.giveForm("Ben Okafor", front)
	perm.Set("permanent", "1")
	c.give(perm)
	later := app.giveForm("Cleo Martin", front)
	start := app.clock.Now().In(domain.ZoneOf(front.TimeZone)).AddDate(0, 0, 5)
	later.Set("starts_date", start.Format(domain.DateLayout))
	later.Set("ends_date", start.AddDate(0, 0, 3).Format(domain.DateLayout))
	later.Set("passphrase", "blue heron")
	c.give(later)
	app.settle()
	guest := app.client()
	guest.do(http.MethodGet, "/s/"+token, nil, map[string]string{"User-Agent": "Mozilla/5.0 (iPhone)"})
	guest.postForm("/s/"+token, nil)
	app.sim.Keypad(t.Context(), front.DeviceID, app.pin(a.ID))
	app.reconcile()

	u, _ := url.Parse(app.ts.URL)
	cookies := c.http.Jar.Cookies(u) // the owner's session, handed to Chromium

	for _, size := range []struct {
		name string
		opt  browser.Option
	}{{"phone", browser.Phone()}, {"desktop", browser.Viewport(1280, 900)}} {
		b := browser.New(t, size.opt)
		for _, ck := range cookies {
			if _, err := chromedp.Call(b.Context(), network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: app.ts.URL}); err != nil {
				t.Fatal(err)
			}
		}
		shot := func(name string) {
			b.Screenshot(filepath.Join(dir, size.name+"-"+name+".png"))
		}
		b.Navigate(app.ts.URL + "/guests")
		shot("1-guests")
		b.Navigate(app.ts.URL + paths.Guest(a.GuestID))
		shot("2-guest")
		b.Navigate(app.ts.URL + "/access/new")
		shot("3-access-new")
		b.Click(`[data-testid=give-access]`)
		if err := b.Run(chromedp.WaitVisible(chromedp.CSS(`[data-testid=form-errors]`))); err != nil {
			t.Fatal(err)
		}
		shot("4-access-422")
		b.Navigate(app.ts.URL + "/access/new?nights=3")
		if err := b.Run(chromedp.SendKeys(chromedp.CSS("#guest_name"), "Dara Novak"),
			chromedp.Click(chromedp.CSS(`input[name=locks]`))); err != nil {
			t.Fatal(err)
		}
		b.Click(`[data-testid=give-access]`)
		if err := b.Run(chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-url]`))); err != nil {
			t.Fatal(err)
		}
		shot("5-link-once")
		b.Navigate(app.ts.URL + lockPath(front, ""))
		shot("6-lock-who")
		b.Navigate(app.ts.URL + paths.Guest(a.GuestID))
		b.Click(`[data-testid=show-code]`)
		if err := b.Run(chromedp.WaitVisible(chromedp.CSS(`[data-testid=shown-pin]`))); err != nil {
			t.Fatal(err)
		}
		shot("7-show-code")
		// The 422 of the refused form is logged by Chromium as a failed load;
		// anything else (a CSP violation, a script error) is a bug.
		for _, e := range b.ConsoleErrors() {
			if !strings.Contains(e, "status of 422") {
				t.Errorf("%s console error: %q", size.name, e)
			}
		}
	}
}
