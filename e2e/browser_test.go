package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testkit/browser"
)

// TestBrowserPasskeyJourney drives the real `gatehouse serve` with Chromium and
// virtual passkey authenticators, the way an owner uses it: enrol from an
// invite link, sign out and back in, add and remove a spare passkey, sign out
// another browser from Settings → Sessions, and see a readable sentence when a
// passkey prompt is cancelled. No page may log an error, and with
// GATEHOUSE_SCREENSHOTS=DIR it saves desktop and phone screenshots to DIR
// of the pages whose layout it checks.
func TestBrowserPasskeyJourney(t *testing.T) {
	start := time.Now()
	srv, j := openJourney(t)
	base, secrets, shots, step := srv.Base, srv.Secrets, j.Shots, j.Step

	// ---- 1. An invite from the command line, as an owner would make it.
	step("invite")
	link := srv.Invite("--name", "Ana") // its token goes into the secret set
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/enroll/[A-Za-z0-9_-]{43}$`).MatchString(link) {
		t.Fatalf("invite printed %q, want one link %s/enroll/TOKEN", link, base)
	}

	// ---- 2. Enrol: name, Create passkey, home page.
	step("enrol")
	b, dialogs := j.Browser, j.Dialogs
	// A virtual authenticator answers a passkey-autofill request at once, as
	// if the person had picked the passkey from the list, which would race
	// every click on "Sign in with a passkey". This tab tests the button, so
	// its pages see no autofill (the second browser below tests autofill).
	if _, err := chromedp.Call(b.Context(), page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);`,
	}); err != nil {
		t.Fatalf("turn off passkey autofill: %v", err)
	}
	first := b.AddPasskeyAuthenticator()
	b.Navigate(link)
	waitVisible(t, b, `[data-testid=create-passkey]`)
	look(t, b, shots, "1-enroll")
	if err := b.Run(chromedp.Clear(chromedp.CSS("#name")), chromedp.SendKeys(chromedp.CSS("#name"), "Ana")); err != nil {
		t.Fatalf("enrol: type the name: %v", err)
	}
	b.Click(`[data-testid=create-passkey]`)
	waitHome(t, b, "Ana")
	if n := len(b.Credentials(first)); n != 1 {
		t.Fatalf("enrol: authenticator holds %d passkeys, want 1", n)
	}
	look(t, b, shots, "2-home")

	// ---- 3. Sign out, then sign in with the passkey button.
	step("sign out and in")
	b.Click(`[data-testid=signout]`)
	waitVisible(t, b, `[data-testid=signin]`)
	wantPath(t, b, "/signin?signed-out=1")
	b.Click(`[data-testid=signin]`)
	waitHome(t, b, "Ana")

	// ---- 4. A second passkey, on a security key, then removed.
	// Chromium allows one internal (platform) authenticator per tab, so the
	// spare is a USB key. The add ceremony lists the owner's passkeys in
	// excludeCredentials, so the first authenticator would answer "already
	// registered" and end the whole request; with its presence simulation off
	// it waits for a touch that never comes, and the key answers instead.
	step("add and remove a passkey")
	b.Navigate(base + "/settings/passkeys")
	waitVisible(t, b, `[data-testid=add-passkey]`)
	if n := count(t, b, `[data-testid=passkey-row]`); n != 1 {
		t.Fatalf("passkeys: got %d rows before adding, want 1", n)
	}
	setPresence(t, b, first, false)
	spare := addSecurityKey(t, b)
	if err := b.Run(chromedp.SendKeys(chromedp.CSS("#nickname"), "Spare key")); err != nil {
		t.Fatalf("add passkey: type the name: %v", err)
	}
	b.Click(`[data-testid=add-passkey]`)
	waitFlash(t, b, "Passkey added.")
	if n := count(t, b, `[data-testid=passkey-row]`); n != 2 {
		t.Fatalf("passkeys: got %d rows after adding, want 2", n)
	}
	if n, m := len(b.Credentials(spare)), len(b.Credentials(first)); n != 1 || m != 1 {
		t.Fatalf("add passkey: spare authenticator holds %d passkeys and the first %d, want 1 and 1", n, m)
	}
	// The spare's passkey is about to be removed on the server; the
	// authenticator goes too, so it cannot answer later ceremonies.
	b.RemoveAuthenticator(spare)
	setPresence(t, b, first, true)
	look(t, b, shots, "3-passkeys")
	b.Click(`tr[data-testid=passkey-row]:has(input[value="Spare key"]) [data-testid=remove-passkey]`)
	waitFlash(t, b, "Passkey removed.")
	if n := count(t, b, `[data-testid=passkey-row]`); n != 1 {
		t.Fatalf("passkeys: got %d rows after removing, want 1", n)
	}
	if count(t, b, `[data-testid=passkey-row] input[value="Spare key"]`) != 0 {
		t.Fatalf("passkeys: “Spare key” is still listed after removing it")
	}
	if got := dialogs(); len(got) != 1 || !strings.Contains(got[0], "“Spare key”") {
		t.Errorf("remove passkey: confirm dialogs %q, want one naming “Spare key”", got)
	}

	// ---- 5. A second browser signs in with a copy of the passkey (as a
	// synced passkey would be), then is signed out from the first.
	step("sign out other sessions")
	// This browser keeps passkey autofill: the virtual authenticator picks
	// the passkey by itself, so the sign-in page signs in without a click.
	b2 := b.NewContext()
	b2.WatchSecrets(secrets)
	other := b2.AddPasskeyAuthenticator()
	addPasskey(t, b2, other, onlyPasskey(t, b, first)) // after its last use: its sign count is current
	b2.Navigate(base + "/signin")
	waitHome(t, b2, "Ana")
	// Gone from this browser, so that autofill cannot sign it in again once it
	// is signed out; its copy now counts further than the first browser's.
	synced := onlyPasskey(t, b2, other)
	b2.RemoveAuthenticator(other)

	b.Navigate(base + "/settings/sessions")
	waitVisible(t, b, `[data-testid=signout-others]`)
	if n := count(t, b, `[data-testid=session-row]`); n != 2 {
		t.Fatalf("sessions: got %d rows, want 2 (this browser and the other)", n)
	}
	look(t, b, shots, "4-sessions")
	b.Click(`[data-testid=signout-others]`)
	waitFlash(t, b, "All other sessions were signed out.")
	if n := count(t, b, `[data-testid=session-row]`); n != 1 {
		t.Fatalf("sessions: got %d rows after signing out the others, want 1", n)
	}
	if got := dialogs(); len(got) != 2 || got[1] != "Sign out every other browser and device?" {
		t.Errorf("sign out others: confirm dialogs %q, want a second one asking to sign out every other browser", got)
	}
	b2.Navigate(base + "/")
	waitVisible(t, b2, `[data-testid=signin]`)
	wantPath(t, b2, "/signin")

	// ---- 6. A cancelled passkey prompt says so in words.
	step("cancelled ceremony")
	b.Click(`[data-testid=signout]`)
	waitVisible(t, b, `[data-testid=signin]`)
	b.CancelCeremonies(first)
	b.Click(`[data-testid=signin]`)
	got := b.WaitText(".passkey-status", "cancelled")
	want, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`window.gatehousePasskey.messages.cancelledGet`))
	if err != nil {
		t.Fatalf("read passkey.js messages: %v", err)
	}
	if got != want {
		t.Errorf("cancelled sign-in: status %q, want %q", got, want)
	}
	if cls := attr(t, b, ".passkey-status", "class"); !strings.Contains(cls, "error") {
		t.Errorf("cancelled sign-in: status class %q, want it to contain error", cls)
	}
	look(t, b, shots, "5-signin-cancelled")

	// ---- 6b. Once the person is ready the button works again, but this
	// authenticator's copy of the passkey is stale: the second browser used
	// the passkey since, so its signature counter stood still. Gatehouse
	// refuses it as possibly cloned, in words; with the counter synced back,
	// the same button signs in.
	step("stale passkey copy")
	b.SetUserVerified(first, true)
	b.Click(`[data-testid=signin]`)
	b.WaitText(".passkey-status", "may have been copied")
	if _, err := chromedp.Call(b.Context(), webauthn.ClearCredentials, webauthn.ClearCredentialsParams{AuthenticatorID: first}); err != nil {
		t.Fatalf("WebAuthn.clearCredentials: %v", err)
	}
	addPasskey(t, b, first, synced)
	b.Click(`[data-testid=signin]`)
	waitHome(t, b, "Ana")

	// ---- 7. No page logged an error, CSP violations included.
	// Chromium logs every fetch answered 4xx as an error, and passkey.js
	// cannot stop it: the one refusal of the stale copy above is expected.
	step("console")
	expected := map[string]int{
		"network: Failed to load resource: the server responded with a status of 401 (Unauthorized) (" + base + "/signin/finish)": 1,
	}
	for _, tab := range []struct {
		name string
		b    *browser.Browser
	}{{"first browser", b}, {"second browser", b2}} {
		var errs []string
		for _, e := range tab.b.ConsoleErrors() {
			if expected[e] > 0 {
				expected[e]--
				continue
			}
			errs = append(errs, e)
		}
		if len(errs) != 0 {
			t.Errorf("%s: console errors:\n  %s", tab.name, strings.Join(errs, "\n  "))
		}
	}
	step("")
	t.Logf("whole journey: %v", time.Since(start).Round(time.Millisecond))
}

