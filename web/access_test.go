package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/softkey"
	"github.com/gatehouse/gatehouse/web/paths"
)

// ---- helpers for the guest and access tests ----

// setNow moves the test clock to t; call it before anyone signs in.
func (a *testApp) setNow(t time.Time) {
	a.clock.Set(t)
}

// giveForm is a valid "Give access" form for a new guest: from an hour ago until
// two days later at 11:00, in the first lock's zone, generated code.
func (a *testApp) giveForm(guest string, locks ...db.Lock) url.Values {
	loc := domain.ZoneOf(locks[0].TimeZone)
	start := a.clock.Now().In(loc).Add(-time.Hour)
	end := start.AddDate(0, 0, 2)
	v := url.Values{"guest_name": {guest}, "guest_note": {"+49 170 000000"},
		"starts_date": {start.Format(domain.DateLayout)}, "starts_time": {start.Format(domain.ClockLayout)},
		"ends_date": {end.Format(domain.DateLayout)}, "ends_time": {"11:00"},
		"pin_mode": {"generate"}, "pin_length": {""}, "link_ttl": {"168"}}
	for _, l := range locks {
		v.Add("locks", strconv.FormatInt(l.ID, 10))
	}
	return v
}

var shareURLPattern = regexp.MustCompile(regexp.QuoteMeta(testOrigin) + `/s/[A-Za-z0-9_-]{22}`)

// shareToken finds the one share link in a page and returns its token.
func shareToken(t *testing.T, body string) string {
	t.Helper()
	found := shareURLPattern.FindAllString(body, -1)
	if len(found) == 0 {
		t.Fatal("no share link in the page")
	}
	return strings.TrimPrefix(found[0], testOrigin+"/s/")
}

// give posts the form, follows its redirect to the page that shows the link,
// and returns the share token and the new access.
func (c *client) give(form url.Values) (string, db.Access) {
	c.app.t.Helper()
	res := c.follow(c.postForm("/access", form))
	return shareToken(c.app.t, res.Body), c.app.lastAccess()
}

// follow is the GET a browser makes after a POST answered 303, which must
// answer 200.
func (c *client) follow(res response) response {
	c.app.t.Helper()
	to := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || to == "" {
		c.app.t.Fatalf("got %d to %q, want 303 with a Location\n%s", res.Status, to, errorsIn(res.Body))
	}
	page := c.get(to)
	if page.Status != http.StatusOK {
		c.app.t.Fatalf("GET %s after the redirect: got %d, want 200", to, page.Status)
	}
	return page
}

// lastAccess is the newest access of any guest.
func (a *testApp) lastAccess() db.Access {
	a.t.Helper()
	var last db.Access
	for _, g := range a.guests() {
		acc, err := a.db.GuestAccesses(context.Background(), g.ID)
		if err != nil {
			a.t.Fatal(err)
		}
		for _, x := range acc {
			if x.ID > last.ID {
				last = x
			}
		}
	}
	if last.ID == 0 {
		a.t.Fatal("no access stored")
	}
	return last
}

func (a *testApp) guests() []db.Guest {
	a.t.Helper()
	gs, err := a.db.Guests(context.Background(), "", 1000)
	if err != nil {
		a.t.Fatal(err)
	}
	return gs
}

// stored counts guests, accesses, codes and links, to prove nothing was saved.
type stored struct{ guests, accesses, codes, links int }

func (a *testApp) stored() stored {
	a.t.Helper()
	ctx := context.Background()
	var s stored
	for _, g := range a.guests() {
		s.guests++
		acc, err := a.db.GuestAccesses(ctx, g.ID)
		if err != nil {
			a.t.Fatal(err)
		}
		for _, x := range acc {
			s.accesses++
			codes, _ := a.db.AccessCodes(ctx, x.ID)
			links, _ := a.db.AccessLinks(ctx, x.ID)
			s.codes += len(codes)
			s.links += len(links)
		}
	}
	return s
}

func (a *testApp) pin(accessID int64) string {
	a.t.Helper()
	p, err := a.db.AccessPIN(context.Background(), accessID)
	if err != nil {
		a.t.Fatal(err)
	}
	return p
}

