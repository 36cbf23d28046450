package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// shareApp gives Ana access to a simulated door and returns the link's token and
// the access's PIN.
func shareApp(t *testing.T, form func(url.Values)) (*testApp, *client, string, db.Access) {
	t.Helper()
	app := newTestApp(t, testOrigin)
	owner, _ := app.newOwner("Owen")
	l := app.addSimLock("Front door")
	f := app.giveForm("Ana Lima", l)
	if form != nil {
		form(f)
	}
	token, a := owner.give(f)
	return app, owner, token, a
}

func checkGuestHeaders(t *testing.T, what string, res response) {
	t.Helper()
	for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"} {
		if got := res.Header.Get(k); !strings.Contains(got, want) {
			t.Errorf("%s: %s: got %q, want %q", what, k, got, want)
		}
	}
}

func TestRevealOnce(t *testing.T) {
	app, owner, token, a := shareApp(t, nil)
	pin := app.pin(a.ID)
	guest := app.client()
	page := guest.get("/s/" + token)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Hello Ana") || !strings.Contains(page.Body, "Front door") {
		t.Fatalf("guest page: got %d, want 200 with first name and door", page.Status)
	}
	if strings.Contains(page.Body, pin) {
		t.Fatal("GET shows the code")
	}
	checkGuestHeaders(t, "GET", page)
	res := guest.postForm("/s/"+token, nil)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, pin) || !strings.Contains(res.Body, "will not show it again") {
		t.Fatalf("reveal: got %d, want 200 with the code", res.Status)
	}
	checkGuestHeaders(t, "reveal", res)
	for _, again := range []response{guest.get("/s/" + token), guest.postForm("/s/"+token, nil), app.client().postForm("/s/"+token, nil)} {
		if again.Status != http.StatusGone || strings.Contains(again.Body, pin) || !strings.Contains(again.Body, "can no longer show the code") {
			t.Errorf("after the reveal: got %d, want the 410 page without the code", again.Status)
		}
		checkGuestHeaders(t, "after reveal", again)
	}
	links, _ := app.db.AccessLinks(t.Context(), a.ID)
	if links[0].RevealedAt.IsZero() || links[0].FirstOpenedAt.IsZero() {
		t.Errorf("receipt: %+v, want opened and revealed", links[0])
	}
	_ = owner
}

func TestConcurrentRevealsExactlyOneWins(t *testing.T) {
	app, _, token, a := shareApp(t, nil)
	pin := app.pin(a.ID)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	withCode := 0
	for range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := app.client().postForm("/s/"+token, nil)
			mu.Lock()
			defer mu.Unlock()
			statuses[res.Status]++
			if strings.Contains(res.Body, pin) {
				withCode++
			}
		}()
	}
	wg.Wait()
	if withCode != 1 || statuses[http.StatusOK] != 1 || statuses[http.StatusGone] != 499 {
		t.Errorf("500 concurrent reveals: %d with the code, statuses %v; want exactly one 200 with the code and 499 × 410", withCode, statuses)
	}
}

// previewers fetch links to draw previews; none may see or burn the code.
var previewers = []string{
	"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
	"facebookexternalhit/1.1 Facebot Twitterbot/1.0",                                                  // iMessage
	"Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com", // Teams
	"WhatsApp/2.23.20.0 A",
	"TelegramBot (like TwitterBot)",
	"Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
	"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
}

func TestLinkPreviewsNeverRevealOrBurn(t *testing.T) {
	app, _, token, a := shareApp(t, nil)
	pin := app.pin(a.ID)
	for i := range 100 {
		ua := previewers[i%len(previewers)]
		res := app.client().do(http.MethodGet, "/s/"+token, nil, map[string]string{"User-Agent": ua})
		if res.Status != http.StatusOK || strings.Contains(res.Body, pin) {
			t.Fatalf("GET %d (%s): got %d, code shown: %v", i, ua, res.Status, strings.Contains(res.Body, pin))
		}
		checkGuestHeaders(t, "GET", res)
	}
	links, _ := app.db.AccessLinks(t.Context(), a.ID)
	if links[0].OpenedDevice != "iPhone" {
		t.Errorf("first opened by: got %q, want iPhone (previews do not count)", links[0].OpenedDevice)
	}
	if res := app.client().postForm("/s/"+token, nil); !strings.Contains(res.Body, pin) {
		t.Errorf("after 100 previews the link no longer reveals: %d", res.Status)
	}
}

