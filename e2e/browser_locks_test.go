package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testkit/browser"
)

// TestBrowserLockJourney drives the real `gatehouse serve` (with its reconciler
// and event puller on fast timers) through a simulated lock, the way an owner
// tries Gatehouse out: add a simulated lock, add a code for Ben that works now,
// watch it reach the lock, type it at the simulated keypad and see the unlock
// in the events, take the lock offline, revoke the code (it waits, "removing…",
// while the lock is away), bring the lock back and see the code removed, then
// type it again and be refused. Every wait is on the page (the lock page
// refreshes itself through htmx), none on a clock. No page may log an error,
// and with GATEHOUSE_SCREENSHOTS=DIR it saves desktop and phone screenshots of
// the pages whose layout it checks.
func TestBrowserLockJourney(t *testing.T) {
	start := time.Now()
	srv, j := openJourney(t, "--reconcile-every", "1s", "--events-every", "1s", "--sim-delay", "300ms")
	base, shots, step := srv.Base, j.Shots, j.Step

	// ---- 1. An owner, enrolled from an invite.
	step("enrol")
	// The journey records the code typed below, "583920", from the form posts.
	b, dialogs := j.Browser, j.Dialogs
	enrolOwner(t, b, srv, "Ana")

	// ---- 2. No locks yet; the empty state offers a simulated one.
	step("locks, empty")
	b.Navigate(base + "/locks")
	waitVisible(t, b, `.empty [data-testid=add-sim-lock]`)
	if n := count(t, b, `[data-testid=lock-row]`); n != 0 {
		t.Fatalf("locks: got %d rows on a fresh server, want none", n)
	}
	look(t, b, shots, "locks-1-empty")

	// ---- 3. Add a simulated lock: its page, with the keypad.
	step("add a simulated lock")
	b.Click(`.empty [data-testid=add-sim-lock]`)
	waitVisible(t, b, `[data-testid=keypad]`)
	waitXPath(t, b, `//h1[normalize-space(.)="Simulated door 1"]`)
	waitFlash(t, b, "Lock added.")
	b.WaitText(`[data-testid=lock-state]`, "online")

	// ---- 4. A code for Ben that works from now on. The form suggests a
	// window from the next quarter hour, written on the lock's wall clock (its
	// zone is named in the label). Moving that start 30 minutes back, on the
	// same wall clock, makes it 15 to 30 minutes ago whatever the zones of
	// the lock, the server and the browser.
	step("add a code")
	zone := inputValue(t, b, "#time_zone") // the lock's settings
	zoneLabel := b.Text(`label[for=starts]`)
	if want := "From (" + zone + ")"; zoneLabel != want {
		t.Errorf("add code: the start's label is %q, want %q (the lock's zone)", zoneLabel, want)
	}
	suggested := inputValue(t, b, "#starts")
	if err := b.Run(
		chromedp.SendKeys(chromedp.CSS("#label"), "Ben"),
		chromedp.SendKeys(chromedp.CSS("#pin"), "583920"),
	); err != nil {
		t.Fatalf("add code: type the name and code: %v", err)
	}
	if _, err := chromedp.Run(b.Context(), chromedp.Evaluate[bool](`(() => {
		const s = document.querySelector("#starts");
		s.valueAsNumber -= 30 * 60 * 1000; // datetime-local: wall-clock arithmetic, no zone involved
		return true; })()`)); err != nil {
		t.Fatalf("add code: move the start back: %v", err)
	}
	moved := inputValue(t, b, "#starts")
	if moved == suggested || moved == "" {
		t.Fatalf("add code: the start is %q after moving %q back", moved, suggested)
	}
	t.Logf("add code: start %s (suggested %s) in %s", moved, suggested, zone)
	b.Click(`[data-testid=add-code-submit]`)
	if err := waitFor(b, chromedp.WaitVisible(chromedp.CSS(`[data-testid=code-row]`))); err != nil {
		t.Fatalf("add code: no code row: %v (at %s; messages %q)", err, location(b), pageMessages(b))
	}
	if n := count(t, b, `[data-testid=code-row]`); n != 1 {
		t.Fatalf("add code: got %d code rows, want 1", n)
	}
	if got := b.Text(`[data-testid=code-row] td[data-label="Code for"]`); got != "Ben" {
		t.Errorf("add code: row for %q, want Ben", got)
	}

	// ---- 5. The reconciler puts it on the lock; the page shows it by itself.
	step("code reaches the lock")
	b.WaitText(`[data-testid=code-row] [data-testid=code-status]`, "on lock")
	if html := outerHTML(t, b, "main"); strings.Contains(html, "583920") {
		t.Errorf("the lock page shows the PIN after adding it")
	}

	// ---- 6. At the door: the code opens it, and the event names Ben.
	step("keypad unlocks")
	typeAtKeypad(t, b, "583920")
	b.WaitText(`[data-testid=keypad-result]`, "Unlocked")
	if cls := attr(t, b, `[data-testid=keypad-result]`, "class"); !strings.Contains(cls, "flash-ok") {
		t.Errorf("keypad: result class %q, want flash-ok", cls)
	}
	b.WaitText(`[data-testid=events]`, "Unlocked with Ben's code")
	b.WaitText(`[data-testid=code-row] td[data-label="First used"]`, ":") // a time, no longer "not yet"
	look(t, b, shots, "locks-2-lock-page")

	// ---- 7. The list of locks, with this one.
	step("locks, one lock")
	b.Navigate(base + "/locks")
	waitVisible(t, b, `[data-testid=lock-row]`)
	if n := count(t, b, `[data-testid=lock-row]`); n != 1 {
		t.Fatalf("locks: got %d rows, want 1", n)
	}
	row := b.Text(`[data-testid=lock-row]`)
	for _, want := range []string{"Simulated door 1", "online", "Simulated", "1 on lock"} {
		if !strings.Contains(row, want) {
			t.Errorf("locks: the row %q lacks %q", row, want)
		}
	}
	look(t, b, shots, "locks-3-list")
	b.Click(`[data-testid=lock-row] a`)
	waitVisible(t, b, `[data-testid=keypad]`)
	b.WaitText(`[data-testid=code-row] [data-testid=code-status]`, "on lock")

	// ---- 8. The lock goes offline: the header says so without a reload.
	step("lock offline")
	b.Click(`[data-testid=sim-offline]`)
	b.WaitText(`[data-testid=keypad-result]`, "offline")
	waitVisible(t, b, `[data-testid=sim-online]`)
	b.WaitText(`[data-testid=lock-state]`, "offline since")

	// ---- 9. Revoked while offline, the code waits to be removed.
	step("revoke while offline")
	b.Click(`[data-testid=code-row] [data-testid=revoke]`)
	waitFlash(t, b, "Code revoked: it is being removed from the lock.")
	b.WaitText(`[data-testid=code-row] [data-testid=code-status]`, "removing…")
	if got := dialogs(); len(got) != 1 || !strings.Contains(got[0], "Revoke the code for Ben?") {
		t.Errorf("revoke: confirm dialogs %q, want one asking to revoke Ben's code", got)
	}
	if n := count(t, b, `[data-testid=code-row] [data-testid=revoke]`); n != 0 {
		t.Errorf("revoke: the revoked code still offers Revoke")
	}
	b.WaitText(`[data-testid=lock-state]`, "offline since")
	look(t, b, shots, "locks-4-removing-offline")

	// ---- 10. Back online, the code leaves the lock, and stops working.
	step("lock back online")
	b.Click(`[data-testid=sim-online]`)
	b.WaitText(`[data-testid=keypad-result]`, "back online")
	b.WaitText(`[data-testid=lock-state]`, "online")
	b.WaitText(`[data-testid=code-row] [data-testid=code-status]`, "removed")
	b.WaitText(`[data-testid=events]`, "Code for Ben removed from the lock")
	step("keypad refuses")
	typeAtKeypad(t, b, "583920")
	b.WaitText(`[data-testid=keypad-result]`, "Wrong code")
	if cls := attr(t, b, `[data-testid=keypad-result]`, "class"); !strings.Contains(cls, "flash-error") {
		t.Errorf("keypad: result class %q, want flash-error", cls)
	}
	b.WaitText(`[data-testid=events]`, "Wrong code entered")
	look(t, b, shots, "locks-5-removed")

	// ---- 11. Settings → Connections lists the simulator.
	step("connections")
	b.Navigate(base + "/settings/connections")
	waitVisible(t, b, `[data-testid=connections]`)
	if got := b.Text(`[data-testid=connections] tbody`); !strings.Contains(got, "Simulated locks") || !strings.Contains(got, "simulated") {
		t.Errorf("connections: %q lacks the simulator", got)
	}
	look(t, b, shots, "locks-6-connections")

	// ---- 12. No page logged an error, CSP violations included.
	step("console")
	if errs := b.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("console errors:\n  %s", strings.Join(errs, "\n  "))
	}
	step("")
	t.Logf("whole journey: %v", time.Since(start).Round(time.Millisecond))
}

// typeAtKeypad types pin into the simulated lock's keypad and presses Enter.
// The panel is replaced by the answer, so the field is empty each time.
func typeAtKeypad(t *testing.T, b *browser.Browser, pin string) {
	t.Helper()
	if err := b.Run(chromedp.SendKeys(chromedp.CSS("#keypad-pin"), pin)); err != nil {
		t.Fatalf("keypad: type %s: %v", pin, err)
	}
	b.Click(`[data-testid=keypad-enter]`)
}

// waitXPath waits until an element matching the XPath is visible.
func waitXPath(t *testing.T, b *browser.Browser, xpath string) {
	t.Helper()
	if err := waitFor(b, chromedp.WaitVisible(chromedp.Search(xpath))); err != nil {
		t.Fatalf("wait for %s: %v (at %s; messages %q)", xpath, err, location(b), pageMessages(b))
	}
}

func inputValue(t *testing.T, b *browser.Browser, sel string) string {
	t.Helper()
	v, err := chromedp.Run(b.Context(), chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

func outerHTML(t *testing.T, b *browser.Browser, sel string) string {
	t.Helper()
	html, err := chromedp.Run(b.Context(), chromedp.OuterHTML(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("HTML of %s: %v", sel, err)
	}
	return html
}