// waitVisible waits until an element matching sel is visible, across
// navigations (unlike Evaluate and WaitText).
func waitVisible(t *testing.T, b *browser.Browser, sel string) {
	t.Helper()
	if err := waitFor(b, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatalf("wait for %s: %v (at %s)", sel, err, location(b))
	}
}

// waitHome waits for the home page greeting the owner.
func waitHome(t *testing.T, b *browser.Browser, name string) {
	t.Helper()
	xpath := fmt.Sprintf(`//h1[normalize-space(.)="Welcome, %s"]`, name)
	if err := waitFor(b, chromedp.WaitVisible(chromedp.Search(xpath))); err != nil {
		t.Fatalf("wait for the home page (h1 “Welcome, %s”): %v (at %s; messages %q)", name, err, location(b), pageMessages(b))
	}
	wantPath(t, b, "/")
}

// waitFlash waits for the success message a form's redirect lands on.
func waitFlash(t *testing.T, b *browser.Browser, msg string) {
	t.Helper()
	xpath := fmt.Sprintf(`//div[contains(@class, "flash-ok")][normalize-space(.)=%q]`, msg)
	if err := waitFor(b, chromedp.WaitVisible(chromedp.Search(xpath))); err != nil {
		t.Fatalf("wait for the message %q: %v (at %s; messages %q)", msg, err, location(b), pageMessages(b))
	}
}

