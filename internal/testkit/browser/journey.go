package browser

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
)

// A journey's bounds: PageWait for each wait for a page or element, and
// JourneyTimeout, the browser's own deadline, for the whole journey.
const (
	PageWait       = 15 * time.Second
	JourneyTimeout = 150 * time.Second
)

// Journey is the opening every browser journey through the real server
// shares: a browser on a long deadline whose traffic feeds the test's secret
// set, JavaScript dialogs answered OK, a log of named steps, and the
// directory screenshots go to.
type Journey struct {
	*Browser
	// Shots is $GATEHOUSE_SCREENSHOTS, made if missing: where a journey
	// saves desktop and phone screenshots of the pages whose layout it
	// checks. Empty means no screenshots.
	Shots string
	// Dialogs lists the messages of the dialogs answered so far.
	Dialogs func() []string

	t     testing.TB
	step  string
	began time.Time
}

// NewJourney opens the browser for a journey; secrets collects every secret
// its traffic carries (see WatchSecrets). opts follow the journey's own
// (JourneyTimeout, PageWait).
func NewJourney(t testing.TB, secrets *secretscan.Set, opts ...Option) *Journey {
	t.Helper()
	shots := os.Getenv("GATEHOUSE_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := New(t, append([]Option{Timeout(JourneyTimeout), WaitTimeout(PageWait)}, opts...)...)
	j := &Journey{Browser: b, Shots: shots, t: t}
	j.Dialogs = b.AcceptDialogs()
	b.WatchSecrets(secrets)
	return j
}

// Step names the next step of the journey in the log, with the time the
// previous one took, so a failure says where it happened. Step("") ends the
// last one.
func (j *Journey) Step(next string) {
	j.t.Helper()
	if j.step != "" {
		j.t.Logf("step %q took %v", j.step, time.Since(j.began).Round(time.Millisecond))
	}
	j.step, j.began = next, time.Now()
	if next != "" {
		j.t.Logf("step %q", next)
	}
}

// AcceptDialogs answers every JavaScript dialog of the tab with OK (app.js
// asks window.confirm before destructive forms) and returns a func listing the
// messages so far. A confirm blocks the page until answered, so the answer
// comes from its own goroutine while the test's click is still in flight.
func (b *Browser) AcceptDialogs() func() []string {
	ctx, cancel := context.WithCancel(b.Context())
	events := chromedp.Events(ctx, page.JavascriptDialogOpening) // subscribed from here on
	var mu sync.Mutex
	var msgs []string
	var failure error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range events {
			if err != nil {
				return // the context ended
			}
			mu.Lock()
			msgs = append(msgs, ev.Message)
			mu.Unlock()
			if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil && ctx.Err() == nil {
				mu.Lock()
				failure = err
				mu.Unlock()
			}
		}
	}()
	b.t.Cleanup(func() {
		cancel()
		<-done
		if failure != nil {
			b.t.Errorf("accept dialog: %v", failure)
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), msgs...)
	}
}

// WatchSecrets records, from the tab's network events, every Gatehouse
// cookie the server sets (each session rotation included), every share or
// invite link the tab opens and every secret a form posts (a code typed at
// the keypad). What pages show (a share link, a revealed code) the tests
// read and add themselves.
func (b *Browser) WatchSecrets(s *secretscan.Set) {
	b.t.Helper()
	err := chromedp.Listen(b.Context(), func(ev any) {
		switch ev := ev.(type) {
		case *network.EventResponseReceivedExtraInfo:
			for k, v := range ev.Headers {
				if !strings.EqualFold(k, "Set-Cookie") {
					continue
				}
				// Chromium joins repeated headers with newlines.
				h := http.Header{}
				for _, line := range strings.Split(fmt.Sprint(v), "\n") {
					h.Add("Set-Cookie", line)
				}
				s.FromResponse(h, nil)
			}
		case *network.EventRequestWillBeSent:
			s.AddLink(ev.Request.URL) // a share or invite link opened
			var body []byte
			for _, e := range ev.Request.PostDataEntries {
				body = append(body, e.Bytes...)
			}
			s.FromRequest(body)
		}
	})
	if err != nil {
		b.t.Fatalf("browser: watch the traffic for secrets: %v", err)
	}
}
