// Package browser drives Debian's Chromium through chromedp for tests that
// need a real browser: passkey ceremonies, pages whose JavaScript must run
// without errors, and screenshots a person can look at.
//
// It is a normal (non-_test) package so that the tests of any package can
// import it. Every browser is bound to one test: it is closed by t.Cleanup and
// killed when its deadline passes, so a hung page fails the test instead of
// hanging CI.
package browser

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Defaults for a Browser; Timeout and WaitTimeout override them.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultWaitTimeout = 10 * time.Second
)

type config struct {
	width, height int64
	mobile        bool
	timeout, wait time.Duration
}

// Option changes how New starts a browser.
type Option func(*config)

// Viewport sets a desktop viewport; the default is 1280x900.
func Viewport(width, height int) Option {
	return func(c *config) { c.width, c.height, c.mobile = int64(width), int64(height), false }
}

// Phone emulates a 390x844 phone (mobile layout, touch, device scale 2), for
// screenshots of the layout a lock owner sees at the door.
func Phone() Option {
	return func(c *config) { c.width, c.height, c.mobile = 390, 844, true }
}

// Timeout bounds the whole life of the browser: when it passes, Chromium is
// killed and every later action fails with context.DeadlineExceeded.
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WaitTimeout bounds each WaitText.
func WaitTimeout(d time.Duration) Option { return func(c *config) { c.wait = d } }

// Browser is one tab. Tabs from NewContext share the Chromium process but
// not its cookies or storage.
type Browser struct {
	t   testing.TB
	ctx context.Context
	cfg config

	mu   sync.Mutex
	errs []string
}

// ChromiumPath returns $CHROMIUM or /usr/bin/chromium, if that file exists.
func ChromiumPath() (string, bool) {
	path := cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	_, err := os.Stat(path)
	return path, err == nil
}

// New starts a headless Chromium for t. Without Chromium the test is skipped,
// except under CI (env CI non-empty), where a silently skipped browser suite
// would hide broken passkey flows, so it fails.
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	path, ok := ChromiumPath()
	if !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser: no Chromium at %s; CI requires Chromium: apt-get install -y chromium", path)
		}
		t.Skipf("browser: no Chromium at %s (apt-get install -y chromium, or set $CHROMIUM); skipping browser test", path)
	}
	cfg := config{width: 1280, height: 900, timeout: DefaultTimeout, wait: DefaultWaitTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	// TempDir before our Cleanup: cleanups run last-in first-out, so Chromium
	// has exited before the testing package removes its profile directory.
	dir := t.TempDir()
	deadline, cancelDeadline := context.WithTimeout(context.Background(), cfg.timeout)
	// Exactly the flags of STACK.md: the networking ones keep Chromium from
	// reaching for the internet, which is closed on these machines.
	alloc, cancelAlloc := chromedp.NewExecAllocator(deadline,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // we run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(int(cfg.width), int(cfg.height)),
	)
	b := &Browser{t: t, cfg: cfg}
	// WithListener, unlike Listen, sees the events from the first command on.
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithListener(b.listen))
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelDeadline() }) // cancelAlloc waits for exit
	b.ctx = ctx
	if err := chromedp.Do(ctx, b.emulate()); err != nil {
		t.Fatalf("browser: start %s: %v", path, err)
	}
	return b
}

// NewContext opens a tab in a fresh browser context (like an incognito
// window): no cookies, no storage, no authenticators. Use it for a guest who
// opens a share link in a clean browser.
func (b *Browser) NewContext() *Browser {
	b.t.Helper()
	c := &Browser{t: b.t, cfg: b.cfg}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(c.listen))
	b.t.Cleanup(cancel) // runs before New's cleanup, so the tab closes first
	c.ctx = ctx
	if err := chromedp.Do(ctx, c.emulate()); err != nil {
		b.t.Fatalf("browser: new browser context: %v", err)
	}
	return c
}