func waitFor(b *browser.Browser, action chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.Context(), browser.PageWait)
	defer cancel()
	return chromedp.Do(ctx, action)
}

// wantPath checks the tab's path and query.
func wantPath(t *testing.T, b *browser.Browser, want string) {
	t.Helper()
	got, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil {
		t.Fatalf("read location: %v", err)
	}
	if got != want {
		t.Fatalf("location: got %s, want %s", got, want)
	}
}

func location(b *browser.Browser) string {
	ctx, cancel := context.WithTimeout(b.Context(), 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown location: " + err.Error()
	}
	return loc
}

// pageMessages is what the page tells the person (what passkey.js last said,
// flashes and field errors), for failure messages.
func pageMessages(b *browser.Browser) string {
	ctx, cancel := context.WithTimeout(b.Context(), 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll(".passkey-status, .flash, .field-error")).map(e => e.textContent.trim()).filter(Boolean).join(" | ")`))
	if err != nil {
		return fmt.Sprintf("unreadable: %v", err)
	}
	return s
}

// count returns how many elements match the CSS selector now.
func count(t *testing.T, b *browser.Browser, sel string) int {
	t.Helper()
	n, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

func attr(t *testing.T, b *browser.Browser, sel, name string) string {
	t.Helper()
	res, err := chromedp.Run(b.Context(), chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return res.Value
}

// onlyPasskey returns the one passkey on the authenticator of tab b.
func onlyPasskey(t *testing.T, b *browser.Browser, id browser.AuthenticatorID) *browser.Credential {
	t.Helper()
	creds := b.Credentials(id)
	if len(creds) != 1 {
		t.Fatalf("authenticator holds %d passkeys, want 1", len(creds))
	}
	return creds[0]
}

// addPasskey puts a copy of c on the authenticator of tab b, as a passkey
// synced from another device.
func addPasskey(t *testing.T, b *browser.Browser, to browser.AuthenticatorID, c *browser.Credential) {
	t.Helper()
	// The command is sent by hand: webauthn.Credential always sends
	// generateCmtgKeyOnNextOperation, and Chromium refuses any CMTG field
	// ("CMTG is not supported by this authenticator").
	type credential struct {
		CredentialID         []byte `json:"credentialId"`
		IsResidentCredential bool   `json:"isResidentCredential"`
		RpID                 string `json:"rpId"`
		PrivateKey           []byte `json:"privateKey"`
		UserHandle           []byte `json:"userHandle"`
		SignCount            int64  `json:"signCount"`
	}
	params := struct {
		AuthenticatorID browser.AuthenticatorID `json:"authenticatorId"`
		Credential      credential              `json:"credential"`
	}{to, credential{c.CredentialID, c.IsResidentCredential, c.RpID, c.PrivateKey, c.UserHandle, int64(c.SignCount)}}
	err := b.Run(chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		return tab.Call(ctx, webauthn.CommandAddCredential, params, nil)
	}))
	if err != nil {
		t.Fatalf("WebAuthn.addCredential: %v", err)
	}
}

// addSecurityKey attaches a virtual USB security key with a PIN (user
// verification) and room for passkeys, which touches itself.
func addSecurityKey(t *testing.T, b *browser.Browser) browser.AuthenticatorID {
	t.Helper()
	res, err := chromedp.Call(b.Context(), webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportUsb,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true, // the Go struct would send false: every ceremony would hang
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator (usb): %v", err)
	}
	return res.AuthenticatorID
}

func setPresence(t *testing.T, b *browser.Browser, id browser.AuthenticatorID, on bool) {
	t.Helper()
	_, err := chromedp.Call(b.Context(), webauthn.SetAutomaticPresenceSimulation,
		webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: id, Enabled: on})
	if err != nil {
		t.Fatalf("WebAuthn.setAutomaticPresenceSimulation(%v): %v", on, err)
	}
}

// look checks the page's layout at desktop width and at a phone's (390px,
// touch, scale 2), and with a dir saves both as DIR/NAME-desktop.png and
// DIR/NAME-phone.png for a person to look at. The tab returns to the desktop
// viewport afterwards.
func look(t *testing.T, b *browser.Browser, dir, name string) {
	t.Helper()
	layout(t, b, name+" (desktop)")
	if dir != "" {
		b.Screenshot(filepath.Join(dir, name+"-desktop.png"))
	}
	if err := b.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}
	nextFrames(t, b)
	layout(t, b, name+" (phone)")
	if dir != "" {
		b.Screenshot(filepath.Join(dir, name+"-phone.png"))
	}
	if err := b.Run(chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("desktop viewport: %v", err)
	}
	nextFrames(t, b)
}

// nextFrames waits for the page to render two frames: the page learns of a
// new viewport in the next frame's resize steps (app.js then scrolls the
// header nav), which run before that frame's animation callbacks.
func nextFrames(t *testing.T, b *browser.Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), browser.PageWait)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`,
		func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		t.Fatalf("wait for the page to render: %v", err)
	}
}

