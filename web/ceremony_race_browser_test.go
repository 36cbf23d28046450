package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	browsertest "github.com/gatehouse/gatehouse/internal/testkit/browser"
)

// overlapScript begins two sign-in ceremonies from the sign-in page, as its
// passkey autofill and its button do when the button is pressed while the page
// loads, and answers and finishes both in the order given. It returns each finish's status, in that order.
const overlapScript = `(async (order) => {
	const post = (url, body) => fetch(url, {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json", "X-Requested-With": "fetch"}, body: JSON.stringify(body)});
	const begun = [];
	for (let i = 0; i < 2; i++) {
		begun.push((await (await post("/signin/begin", {})).json()).publicKey);
	}
	// Each ceremony is answered just before it finishes, as a person picks a
	// passkey for one request; the signature counter rises in finish order.
	const got = [];
	for (const i of order) {
		const cred = await navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begun[i])});
		got.push((await post("/signin/finish", cred.toJSON())).status);
	}
	return got.join(" ");
})(%s)`

// TestBrowserOverlappingSignIns is the sign-in race of issue 11 (item 6) in
// Chromium with a virtual authenticator: two ceremonies begun one after the
// other in one browser both finish, whichever finishes first.
func TestBrowserOverlappingSignIns(t *testing.T) {
	app, base := newBrowserApp(t)
	b := browsertest.New(t, browsertest.Timeout(90*time.Second))
	// Passkey autofill would sign in by itself (a virtual authenticator answers
	// it at once); this test makes its own overlapping requests instead.
	if _, err := chromedp.Call(b.Context(), page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);`,
	}); err != nil {
		t.Fatal(err)
	}
	b.AddPasskeyAuthenticator()
	b.Navigate(base + "/enroll/" + app.invite(""))
	if err := b.Run(chromedp.SendKeys(chromedp.CSS("#name"), "Ana")); err != nil {
		t.Fatal(err)
	}
	b.Click(`[data-testid=create-passkey]`)
	waitH1(t, b, "Welcome, Ana")

	for _, order := range []string{"[0, 1]", "[1, 0]"} {
		b.Click(`[data-testid=signout]`)
		waitH1(t, b, "Sign in")
		got, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](fmt.Sprintf(overlapScript, order), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("order %s: %v", order, err)
		}
		if got != "200 200" {
			t.Fatalf("finishes in order %s: got statuses %q, want \"200 200\"", order, got)
		}
		b.Navigate(base + "/")
		waitH1(t, b, "Welcome, Ana")
	}
	if errs := b.ConsoleErrors(); len(errs) != 0 && !onlyStatusErrors(errs) {
		t.Errorf("console errors: got %q, want none", errs)
	}
}

// onlyStatusErrors tells whether every console error is Chromium's note of a
// failed request (the refused finishes before the fix), not a script error.
func onlyStatusErrors(errs []string) bool {
	for _, e := range errs {
		if !strings.Contains(e, "the server responded with a status of") {
			return false
		}
	}
	return true
}

// waitH1 waits for a page whose heading is h1, across navigations.
func waitH1(t *testing.T, b *browsertest.Browser, h1 string) {
	t.Helper()
	if err := b.Run(chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//h1[normalize-space(.)=%q]`, h1)))); err != nil {
		t.Fatalf("wait for the page “%s”: %v", h1, err)
	}
}
