package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testkit/browser"
)

// TestBrowserGuestJourney drives the real `gatehouse serve` (reconciler and
// event puller on fast timers) through the reason Gatehouse exists: the owner
// gives Ana Lima a generated code on a simulated door, for a window that is
// already open, and gets a share link shown once; the guest, in a browser with
// none of the owner's cookies, opens the link (the owner's receipt says
// "opened"), reveals the code once, and every later visit or re-sent form gets
// the calm "can no longer show the code" page (the receipt says "revealed").
// The code reaches the lock, opens it at the simulated keypad and shows as
// first use; the owner revokes the access, the code is removed from the lock
// and the keypad refuses it. Every wait is on the page or on a response, none
// on a clock. Neither browser may log an error (CSP violations included); the
// guest's responses carry the no-store, no-referrer and noindex headers (read
// with plain net/http); the guest pages fit a phone (no sideways scroll, a
// Reveal button at least 44px tall and wide). With GATEHOUSE_SCREENSHOTS=DIR
// it saves desktop and phone screenshots of the link page and of the guest
// page before the reveal, revealed and burned.
func TestBrowserGuestJourney(t *testing.T) {
	start := time.Now()
	srv, j := openJourney(t, "--reconcile-every", "1s", "--events-every", "1s", "--sim-delay", "300ms")
	base, secrets, shots, step := srv.Base, srv.Secrets, j.Shots, j.Step

	// ---- 1. The owner, enrolled from an invite; a simulated door in a zone
	// of its own, with instructions for guests. Asia/Tokyo is far from UTC
	// (the date differs from UTC's for 9 hours a day) and has no DST, so a
	// wall-clock time 30 minutes back is never ambiguous.
	step("enrol")
	b, dialogs := j.Browser, j.Dialogs
	enrolOwner(t, b, srv, "Olivia")
	step("add a lock")
	b.Navigate(base + "/locks")
	b.Click(`.empty [data-testid=add-sim-lock]`)
	waitVisible(t, b, `[data-testid=keypad]`)
	waitFlash(t, b, "Lock added.")
	door := b.Text(`h1`)
	if door != "Simulated door 1" {
		t.Fatalf("add lock: the lock page is for %q, want Simulated door 1", door)
	}
	lockPath := tabPath(t, b)
	const zone = "Asia/Tokyo"
	const instructions = "The keypad is left of the blue door; press the lock button when you leave."
	if err := b.Run(
		chromedp.Clear(chromedp.CSS("#time_zone")), chromedp.SendKeys(chromedp.CSS("#time_zone"), zone),
		chromedp.SendKeys(chromedp.CSS("#instructions"), instructions),
	); err != nil {
		t.Fatalf("lock settings: type the zone and instructions: %v", err)
	}
	b.Click(`form[action$="/settings"] button[type=submit]`)
	waitFlash(t, b, "Settings saved.")
	b.WaitText(`[data-testid=lock-state]`, "online")

	// ---- 2. Give access to a new guest, Ana Lima, on that door. The form
	// names the door's zone and suggests today 15:00 to tomorrow 11:00 on its
	// wall clock; check-in moves to 30 minutes ago on that same wall clock
	// (read with Intl in the zone the form names), so the window is open now
	// whatever the zones of the server and the browser.
	step("give access")
	b.Navigate(base + "/guests")
	b.Click(`.page-head [data-testid=give-access-button]`)
	waitVisible(t, b, `[data-testid=access-form]`)
	if got := b.Text(`[data-zone-name]`); got != zone {
		t.Fatalf("give access: the form works in %q, want the door's zone %s", got, zone)
	}
	if n := count(t, b, `input[name=locks]:checked`); n != 1 {
		t.Fatalf("give access: %d doors ticked, want the only door ticked", n)
	}
	if got := b.Text(`input[name=locks]:checked + span`); !strings.Contains(got, door) {
		t.Errorf("give access: the ticked door reads %q, want %q", got, door)
	}
	if err := b.Run(chromedp.SendKeys(chromedp.CSS("#guest_name"), "Ana Lima")); err != nil {
		t.Fatalf("give access: type the guest's name: %v", err)
	}
	window, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](`(() => {
		const zone = document.querySelector("[data-zone-name]").textContent.trim();
		const parts = new Intl.DateTimeFormat("en-CA", {timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
			hour: "2-digit", minute: "2-digit", hourCycle: "h23"}).formatToParts(new Date(Date.now() - 30 * 60 * 1000));
		const p = Object.fromEntries(parts.map(x => [x.type, x.value]));
		const f = document.querySelector("[data-access-form]");
		f.elements.starts_date.value = p.year + "-" + p.month + "-" + p.day;
		f.elements.starts_time.value = p.hour + ":" + p.minute;
		return [f.elements.starts_date.value, f.elements.starts_time.value, f.elements.ends_date.value, f.elements.ends_time.value];
	})()`))
	if err != nil || len(window) != 4 || slices.Contains(window, "") {
		t.Fatalf("give access: set check-in to 30 minutes ago: %q, %v", window, err)
	}
	t.Logf("give access: window %s %s → %s %s in %s", window[0], window[1], window[2], window[3], zone)
	if count(t, b, `input[name=pin_mode][value=generate]:checked`) != 1 {
		t.Errorf("give access: a generated code is not the default")
	}
	b.Click(`[data-testid=give-access]`)
	if err := waitFor(b, chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-url]`))); err != nil {
		t.Fatalf("give access: no link page: %v (at %s; messages %q)", err, location(b), pageMessages(b))
	}

	// ---- 3. The link page: the URL once, a Copy button that says so, QR
	// and message links carrying the link.
	step("link page")
	shareURL := b.Text(`.secret-box [data-testid=share-url]`)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/s/[A-Za-z0-9_-]{22}$`).MatchString(shareURL) {
		t.Fatalf("link page: the share URL is %q, want %s/s/TOKEN", shareURL, base)
	}
	token := strings.TrimPrefix(shareURL, base+"/s/")
	secrets.Add("share token", token)
	for _, sel := range []string{`[data-testid=sms]`, `[data-testid=mailto]`} {
		if href := attr(t, b, sel, "href"); !strings.Contains(href, token) {
			t.Errorf("link page: %s link %q lacks the share link", sel, href)
		}
	}
	waitVisible(t, b, `[data-testid=share-link] [data-testid=qr]`)
	// The clipboard may be refused in a headless browser; app.js then copies
	// by selection, and either way the button says so.
	b.Click(`.secret-box .copy`)
	b.WaitText(`.secret-box .copy`, "Copied")
	linkPage := outerHTML(t, b, "html") // searched for the code once it is known
	guestPath := attr(t, b, `[data-testid=to-guest]`, "href")
	if !regexp.MustCompile(`^/guests/\d+$`).MatchString(guestPath) {
		t.Fatalf("link page: the guest's page is %q", guestPath)
	}
	look(t, b, shots, "guest-1-link")

	// Reloading the link page (a GET after the form's redirect) neither gives
	// access again nor shows the link again: the access's card says calmly
	// that the link was shown, next to "New link".
	if at := location(b); !regexp.MustCompile(`/access/\d+/created$`).MatchString(at) {
		t.Errorf("link page: at %s, want /access/ID/created (the GET after the form's redirect)", at)
	}
	if err := b.Run(chromedp.Reload()); err != nil {
		t.Fatalf("link page: reload: %v", err)
	}
	waitVisible(t, b, `[data-testid=access-notice]`)
	if n := count(t, b, `[data-testid=share-url]`); n != 0 {
		t.Errorf("reloaded link page: the link shows again")
	}
	if n := count(t, b, `[data-testid=access]`); n != 1 {
		t.Errorf("reloaded link page: %d accesses, want the one given", n)
	}
	if n := count(t, b, `[data-testid=access] [data-testid=new-link]`); n != 1 {
		t.Errorf("reloaded link page: no New link button beside the notice")
	}
	b.Navigate(base + guestPath)
	waitVisible(t, b, `[data-testid=steps]`)
	if got := receiptSteps(t, b); got["Sent"] == "" || got["Opened"] != "" || got["Revealed"] != "" || got["First used"] != "" {
		t.Errorf("receipt before the guest opens the link: %q, want only Sent done", got)
	}

	// ---- 4. The guest, in a browser with none of the owner's cookies, opens
	// the link: greeting, door, window, and a button, no code.
	step("guest opens the link")
	g := b.NewContext()
	g.WatchSecrets(secrets)
	g.Navigate(shareURL)
	waitVisible(t, g, `[data-testid=reveal]`)
	wantWindow := guestWindowText(t, window, zone)
	if got := g.Text(`h1`); got != "Hello Ana" {
		t.Errorf("guest page: heading %q, want Hello Ana", got)
	}
	body := g.Text(`main`)
	for _, want := range []string{door, wantWindow} {
		if !strings.Contains(body, want) {
			t.Errorf("guest page: %q lacks %q", body, want)
		}
	}
	if n := count(t, g, `[data-testid=pin]`); n != 0 {
		t.Fatalf("guest page: the code shows before Reveal")
	}
	wantTapTarget(t, g, `[data-testid=reveal]`)
	look(t, g, shots, "guest-2-share")
	sharePage := outerHTML(t, g, "html")

	// The headers, read without a browser. This GET comes after the guest's
	// first, so the receipt keeps the guest's device; it must not reveal.
	status, hdr, getBody := plainRequest(t, http.MethodGet, shareURL)
	if status != http.StatusOK {
		t.Errorf("GET %s: status %d, want 200", shareURL, status)
	}
	wantGuestHeaders(t, "GET before the reveal", hdr)

	// The owner's receipt now says opened, on what.
	b.Navigate(base + guestPath)
	waitVisible(t, b, `[data-testid=steps]`)
	if got := receiptSteps(t, b); got["Opened"] == "" || got["Revealed"] != "" {
		t.Errorf("receipt after the guest opened the link: %q, want Opened done and Revealed not yet", got)
	}
	if got := anyText(t, b, `[data-testid=link-row]`); !strings.Contains(got, "· opened ") {
		t.Errorf("link receipt after opening: %q, want it to say opened", got)
	}

	// ---- 5. Reveal: the code, once.
	step("reveal")
	g.Click(`[data-testid=reveal]`)
	waitVisible(t, g, `[data-testid=pin]`)
	pin := g.Text(`[data-testid=pin]`)
	secrets.Add("door code", pin)
	if !regexp.MustCompile(`^\d{6}$`).MatchString(pin) {
		t.Fatalf("revealed: the code is %q, want 6 digits", pin)
	}
	revealed := g.Text(`main`)
	for _, want := range []string{"this page will not show it again", door, wantWindow, instructions} {
		if !strings.Contains(revealed, want) {
			t.Errorf("revealed page: %q lacks %q", revealed, want)
		}
	}
	for what, html := range map[string]string{"the owner's link page": linkPage, "the guest page before the reveal": sharePage, "the plain GET": getBody} {
		if strings.Contains(html, pin) {
			t.Errorf("%s contains the code %s", what, pin)
		}
	}
	look(t, g, shots, "guest-3-revealed")

	// ---- 6. The form sent again, then the link opened again: the calm page.
	step("burned")
	if _, err := chromedp.Run(g.Context(), chromedp.Evaluate[bool](`(() => {
		const f = document.createElement("form");
		f.method = "post";
		f.action = location.pathname;
		document.body.append(f);
		f.submit();
		return true; })()`)); err != nil {
		t.Fatalf("send the reveal form again: %v", err)
	}
	waitVisible(t, g, `[data-testid=link-gone]`)
	if n := count(t, g, `[data-testid=pin]`); n != 0 {
		t.Fatalf("a second reveal showed the code")
	}
	g.Navigate(shareURL)
	waitVisible(t, g, `[data-testid=link-gone]`)
	if got := g.Text(`h1`); !strings.Contains(got, "can no longer show the code") {
		t.Errorf("burned page: heading %q", got)
	}
	if strings.Contains(outerHTML(t, g, "html"), pin) {
		t.Errorf("the burned page contains the code")
	}
	look(t, g, shots, "guest-4-gone")
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		status, hdr, body := plainRequest(t, method, shareURL)
		if status != http.StatusGone {
			t.Errorf("%s %s after the reveal: status %d, want 410", method, shareURL, status)
		}
		if strings.Contains(body, pin) {
			t.Errorf("%s after the reveal: the body holds the code", method)
		}
		wantGuestHeaders(t, method+" after the reveal", hdr)
	}

	// The owner sees "revealed".
	b.Navigate(base + guestPath)
	waitVisible(t, b, `[data-testid=steps]`)
	if got := receiptSteps(t, b); got["Revealed"] == "" || got["First used"] != "" {
		t.Errorf("receipt after the reveal: %q, want Revealed done and First used not yet", got)
	}
	if got := anyText(t, b, `[data-testid=link-row]`); !strings.Contains(got, "code revealed") {
		t.Errorf("link receipt after the reveal: %q, want “code revealed”", got)
	}

	// ---- 7. The code reaches the lock and opens it; first use shows.
	step("code reaches the lock, unlocks")
	b.Navigate(base + lockPath)
	waitVisible(t, b, `[data-testid=keypad]`)
	if n := count(t, b, `[data-testid=code-row]`); n != 1 {
		t.Fatalf("lock page: %d code rows, want Ana Lima's only", n)
	}
	if got := b.Text(`[data-testid=code-row] td[data-label="Code for"]`); !strings.Contains(got, "Ana") {
		t.Errorf("lock page: the code is for %q, want Ana Lima", got)
	}
	b.WaitText(`[data-testid=code-row] [data-testid=code-status]`, "on lock")
	typeAtKeypad(t, b, pin)
	b.WaitText(`[data-testid=keypad-result]`, "Unlocked")
	b.WaitText(`[data-testid=code-row] td[data-label="First used"]`, ":") // a time, no longer "not yet"
	b.Navigate(base + guestPath)
	waitVisible(t, b, `[data-testid=steps]`)
	steps := receiptSteps(t, b)
	for _, s := range []string{"Sent", "Opened", "Revealed", "First used"} {
		if steps[s] == "" {
			t.Errorf("receipt after the first use: %q not done (%q)", s, steps)
		}
	}
	if got := b.Text(`[data-testid=first-used]`); !strings.Contains(got, ":") {
		t.Errorf("guest page: the door's first use is %q, want a time", got)
	}
	if n := count(t, b, `.step.step-done`); n != 4 {
		t.Errorf("receipt after the first use: %d steps filled, want 4", n)
	}

	// ---- 8. Revoke: removed from the lock, refused at the keypad.
	step("revoke")
	b.Click(`[data-testid=access] [data-testid=revoke]`)
	waitFlash(t, b, "Access revoked: the link no longer works, and the code is being removed from the doors (see each door's status).")
	b.WaitText(`[data-testid=access-state]`, "revoked")
	if got := dialogs(); len(got) != 1 || !strings.Contains(got[0], "Revoke this access?") {
		t.Errorf("revoke: confirm dialogs %q, want one asking to revoke the access", got)
	}
	b.Navigate(base + lockPath)
	waitVisible(t, b, `[data-testid=keypad]`)
	b.WaitText(`[data-testid=code-row] [data-testid=code-status]`, "removed")
	typeAtKeypad(t, b, pin)
	b.WaitText(`[data-testid=keypad-result]`, "Wrong code")

	// ---- 9. No page logged an error, CSP violations included. Chromium
	// logs a document answered 4xx as a failed load: the guest's two visits
	// to the burned link are expected, nothing else.
	step("console")
	gone := "network: Failed to load resource: the server responded with a status of 410 (Gone) (" + shareURL + ")"
	for _, tab := range []struct {
		name     string
		b        *browser.Browser
		expected map[string]int
	}{{"owner", b, nil}, {"guest", g, map[string]int{gone: 2}}} {
		var errs []string
		for _, e := range tab.b.ConsoleErrors() {
			if tab.expected[e] > 0 {
				tab.expected[e]--
				continue
			}
			errs = append(errs, e)
		}
		if len(errs) != 0 {
			t.Errorf("%s's browser: console errors:\n  %s", tab.name, strings.Join(errs, "\n  "))
		}
	}
	step("")
	t.Logf("whole journey: %v", time.Since(start).Round(time.Millisecond))
}

