package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// homeAccess gives name access to locks from start to end (both zero:
// permanent) straight in the store, and returns the access and its link token.
func (a *testApp) homeAccess(name string, start, end time.Time, locks ...db.Lock) (db.Access, string) {
	a.t.Helper()
	ctx := context.Background()
	g, err := a.db.CreateGuest(ctx, name, "")
	if err != nil {
		a.t.Fatal(err)
	}
	var ids []int64
	for _, l := range locks {
		ids = append(ids, l.ID)
	}
	pin, err := domain.GeneratePIN(7, domain.PINRules{MinLen: 6, MaxLen: 8}, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	acc, token, err := a.db.CreateAccess(ctx, db.NewAccess{GuestID: g.ID, GuestName: name, LockIDs: ids, PIN: pin,
		StartsAt: start, EndsAt: end, TimeZone: locks[0].TimeZone})
	if err != nil {
		a.t.Fatal(err)
	}
	return acc, token
}

// homeNames lists the text of each element sel finds in the home page.
func homeNames(d *goquery.Document, sel string) []string {
	return d.Find(sel).Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
}

func TestHomeWithoutLocks(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	res := c.get("/")
	if res.Status != http.StatusOK {
		t.Fatalf("home: got %d, want 200", res.Status)
	}
	d := doc(t, res.Body)
	if d.Find(`[data-testid="attention"] [data-testid="add-sim-lock"]`).Length() != 1 {
		t.Error("no lock: want the button that adds a simulated lock")
	}
	if got := d.Find(`[data-testid="arrivals"] h2`).Last().Text(); got != "No arrivals yet" {
		t.Errorf("arrivals: got %q, want the empty state", got)
	}
	if d.Find(`[data-testid="anomalies"]`).Length() != 0 {
		t.Error("no lock: the anomalies section is pointless")
	}
}

// Arrivals are the accesses whose window opens today in their lock's zone, each
// with its link's progress and its doors; who is in are the windows open now.
func TestHomeArrivalsAndWhoIsIn(t *testing.T) {
	app := newTestApp(t, testOrigin)
	app.setNow(utc("2026-07-14T08:00:00Z")) // 10:00 in Berlin, 04:00 in New York
	c, _ := app.newOwner("Olivia")
	berlin := app.addSimLock("Front door") // Europe/Berlin
	ny := app.addSimLock("Cabin")
	if err := app.db.UpdateLockSettings(context.Background(), ny.ID, db.LockSettings{Name: "Cabin", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	ny.TimeZone = "America/New_York"
	ber := func(s string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", s, domain.ZoneOf("Europe/Berlin"))
		return t
	}
	nyc := func(s string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", s, domain.ZoneOf("America/New_York"))
		return t
	}
	app.homeAccess("Ana", ber("2026-07-14 15:00"), ber("2026-07-17 11:00"), berlin) // later today
	app.homeAccess("Ben", ber("2026-07-12 15:00"), ber("2026-07-16 11:00"), berlin) // in since Sunday
	cleo, cleoToken := app.homeAccess("Cleo", ber("2026-07-14 09:00"), ber("2026-07-15 11:00"), berlin)
	app.homeAccess("Dan", time.Time{}, time.Time{}, berlin)                         // permanent
	app.homeAccess("Eve", ber("2026-07-15 15:00"), ber("2026-07-18 11:00"), berlin) // tomorrow
	fay, _ := app.homeAccess("Fay", ber("2026-07-14 16:00"), ber("2026-07-15 11:00"), berlin)
	app.homeAccess("Gus", nyc("2026-07-14 21:00"), nyc("2026-07-16 10:00"), ny) // today in New York, tomorrow in Berlin
	if err := app.db.RevokeAccess(context.Background(), fay.ID); err != nil {
		t.Fatal(err)
	}
	app.settle()
	// Cleo opens her link, reveals the code and opens the door.
	guest := app.client()
	guest.do(http.MethodGet, "/s/"+cleoToken, nil, map[string]string{"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"})
	if res := guest.postForm("/s/"+cleoToken, nil); res.Status != http.StatusOK {
		t.Fatalf("reveal: got %d", res.Status)
	}
	if r, err := app.sim.Keypad(context.Background(), berlin.DeviceID, app.pin(cleo.ID)); err != nil || r.Outcome != "unlocked" {
		t.Fatalf("keypad: got %+v %v, want unlocked", r, err)
	}
	app.reconcile()

	d := doc(t, c.get("/").Body)
	arrivals := d.Find(`[data-testid="arrival"]`)
	byName := map[string]*goquery.Selection{}
	arrivals.Each(func(_ int, s *goquery.Selection) { byName[strings.TrimSpace(s.Find("strong").First().Text())] = s })
	if len(byName) != 3 || byName["Ana"] == nil || byName["Cleo"] == nil || byName["Gus"] == nil {
		t.Fatalf("arrivals: got %v, want Ana, Cleo and Gus (Fay was revoked, Eve comes tomorrow)", keys(byName))
	}
	steps := func(s *goquery.Selection) string {
		return strings.Join(s.Find(`[data-testid="steps"] .step-done .step-label`).Map(func(_ int, x *goquery.Selection) string { return x.Text() }), ",")
	}
	if got := steps(byName["Cleo"]); got != "Sent,Opened,Revealed,First used" {
		t.Errorf("Cleo's chain: got %q, want all four steps", got)
	}
	if got := steps(byName["Ana"]); got != "Sent" {
		t.Errorf("Ana's chain: got %q, want Sent only", got)
	}
	if got := strings.TrimSpace(byName["Cleo"].Find(`[data-testid="arrival-link"]`).Text()); got != "code revealed" {
		t.Errorf("Cleo's link: got %q, want code revealed", got)
	}
	if got := strings.TrimSpace(byName["Ana"].Find(`[data-testid="arrival-link"]`).Text()); got != "link sent, not opened" {
		t.Errorf("Ana's link: got %q", got)
	}
	if got := strings.TrimSpace(byName["Cleo"].Find(`[data-testid="code-status"]`).Text()); got != "on lock" {
		t.Errorf("Cleo's door: got %q, want on lock", got)
	}
	if !strings.Contains(byName["Gus"].Text(), "America/New_York") {
		t.Errorf("Gus's window is not shown in New York time: %q", byName["Gus"].Text())
	}

	in := homeNames(d, `[data-testid="in-row"] strong`)
	if strings.Join(in, ",") != "Ben,Cleo" {
		t.Errorf("who is in: got %v, want Ben and Cleo (Ana's window opens at 15:00)", in)
	}
	if got := d.Find(`[data-testid="in-row"]`).Last().Text(); !strings.Contains(got, "first used") {
		t.Errorf("Cleo's row does not say she used the door: %q", got)
	}
	if got := d.Find(`[data-testid="permanent"]`).Text(); !strings.Contains(got, "1 permanent code") || !strings.Contains(got, "Dan") {
		t.Errorf("permanent codes: got %q, want Dan's", got)
	}
	if d.Find(`.page-head p`).Length() != 1 {
		t.Error("locks in two zones: want the note that today is read in each door's zone")
	}
}

func TestHomeLocksNeedingAttention(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	fine := app.addSimLock("Garden gate")
	d := doc(t, c.get("/").Body)
	if d.Find(`[data-testid="all-fine"]`).Length() != 1 {
		t.Fatalf("one healthy lock: want the all-fine line, got %q", d.Find(`[data-testid="attention"]`).Text())
	}

	offline := app.addSimLock("Front door")
	low := app.addSimLock("Garage")
	foreign := app.addSimLock("Back door")
	ctx := context.Background()
	ben, _ := app.homeAccess("Ben", app.clock.Now().Add(-time.Hour), app.clock.Now().Add(48*time.Hour), offline)
	app.settle()
	c.postForm(lockPath(offline, "/sim/offline"), nil)
	if err := app.db.RevokeAccess(ctx, ben.ID); err != nil {
		t.Fatal(err)
	}
	if err := app.db.SetSimBattery(ctx, low.DeviceID, 0.12); err != nil {
		t.Fatal(err)
	}
	if _, err := app.sim.SetCode(ctx, foreign.DeviceID, lock.CodeSpec{Name: "Old code", PIN: "40718293"}); err != nil {
		t.Fatal(err)
	}
	app.reconcile()
	app.clock.Advance(3 * time.Minute)
	app.settle()

	d = doc(t, c.get("/").Body)
	got := map[string]string{}
	d.Find(`[data-testid="attention-lock"]`).Each(func(_ int, s *goquery.Selection) {
		got[strings.TrimSpace(s.Find("strong").Text())] = s.Text()
	})
	if _, ok := got[fine.Name]; ok || len(got) != 3 {
		t.Fatalf("locks needing attention: got %v, want Front door, Garage and Back door", got)
	}
	for name, want := range map[string][]string{
		"Front door": {"offline since", "1 code still on lock"},
		"Garage":     {"low battery"},
		"Back door":  {"1 unknown code"},
	} {
		for _, w := range want {
			if !strings.Contains(got[name], w) {
				t.Errorf("%s: got %q, want it to say %q", name, got[name], w)
			}
		}
	}
	if first := strings.TrimSpace(d.Find(`[data-testid="attention-lock"] strong`).First().Text()); first != "Front door" {
		t.Errorf("the offline lock comes first: got %q", first)
	}
}

func TestHomeRecentAnomalies(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	d := doc(t, c.get("/").Body)
	if d.Find(`[data-testid="no-anomalies"]`).Length() != 1 {
		t.Error("no events: want the honest empty state")
	}
	now := app.clock.Now()
	_, err := app.db.IngestEvents(context.Background(), l.ID, []db.NewEvent{
		{DeviceEventID: "old", Kind: "tamper", OccurredAt: now.AddDate(0, 0, -8)},
		{DeviceEventID: "t1", Kind: "tamper", OccurredAt: now.Add(-2 * time.Hour)},
		{DeviceEventID: "u1", Kind: "unlocked", Method: "manual", OccurredAt: now.Add(-time.Hour)},
		{DeviceEventID: "s1", Kind: "safe_mode", Method: "keypad", OccurredAt: now.Add(-30 * time.Minute)},
	}, "4")
	if err != nil {
		t.Fatal(err)
	}
	d = doc(t, c.get("/").Body)
	rows := d.Find(`[data-testid="anomalies"] [data-testid="timeline-row"]`)
	kinds := rows.Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-kind", "") })
	if strings.Join(kinds, ",") != "safe_mode,tamper" {
		t.Errorf("recent anomalies: got %v, want safe mode then tamper (not the unlock, not the one 8 days ago)", kinds)
	}
	if href := d.Find(`[data-testid="all-anomalies"]`).AttrOr("href", ""); href != "/timeline?anomalies=1" {
		t.Errorf("link to the timeline: got %q", href)
	}
}

// The home's queries read indexes, never a whole table that grows with history.
func TestHomeQueryPlans(t *testing.T) {
	app := newTestApp(t, testOrigin)
	plans, err := app.db.ExplainHome(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, plan := range plans {
		for _, step := range plan {
			for _, table := range []string{"SCAN events", "SCAN access_codes", "SCAN c ", "SCAN e ", "SCAN share_links", "SCAN accesses"} {
				if strings.HasPrefix(step+" ", table) {
					t.Errorf("%s: plan step %q scans a table that grows with history", name, step)
				}
			}
		}
		t.Logf("%s: %s", name, strings.Join(plan, " | "))
	}
}

// TestLinkChipExpired: an expired link says whether the guest ever opened it.
func TestLinkChipExpired(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l := db.ShareLink{ID: 1, ExpiresAt: now.Add(-time.Hour)}
	if _, label := linkChip(l, now); label != "link expired unopened" {
		t.Errorf("never opened: %q", label)
	}
	l.FirstOpenedAt = now.Add(-2 * time.Hour)
	if _, label := linkChip(l, now); label != "link expired, code not revealed" {
		t.Errorf("opened, not revealed: %q", label)
	}
}

// TestHomeTodayWhereMidnightIsSkipped: in Santiago 7 September 2025 begins at
// 01:00 (clocks spring from 24:00 on the 6th). A window opening at 23:30 on the
// 6th is not an arrival of the 7th; one opening at 01:30 on the 7th is.
func TestHomeTodayWhereMidnightIsSkipped(t *testing.T) {
	h := homeView{now: utc("2025-09-07T15:00:00Z"), days: map[*time.Location][2]time.Time{},
		zones: homeZones([]db.HomeLock{{Lock: db.Lock{ID: 1, Name: "Casa", TimeZone: "America/Santiago"}}})}
	for _, tc := range []struct {
		starts string
		want   bool
	}{
		{"2025-09-07T03:30:00Z", false}, // 23:30 -04 on the 6th
		{"2025-09-07T04:30:00Z", true},  // 01:30 -03 on the 7th
		{"2025-09-08T02:59:00Z", true},  // 23:59 -03 on the 7th
		{"2025-09-08T03:00:00Z", false}, // midnight of the 8th
	} {
		a := &homeAccess{codes: []db.AccessCode{{LockID: 1, StartsAt: utc(tc.starts)}}}
		if got := h.opensToday(a); got != tc.want {
			t.Errorf("window opening %s: opens today got %v, want %v", tc.starts, got, tc.want)
		}
	}
}