// reauth confirms the passkey again, making the session fresh.
func (c *client) reauth(auth *softkey.Authenticator) {
	c.app.t.Helper()
	res := c.postJSON("/reauth/begin", nil)
	assertion, err := auth.Get([]byte(res.Body))
	if err != nil {
		c.app.t.Fatal(err)
	}
	if res := c.postJSON("/reauth/finish", assertion); res.Status != http.StatusOK {
		c.app.t.Fatalf("reauth: got %d %s", res.Status, res.Body)
	}
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// errorsIn lists a page's field messages, for failure output.
func errorsIn(body string) string {
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return body
	}
	var out []string
	d.Find(".field-error").Each(func(_ int, s *goquery.Selection) {
		if txt := strings.TrimSpace(s.Text()); txt != "" {
			out = append(out, s.AttrOr("id", "?")+": "+txt)
		}
	})
	return strings.Join(out, "\n")
}

func accessPath(a db.Access, rest string) string {
	return "/access/" + strconv.FormatInt(a.ID, 10) + rest
}

// ---- give access ----

func TestGiveAccessHappyPath(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	front, garage := app.addSimLock("Front door"), app.addSimLock("Garage")

	res := c.follow(c.postForm("/access", app.giveForm("Ana Lima", front, garage)))
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	token := shareToken(t, res.Body)
	u := testOrigin + "/s/" + token
	a := app.lastAccess()
	pin := app.pin(a.ID)
	if strings.Contains(res.Body, pin) {
		t.Fatal("the link page holds the PIN")
	}

	d := doc(t, res.Body)
	if got := strings.TrimSpace(d.Find(`[data-testid="share-url"]`).Text()); got != u {
		t.Errorf("share URL: got %q, want %q", got, u)
	}
	if d.Find(`.secret-box [data-copy="share-link-url"]`).Length() != 1 {
		t.Error("no Copy button in the secret box")
	}
	qr := d.Find(`svg[data-testid="qr"] path`)
	if d, ok := qr.Attr("d"); !ok || len(d) < 100 || qr.AttrOr("fill", "") == "" || qr.AttrOr("style", "") != "" {
		t.Errorf("QR code: want an SVG path with a fill attribute and no style, got %q", d)
	}
	for _, id := range []string{"sms", "mailto"} {
		href := d.Find(`[data-testid="`+id+`"]`).AttrOr("href", "")
		text, err := url.PathUnescape(href)
		if err != nil {
			t.Fatalf("%s link: %v", id, err)
		}
		if !strings.HasPrefix(href, id+":?") || !strings.Contains(text, u) || !strings.Contains(text, "Front door, Garage") {
			t.Errorf("%s link: want the link and the doors, got %q", id, text)
		}
		if strings.Contains(text, pin) || strings.Contains(href, "+") {
			t.Errorf("%s link: holds the PIN or a + for a space: %q", id, href)
		}
	}

	if got, want := app.stored(), (stored{guests: 1, accesses: 1, codes: 2, links: 1}); got != want {
		t.Errorf("stored: got %+v, want %+v", got, want)
	}
	codes, _ := app.db.AccessCodes(context.Background(), a.ID)
	if len(codes) != 2 || codes[0].LockID != front.ID || codes[1].LockID != garage.ID {
		t.Errorf("codes: got %+v, want one on each door", codes)
	}
	if g := app.guests()[0]; g.Name != "Ana Lima" || g.Note != "+49 170 000000" {
		t.Errorf("guest: got %+v", g)
	}
	acts := app.auditActions()
	for _, want := range []string{db.AuditAccessCreated, db.AuditLinkCreated} {
		if !slices.Contains(acts, want) {
			t.Errorf("audit lacks %s", want)
		}
	}

	// The guest's link works, and the owner's page shows the receipt chain.
	if res := app.client().get("/s/" + token); res.Status != http.StatusOK {
		t.Errorf("guest link: got %d, want 200", res.Status)
	}
	page := c.get(paths.Guest(a.GuestID)).Body
	if strings.Contains(page, pin) {
		t.Fatal("the guest page holds the PIN")
	}
	steps := doc(t, page).Find(`[data-testid="steps"] .step-done .step-label`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if strings.Join(steps, ",") != "Sent,Opened" {
		t.Errorf("receipt steps done: got %v, want Sent,Opened", steps)
	}
}

func TestGiveAccessToExistingGuestFromQuery(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	c.give(app.giveForm("Ana", l))
	g := app.guests()[0]
	page := c.get("/access/new?guest=" + strconv.FormatInt(g.ID, 10) + "&lock=" + strconv.FormatInt(l.ID, 10) + "&nights=3")
	d := doc(t, page.Body)
	if got := d.Find(`#guest option[selected]`).AttrOr("value", ""); got != strconv.FormatInt(g.ID, 10) {
		t.Errorf("preselected guest: got %q, want %d", got, g.ID)
	}
	if d.Find(`input[name="locks"][checked]`).AttrOr("value", "") != strconv.FormatInt(l.ID, 10) {
		t.Error("the lock from ?lock= is not checked")
	}
	today := app.clock.Now().In(domain.ZoneOf(l.TimeZone))
	for name, want := range map[string]string{"starts_date": today.Format(domain.DateLayout), "starts_time": "15:00",
		"ends_date": today.AddDate(0, 0, 3).Format(domain.DateLayout), "ends_time": "11:00"} {
		if got := d.Find(`input[name="`+name+`"]`).AttrOr("value", ""); got != want {
			t.Errorf("?nights=3 %s: got %q, want %q", name, got, want)
		}
	}
	if got := d.Find(`[data-testid="zone"]`).Text(); !strings.Contains(got, "Europe/Berlin") {
		t.Errorf("zone not named beside the window: %q", got)
	}

	form := app.giveForm("", l)
	form.Set("guest", strconv.FormatInt(g.ID, 10))
	c.give(form)
	if got, want := app.stored(), (stored{guests: 1, accesses: 2, codes: 2, links: 2}); got != want {
		t.Errorf("stored: got %+v, want %+v", got, want)
	}
}

func TestGiveAccessBadInput(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	ny := app.addSimLock("Cabin")
	if err := app.db.UpdateLockSettings(context.Background(), ny.ID, db.LockSettings{Name: "Cabin", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	loc := domain.ZoneOf(l.TimeZone)
	now := app.clock.Now().In(loc)
	cases := []struct {
		name   string
		change func(url.Values)
		field  string // the id of the message's element
		want   string
	}{
		{"end before start", func(v url.Values) {
			v.Set("ends_date", now.AddDate(0, 0, -1).Format(domain.DateLayout))
		}, "ends_date-error", "The end must be after the start"},
		{"start far in the past", func(v url.Values) {
			v.Set("starts_date", now.AddDate(0, 0, -3).Format(domain.DateLayout))
		}, "starts_date-error", "more than a day in the past"},
		{"unknown lock", func(v url.Values) { v.Set("locks", "9999") }, "locks-error", "does not exist"},
		{"lock id not a number", func(v url.Values) { v.Set("locks", "front") }, "locks-error", "does not exist"},
		{"no door", func(v url.Values) { v.Del("locks") }, "locks-error", "Choose at least one door"},
		{"doors in two zones", func(v url.Values) { v.Add("locks", strconv.FormatInt(ny.ID, 10)) }, "locks-error", "different time zones"},
		{"empty guest name", func(v url.Values) { v.Set("guest_name", "  ") }, "guest_name-error", "Enter the guest's name"},
		{"unknown guest", func(v url.Values) { v.Set("guest", "9999") }, "guest-error", "does not exist"},
		{"PIN the lock cannot take", func(v url.Values) { v.Set("pin_mode", "own"); v.Set("pin", "90817") }, "pin-error", "6 to 8 digits"},
		{"weak PIN", func(v url.Values) { v.Set("pin_mode", "own"); v.Set("pin", "777777") }, "pin-error", "one repeated digit"},
		{"run PIN", func(v url.Values) { v.Set("pin_mode", "own"); v.Set("pin", "345678") }, "pin-error", "consecutive digits"},
		{"own PIN left empty", func(v url.Values) { v.Set("pin_mode", "own") }, "pin-error", "Type your code"},
		{"length the lock cannot take", func(v url.Values) { v.Set("pin_length", "4") }, "pin_length-error", "6 to 8 digits"},
		{"impossible date", func(v url.Values) { v.Set("ends_date", "2026-02-30") }, "ends_date-error", "year-month-day"},
		{"bad time", func(v url.Values) { v.Set("starts_time", "25:00") }, "starts_date-error", "hours and minutes"},
		{"no end, not permanent", func(v url.Values) { v.Set("ends_date", ""); v.Set("ends_time", "") }, "ends_date-error", "or make the access permanent"},
		{"link lifetime", func(v url.Values) { v.Set("link_ttl", "forever") }, "link_ttl-error", "how long the link works"},
		{"link lifetime too long", func(v url.Values) { v.Set("link_ttl", "10000") }, "link_ttl-error", "90 days"},
	}
	before := app.stored()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := app.giveForm("Ana", l)
			tc.change(form)
			res := c.postForm("/access", form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", res.Status)
			}
			msg := strings.TrimSpace(doc(t, res.Body).Find("#" + tc.field).Text())
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message beside %s: got %q, want %q\nall: %s", tc.field, msg, tc.want, errorsIn(res.Body))
			}
			if pin := form.Get("pin"); pin != "" && strings.Contains(res.Body, `value="`+pin+`"`) {
				t.Error("the refused PIN is echoed back into the form")
			}
			if got := app.stored(); got != before {
				t.Errorf("stored after refusal: got %+v, want %+v", got, before)
			}
		})
	}
	if slices.Contains(app.auditActions(), db.AuditAccessCreated) {
		t.Error("a refused form was audited as created")
	}
}