// tabPath is the tab's path.
func tabPath(t *testing.T, b *browser.Browser) string {
	t.Helper()
	loc := location(b)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// guestWindowText is how the guest page words the window typed in the form
// (dates and times on the door's wall clock), e.g. "from Mon 2 Jan 14:30 until
// Tue 3 Jan 11:00 (Asia/Tokyo time)".
func guestWindowText(t *testing.T, form []string, zone string) string {
	t.Helper()
	day := func(date string) string {
		d, err := time.Parse("2006-01-02", date)
		if err != nil {
			t.Fatalf("the form's date %q: %v", date, err)
		}
		return d.Format("Mon 2 Jan")
	}
	return fmt.Sprintf("from %s %s until %s %s (%s time)", day(form[0]), form[1], day(form[2]), form[3], zone)
}

// receiptSteps reads the receipt chain of the first access on a guest's page:
// each step's label and, once done, its time ("" while not yet).
func receiptSteps(t *testing.T, b *browser.Browser) map[string]string {
	t.Helper()
	steps, err := chromedp.Run(b.Context(), chromedp.Evaluate[map[string]string](`Object.fromEntries(
		Array.from(document.querySelectorAll("[data-testid=steps] > li")).map(li => [
			li.querySelector(".step-label").textContent.trim(),
			li.classList.contains("step-done") ? li.querySelector(".step-when").textContent.trim() : ""]))`))
	if err != nil {
		t.Fatalf("read the receipt: %v", err)
	}
	if len(steps) != 4 {
		t.Fatalf("receipt: %q, want the four steps sent, opened, revealed, first used", steps)
	}
	return steps
}

// anyText is the text of the first element matching sel, hidden (such as
// inside a closed <details>) or not.
func anyText(t *testing.T, b *browser.Browser, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](
		fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "").replace(/\s+/g, " ").trim()`, sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// wantTapTarget checks, at a phone's width, that the element is at least 44 CSS
// pixels tall and wide (WCAG 2.5.5), and returns the tab to the desktop.
func wantTapTarget(t *testing.T, b *browser.Browser, sel string) {
	t.Helper()
	if err := b.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}
	nextFrames(t, b)
	size, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]float64](
		fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.width, r.height]; })()`, sel)))
	if err != nil || len(size) != 2 {
		t.Fatalf("size of %s: %v", sel, err)
	}
	if size[0] < 44 || size[1] < 44 {
		t.Errorf("on a phone, %s is %.0f×%.0f px, want at least 44×44", sel, size[0], size[1])
	}
	t.Logf("on a phone, %s is %.0f×%.0f px", sel, size[0], size[1])
	if err := b.Run(chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("desktop viewport: %v", err)
	}
	nextFrames(t, b)
}

// plainRequest requests target without a browser, cookies or redirects, and returns the
// status, headers and body.
func plainRequest(t *testing.T, method, target string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{Timeout: browser.PageWait, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, target, err)
	}
	return res.StatusCode, res.Header, string(body)
}

// wantGuestHeaders checks the headers every guest response must carry.
func wantGuestHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("%s: Referrer-Policy %q, want no-referrer", what, got)
	}
	if got := h.Get("X-Robots-Tag"); !strings.Contains(got, "noindex") {
		t.Errorf("%s: X-Robots-Tag %q, want noindex", what, got)
	}
	if got := h.Get("Content-Security-Policy"); got == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
	}
}
