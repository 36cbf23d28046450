package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/web/paths"
)

func TestGuestsListAndSearch(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	if page := c.get("/guests").Body; !strings.Contains(page, "No guests yet") {
		t.Error("empty guest list does not say so")
	}
	l := app.addSimLock("Front door")
	c.give(app.giveForm("Ana Lima", l))
	c.give(app.giveForm("Ben Okafor", l))
	later := app.giveForm("Ana Lima", l)
	later.Set("guest", strconv.FormatInt(app.guests()[0].ID, 10))
	start := app.clock.Now().In(domain.ZoneOf(l.TimeZone)).AddDate(0, 0, 10)
	later.Set("starts_date", start.Format(domain.DateLayout))
	later.Set("ends_date", start.AddDate(0, 0, 2).Format(domain.DateLayout))
	c.give(later)

	d := doc(t, c.get("/guests").Body)
	rows := d.Find(`[data-testid="guest-row"]`)
	if rows.Length() != 2 {
		t.Fatalf("guest rows: got %d, want 2", rows.Length())
	}
	ana := rows.First()
	if got := strings.Join(strings.Fields(ana.Find(`[data-testid="active-count"]`).Text()), " "); got != "2 active" {
		t.Errorf("Ana's active count: got %q, want \"2 active\"", got)
	}
	if txt := ana.Text(); !strings.Contains(txt, "Now:") || !strings.Contains(txt, "Europe/Berlin") {
		t.Errorf("Ana's current window: got %q, want the running one with its zone", txt)
	}

	// Plain GET search, and the htmx live search that swaps only the results.
	if d := doc(t, c.get("/guests?q=okaf").Body); d.Find(`[data-testid="guest-row"]`).Length() != 1 ||
		!strings.Contains(d.Find(`[data-testid="guest-row"]`).Text(), "Ben Okafor") {
		t.Error("search for okaf does not find only Ben")
	}
	res := c.do(http.MethodGet, "/guests?q=ana", nil, map[string]string{"HX-Request": "true", "HX-Target": "guest-results"})
	if strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `id="guest-results"`) || !strings.Contains(res.Body, "Ana Lima") ||
		strings.Contains(res.Body, "Ben Okafor") {
		t.Errorf("htmx search: want only the results fragment with Ana, got %q", res.Body)
	}
	if page := c.get("/guests?q=nobody").Body; !strings.Contains(page, "No guest matches") {
		t.Error("a search without match does not say so")
	}
}

func TestEditGuest(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	c.give(app.giveForm("Ana", app.addSimLock("Front door")))
	g := app.guests()[0]
	cases := []struct {
		name, note string
		status     int
		field      string
		want       string
	}{
		{"", "x", http.StatusUnprocessableEntity, "name-error", "Enter the guest's name"},
		{strings.Repeat("a", 61), "", http.StatusUnprocessableEntity, "name-error", "60 characters"},
		{"Ana", strings.Repeat("n", 501), http.StatusUnprocessableEntity, "note-error", "500 characters"},
		{"Ana Lima", "ana@example.com", http.StatusSeeOther, "", ""},
	}
	for _, tc := range cases {
		res := c.postForm(paths.Guest(g.ID), url.Values{"name": {tc.name}, "note": {tc.note}})
		if res.Status != tc.status {
			t.Fatalf("save %q: got %d, want %d", tc.name, res.Status, tc.status)
		}
		if tc.field != "" {
			if msg := doc(t, res.Body).Find("#" + tc.field).Text(); !strings.Contains(msg, tc.want) {
				t.Errorf("save %q: got message %q, want %q", tc.name, msg, tc.want)
			}
			if got, _ := app.db.Guest(context.Background(), g.ID); got.Name != "Ana" {
				t.Errorf("refused edit saved: %+v", got)
			}
		}
	}
	if got, _ := app.db.Guest(context.Background(), g.ID); got.Name != "Ana Lima" || got.Note != "ana@example.com" {
		t.Errorf("guest after edit: got %+v", got)
	}
	if !slices.Contains(app.auditActions(), db.AuditGuestChanged) {
		t.Error("audit lacks guest_changed")
	}
	if res := c.get("/guests/999"); res.Status != http.StatusNotFound {
		t.Errorf("unknown guest: got %d, want 404", res.Status)
	}
}