func TestLinksThatCannotReveal(t *testing.T) {
	t.Run("unknown", func(t *testing.T) {
		app := newTestApp(t, testOrigin)
		for _, path := range []string{"/s/AAAAAAAAAAAAAAAAAAAAAA", "/s/short"} {
			res := app.client().get(path)
			if res.Status != http.StatusNotFound || !strings.Contains(res.Body, "can no longer show the code") {
				t.Errorf("%s: got %d, want 404 with the calm page", path, res.Status)
			}
			checkGuestHeaders(t, path, res)
		}
	})
	t.Run("expired", func(t *testing.T) {
		app, _, token, _ := shareApp(t, func(f url.Values) { f.Set("link_ttl", "1") })
		app.clock.Advance(61 * time.Minute)
		if res := app.client().get("/s/" + token); res.Status != http.StatusGone {
			t.Errorf("expired link: got %d, want 410", res.Status)
		}
		if res := app.client().postForm("/s/"+token, nil); res.Status != http.StatusGone {
			t.Errorf("reveal of an expired link: got %d, want 410", res.Status)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		app, owner, token, a := shareApp(t, nil)
		if res := owner.postForm(accessPath(a, "/revoke"), nil); res.Status >= 400 {
			t.Fatalf("revoke: got %d", res.Status)
		}
		if res := app.client().postForm("/s/"+token, nil); res.Status != http.StatusGone || strings.Contains(res.Body, app.pin(a.ID)) {
			t.Errorf("reveal of a revoked access: got %d, want 410", res.Status)
		}
	})
}

func TestPassphrase(t *testing.T) {
	app, _, token, a := shareApp(t, func(f url.Values) { f.Set("passphrase", "blue heron") })
	pin := app.pin(a.ID)
	guest := app.client()
	if page := guest.get("/s/" + token); !strings.Contains(page.Body, `name="passphrase"`) {
		t.Fatal("the page does not ask for the passphrase")
	}
	for i := range 3 {
		res := guest.postForm("/s/"+token, url.Values{"passphrase": {"red heron"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "not right") || strings.Contains(res.Body, pin) {
			t.Fatalf("wrong passphrase %d: got %d, want 422 without the code", i+1, res.Status)
		}
	}
	// Wrong guesses did not burn the link.
	if res := guest.postForm("/s/"+token, url.Values{"passphrase": {"blue heron"}}); !strings.Contains(res.Body, pin) {
		t.Fatalf("right passphrase after wrong ones: got %d without the code", res.Status)
	}

	t.Run("lockout", func(t *testing.T) {
		app, _, token, a := shareApp(t, func(f url.Values) { f.Set("passphrase", "blue heron") })
		guest := app.client()
		var last response
		for range db.MaxPassphraseTries {
			last = guest.postForm("/s/"+token, url.Values{"passphrase": {"wrong"}})
		}
		if last.Status != http.StatusGone {
			t.Errorf("fifth wrong passphrase: got %d, want 410 (locked)", last.Status)
		}
		if res := guest.postForm("/s/"+token, url.Values{"passphrase": {"blue heron"}}); res.Status != http.StatusGone || strings.Contains(res.Body, app.pin(a.ID)) {
			t.Errorf("right passphrase after lockout: got %d, want 410 without the code", res.Status)
		}
	})
}

func TestShareTokenGuessingLimited(t *testing.T) {
	app, _, token, _ := shareApp(t, nil)
	guesser := app.client()
	var last response
	for range 25 {
		last = guesser.get("/s/AAAAAAAAAAAAAAAAAAAAAA")
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("25 unknown tokens from one address: got %d, want 429", last.Status)
	}
	if res := guesser.get("/s/" + token); res.Status != http.StatusTooManyRequests {
		t.Errorf("a blocked guesser reaching a real link: got %d, want 429", res.Status)
	}
}
