package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/internal/testkit/browser"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

// TestBrowserTimelineJourney drives the real `gatehouse serve` (reconciler and
// event puller on fast timers) through the timeline: a simulated door with two
// guests' codes and a history of their visits; the owner opens the timeline
// (pictures load after the list, as well-formed SVG), filters by Ben from the
// guest list and then by Ana found by a search (the list is swapped in place
// and the URL says so), loads more of her history, and sees her next keypad
// unlock appear at the top without a reload; the back button returns to Ben's,
// then everyone's events. Every wait is on the page. No page may log an
// error (CSP violations included); with GATEHOUSE_SCREENSHOTS=DIR it saves
// desktop and phone screenshots of the timeline.
func TestBrowserTimelineJourney(t *testing.T) {
	start := time.Now()
	srv, j := openJourney(t, "--reconcile-every", "1s", "--events-every", "1s", "--sim-delay", "300ms")
	base, dbPath, secrets, shots, step := srv.Base, srv.DB, srv.Secrets, j.Shots, j.Step
	ctx := context.Background()

	// ---- 1. An owner with a simulated door.
	step("enrol and add a lock")
	b := j.Browser
	enrolOwner(t, b, srv, "Olga")
	b.Navigate(base + "/locks")
	b.Click(`.empty [data-testid=add-sim-lock]`)
	waitVisible(t, b, `[data-testid=keypad]`)

	// ---- 2. Two guests with codes, made in the store as "Give access" does,
	// on the lock once the reconciler has put them there; then a week of their
	// visits, stored as the event puller stores what it pulls.
	step("guests and history")
	key, err := db.LoadOrCreateKey(strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".key")
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, dbPath, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	locks, err := store.Locks(ctx)
	if err != nil || len(locks) != 1 {
		t.Fatalf("locks: %d (%v), want 1", len(locks), err)
	}
	door := locks[0]
	now := time.Now()
	codes := map[string]db.AccessCode{}
	guests := map[string]db.Guest{}
	for i, name := range []string{"Ana", "Ben"} {
		g, err := store.CreateGuest(ctx, name, "")
		if err != nil {
			t.Fatal(err)
		}
		pin := []string{"583920", "720419"}[i]
		a, token, err := store.CreateAccess(ctx, db.NewAccess{GuestID: g.ID, GuestName: name, LockIDs: []int64{door.ID},
			PIN: pin, StartsAt: now.Add(-10 * 24 * time.Hour), EndsAt: now.Add(10 * 24 * time.Hour),
			TimeZone: door.TimeZone, Link: db.LinkOptions{TTL: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		secrets.Add("door code", pin)
		secrets.Add("share token", token)
		cs, err := store.AccessCodes(ctx, a.ID)
		if err != nil || len(cs) != 1 {
			t.Fatalf("codes of %s: %v", name, err)
		}
		guests[name], codes[name] = g, cs[0]
	}
	for name, k := range codes {
		testkit.PollUntil(t, browser.PageWait, name+"'s code on the lock", func() bool {
			c, err := store.AccessCode(ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			codes[name] = c
			return c.Status == domain.StatusOnLock
		})
	}
	var history []db.NewEvent
	for i := range 80 {
		who := "Ana"
		if i%4 == 3 {
			who = "Ben"
		}
		at := now.Add(-time.Duration(i+1) * 97 * time.Minute)
		history = append(history,
			db.NewEvent{DeviceEventID: fmt.Sprintf("hist-%d-u", i), Kind: "unlocked", Method: "keypad", DeviceCodeID: codes[who].DeviceCodeID, OccurredAt: at},
			db.NewEvent{DeviceEventID: fmt.Sprintf("hist-%d-l", i), Kind: "locked", Method: "automatic", OccurredAt: at.Add(time.Minute)})
	}
	current, err := store.Lock(ctx, door.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.IngestEvents(ctx, door.ID, history, current.EventCursor); err != nil {
		t.Fatal(err)
	}

	// ---- 3. The timeline: rows by day, and the pictures after them.
	step("open the timeline")
	b.Navigate(base + "/timeline")
	waitVisible(t, b, `[data-testid=timeline-row]`)
	if n := count(t, b, `[data-testid=timeline-row]`); n != 50 {
		t.Errorf("first page: got %d rows, want 50", n)
	}
	waitVisible(t, b, `[data-testid=timeline-pictures] svg[data-testid=strip]`)
	if n := count(t, b, `[data-testid=grid] rect.grid-cell`); n != 30 {
		t.Errorf("30-day grid: got %d cells, want 30", n)
	}
	look(t, b, shots, "timeline-1-all")
	if _, err := chromedp.Run(b.Context(), chromedp.Evaluate[bool](`window.timelineMarker = "no reload"; true`)); err != nil {
		t.Fatal(err)
	}

	// ---- 4. Filter by Ana: the list is swapped, the URL says so.
	// Ben from the guest list (the guests of the events shown), then Ana found
	// by typing part of her name: either way the URL names the guest by id.
	step("filter by a guest")
	benID, anaID := strconv.FormatInt(guests["Ben"].ID, 10), strconv.FormatInt(guests["Ana"].ID, 10)
	// As choosing from the list does: the value, then one change event.
	if err := b.Run(chromedp.SetValue(chromedp.CSS(`#tl-guest`), benID)); err != nil {
		t.Fatal(err)
	}
	tlWaitJS(t, b, `location.search === "?guest=`+benID+`"`, "the URL to name Ben")
	tlWaitJS(t, b, `[...document.querySelectorAll("[data-testid=timeline-row]")].length > 0 &&
		[...document.querySelectorAll("[data-testid=timeline-row]")].every(r => r.textContent.includes("Ben"))`, "Ben's rows only")
	if err := b.Run(chromedp.SendKeys(chromedp.CSS(`#tl-guest-q`), "an\r")); err != nil {
		t.Fatal(err)
	}
	tlWaitJS(t, b, `location.search === "?guest=`+anaID+`"`, "the URL to name Ana after the search")
	tlWaitJS(t, b, `[...document.querySelectorAll("[data-testid=timeline-row]")].length === 50 &&
		[...document.querySelectorAll("[data-testid=timeline-row]")].every(r => r.textContent.includes("Ana"))`, "50 rows, all Ana's")
	tlWaitJS(t, b, `document.querySelector("#tl-guest").value === "`+anaID+`" && document.querySelector("#tl-guest-q").value === ""`,
		"the guest field to show Ana chosen and an empty search")
	tlMarker(t, b)

	// ---- 5. Load more of her history: 60 unlocks and her code reaching the lock.
	step("load more")
	anas, err := store.Timeline(ctx, db.TimelineFilter{GuestID: guests["Ana"].ID}, db.TimelinePageQuery{Limit: 1000})
	if err != nil || len(anas.Events) <= 50 {
		t.Fatalf("Ana's events: %d (%v), want more than a page", len(anas.Events), err)
	}
	b.Click(`[data-testid=timeline-more]`)
	tlWaitJS(t, b, `document.querySelectorAll("[data-testid=timeline-row]").length === `+strconv.Itoa(len(anas.Events)), "all of Ana's events after load more")
	if n := count(t, b, `[data-testid=timeline-more]`); n != 0 {
		t.Errorf("load more still offered at the end of Ana's history")
	}
	look(t, b, shots, "timeline-2-ana")

	// ---- 6. Ana types her code at the door: the unlock appears at the top
	// without a reload (the event puller pulls it, the list polls for it).
	step("a new keypad event appears")
	top := attr(t, b, `[data-testid=timeline-row]`, "data-event-id")
	res, err := wire.NewSim(store, nil, 0).Keypad(ctx, door.DeviceID, "583920")
	if err != nil || res.Outcome != sim.OutcomeUnlocked {
		t.Fatalf("keypad: %+v (%v), want unlocked", res, err)
	}
	tlWaitJS(t, b, `(() => { const r = document.querySelector("[data-testid=timeline-row]");
		return r.dataset.eventId !== `+strconv.Quote(top)+` && r.textContent.includes("Unlocked with Ana's code"); })()`,
		"the new unlock at the top")
	if n := count(t, b, `[data-testid=timeline-row]`); n != len(anas.Events)+1 {
		t.Errorf("after the new event: got %d rows, want %d", n, len(anas.Events)+1)
	}
	if n := count(t, b, `li.tl-day`); n != countDays(t, b) {
		t.Errorf("day headings repeat after the live update")
	}
	tlMarker(t, b)

	// ---- 7. Back: everyone's events again.
	step("back button")
	if err := b.Run(chromedp.NavigateBack()); err != nil {
		t.Fatal(err)
	}
	tlWaitJS(t, b, `location.search === "?guest=`+benID+`"`, "Ben's events after going back once")
	if err := b.Run(chromedp.NavigateBack()); err != nil {
		t.Fatal(err)
	}
	tlWaitJS(t, b, `location.search === "" && document.querySelectorAll("[data-testid=timeline-row]").length === 50 &&
		[...document.querySelectorAll("[data-testid=timeline-row]")].some(r => r.textContent.includes("Ben"))`, "everyone's events after going back")

	// ---- 8. No page logged an error, CSP violations included.
	step("console")
	if errs := b.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("console errors:\n  %s", strings.Join(errs, "\n  "))
	}
	step("")
	t.Logf("whole journey: %v", time.Since(start).Round(time.Millisecond))
}

// tlWaitJS waits until the expression is true on the page.
func tlWaitJS(t *testing.T, b *browser.Browser, expr, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(`+expr+`) || null`, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		state, _ := chromedp.Run(b.Context(), chromedp.Evaluate[string](`document.querySelectorAll("[data-testid=timeline-row]").length + " rows; " +
			(document.querySelector("#tl-rows")?.innerHTML ?? "no list").slice(-600)`))
		t.Fatalf("wait for %s: %v (at %s; %s)", what, err, location(b), state)
	}
}

// tlMarker checks that the page set up before is still the one shown: htmx
// swapped parts of it, nothing reloaded it.
func tlMarker(t *testing.T, b *browser.Browser) {
	t.Helper()
	got, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`window.timelineMarker || "reloaded"`))
	if err != nil || got != "no reload" {
		t.Fatalf("the page was reloaded (%q, %v)", got, err)
	}
}

// countDays is how many different days the headings name.
func countDays(t *testing.T, b *browser.Browser) int {
	t.Helper()
	n, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](`new Set([...document.querySelectorAll("li.tl-day")].map(d => d.dataset.day)).size`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