// layoutProbe lists what looks broken on the page, in words.
const layoutProbe = `(() => {
	const problems = [];
	const shown = e => e.getClientRects().length > 0;
	if (document.documentElement.scrollWidth > window.innerWidth) {
		problems.push("the page scrolls sideways: " + document.documentElement.scrollWidth + "px wide in a " + window.innerWidth + "px window");
	}
	document.querySelectorAll(".field-error").forEach(e => {
		if (shown(e) && !e.textContent.trim()) problems.push("an empty field error (a bare \"Error:\") for the field " + JSON.stringify(e.id.replace(/-error$/, "")));
	});
	document.querySelectorAll(".list td").forEach(e => { // on phones, where each row is a card
		if (getComputedStyle(e).display === "block" && shown(e) && !e.textContent.trim() && !e.children.length) problems.push("an empty table cell takes room in a row's card");
	});
	document.querySelectorAll(".list .btn").forEach(e => {
		const r = document.createRange();
		r.selectNodeContents(e);
		if (shown(e) && r.getClientRects().length > 1) problems.push("the button " + JSON.stringify(e.textContent.trim()) + " wraps its label");
	});
	const nav = document.querySelector(".site-nav");
	const cur = nav && nav.querySelector('[aria-current="page"]');
	if (cur) {
		const n = nav.getBoundingClientRect(), c = cur.getBoundingClientRect();
		if (c.left < n.left - 1 || c.right > n.right + 1) problems.push("the current section " + JSON.stringify(cur.textContent.trim()) + " is scrolled out of the header nav");
	}
	return problems;
})()`

func layout(t *testing.T, b *browser.Browser, what string) {
	t.Helper()
	problems, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](layoutProbe))
	if err != nil {
		t.Fatalf("layout of %s: %v", what, err)
	}
	for _, p := range problems {
		t.Errorf("layout of %s: %s", what, p)
	}
}