// A guest's window is typed on the door's wall clock, across DST changes, and a
// date-only check-out means the end of that day in the lock's zone.
func TestGiveAccessDSTWindows(t *testing.T) {
	cases := []struct {
		name, zone, now            string
		startDate, startTime       string
		endDate, endTime           string
		wantStart, wantEnd         string
		wantStartWall, wantEndWall string
	}{
		{"New York spring gap", "America/New_York", "2026-03-07T17:00:00Z", "2026-03-08", "02:30", "2026-03-09", "",
			"2026-03-08T07:30:00Z", "2026-03-10T04:00:00Z", "8 Mar 03:30", "10 Mar 00:00"},
		{"New York fall overlap", "America/New_York", "2026-10-31T17:00:00Z", "2026-11-01", "01:30", "2026-11-01", "",
			"2026-11-01T05:30:00Z", "2026-11-02T05:00:00Z", "1 Nov 01:30", "2 Nov 00:00"},
		{"Berlin spring gap", "Europe/Berlin", "2026-03-28T10:00:00Z", "2026-03-29", "02:30", "2026-03-29", "11:00",
			"2026-03-29T01:30:00Z", "2026-03-29T09:00:00Z", "29 Mar 03:30", "29 Mar 11:00"},
		{"Berlin fall overlap, date-only end", "Europe/Berlin", "2026-10-24T10:00:00Z", "2026-10-25", "02:30", "2026-10-25", "",
			"2026-10-25T00:30:00Z", "2026-10-25T23:00:00Z", "25 Oct 02:30", "26 Oct 00:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(t, testOrigin)
			app.setNow(utc(tc.now))
			c, _ := app.newOwner("Olivia")
			l := app.addSimLock("Front door")
			if err := app.db.UpdateLockSettings(context.Background(), l.ID, db.LockSettings{Name: l.Name, TimeZone: tc.zone}); err != nil {
				t.Fatal(err)
			}
			l.TimeZone = tc.zone
			form := app.giveForm("Ana", l)
			form.Set("starts_date", tc.startDate)
			form.Set("starts_time", tc.startTime)
			form.Set("ends_date", tc.endDate)
			form.Set("ends_time", tc.endTime)
			_, a := c.give(form)
			if !a.StartsAt.Equal(utc(tc.wantStart)) || !a.EndsAt.Equal(utc(tc.wantEnd)) {
				t.Errorf("window: got %s → %s, want %s → %s", a.StartsAt.UTC().Format(time.RFC3339),
					a.EndsAt.UTC().Format(time.RFC3339), tc.wantStart, tc.wantEnd)
			}
			if a.TimeZone != tc.zone {
				t.Errorf("zone: got %s, want %s", a.TimeZone, tc.zone)
			}
			codes, _ := app.db.AccessCodes(context.Background(), a.ID)
			if len(codes) != 1 || !codes[0].StartsAt.Equal(a.StartsAt) || !codes[0].EndsAt.Equal(a.EndsAt) {
				t.Errorf("code window does not follow the access: %+v", codes)
			}
			window := doc(t, c.get(paths.Guest(a.GuestID)).Body).Find(`[data-testid="window"]`).Text()
			for _, want := range []string{tc.wantStartWall, tc.wantEndWall, tc.zone} {
				if !strings.Contains(window, want) {
					t.Errorf("guest page window %q lacks %q", window, want)
				}
			}
		})
	}
}

