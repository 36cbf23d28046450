package browser

import (
	"bytes"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// serve serves testdata under a strict CSP, like Gatehouse, and returns a
// localhost URL: passkeys need a secure context, and Chromium rejects
// 127.0.0.1 as an RP ID.
func serve(t *testing.T) string {
	t.Helper()
	files := http.FileServer(http.Dir("testdata"))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	_, port, err := net.SplitHostPort(ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + port
}

func TestPasskeyRegisterThenSignIn(t *testing.T) {
	base := serve(t)
	start := time.Now()
	b := New(t)
	t.Logf("browser start: %v", time.Since(start))
	id := b.AddPasskeyAuthenticator()
	b.Navigate(base + "/passkey.html")

	start = time.Now()
	b.Click("#register")
	reg := b.WaitText("#register-result", "ok ")
	t.Logf("registration: %v", time.Since(start))
	if !strings.HasSuffix(reg, " uv=true") {
		t.Errorf("registration: got %q, want user verified (uv=true)", reg)
	}
	creds := b.Credentials(id)
	if len(creds) != 1 {
		t.Fatalf("credentials on authenticator: got %d, want 1", len(creds))
	}
	if c := creds[0]; !c.IsResidentCredential || c.RpID != "localhost" {
		t.Errorf("credential: got resident=%v rpID=%q, want resident=true rpID=%q", c.IsResidentCredential, c.RpID, "localhost")
	}

	start = time.Now()
	b.Click("#login")
	login := b.WaitText("#login-result", "ok ")
	t.Logf("sign-in: %v", time.Since(start))
	credID := strings.Fields(reg)[1]
	if want := "ok " + credID + " uv=true user-handle"; login != want {
		t.Errorf("sign-in: got %q, want %q", login, want)
	}
	if n := len(b.Credentials(id)); n != 1 {
		t.Errorf("credentials after sign-in: got %d, want 1", n)
	}
	if errs := b.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("console errors: got %q, want none", errs)
	}
}

func TestCancelledCeremonyRejectsPromptly(t *testing.T) {
	base := serve(t)
	b := New(t)
	id := b.AddPasskeyAuthenticator()
	b.Navigate(base + "/passkey.html")
	b.Click("#register")
	b.WaitText("#register-result", "ok ")

	b.CancelCeremonies(id)
	for _, button := range []string{"#login", "#register"} {
		start := time.Now()
		b.Click(button)
		got := b.WaitText(button+"-result", "error ")
		// The page's own timeout is 10 s; an error well before it means the
		// cancel was immediate, not a timeout in disguise.
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("%s: got the error after %v, want it well before the 10 s ceremony timeout", button, elapsed)
		}
		t.Logf("%s cancelled in %v", button, time.Since(start))
		if !strings.HasPrefix(got, "error NotAllowedError") {
			t.Errorf("%s: got %q, want NotAllowedError", button, got)
		}
	}
	if n := len(b.Credentials(id)); n != 1 {
		t.Errorf("credentials after cancelled registration: got %d, want 1", n)
	}
}

func TestConsoleErrorsAreCollected(t *testing.T) {
	base := serve(t)
	b := New(t)
	b.Navigate(base + "/throw.html")
	b.WaitText("#status", "ran")
	errs := strings.Join(b.ConsoleErrors(), "\n")
	for _, want := range []string{"thrown on purpose", "rejected on purpose", "console.error: lock list failed 42", "Content Security Policy"} {
		if !strings.Contains(errs, want) {
			t.Errorf("console errors: got\n%s\nwant one containing %q", errs, want)
		}
	}
}

func TestGuestContextIsCleanAndPhoneScreenshot(t *testing.T) {
	base := serve(t)
	b := New(t, Phone())
	b.Navigate(base + "/passkey.html")
	if err := b.Run(chromedp.Evaluate[chromedp.Void](`document.cookie = "session=owner"`)); err != nil {
		t.Fatal(err)
	}

	guest := b.NewContext()
	guest.Navigate(base + "/passkey.html")
	cookie, err := chromedp.Run(guest.Context(), chromedp.Evaluate[string](`document.cookie`))
	if err != nil || cookie != "" {
		t.Errorf("guest cookies: got %q (%v), want none", cookie, err)
	}

	path := filepath.Join(t.TempDir(), "phone.png")
	b.Screenshot(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if img.Width != 390*2 {
		t.Errorf("phone screenshot width: got %d px, want %d (390 CSS px at scale 2)", img.Width, 390*2)
	}
}

// recorder stands in for a test so that New's Fatal and Skip can be observed
// without ending this test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestMissingChromiumSkipsLocallyAndFailsInCI(t *testing.T) {
	t.Setenv("CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); New(r) }()
		<-done
		if ci == "" && (r.skip == "" || r.fatal != "") {
			t.Errorf("CI unset: got skip=%q fatal=%q, want a skip", r.skip, r.fatal)
		}
		if ci != "" && !strings.Contains(r.fatal, "CI requires Chromium: apt-get install -y chromium") {
			t.Errorf("CI=%s: got fatal=%q skip=%q, want the CI install message", ci, r.fatal, r.skip)
		}
	}
}