// emulate sets the viewport on every tab, since the window-size flag does
// not reach tabs of a new browser context and cannot make a page mobile.
func (b *Browser) emulate() chromedp.Action[chromedp.Void] {
	if b.cfg.mobile {
		return chromedp.EmulateViewport(b.cfg.width, b.cfg.height,
			chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	return chromedp.EmulateViewport(b.cfg.width, b.cfg.height)
}

// Context is the tab's context, for chromedp calls this package does not wrap.
func (b *Browser) Context() context.Context { return b.ctx }

// Run runs the steps in this tab, bounded by the browser's deadline.
func (b *Browser) Run(steps ...chromedp.Action[chromedp.Void]) error {
	return chromedp.Do(b.ctx, steps...)
}

// Navigate loads url and fails the test if it does not load.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	if err := b.Run(chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("browser: navigate %s: %v", url, err)
	}
}

// Click clicks the first element matching the CSS selector, waiting until
// it is visible.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	if err := b.Run(chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("browser: click %s: %v", sel, err)
	}
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting (within the browser deadline) for it to appear.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

// WaitText waits until the text of the element matching the CSS selector
// contains substr and returns that text. It re-checks on every DOM mutation
// rather than sleeping, and fails the test after the wait timeout. It does
// not survive a navigation; wait for the next page with Run(WaitVisible).
func (b *Browser) WaitText(sel, substr string) string {
	b.t.Helper()
	// The arguments go into the source as JSON literals: chromedp drops an
	// empty string passed through WithPollingArgs, so the page would get
	// undefined.
	probe := fmt.Sprintf(`(() => { const e = document.querySelector(%s);
		return e && e.textContent.includes(%s) ? e.textContent : null; })()`, jsString(sel), jsString(substr))
	got, err := chromedp.Run(b.ctx, chromedp.Poll[string](probe,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(b.cfg.wait)))
	if err != nil {
		last, lerr := chromedp.Run(b.ctx, chromedp.Evaluate[*string](
			`document.querySelector(`+jsString(sel)+`)?.textContent ?? null`))
		seen := "no such element"
		if lerr != nil {
			seen = "unreadable: " + lerr.Error()
		} else if last != nil {
			seen = fmt.Sprintf("%q", *last)
		}
		b.t.Fatalf("browser: text of %s: got %s, want it to contain %q (%v)", sel, seen, substr, err)
	}
	return got
}

// Screenshot writes a PNG of the whole page, beyond the viewport, to path.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", path, err)
	}
}

// ConsoleErrors returns what this tab reported as errors so far: uncaught
// exceptions and rejections, console.error calls, and browser log entries of
// level error (CSP violations, failed loads). They are recorded in the order
// Chromium sent them, ahead of the reply to any later command, so once an
// action has returned, the errors the page raised before it are here.
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// listen runs on chromedp's read loop: it must be quick and send no command.
func (b *Browser) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		msg = fmt.Sprintf("exception: %s (%s:%d)", msg, d.URL, d.LineNumber+1)
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			parts = append(parts, remoteText(a))
		}
		msg = "console.error: " + strings.Join(parts, " ")
	case *log.EventEntryAdded:
		// Chromium itself asks for /favicon.ico when a page names no icon;
		// that 404 says nothing about the page under test.
		if ev.Entry.Level != log.EntryLevelError || strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
			return
		}
		msg = fmt.Sprintf("%s: %s", ev.Entry.Source, ev.Entry.Text)
		if ev.Entry.URL != "" {
			msg += " (" + ev.Entry.URL + ")"
		}
	default:
		return
	}
	b.mu.Lock()
	b.errs = append(b.errs, msg)
	b.mu.Unlock()
}

func remoteText(o *runtime.RemoteObject) string {
	var s string
	if len(o.Value) > 0 && json.Unmarshal(o.Value, &s) == nil {
		return s // a plain string argument, without JSON quotes
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	return o.Description
}

func jsString(s string) string {
	j, _ := json.Marshal(s) // a string always marshals
	return string(j)
}