// ---- the link is shown once, on a GET after the POST ----

// linkShown reports whether a page holds a share link, and whether it is the
// calm "shown already" card instead.
func linkShown(t *testing.T, body string) (link, notice bool) {
	t.Helper()
	d := doc(t, body)
	return shareURLPattern.MatchString(body), d.Find(`[data-testid="access-notice"]`).Length() == 1
}

func TestGiveAccessReloadShowsLinkOnce(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Olivia")
	l := app.addSimLock("Front door")

	res := c.postForm("/access", app.giveForm("Ana", l))
	a := app.lastAccess()
	if want := "/access/" + strconv.FormatInt(a.ID, 10) + "/created"; res.Status != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("give: got %d to %q, want 303 to %s", res.Status, res.Header.Get("Location"), want)
	}
	if shareURLPattern.MatchString(res.Body) {
		t.Error("the redirect itself holds the link")
	}
	created := res.Header.Get("Location")
	first := c.get(created)
	if link, _ := linkShown(t, first.Body); first.Status != http.StatusOK || !link {
		t.Fatalf("first GET: got %d (link %v), want 200 with the link", first.Status, link)
	}
	if got := first.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("first GET: Cache-Control %q, want no-store", got)
	}
	token := shareToken(t, first.Body)

	// Reloading shows the access, calmly, without the link, and saves nothing.
	for range 2 {
		again := c.get(created)
		link, notice := linkShown(t, again.Body)
		if again.Status != http.StatusOK || link || !notice {
			t.Fatalf("reload: got %d (link %v, notice %v), want 200, no link, the notice", again.Status, link, notice)
		}
		card := doc(t, again.Body).Find("#access-" + strconv.FormatInt(a.ID, 10))
		if card.Find(`[data-testid="new-link"]`).Length() != 1 || !strings.Contains(card.Find(`[data-testid="access-notice"]`).Text(), "shown once") {
			t.Errorf("reload: want the access's card with its notice and a New link button, got %q", card.Text())
		}
		if again.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("reload: Cache-Control %q, want no-store", again.Header.Get("Cache-Control"))
		}
	}
	if got, want := app.stored(), (stored{guests: 1, accesses: 1, codes: 1, links: 1}); got != want {
		t.Errorf("stored after reloads: got %+v, want %+v", got, want)
	}
	if n := strings.Count(strings.Join(app.auditActions(), ","), db.AuditAccessCreated); n != 1 {
		t.Errorf("access_created audited %d times, want once", n)
	}
	// The link shown is the link that works.
	if res := app.client().get("/s/" + token); res.Status != http.StatusOK {
		t.Errorf("guest link: got %d, want 200", res.Status)
	}

	// Another session of the same owner, and another owner, cannot take it; the
	// session that made it still can.
	res = c.postForm(accessPath(a, "/link"), nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != created {
		t.Fatalf("new link: got %d to %q, want 303 to %s", res.Status, res.Header.Get("Location"), created)
	}
	other := app.client()
	if res := other.signIn(auth); res.Status != http.StatusOK {
		t.Fatalf("second sign-in: got %d", res.Status)
	}
	bob, _ := app.newOwner("Bob")
	for name, who := range map[string]*client{"other session": other, "other owner": bob} {
		page := who.get(created)
		if link, notice := linkShown(t, page.Body); page.Status != http.StatusOK || link || !notice {
			t.Errorf("%s: got %d (link %v, notice %v), want 200, no link, the notice", name, page.Status, link, notice)
		}
	}
	if link, _ := linkShown(t, c.get(created).Body); !link {
		t.Error("the session that made the new link could not see it after others tried")
	}

	// A link left waiting longer than HandoffTTL is not shown any more.
	c.postForm(accessPath(a, "/link"), nil)
	app.clock.Advance(db.HandoffTTL + time.Second)
	if link, notice := linkShown(t, c.get(created).Body); link || !notice {
		t.Errorf("after %v: link %v, notice %v; want no link, the notice", db.HandoffTTL, link, notice)
	}
	if got := app.stored(); got.accesses != 1 || got.links != 3 {
		t.Errorf("stored: got %+v, want 1 access with 3 links", got)
	}
}