func TestNewLinkKillsTheOldOne(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	old, a := c.give(app.giveForm("Ana", app.addSimLock("Front door")))
	res := c.follow(c.postForm(accessPath(a, "/link"), nil))
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new link: got Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
	fresh := shareToken(t, res.Body)
	if fresh == old {
		t.Fatal("new link has the old token")
	}
	if strings.Contains(res.Body, app.pin(a.ID)) {
		t.Error("the new link page holds the PIN")
	}
	guest := app.client()
	if res := guest.get("/s/" + old); res.Status != http.StatusGone {
		t.Errorf("old link: got %d, want 410", res.Status)
	}
	if res := guest.get("/s/" + fresh); res.Status != http.StatusOK {
		t.Errorf("new link: got %d, want 200", res.Status)
	}
	links, _ := app.db.AccessLinks(context.Background(), a.ID)
	if len(links) != 2 || links[1].RevokedAt.IsZero() || !links[0].RevokedAt.IsZero() {
		t.Errorf("links: want the old one cancelled and the new one live, got %+v", links)
	}
	rows := doc(t, c.get(paths.Guest(a.GuestID)).Body).Find(`[data-testid="link-row"]`)
	if rows.Length() != 2 || !strings.Contains(rows.Last().Text(), "cancelled") {
		t.Errorf("guest page links: got %d rows, want the old one shown cancelled", rows.Length())
	}
}

func TestRevokeAccess(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	front, garage := app.addSimLock("Front door"), app.addSimLock("Garage")
	token, a := c.give(app.giveForm("Ana", front, garage))
	app.settle()
	codes, _ := app.db.AccessCodes(context.Background(), a.ID)
	for _, k := range codes {
		if k.Status != domain.StatusOnLock {
			t.Fatalf("before revoke: code on lock %d is %s, want on_lock", k.LockID, k.Status)
		}
	}
	res := c.postForm(accessPath(a, "/revoke"), nil)
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=revoked") {
		t.Fatalf("revoke: got %d to %q, want 303", res.Status, res.Header.Get("Location"))
	}
	if res := app.client().get("/s/" + token); res.Status != http.StatusGone {
		t.Errorf("link after revoke: got %d, want 410", res.Status)
	}
	app.reconcile()
	page := doc(t, c.get(res.Header.Get("Location")).Body)
	if got := page.Find(`[data-testid="access-state"]`).Text(); !strings.Contains(got, "revoked") {
		t.Errorf("access state: got %q, want revoked", got)
	}
	if got := page.Find(`[data-testid="code-status"]`).First().Text(); !strings.Contains(got, "removing") {
		t.Errorf("code status right after revoke: got %q, want removing until the lock confirms", got)
	}
	if page.Find(`[data-testid="revoke"]`).Length() != 0 {
		t.Error("a revoked access still offers actions")
	}
	app.settle()
	codes, _ = app.db.AccessCodes(context.Background(), a.ID)
	for _, k := range codes {
		if k.RevokedAt.IsZero() || k.Status != domain.StatusRemoved {
			t.Errorf("code on lock %d: got %s (revoked %v), want removed", k.LockID, k.Status, k.RevokedAt)
		}
	}
	if !slices.Contains(app.auditActions(), db.AuditAccessRevoked) {
		t.Error("audit lacks access_revoked")
	}
	// Actions on a revoked access are refused, and change nothing.
	for _, action := range []string{"/rotate", "/link", "/window"} {
		if res := c.postForm(accessPath(a, action), nil); res.Status != http.StatusConflict {
			t.Errorf("%s on a revoked access: got %d, want 409", action, res.Status)
		}
	}
	if got := app.stored(); got.accesses != 1 || got.links != 1 {
		t.Errorf("stored after refused actions: %+v", got)
	}
}

