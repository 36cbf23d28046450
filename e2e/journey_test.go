package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testkit/binary"
	"github.com/gatehouse/gatehouse/internal/testkit/browser"
)

// openJourney is how every browser journey begins: the real binary serving
// a fresh database at a free localhost port (passkeys need the name
// localhost, and --public-url must match the browser's origin exactly), with
// serve's extra flags (faster timers) after the test's own, and a journey's
// browser whose traffic feeds the server's secret set. Once the browser has
// closed and the server has stopped, no secret the test saw may be in the
// server's log or audit table.
func openJourney(t *testing.T, flags ...string) (*binary.Server, *browser.Journey) {
	t.Helper()
	srv := binary.StartServer(t, flags...)
	return srv, browser.NewJourney(t, srv.Secrets)
}

// enrolOwner makes an invite with the command line, as an owner would, and
// enrols name from it in tab b with a new virtual passkey, ending on the home
// page, signed in. The invite's token goes into the server's secret set.
func enrolOwner(t *testing.T, b *browser.Browser, srv *binary.Server, name string) {
	t.Helper()
	link := srv.Invite("--name", name)
	if !strings.HasPrefix(link, srv.Base+"/enroll/") {
		t.Fatalf("invite printed %q, want a link %s/enroll/TOKEN", link, srv.Base)
	}
	b.AddPasskeyAuthenticator()
	b.Navigate(link)
	waitVisible(t, b, `[data-testid=create-passkey]`)
	if err := b.Run(chromedp.Clear(chromedp.CSS("#name")), chromedp.SendKeys(chromedp.CSS("#name"), name)); err != nil {
		t.Fatalf("enrol: type the name: %v", err)
	}
	b.Click(`[data-testid=create-passkey]`)
	waitHome(t, b, name)
}