// With htmx the POST answers HX-Redirect, and the page it leads to shows the
// link once, as without.
func TestGiveAccessHTMXRedirects(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	res := c.do(http.MethodPost, "/access", strings.NewReader(app.giveForm("Ana", l).Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
	a := app.lastAccess()
	to := res.Header.Get("HX-Redirect")
	if res.Status != http.StatusNoContent || to != "/access/"+strconv.FormatInt(a.ID, 10)+"/created" {
		t.Fatalf("htmx give: got %d HX-Redirect %q, want 204 to the created page", res.Status, to)
	}
	if link, _ := linkShown(t, c.get(to).Body); !link {
		t.Error("the created page does not show the link")
	}
	if link, notice := linkShown(t, c.get(to).Body); link || !notice {
		t.Errorf("reload: link %v, notice %v; want no link, the notice", link, notice)
	}
	rotated := c.do(http.MethodPost, accessPath(a, "/rotate"), nil, map[string]string{"HX-Request": "true"})
	next := app.lastAccess()
	if to := rotated.Header.Get("HX-Redirect"); next.ID == a.ID || to != "/access/"+strconv.FormatInt(next.ID, 10)+"/created" {
		t.Fatalf("htmx rotate: got %d HX-Redirect %q, want the new access's created page", rotated.Status, to)
	}
	page := c.get(rotated.Header.Get("HX-Redirect"))
	if link, _ := linkShown(t, page.Body); !link || !strings.Contains(page.Body, "New code for Ana") {
		t.Error("the rotated access's page does not show its new link")
	}
}

// ---- nothing half-saved when the code is refused inside the write ----

// A typed code that clashes with a code on the door is found inside the write
// (the check before it no longer reads the door's codes): the new guest is not
// left behind, and the form comes back with the reason and what was typed.
func TestGiveAccessClashSavesNothing(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	first := app.giveForm("Ana", l)
	first.Set("pin_mode", "own")
	first.Set("pin", "583920")
	c.give(first)
	before := app.stored()

	for _, tc := range []struct{ pin, want string }{
		{"583920", "already on the lock"},
		{"5839201", "starts with another code"},
	} {
		form := app.giveForm("Ben Okafor", l)
		form.Set("guest_note", "ben@example.com")
		form.Set("pin_mode", "own")
		form.Set("pin", tc.pin)
		res := c.postForm("/access", form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("clash %s: got %d, want 422", tc.pin, res.Status)
		}
		d := doc(t, res.Body)
		if msg := d.Find("#pin-error").Text(); !strings.Contains(msg, tc.want) {
			t.Errorf("clash %s: message beside the code: got %q, want %q", tc.pin, msg, tc.want)
		}
		for name, want := range map[string]string{"guest_name": "Ben Okafor", "guest_note": "ben@example.com",
			"starts_date": form.Get("starts_date"), "ends_date": form.Get("ends_date")} {
			if got := d.Find(`[name="`+name+`"]`).AttrOr("value", ""); got != want {
				t.Errorf("clash %s: field %s kept as %q, want %q", tc.pin, name, got, want)
			}
		}
		if got := app.stored(); got != before {
			t.Errorf("clash %s: stored %+v, want %+v (no guest without access)", tc.pin, got, before)
		}
	}
}

// Owners racing for one typed code on one door: exactly one gets it, and every
// other form comes back refused with nothing saved, however the requests
// interleave between the check and the write.
func TestGiveAccessConcurrentSamePIN(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	won := race(t, 8, http.StatusSeeOther, func(i int) int {
		form := app.giveForm("Guest "+strconv.Itoa(i), l)
		form.Set("pin_mode", "own")
		form.Set("pin", "583920")
		return c.postForm("/access", form).Status
	})
	if got, want := app.stored(), (stored{guests: 1, accesses: 1, codes: 1, links: 1}); won != 1 || got != want {
		t.Errorf("got %d winners, stored %+v; want 1 winner, %+v", won, got, want)
	}
}

// A form refused for another reason never says whether its code is already on
// the door: that would let anyone signed in, or any API token, test which
// codes a lock holds without saving or auditing anything.
func TestRefusedFormDoesNotProbeCodes(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	first := app.giveForm("Ana", l)
	first.Set("pin_mode", "own")
	first.Set("pin", "583920")
	if res := c.postForm("/access", first); res.Status != http.StatusSeeOther {
		t.Fatalf("first access: %d", res.Status)
	}
	probe := app.giveForm("Ben", l)
	probe.Set("pin_mode", "own")
	probe.Set("pin", "583920")
	probe.Set("passphrase", strings.Repeat("x", 101)) // refused for this
	res := c.postForm("/access", probe)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("probe: %d, want 422", res.Status)
	}
	if strings.Contains(res.Body, "already on the lock") {
		t.Error("a refused form told whether its code is on the lock")
	}
}