func TestRotateAccess(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	old, a := c.give(app.giveForm("Ana", l))
	oldPIN := app.pin(a.ID)
	res := c.follow(c.postForm(accessPath(a, "/rotate"), nil))
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotate: got Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
	fresh := shareToken(t, res.Body)
	next := app.lastAccess()
	newPIN := app.pin(next.ID)
	if next.ID == a.ID || newPIN == oldPIN || len(newPIN) != len(oldPIN) {
		t.Errorf("rotation: got access %d PIN length %d, want a new access with a new PIN of the same length", next.ID, len(newPIN))
	}
	if strings.Contains(res.Body, newPIN) || strings.Contains(res.Body, oldPIN) {
		t.Error("the rotation page holds a PIN")
	}
	was, _ := app.db.Access(context.Background(), a.ID)
	if was.RevokedAt.IsZero() || was.RotatedTo != next.ID || !next.StartsAt.Equal(a.StartsAt) || !next.EndsAt.Equal(a.EndsAt) {
		t.Errorf("old access: got %+v, want revoked and pointing at %d with the same window", was, next.ID)
	}
	guest := app.client()
	if res := guest.get("/s/" + old); res.Status != http.StatusGone {
		t.Errorf("old link: got %d, want 410", res.Status)
	}
	if res := guest.get("/s/" + fresh); res.Status != http.StatusOK {
		t.Errorf("new link: got %d, want 200", res.Status)
	}
	acts := app.auditActions()
	if !slices.Contains(acts, db.AuditAccessRotated) {
		t.Error("audit lacks access_rotated")
	}
	states := doc(t, c.get(paths.Guest(a.GuestID)).Body).Find(`[data-testid="access-state"]`).Map(func(_ int, s *goquery.Selection) string {
		return strings.TrimSpace(s.Text())
	})
	if len(states) != 2 || states[0] != "active" || states[1] != "replaced by a new code" {
		t.Errorf("guest page states: got %q, want [active, replaced by a new code]", states)
	}
}

func TestChangeWindow(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	token, a := c.give(app.giveForm("Ana", l))
	loc := domain.ZoneOf(l.TimeZone)
	start, _ := domain.FormValues(a.StartsAt, loc)
	startClock := a.StartsAt.In(loc).Format(domain.ClockLayout)
	end := a.EndsAt.In(loc).AddDate(0, 0, 3)

	// A day and a half in, the stay is extended: the start, now over a day back, is kept.
	for range 3 { // in steps, so the session's idle timeout does not sign the owner out
		app.clock.Advance(10 * time.Hour)
		c.get("/guests")
	}
	form := url.Values{"starts_date": {start}, "starts_time": {startClock}, "ends_date": {end.Format(domain.DateLayout)}, "ends_time": {"11:00"}}
	bad := url.Values{"starts_date": {start}, "starts_time": {startClock}, "ends_date": {start}, "ends_time": {"00:00"}}
	res := c.postForm(accessPath(a, "/window"), bad)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("end before start: got %d, want 422", res.Status)
	}
	if msg := doc(t, res.Body).Find(`[id="ends_date-` + strconv.FormatInt(a.ID, 10) + `-error"]`).Text(); !strings.Contains(msg, "after the start") {
		t.Errorf("message beside the end: got %q", msg)
	}
	moved := url.Values{"starts_date": {app.clock.Now().In(loc).AddDate(0, 0, -3).Format(domain.DateLayout)}, "starts_time": {"09:00"},
		"ends_date": {end.Format(domain.DateLayout)}}
	if res := c.postForm(accessPath(a, "/window"), moved); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a start moved into the past: got %d, want 422", res.Status)
	}
	if got, _ := app.db.Access(context.Background(), a.ID); !got.EndsAt.Equal(a.EndsAt) {
		t.Fatal("a refused change was saved")
	}

	if res := c.postForm(accessPath(a, "/window"), form); res.Status != http.StatusSeeOther {
		t.Fatalf("extend: got %d, want 303\n%s", res.Status, errorsIn(res.Body))
	}
	got, _ := app.db.Access(context.Background(), a.ID)
	wantEnd, _ := domain.ParseStart(end.Format(domain.DateLayout), "11:00", loc)
	if !got.EndsAt.Equal(wantEnd) || !got.StartsAt.Equal(a.StartsAt) {
		t.Errorf("window: got %s → %s, want %s → %s", got.StartsAt, got.EndsAt, a.StartsAt, wantEnd)
	}
	codes, _ := app.db.AccessCodes(context.Background(), a.ID)
	if !codes[0].EndsAt.Equal(wantEnd) {
		t.Errorf("code end: got %s, want %s", codes[0].EndsAt, wantEnd)
	}
	if !slices.Contains(app.auditActions(), db.AuditWindowChanged) {
		t.Error("audit lacks window_changed")
	}
	// Permanent is a choice in the same form.
	if res := c.postForm(accessPath(a, "/window"), url.Values{"permanent": {"1"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("permanent: got %d", res.Status)
	}
	if got, _ := app.db.Access(context.Background(), a.ID); !got.Permanent() {
		t.Errorf("after permanent: got %+v", got)
	}
	if res := app.client().get("/s/" + token); res.Status != http.StatusOK {
		t.Errorf("link after window change: got %d, want 200", res.Status)
	}
}

func TestShowCodeNeedsFreshPasskey(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Olivia")
	_, a := c.give(app.giveForm("Ana", app.addSimLock("Front door")))
	pin := app.pin(a.ID)
	app.clock.Advance(FreshFor + time.Second)

	res := c.postForm(accessPath(a, "/code"), nil)
	if res.Status != http.StatusSeeOther || strings.Contains(res.Body, pin) {
		t.Fatalf("show code when stale: got %d, want 303 to confirm, without the PIN", res.Status)
	}
	page := c.get(res.Header.Get("Location")).Body
	if strings.Contains(page, pin) || !strings.Contains(page, `data-testid="reauth"`) {
		t.Error("stale: want the passkey confirmation and no PIN")
	}
	if slices.Contains(app.auditActions(), db.AuditCodeViewed) {
		t.Error("code_viewed audited without a view")
	}

	c.reauth(auth)
	res = c.postForm(accessPath(a, "/code"), nil)
	if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("show code when fresh: got %d (%q), want 200 no-store", res.Status, res.Header.Get("Cache-Control"))
	}
	if got := strings.TrimSpace(doc(t, res.Body).Find(`[data-testid="shown-pin"] code`).Text()); got != pin {
		t.Errorf("shown code: got %q, want the access's PIN", got)
	}
	if !slices.Contains(app.auditActions(), db.AuditCodeViewed) {
		t.Error("audit lacks code_viewed")
	}
	if page := c.get(paths.Guest(a.GuestID)).Body; strings.Contains(page, pin) {
		t.Error("the PIN stays on the guest page after the one view")
	}
}

// The receipt chain, end to end on a simulated lock: sent, opened, revealed,
// first used at the door.
func TestReceiptChainAndFirstUse(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	token, a := c.give(app.giveForm("Ana", l))
	app.settle()
	guest := app.client()
	guest.do(http.MethodGet, "/s/"+token, nil, map[string]string{"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"})
	if res := guest.postForm("/s/"+token, nil); res.Status != http.StatusOK {
		t.Fatalf("reveal: got %d", res.Status)
	}
	pin := app.pin(a.ID)
	if r, err := app.sim.Keypad(context.Background(), l.DeviceID, pin); err != nil || r.Outcome != "unlocked" {
		t.Fatalf("keypad: got %+v %v, want unlocked", r, err)
	}
	app.reconcile()
	d := doc(t, c.get(paths.Guest(a.GuestID)).Body)
	done := d.Find(`[data-testid="steps"] .step-done .step-label`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if strings.Join(done, ",") != "Sent,Opened,Revealed,First used" {
		t.Errorf("steps done: got %v, want all four", done)
	}
	if row := d.Find(`[data-testid="link-row"]`).Text(); !strings.Contains(row, "iPhone") || !strings.Contains(row, "revealed") {
		t.Errorf("link receipt: got %q, want opened on iPhone and revealed", row)
	}
	if used := d.Find(`[data-testid="door-codes"] [data-testid="first-used"]`).First().Text(); used == "not yet" || used == "" {
		t.Errorf("first used at the door: got %q", used)
	}
}

func TestWhoCanOpenThisDoor(t *testing.T) {
	app := newTestApp(t, testOrigin)
	app.setNow(utc("2026-07-14T08:00:00Z")) // 10:00 in Berlin
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	today := app.giveForm("Ana", l) // ends today 11:00
	today.Set("ends_date", "2026-07-14")
	c.give(today)
	perm := app.giveForm("Ben", l)
	perm.Set("permanent", "1")
	c.give(perm)
	later := app.giveForm("Cleo", l)
	later.Set("starts_date", "2026-08-01")
	later.Set("ends_date", "2026-08-03")
	c.give(later)
	gone := app.giveForm("Dan", l)
	_, dan := c.give(gone)
	c.postForm(accessPath(dan, "/revoke"), nil)

	d := doc(t, c.get(lockPath(l, "")).Body)
	rows := d.Find(`[data-testid="who-row"]`)
	byName := map[string]*goquery.Selection{}
	rows.Each(func(_ int, s *goquery.Selection) { byName[strings.TrimSpace(s.Find(`.who-name`).Text())] = s })
	if len(byName) != 3 || byName["Dan"] != nil {
		t.Fatalf("who can open: got %v, want Ana, Ben and Cleo (not the revoked Dan)", keys(byName))
	}
	if href := byName["Ana"].Find("a").AttrOr("href", ""); !strings.HasPrefix(href, "/guests/") {
		t.Errorf("Ana's row links to %q, want her guest page", href)
	}
	if byName["Ana"].Find(`[data-testid="flag-ends-today"]`).Length() != 1 || byName["Cleo"].Find(`[data-testid="flag-ends-today"]`).Length() != 0 {
		t.Error("ends-today flag: want it on Ana only")
	}
	if byName["Ben"].Find(`[data-testid="flag-permanent"]`).Length() != 1 || byName["Ana"].Find(`[data-testid="flag-permanent"]`).Length() != 0 {
		t.Error("permanent flag: want it on Ben only")
	}
	if !strings.Contains(byName["Cleo"].Text(), "upcoming") {
		t.Error("Cleo's later access is not marked upcoming")
	}
}

func keys(m map[string]*goquery.Selection) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// No owner page but the fresh "Show code" response ever holds a PIN, and neither
// the audit log nor the server log holds a PIN or a share token.
func TestPINAndTokenNeverLeak(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	var pins, tokens []string
	var pages []string
	keep := func(res response) response { pages = append(pages, res.Body); return res }

	res := keep(c.follow(c.postForm("/access", app.giveForm("Ana", l))))
	tokens = append(tokens, shareToken(t, res.Body))
	a := app.lastAccess()
	pins = append(pins, app.pin(a.ID))
	bad := app.giveForm("Ben", l)
	bad.Set("pin_mode", "own")
	bad.Set("pin", "583920")
	bad.Set("ends_date", "2020-01-01")
	keep(c.postForm("/access", bad))
	pins = append(pins, "583920")
	res = keep(c.follow(c.postForm(accessPath(a, "/link"), nil)))
	tokens = append(tokens, shareToken(t, res.Body))
	res = keep(c.follow(c.postForm(accessPath(a, "/rotate"), nil)))
	tokens = append(tokens, shareToken(t, res.Body))
	next := app.lastAccess()
	pins = append(pins, app.pin(next.ID))
	app.settle()
	keep(c.postForm(accessPath(next, "/window"), url.Values{"permanent": {"1"}}))
	keep(c.postForm(accessPath(next, "/code"), nil)) // fresh from sign-in: the one page allowed to hold it
	shown := pages[len(pages)-1]
	pages = pages[:len(pages)-1]
	if !strings.Contains(shown, pins[2]) {
		t.Error("the fresh Show code response lacks the PIN")
	}
	c.reauth(auth)
	keep(c.postForm(accessPath(next, "/revoke"), nil))
	for _, p := range []string{"/", "/guests", "/guests?q=ana", paths.Guest(a.GuestID), "/access/new", lockPath(l, ""), lockPath(l, "/live"),
		"/settings/activity", "/timeline"} {
		keep(c.get(p))
	}

	for i, page := range pages {
		for _, secret := range pins {
			if strings.Contains(page, secret) {
				t.Errorf("owner page %d holds a PIN", i)
			}
		}
	}
	entries, err := app.db.AuditLog(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 8 {
		t.Errorf("audit entries: got %d, want every action recorded", len(entries))
	}
	logs := app.logs.String()
	for _, secret := range append(pins, tokens...) {
		for _, e := range entries {
			if strings.Contains(e.Detail+e.Actor+e.IP, secret) {
				t.Errorf("audit %s holds a secret: %q", e.Action, e.Detail)
			}
		}
		if strings.Contains(logs, secret) {
			t.Error("the server log holds a secret")
		}
	}
}
