package web

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/web/paths"
)

// tl is a timeline test: an owner, locks made straight in the store (no
// simulator unless a test adds one) and events stored the way the puller does.
type tl struct {
	t   *testing.T
	app *testApp
	c   *client
	seq int
}

func newTL(t *testing.T) *tl {
	app := newTestApp(t, testOrigin)
	// At noon in Berlin, the last one passed, so that events a few minutes or
	// hours apart fall on the days the tests expect whatever the time of the
	// run (a live update at 00:00 Berlin once found its two events on two days).
	berlin := domain.ZoneOf("Europe/Berlin")
	y, m, d := app.clock.Now().In(berlin).Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, berlin)
	if noon.After(app.clock.Now()) {
		noon = noon.AddDate(0, 0, -1)
	}
	app.clock.Set(noon)
	c, _ := app.newOwner("Olga")
	return &tl{t: t, app: app, c: c}
}

// lock makes a lock in zone.
func (x *tl) lock(name, zone string) db.Lock {
	x.t.Helper()
	ctx := context.Background()
	conn, err := x.app.db.SimConnection(ctx)
	if err != nil {
		x.t.Fatal(err)
	}
	l, err := x.app.db.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "test-" + name, Name: name, Online: true, TimeZone: zone}, zone)
	if err != nil {
		x.t.Fatal(err)
	}
	return l
}

// guestCode gives a new guest a code on l for [start, end) (both zero: permanent)
// that the lock knows as device code dev; it returns the guest, the code and
// the share link's token.
func (x *tl) guestCode(name string, l db.Lock, dev string, start, end time.Time) (db.Guest, db.AccessCode, string) {
	x.t.Helper()
	ctx := context.Background()
	g, err := x.app.db.CreateGuest(ctx, name, "")
	if err != nil {
		x.t.Fatal(err)
	}
	x.seq++
	a, token, err := x.app.db.CreateAccess(ctx, db.NewAccess{GuestID: g.ID, GuestName: name, LockIDs: []int64{l.ID},
		PIN: fmt.Sprintf("%06d", 480000+x.seq*7919%500000), StartsAt: start, EndsAt: end, TimeZone: l.TimeZone,
		Link: db.LinkOptions{TTL: 30 * 24 * time.Hour}})
	if err != nil {
		x.t.Fatal(err)
	}
	codes, err := x.app.db.AccessCodes(ctx, a.ID)
	if err != nil || len(codes) != 1 {
		x.t.Fatalf("access codes: %v", err)
	}
	if err := x.app.db.ObserveCode(ctx, codes[0].ID, db.CodeObservation{Status: domain.StatusOnLock, DeviceCodeID: dev}); err != nil {
		x.t.Fatal(err)
	}
	return g, codes[0], token
}

// ev is an event to store.
type ev struct {
	kind, method, code, detail string
	at                         time.Time
}

// ingest stores events at l as one pulled batch and returns their ids, in order.
func (x *tl) ingest(l db.Lock, evs ...ev) []int64 {
	x.t.Helper()
	ctx := context.Background()
	var batch []db.NewEvent
	for _, e := range evs {
		x.seq++
		batch = append(batch, db.NewEvent{DeviceEventID: "t-" + strconv.Itoa(x.seq), Kind: domain.EventKind(e.kind), Method: domain.Method(e.method),
			DeviceCodeID: e.code, OccurredAt: e.at, Detail: e.detail})
	}
	cur, err := x.app.db.Lock(ctx, l.ID)
	if err != nil {
		x.t.Fatal(err)
	}
	if _, err := x.app.db.IngestEvents(ctx, l.ID, batch, cur.EventCursor); err != nil {
		x.t.Fatal(err)
	}
	newest, err := x.app.db.NewestEventID(ctx)
	if err != nil {
		x.t.Fatal(err)
	}
	ids := make([]int64, len(evs))
	for i := range ids {
		ids[i] = newest - int64(len(evs)-1-i)
	}
	return ids
}

func (x *tl) get(path string) response {
	x.t.Helper()
	res := x.c.get(path)
	if res.Status >= 500 {
		x.t.Fatalf("GET %s: got %d, want no server error", path, res.Status)
	}
	return res
}

func (x *tl) htmx(path string) response {
	x.t.Helper()
	res := x.c.do(http.MethodGet, path, nil, map[string]string{"HX-Request": "true"})
	if res.Status >= 500 {
		x.t.Fatalf("GET %s (htmx): got %d, want no server error", path, res.Status)
	}
	return res
}

var (
	rowIDRe   = regexp.MustCompile(`data-event-id="(\d+)"`)
	wordsRe   = regexp.MustCompile(`data-testid="timeline-words">([^<]*)<`)
	flagRe    = regexp.MustCompile(`data-testid="timeline-anomaly">([^<]*)<`)
	moreRe    = regexp.MustCompile(`hx-get="(/timeline/more\?[^"]*)"`)
	pollRe    = regexp.MustCompile(`hx-get="(/timeline/new\?[^"]*)"`)
	noticeRe  = regexp.MustCompile(`data-testid="timeline-notice">([^<]*)<`)
	dayHeadRe = regexp.MustCompile(`<li class="tl-day" id="(day-\d+)" data-day="([0-9-]+)">`)
)

func rowIDs(body string) []int64 {
	var out []int64
	for _, m := range rowIDRe.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

func allText(re *regexp.Regexp, body string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func firstURL(re *regexp.Regexp, body string) string {
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// newestFirst returns ids in the order the timeline shows their events.
func reversed(ids ...[]int64) []int64 {
	var out []int64
	for _, list := range ids {
		out = append(out, list...)
	}
	slices.Reverse(out)
	return out
}

// TestTimelineFilters checks every filter alone and together, in its URL form,
// as a whole page and as the htmx swap with its canonical URL pushed.
func TestTimelineFilters(t *testing.T) {
	x := newTL(t) // at noon in Berlin
	now := x.app.clock.Now()
	front, back := x.lock("Front door", "Europe/Berlin"), x.lock("Back door", "Europe/Berlin")
	ana, _, _ := x.guestCode("Ana", front, "dev-ana", now.Add(-96*time.Hour), now.Add(48*time.Hour))
	ben, _, _ := x.guestCode("Ben", back, "dev-ben", now.Add(-48*time.Hour), now.Add(48*time.Hour))
	day := func(n int) time.Time { return now.Add(time.Duration(n) * 24 * time.Hour) }
	f1 := x.ingest(front,
		ev{kind: "unlocked", method: "keypad", code: "dev-ana", at: day(-3)},
		ev{kind: "locked", method: "automatic", at: day(-3).Add(time.Minute)},
		ev{kind: "denied", method: "keypad", detail: "wrong code", at: day(-1)},
		ev{kind: "tamper", at: day(-1).Add(time.Hour)})
	b1 := x.ingest(back,
		ev{kind: "unlocked", method: "keypad", code: "dev-ben", at: day(-2)},
		ev{kind: "battery_low", detail: "battery at 15%", at: day(-2).Add(time.Hour)})
	all := []int64{f1[3], f1[2], b1[1], b1[0], f1[1], f1[0]}
	date := func(tm time.Time) string { return tm.In(domain.ZoneOf("Europe/Berlin")).Format("2006-01-02") }

	tests := []struct {
		name  string
		query string
		want  []int64
	}{
		{"none", "", all},
		{"lock", "lock=" + strconv.FormatInt(front.ID, 10), []int64{f1[3], f1[2], f1[1], f1[0]}},
		{"guest", "guest=" + strconv.FormatInt(ben.ID, 10), []int64{b1[0]}},
		{"kind", "kind=unlocked", []int64{b1[0], f1[0]}},
		{"rare kind", "kind=tamper", []int64{f1[3]}},
		{"from", "from=" + date(day(-2)), []int64{f1[3], f1[2], b1[1], b1[0]}},
		{"to", "to=" + date(day(-2)), []int64{b1[1], b1[0], f1[1], f1[0]}},
		{"one day", "from=" + date(day(-2)) + "&to=" + date(day(-2)), []int64{b1[1], b1[0]}},
		{"anomalies", "anomalies=1", []int64{f1[3]}},
		{"lock and kind", "lock=" + strconv.FormatInt(front.ID, 10) + "&kind=unlocked", []int64{f1[0]}},
		{"guest and lock", "guest=" + strconv.FormatInt(ana.ID, 10) + "&lock=" + strconv.FormatInt(back.ID, 10), nil},
		{"lock and anomalies", "lock=" + strconv.FormatInt(back.ID, 10) + "&anomalies=1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := x.get("/timeline?" + tt.query)
			if res.Status != http.StatusOK {
				t.Fatalf("got %d, want 200", res.Status)
			}
			if got := rowIDs(res.Body); !slices.Equal(got, tt.want) {
				t.Errorf("rows: got %v, want %v", got, tt.want)
			}
			if n := allText(noticeRe, res.Body); len(n) > 0 {
				t.Errorf("notices for a good filter: %q", n)
			}
			if len(tt.want) == 0 && !strings.Contains(res.Body, "No events match these filters.") {
				t.Error("no rows and no message saying so")
			}
			// The form's change swaps the list with htmx and pushes the same URL,
			// spelled canonically, so it can be bookmarked and gone back to.
			form, _ := url.ParseQuery(tt.query)
			for _, k := range []string{"lock", "guest", "kind", "from", "to"} {
				if !form.Has(k) {
					form.Set(k, "")
				}
			}
			sw := x.htmx("/timeline?" + form.Encode())
			if got := rowIDs(sw.Body); !slices.Equal(got, tt.want) {
				t.Errorf("htmx rows: got %v, want %v", got, tt.want)
			}
			if strings.Contains(sw.Body, "<html") || !strings.Contains(sw.Body, `id="tl-rows"`) {
				t.Error("the htmx answer is not the list fragment")
			}
			want := "/timeline"
			if tt.query != "" {
				q, _ := url.ParseQuery(tt.query)
				want += "?" + q.Encode()
			}
			if got := sw.Header.Get("HX-Push-Url"); got != want {
				t.Errorf("pushed URL: got %q, want %q", got, want)
			}
			// The back button asks htmx to restore the URL: a whole page.
			hist := x.c.do(http.MethodGet, want, nil, map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"})
			if !strings.Contains(hist.Body, "<html") || !slices.Equal(rowIDs(hist.Body), tt.want) {
				t.Error("a history restore does not get the whole page with the same rows")
			}
		})
	}

	// The form shows the filters chosen.
	page := x.get("/timeline?lock=" + strconv.FormatInt(front.ID, 10) + "&kind=denied&anomalies=1&from=" + date(day(-5))).Body
	for _, want := range []string{
		`<option value="` + strconv.FormatInt(front.ID, 10) + `" selected>Front door</option>`,
		`<option value="denied" selected>`, `value="` + date(day(-5)) + `"`, `name="anomalies" value="1" data-testid="timeline-anomalies" checked`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("filter form lacks %s", want)
		}
	}
	// Words, method and a link to the guest.
	page = x.get("/timeline").Body
	for _, want := range []string{"Unlocked with Ana&#39;s code", "Wrong code entered", "Battery low (15%)", "Tamper alarm",
		`href="/guests/` + strconv.FormatInt(ana.ID, 10) + `"`, ">keypad<", "Times in Europe/Berlin."} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
}

// TestTimelineGuestFilter: the guest filter lists the chosen guest and the
// guests of the events shown, never every guest, and finds anyone else by a
// search on the server; whatever way a guest is chosen, the URL says guest=ID.
func TestTimelineGuestFilter(t *testing.T) {
	x := newTL(t)
	now := x.app.clock.Now()
	door := x.lock("Front door", "Europe/Berlin")
	ana, _, _ := x.guestCode("Ana Lopez", door, "dev-ana", now.Add(-96*time.Hour), now.Add(48*time.Hour))
	anab, _, _ := x.guestCode("Anabel", door, "dev-anab", now.Add(-96*time.Hour), now.Add(48*time.Hour))
	ben, _, _ := x.guestCode("Ben", door, "dev-ben", now.Add(-96*time.Hour), now.Add(48*time.Hour))
	for i := range 30 { // guests with no events: not listed
		if _, err := x.app.db.CreateGuest(context.Background(), fmt.Sprintf("Quiet %02d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	ids := x.ingest(door,
		ev{kind: "unlocked", method: "keypad", code: "dev-ana", at: now.Add(-3 * time.Hour)},
		ev{kind: "unlocked", method: "keypad", code: "dev-ben", at: now.Add(-2 * time.Hour)})
	id := func(g db.Guest) string { return strconv.FormatInt(g.ID, 10) }
	option := func(g db.Guest, selected bool) string {
		if selected {
			return `<option value="` + id(g) + `" selected>` + g.Name + `</option>`
		}
		return `<option value="` + id(g) + `">` + g.Name + `</option>`
	}

	page := x.get("/timeline").Body
	for _, want := range []string{option(ben, false), option(ana, false), `name="guest_q"`} {
		if !strings.Contains(page, want) {
			t.Errorf("guest filter lacks %s", want)
		}
	}
	for _, unwanted := range []string{option(anab, false), "Quiet 00"} {
		if strings.Contains(page, unwanted) {
			t.Errorf("guest filter lists a guest with no events shown: %s", unwanted)
		}
	}

	tests := []struct {
		name, query string
		want        []int64
		chosen      db.Guest // the guest the URL and the list then name; zero: none
		hits        []string // guests offered to choose from
		notice      string
	}{
		{"chosen from the list", "guest=" + id(ben), []int64{ids[1]}, ben, nil, ""},
		{"chosen beyond the list", "guest=" + id(anab), nil, anab, nil, ""},
		{"search, one match", "guest_q=ben", []int64{ids[1]}, ben, nil, ""},
		{"search, a whole name among longer ones", "guest_q=Anabel", nil, anab, nil, ""},
		{"search wins over the list", "guest=" + id(ben) + "&guest_q=lopez", []int64{ids[0]}, ana, nil, ""},
		{"search, several", "guest_q=ana", []int64{ids[1], ids[0]}, db.Guest{}, []string{"Ana Lopez", "Anabel"}, ""},
		{"search, several, guest kept", "guest=" + id(ben) + "&guest_q=ana", []int64{ids[1]}, ben, []string{"Ana Lopez", "Anabel"}, ""},
		{"search, none", "guest_q=zed", []int64{ids[1], ids[0]}, db.Guest{}, nil, "No guest’s name matches “zed”."},
	}
	hitRe := regexp.MustCompile(`href="([^"]*)" hx-get="[^"]*" hx-target="#tl-body" hx-swap="innerHTML" data-testid="timeline-guest-hit">([^<]*)<`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, htmx := range []bool{false, true} {
				var res response
				if htmx {
					res = x.htmx("/timeline?kind=unlocked&" + tt.query)
				} else {
					res = x.get("/timeline?kind=unlocked&" + tt.query)
				}
				if got := rowIDs(res.Body); !slices.Equal(got, tt.want) {
					t.Errorf("htmx %v: rows: got %v, want %v", htmx, got, tt.want)
				}
				if tt.chosen.ID != 0 && !strings.Contains(res.Body, option(tt.chosen, true)) {
					t.Errorf("htmx %v: the guest field does not show %s chosen", htmx, tt.chosen.Name)
				}
				if htmx {
					want := "/timeline?kind=unlocked"
					if tt.chosen.ID != 0 {
						want = "/timeline?guest=" + id(tt.chosen) + "&kind=unlocked"
					}
					if got := res.Header.Get("HX-Push-Url"); got != want {
						t.Errorf("pushed URL: got %q, want %q", got, want)
					}
					if !strings.Contains(res.Body, `id="tl-guest-field" hx-swap-oob="true"`) || !strings.Contains(res.Body, `id="tl-guest-find"`) {
						t.Error("the htmx answer does not replace the guest field and search")
					}
				}
				var hits []string
				for _, m := range hitRe.FindAllStringSubmatch(res.Body, -1) {
					hits = append(hits, m[2])
					if u, _ := url.Parse(html.UnescapeString(m[1])); u.Query().Get("kind") != "unlocked" || u.Query().Get("guest") == "" {
						t.Errorf("choice %s: link %s does not keep the filters and name the guest", m[2], m[1])
					}
				}
				if !slices.Equal(hits, tt.hits) {
					t.Errorf("htmx %v: guests offered: got %q, want %q", htmx, hits, tt.hits)
				}
				// The search carries the other filters, the guest as now chosen.
				find := regexp.MustCompile(`(?s)<form id="tl-guest-find".*?</form>`).FindString(res.Body)
				keep := []string{`<input type="hidden" name="kind" value="unlocked">`}
				if tt.chosen.ID != 0 {
					keep = append(keep, `<input type="hidden" name="guest" value="`+id(tt.chosen)+`">`)
				}
				for _, k := range keep {
					if !strings.Contains(find, k) {
						t.Errorf("htmx %v: the guest search does not carry %s: %s", htmx, k, find)
					}
				}
				if n := strings.Join(allText(noticeRe, res.Body), " | "); n != tt.notice {
					t.Errorf("htmx %v: notices: got %q, want %q", htmx, n, tt.notice)
				}
			}
		})
	}
}

// TestTimelineBadFilters: malformed filters are ignored with a notice that says
// why, and never cost a 500.
func TestTimelineBadFilters(t *testing.T) {
	x := newTL(t)
	l := x.lock("Front door", "Europe/Berlin")
	now := x.app.clock.Now()
	ids := x.ingest(l, ev{kind: "unlocked", at: now.Add(-2 * time.Hour)}, ev{kind: "locked", at: now.Add(-time.Hour)})
	tests := []struct {
		query  string
		notice string
		rows   []int64
	}{
		{"lock=999", "There is no lock “999”", reversed(ids)},
		{"lock=front", "There is no lock “front”", reversed(ids)},
		{"guest=42", "There is no guest “42”", reversed(ids)},
		{"guest=%27%3Bdrop", "There is no guest “';drop”", reversed(ids)},
		{"kind=teleported", "“teleported” is not a kind of event", reversed(ids)},
		{"from=yesterday", "“yesterday” is not a date", reversed(ids)},
		{"to=2024-02-30", "“2024-02-30” is not a date", reversed(ids)},
		{"day=soon", "“soon” is not a date", reversed(ids)},
		{"before=garbage&asof=7", "could not be read", reversed(ids)},
		{"before=12.x&asof=1", "could not be read", reversed(ids)},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := x.get("/timeline?" + tt.query)
			if res.Status != http.StatusOK {
				t.Fatalf("got %d, want 200 with a notice", res.Status)
			}
			if n := strings.Join(allText(noticeRe, res.Body), " | "); !strings.Contains(n, tt.notice) {
				t.Errorf("notices %q lack %q", n, tt.notice)
			}
			if got := rowIDs(res.Body); !slices.Equal(got, tt.rows) {
				t.Errorf("rows: got %v, want %v", got, tt.rows)
			}
		})
	}
	// A reversed range is swapped, and says so.
	from, to := now.AddDate(0, 0, 1).Format("2006-01-02"), now.AddDate(0, 0, -1).Format("2006-01-02")
	res := x.get("/timeline?from=" + from + "&to=" + to)
	if n := strings.Join(allText(noticeRe, res.Body), " "); !strings.Contains(n, "swapped") {
		t.Errorf("reversed range: notices %q, want one saying the dates were swapped", n)
	}
	if got := rowIDs(res.Body); len(got) != 2 {
		t.Errorf("reversed range: got %v, want both events of today", got)
	}
	// The fragments answer bad input in words, not with a server error.
	for _, path := range []string{"/timeline/more?before=x&asof=1", "/timeline/more", "/timeline/new?since=abc",
		"/timeline/new?since=1&head=%3Cscript%3E&top=x", "/timeline.csv?lock=abc&from=never", "/timeline/pictures?day=nope&lock=-1"} {
		res := x.htmx(path)
		if res.Status >= 500 || strings.Contains(res.Body, "<script>") {
			t.Errorf("%s: got %d %q", path, res.Status, res.Body)
		}
	}
}

// pageThrough follows "load more" from a list page to the end, returning the
// rows of every page in order, and the list's poll URL.
func (x *tl) pageThrough(first string, between func(page int)) ([]int64, []string, string) {
	x.t.Helper()
	body := x.get(first).Body
	ids, words := rowIDs(body), allText(wordsRe, body)
	poll := firstURL(pollRe, body)
	for page := 1; ; page++ {
		more := firstURL(moreRe, body)
		if more == "" {
			break
		}
		if between != nil {
			between(page)
		}
		body = x.htmx(more).Body
		ids, words = append(ids, rowIDs(body)...), append(words, allText(wordsRe, body)...)
		if page > 100 {
			x.t.Fatal("load more never ends")
		}
	}
	return ids, words, poll
}

// TestTimelinePagingWhileEventsArrive: paging by (time, id) neither skips nor
// repeats an event while others arrive, some late with old times, and the live
// updates bring exactly the new ones.
func TestTimelinePagingWhileEventsArrive(t *testing.T) {
	x := newTL(t)
	l := x.lock("Front door", "Europe/Berlin")
	now := x.app.clock.Now()
	var old []ev
	for i := range 130 {
		// Pairs in the same second, so the id breaks ties.
		old = append(old, ev{kind: []string{"unlocked", "locked"}[i%2], at: now.Add(-time.Duration(130-i/2) * time.Minute)})
	}
	before := x.ingest(l, old...)
	var arrived []int64
	ids, _, poll := x.pageThrough("/timeline", func(page int) {
		// After each page: one new event, and one late with a time among the
		// pages still to come.
		arrived = append(arrived, x.ingest(l,
			ev{kind: "denied", at: now.Add(time.Duration(page) * time.Second)},
			ev{kind: "unlocked", method: "app", at: now.Add(-time.Duration(100+page) * time.Minute).Add(time.Second)})...)
	})
	if want := reversed(before); !slices.Equal(ids, want) {
		t.Fatalf("pages: got %d rows %v, want the %d events there were when the list was opened, newest first", len(ids), ids, len(want))
	}
	if len(arrived) == 0 {
		t.Fatal("no page after the first")
	}
	// The live updates bring every event that arrived, once.
	var live []int64
	for range 3 {
		res := x.htmx(poll)
		if res.Status == http.StatusNoContent {
			break
		}
		live = append(live, rowIDs(res.Body)...)
		poll = firstURL(pollRe, res.Body)
	}
	slices.Sort(live)
	if !slices.Equal(live, arrived) {
		t.Errorf("live updates: got %v, want %v", live, arrived)
	}
	if res := x.htmx(poll); res.Status != http.StatusNoContent {
		t.Errorf("a poll with nothing new: got %d, want 204", res.Status)
	}
}

// TestTimelineLiveUpdate: a new event arrives at the top of its day, under one
// heading; an empty list loses its message.
func TestTimelineLiveUpdate(t *testing.T) {
	x := newTL(t)
	l := x.lock("Front door", "Europe/Berlin")
	now := x.app.clock.Now()
	body := x.get("/timeline").Body
	poll := firstURL(pollRe, body)
	if !strings.Contains(poll, "empty=1") {
		t.Fatalf("empty list's poll %q does not say it is empty", poll)
	}
	first := x.ingest(l, ev{kind: "unlocked", method: "app", at: now.Add(-time.Minute)})
	res := x.htmx(poll)
	if got := rowIDs(res.Body); !slices.Equal(got, first) {
		t.Fatalf("first live update: got %v, want %v", got, first)
	}
	if !strings.Contains(res.Body, `id="tl-empty" hx-swap-oob="delete"`) || !strings.Contains(res.Body, `hx-swap-oob="afterbegin:#tl-rows"`) {
		t.Errorf("live update does not put rows at the top and drop the empty message: %s", res.Body)
	}
	heads := dayHeadRe.FindAllStringSubmatch(res.Body, -1)
	if len(heads) != 1 {
		t.Fatalf("day headings: got %d, want 1", len(heads))
	}
	poll = firstURL(pollRe, res.Body)
	second := x.ingest(l, ev{kind: "locked", method: "automatic", at: now})
	res = x.htmx(poll)
	if got := rowIDs(res.Body); !slices.Equal(got, second) {
		t.Fatalf("second live update: got %v, want %v", got, second)
	}
	if !strings.Contains(res.Body, `id="`+heads[0][1]+`" hx-swap-oob="delete"`) {
		t.Errorf("the same day's old heading is not removed: %s", res.Body)
	}
}

// anomalyCase is one rule's firing or quiet case: events at a fresh lock.
type anomalyCase struct {
	name  string
	setup func(x *tl, l db.Lock, now time.Time) []int64 // the events that must stand out
	flag  string
}

// TestTimelineAnomalies: each rule fires where it should and stays quiet where
// it should not, and "anomalies only" lists exactly what fired.
func TestTimelineAnomalies(t *testing.T) {
	denied := func(at time.Time) ev { return ev{kind: "denied", method: "keypad", detail: "wrong code", at: at} }
	cases := []anomalyCase{
		{"three denied within 5 minutes", func(x *tl, l db.Lock, now time.Time) []int64 {
			return x.ingest(l, denied(now.Add(-4*time.Minute)), denied(now.Add(-2*time.Minute)), denied(now))
		}, "3 or more wrong codes within 5 minutes"},
		{"three denied over 6 minutes", func(x *tl, l db.Lock, now time.Time) []int64 {
			x.ingest(l, denied(now.Add(-6*time.Minute)), denied(now.Add(-3*time.Minute)), denied(now))
			return nil
		}, ""},
		{"burst across two pulls, late first", func(x *tl, l db.Lock, now time.Time) []int64 {
			b := x.ingest(l, denied(now.Add(-time.Minute)), denied(now))
			a := x.ingest(l, denied(now.Add(-3*time.Minute)))
			return append(a, b...)
		}, "3 or more wrong codes within 5 minutes"},
		{"two denied and the same pulled again", func(x *tl, l db.Lock, now time.Time) []int64 {
			ctx := context.Background()
			evs := []db.NewEvent{{DeviceEventID: "d1", Kind: "denied", OccurredAt: now.Add(-time.Minute)}, {DeviceEventID: "d2", Kind: "denied", OccurredAt: now}}
			for range 2 {
				if _, err := x.app.db.IngestEvents(ctx, l.ID, evs, ""); err != nil {
					x.t.Fatal(err)
				}
			}
			return nil
		}, ""},
		{"safe mode", func(x *tl, l db.Lock, now time.Time) []int64 {
			return x.ingest(l, ev{kind: "safe_mode", method: "keypad", at: now})
		}, "Safe mode"},
		{"one wrong code", func(x *tl, l db.Lock, now time.Time) []int64 {
			x.ingest(l, denied(now))
			return nil
		}, ""},
		{"tamper", func(x *tl, l db.Lock, now time.Time) []int64 {
			return x.ingest(l, ev{kind: "tamper", at: now})
		}, "Tamper"},
		{"battery low", func(x *tl, l db.Lock, now time.Time) []int64 {
			x.ingest(l, ev{kind: "battery_low", detail: "battery at 19%", at: now})
			return nil
		}, ""},
		{"code used before its window", func(x *tl, l db.Lock, now time.Time) []int64 {
			x.guestCode("Cleo", l, "dev-c", now.Add(time.Hour), now.Add(5*time.Hour))
			return x.ingest(l, ev{kind: "unlocked", method: "keypad", code: "dev-c", at: now})
		}, "Used outside its window"},
		{"code tried after its window", func(x *tl, l db.Lock, now time.Time) []int64 {
			x.guestCode("Cleo", l, "dev-c", now.Add(-5*time.Hour), now.Add(-time.Hour))
			return x.ingest(l, ev{kind: "denied", method: "keypad", code: "dev-c", detail: "code outside its schedule", at: now})
		}, "Tried outside its window"},
		{"code used in its window", func(x *tl, l db.Lock, now time.Time) []int64 {
			x.guestCode("Cleo", l, "dev-c", now.Add(-time.Hour), now.Add(time.Hour))
			x.ingest(l, ev{kind: "unlocked", method: "keypad", code: "dev-c", at: now})
			return nil
		}, ""},
		{"revoked code still opens the door", func(x *tl, l db.Lock, now time.Time) []int64 {
			_, k, _ := x.guestCode("Dan", l, "dev-d", now.Add(-time.Hour), now.Add(time.Hour))
			if _, err := x.app.db.RevokeAccessCode(context.Background(), k.ID); err != nil {
				x.t.Fatal(err)
			}
			return x.ingest(l, ev{kind: "unlocked", method: "keypad", code: "dev-d", at: now.Add(time.Second)})
		}, "Sync failure: the code was revoked but is still on the lock"},
		{"revoked code used before the revocation, refused after", func(x *tl, l db.Lock, now time.Time) []int64 {
			_, k, _ := x.guestCode("Dan", l, "dev-d", now.Add(-time.Hour), now.Add(time.Hour))
			x.ingest(l, ev{kind: "unlocked", method: "keypad", code: "dev-d", at: now.Add(-time.Minute)})
			if _, err := x.app.db.RevokeAccessCode(context.Background(), k.ID); err != nil {
				x.t.Fatal(err)
			}
			x.ingest(l, ev{kind: "denied", method: "keypad", code: "dev-d", at: now.Add(time.Second)})
			return nil
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newTL(t)
			l := x.lock("Door", "Europe/Berlin")
			want := tc.setup(x, l, x.app.clock.Now())
			res := x.get("/timeline?anomalies=1")
			slices.Reverse(want)
			if got := rowIDs(res.Body); !slices.Equal(got, want) {
				t.Errorf("anomalies only: got %v, want %v", got, want)
			}
			if tc.flag != "" && !slices.Contains(allText(flagRe, res.Body), tc.flag) {
				t.Errorf("flags %q lack %q", allText(flagRe, res.Body), tc.flag)
			}
			// They stand out in the whole list too.
			all := x.get("/timeline").Body
			if got := strings.Count(all, "tl-anomaly"); got != len(want) {
				t.Errorf("rows marked tl-anomaly in the whole list: got %d, want %d", got, len(want))
			}
		})
	}
}

// TestTimelineConditionAlerts: a lock offline for over an hour and a code
// revealed but not used 6 hours into its window are conditions, not events:
// RaiseAlerts stores one alert event for each, once, when it begins to hold.
func TestTimelineConditionAlerts(t *testing.T) {
	ctx := context.Background()
	t.Run("offline for over an hour", func(t *testing.T) {
		x := newTL(t)
		l := x.app.addSimLock("Front door")
		if err := x.app.sim.SetOnline(ctx, l.DeviceID, false); err != nil {
			t.Fatal(err)
		}
		x.app.reconcile()
		x.app.clock.Advance(59 * time.Minute)
		if n, err := x.app.db.RaiseAlerts(ctx); err != nil || n != 0 {
			t.Fatalf("after 59 minutes: raised %d (%v), want none", n, err)
		}
		x.app.clock.Advance(2 * time.Minute)
		for i, want := range []int{1, 0} { // the second check finds it raised
			if n, err := x.app.db.RaiseAlerts(ctx); err != nil || n != want {
				t.Fatalf("check %d after 61 minutes: raised %d (%v), want %d", i+1, n, err, want)
			}
		}
		res := x.get("/timeline?anomalies=1")
		if got := allText(wordsRe, res.Body); !slices.Equal(got, []string{"Offline for over an hour"}) {
			t.Errorf("anomalies: got %q, want the offline alert", got)
		}
		if !strings.Contains(res.Body, "Lock offline for over an hour") {
			t.Error("the alert is not flagged")
		}
		// Back online and offline again: a new spell, a new alert.
		if err := x.app.sim.SetOnline(ctx, l.DeviceID, true); err != nil {
			t.Fatal(err)
		}
		x.app.reconcile()
		if err := x.app.sim.SetOnline(ctx, l.DeviceID, false); err != nil {
			t.Fatal(err)
		}
		x.app.reconcile()
		x.app.clock.Advance(2 * time.Hour)
		if n, err := x.app.db.RaiseAlerts(ctx); err != nil || n != 1 {
			t.Errorf("second spell: raised %d (%v), want 1", n, err)
		}
	})
	t.Run("revealed but not used", func(t *testing.T) {
		x := newTL(t)
		l := x.lock("Front door", "Europe/Berlin")
		now := x.app.clock.Now()
		// Eve reveals her code and never comes; Finn comes within 6 hours;
		// Gus never opens his link.
		eve, _, eveToken := x.guestCode("Eve", l, "dev-e", now, now.Add(72*time.Hour))
		_, _, finnToken := x.guestCode("Finn", l, "dev-f", now, now.Add(72*time.Hour))
		x.guestCode("Gus", l, "dev-g", now, now.Add(72*time.Hour))
		for _, tok := range []string{eveToken, finnToken} {
			if _, err := x.app.db.ClaimReveal(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		x.app.clock.Advance(2 * time.Hour)
		x.ingest(l, ev{kind: "unlocked", method: "keypad", code: "dev-f", at: x.app.clock.Now()})
		x.app.clock.Advance(3*time.Hour + 59*time.Minute)
		if n, err := x.app.db.RaiseAlerts(ctx); err != nil || n != 0 {
			t.Fatalf("before 6 hours: raised %d (%v), want none", n, err)
		}
		x.app.clock.Advance(2 * time.Minute)
		if n, err := x.app.db.RaiseAlerts(ctx); err != nil || n != 1 {
			t.Fatalf("after 6 hours: raised %d (%v), want 1 (Eve's)", n, err)
		}
		if n, _ := x.app.db.RaiseAlerts(ctx); n != 0 {
			t.Errorf("again: raised %d, want none", n)
		}
		res := x.get("/timeline?anomalies=1&guest=" + strconv.FormatInt(eve.ID, 10))
		if got := allText(wordsRe, res.Body); !slices.Equal(got, []string{"Eve revealed the code but has not used it"}) {
			t.Errorf("Eve's anomalies: got %q", got)
		}
		if got := allText(flagRe, res.Body); !slices.Equal(got, []string{"Not used 6 hours after the window opened"}) {
			t.Errorf("flags: got %q", got)
		}
	})
}

var svgRe = regexp.MustCompile(`(?s)<svg[ >].*?</svg>`)

// wellFormed parses each SVG in body as XML.
func wellFormed(t *testing.T, body string) int {
	t.Helper()
	svgs := svgRe.FindAllString(body, -1)
	for i, s := range svgs {
		d := xml.NewDecoder(strings.NewReader(s))
		d.Strict = true
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("SVG %d is not well-formed XML: %v\n%s", i, err, s)
			}
		}
	}
	return len(svgs)
}

// TestTimelinePictures: the strip and the grid are there, well-formed, drawn
// in the lock's day (23 hours on a spring-forward day), and link into the list.
func TestTimelinePictures(t *testing.T) {
	x := newTL(t)
	ny := x.lock("Porch", "America/New_York")
	loc := domain.ZoneOf("America/New_York")
	x.app.clock.Set(time.Date(2024, 3, 12, 12, 0, 0, 0, loc))
	dst := time.Date(2024, 3, 10, 0, 0, 0, 0, loc)
	x.ingest(ny,
		ev{kind: "unlocked", method: "app", at: dst.Add(30 * time.Minute)},
		ev{kind: "denied", method: "keypad", at: time.Date(2024, 3, 10, 9, 0, 0, 0, loc)},
		ev{kind: "denied", method: "keypad", at: time.Date(2024, 3, 10, 9, 1, 0, 0, loc)},
		ev{kind: "denied", method: "keypad", at: time.Date(2024, 3, 10, 9, 2, 0, 0, loc)},
		ev{kind: "locked", method: "automatic", at: time.Date(2024, 3, 10, 23, 50, 0, 0, loc)},
		ev{kind: "unlocked", method: "app", at: time.Date(2024, 3, 11, 8, 0, 0, 0, loc)})

	page := x.get("/timeline?day=2024-03-10").Body
	pics := firstURL(regexp.MustCompile(`hx-get="(/timeline/pictures\?[^"]*)"`), page)
	if pics != "/timeline/pictures?day=2024-03-10" {
		t.Fatalf("pictures placeholder URL %q", pics)
	}
	res := x.htmx(pics)
	if n := wellFormed(t, res.Body); n < 2 {
		t.Fatalf("pictures: got %d SVGs, want a strip and a grid", n)
	}
	for _, want := range []string{`data-testid="strip"`, `data-testid="grid"`, "Porch on Sunday 10 March: 5 events",
		"mark mark-warn mark-anomaly", "09:00–09:10: 3 × Wrong or refused codes (3 unusual)",
		`href="/timeline?day=2024-03-10&amp;from=2024-03-10&amp;kind=denied&amp;lock=`,
		"Sun 10 Mar: 5 events, 3 wrong or refused codes", "Sat 9 Mar: 0 events", `class="grid-denied"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("pictures lack %s", want)
		}
	}
	// On a 23-hour day the ticks after 02:00 sit where those hours fall: 03:00
	// is 2 hours in, an eleventh of the 23-hour day's width... 2/23 of it.
	if want := fmt.Sprintf(`x1="%s"`, num(round1(2.0/23*stripWidth))); !strings.Contains(res.Body, want) {
		t.Errorf("03:00 tick of a 23-hour day: want %s", want)
	}
	if !strings.Contains(x.get("/timeline/pictures?day=2024-03-10").Body, "<html") {
		t.Error("without htmx the pictures are not a page")
	}
	// Embedded: the lock page's own timeline draws no pictures but lists the events.
	lockPage := x.get("/locks/" + strconv.FormatInt(ny.ID, 10)).Body
	if got := len(rowIDs(lockPage)); got != 6 {
		t.Errorf("lock page timeline: got %d rows, want 6", got)
	}
	wellFormed(t, lockPage)
}

// TestTimelineCSV: the export of a filtered view has exactly the rows the list
// shows over all its pages, in the same order and words.
func TestTimelineCSV(t *testing.T) {
	x := newTL(t)
	now := x.app.clock.Now()
	front, back := x.lock("Front door", "Europe/Berlin"), x.lock("=Back door", "America/New_York")
	x.guestCode("Ana", front, "dev-ana", now.Add(-30*24*time.Hour), now.Add(24*time.Hour))
	var evs []ev
	for i := range 140 {
		evs = append(evs, ev{kind: []string{"unlocked", "locked", "denied"}[i%3], method: "keypad", code: []string{"dev-ana", "", ""}[i%3],
			at: now.Add(-time.Duration(i) * 37 * time.Minute)})
	}
	x.ingest(front, evs...)
	x.ingest(back, evs[:20]...)
	for _, q := range []string{"lock=" + strconv.FormatInt(front.ID, 10), "kind=unlocked", ""} {
		t.Run(q, func(t *testing.T) {
			ids, words, _ := x.pageThrough("/timeline?"+q, nil)
			res := x.get("/timeline.csv?" + q)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("content type %q", ct)
			}
			recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(recs[0], csvHeader) {
				t.Errorf("header: got %v", recs[0])
			}
			var gotIDs []int64
			var gotWords []string
			for _, r := range recs[1:] {
				id, _ := strconv.ParseInt(r[0], 10, 64)
				gotIDs, gotWords = append(gotIDs, id), append(gotWords, r[6])
				if strings.HasPrefix(r[5], "=") {
					t.Errorf("a lock name starting with = is not defused: %q", r[5])
				}
			}
			if !slices.Equal(gotIDs, ids) {
				t.Errorf("CSV rows: got %d %v, want the %d shown %v", len(gotIDs), gotIDs, len(ids), ids)
			}
			if !slices.Equal(gotWords, words) {
				t.Errorf("CSV words differ from the list's")
			}
		})
	}
}

// TestTimelineCSVBytes: the export's fast writer writes, byte for byte, what
// encoding/csv writes of the list's facts (the export as it was first
// written): names that need quoting or defusing, zones across DST changes and
// midnights, UTC and a zone west of it, a lock's code with no guest.
func TestTimelineCSVBytes(t *testing.T) {
	x := newTL(t)
	ctx := context.Background()
	x.app.clock.Set(time.Date(2024, 12, 1, 12, 0, 0, 0, time.UTC))
	now := x.app.clock.Now()
	locks := []db.Lock{x.lock(`Front, "main" door`, "Europe/Berlin"), x.lock(" Garden", "America/New_York"), x.lock("-Shed", "UTC")}
	names := []string{`Ana "Nana" Lopez`, "=cmd", "Bo, Jr.", "\u00a0Lee", "Zoë\nline", "@ me"}
	for i, name := range names {
		x.guestCode(name, locks[i%len(locks)], "dev-"+strconv.Itoa(i), now.AddDate(0, -10, 0), now.Add(24*time.Hour))
	}
	var hist []ev
	start := time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC) // both spring changes, then both autumn ones
	for at := start; at.Before(now); at = at.Add(97 * time.Minute) {
		i := len(hist)
		hist = append(hist, ev{kind: []string{"unlocked", "denied", "locked", "battery_low"}[i%4], method: []string{"keypad", "keypad", "automatic", ""}[i%4],
			code: []string{"dev-" + strconv.Itoa(i%len(names)), "", "", ""}[i%4], detail: []string{"", "wrong code", "", "battery at 9%"}[i%4], at: at})
	}
	for i, l := range locks {
		x.ingest(l, hist[i*len(hist)/3:(i+1)*len(hist)/3]...)
	}
	res := x.get("/timeline.csv")

	z, _, err := newTimelineZones(ctx, x.app.db)
	if err != nil {
		t.Fatal(err)
	}
	v := &timelineView{zones: z, now: now, names: map[int64]db.CodeName{}}
	var want strings.Builder
	w := csv.NewWriter(&want)
	w.Write(csvHeader)
	var all []db.TimelineEvent
	if err := x.app.db.EachTimelineEvent(ctx, db.TimelineFilter{}, 0, func(e db.TimelineEvent) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := v.loadNames(ctx, x.app.db, all); err != nil {
		t.Fatal(err)
	}
	for _, ev := range all {
		f := v.facts(ev)
		w.Write([]string{strconv.FormatInt(ev.ID, 10), f.day.String(), f.local.Format("15:04:05"), f.zone,
			ev.OccurredAt.UTC().Format(time.RFC3339), cell(f.lock), cell(f.words), string(ev.Kind), string(ev.Method), cell(f.who), cell(f.code), f.anomaly})
	}
	w.Flush()
	if len(all) < 2000 {
		t.Fatalf("history: %d events, want a year's", len(all))
	}
	if res.Body != want.String() {
		got, exp := strings.Split(res.Body, "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(got), len(exp)) {
			if got[i] != exp[i] {
				t.Fatalf("line %d: got %q, want %q", i+1, got[i], exp[i])
			}
		}
		t.Fatalf("got %d lines, want %d", len(got), len(exp))
	}

	// Fields on their own, against encoding/csv.
	for _, f := range []string{"", "plain", `\.`, " lead", "\tTab", "a,b", `say "hi"`, "two\r\nlines", "\u00a0nbsp", "\xff\xfe", "é,"} {
		var exp strings.Builder
		cw := csv.NewWriter(&exp)
		cw.Write([]string{f, "x"})
		cw.Flush()
		if got := string(appendField(nil, f)) + ",x\n"; got != exp.String() {
			t.Errorf("field %q: got %q, want %q", f, got, exp.String())
		}
	}
}

// brokenClient takes the first n bytes of an answer, then fails every write.
type brokenClient struct {
	h       http.Header
	n       int
	written int
}

func (b *brokenClient) Header() http.Header { return b.h }
func (b *brokenClient) WriteHeader(int)     {}
func (b *brokenClient) Write(p []byte) (int, error) {
	if b.written+len(p) > b.n {
		return 0, errors.New("client went away")
	}
	b.written += len(p)
	return len(p), nil
}

// TestTimelineCSVClientGone: an export whose client goes away stops (the
// reader too: the handler returns, and the database is usable).
func TestTimelineCSVClientGone(t *testing.T) {
	x := newTL(t)
	now := x.app.clock.Now()
	l := x.lock("Front door", "Europe/Berlin")
	var evs []ev
	for i := range 5000 {
		evs = append(evs, ev{kind: "locked", method: "automatic", at: now.Add(-time.Duration(i) * time.Minute)})
	}
	x.ingest(l, evs...)
	e := echo.New()
	w := &brokenClient{h: http.Header{}, n: 100 << 10}
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/timeline.csv", nil), w)
	if err := x.app.srv.timelineCSV(c); err != nil {
		t.Fatalf("got %v, want the export to end quietly", err)
	}
	if w.written == 0 || w.written > 100<<10 {
		t.Errorf("written %d bytes, want some, at most 100 KiB", w.written)
	}
	if n := len(x.get("/timeline").Body); n == 0 {
		t.Error("the timeline does not answer after the broken export")
	}
}

// TestTimelineDaysAcrossDST: rows are grouped by the day in their lock's zone,
// with the local time, across the DST changes of New York and Berlin; dates of
// a filter are the lock's days (23 and 25 hours long).
func TestTimelineDaysAcrossDST(t *testing.T) {
	x := newTL(t)
	ny, ber := x.lock("Porch", "America/New_York"), x.lock("Tür", "Europe/Berlin")
	nyz, bez := domain.ZoneOf("America/New_York"), domain.ZoneOf("Europe/Berlin")
	x.app.clock.Set(time.Date(2024, 12, 1, 12, 0, 0, 0, time.UTC))
	at := func(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
		return time.Date(y, m, d, h, mi, 0, 0, loc)
	}
	// Around each change: just before midnight, just after, and the hour that
	// happens twice (fall) or not at all (spring).
	nyIDs := x.ingest(ny,
		ev{kind: "unlocked", method: "app", at: at(nyz, 2024, 3, 9, 23, 30)},
		ev{kind: "unlocked", method: "app", at: at(nyz, 2024, 3, 10, 1, 59)},
		ev{kind: "unlocked", method: "app", at: at(nyz, 2024, 3, 10, 3, 0)}, // 2:00 did not happen
		ev{kind: "unlocked", method: "app", at: at(nyz, 2024, 3, 10, 23, 59)},
		ev{kind: "unlocked", method: "app", at: time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC)}, // 01:30 EDT
		ev{kind: "unlocked", method: "app", at: time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC)}, // 01:30 EST
		ev{kind: "unlocked", method: "app", at: at(nyz, 2024, 11, 3, 23, 30)},
	)
	berIDs := x.ingest(ber,
		ev{kind: "locked", method: "manual", at: at(bez, 2024, 3, 31, 0, 30)},
		ev{kind: "locked", method: "manual", at: at(bez, 2024, 3, 31, 3, 30)},
		ev{kind: "locked", method: "manual", at: time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC)}, // 02:30 CEST
		ev{kind: "locked", method: "manual", at: time.Date(2024, 10, 27, 1, 30, 0, 0, time.UTC)}, // 02:30 CET
		ev{kind: "locked", method: "manual", at: at(bez, 2024, 10, 27, 23, 59)},
	)
	body := x.get("/timeline").Body
	// Each row's day is the heading above it.
	dayOf := map[int64]string{}
	cur := ""
	for _, tok := range regexp.MustCompile(`data-day="([0-9-]+)"|data-event-id="(\d+)"`).FindAllStringSubmatch(body, -1) {
		if tok[1] != "" {
			cur = tok[1]
			continue
		}
		id, _ := strconv.ParseInt(tok[2], 10, 64)
		dayOf[id] = cur
	}
	want := map[int64]string{
		nyIDs[0]: "2024-03-09", nyIDs[1]: "2024-03-10", nyIDs[2]: "2024-03-10", nyIDs[3]: "2024-03-10",
		nyIDs[4]: "2024-11-03", nyIDs[5]: "2024-11-03", nyIDs[6]: "2024-11-03",
		berIDs[0]: "2024-03-31", berIDs[1]: "2024-03-31", berIDs[2]: "2024-10-27", berIDs[3]: "2024-10-27", berIDs[4]: "2024-10-27",
	}
	for id, d := range want {
		if dayOf[id] != d {
			t.Errorf("event %d: under %q, want %q", id, dayOf[id], d)
		}
	}
	// Times are local, with the zone named since the locks' zones differ.
	for _, want := range []string{"01:30 <span class=\"tl-zone\">EDT</span>", "01:30 <span class=\"tl-zone\">EST</span>",
		"02:30 <span class=\"tl-zone\">CEST</span>", "02:30 <span class=\"tl-zone\">CET</span>", "03:00 <span class=\"tl-zone\">EDT</span>"} {
		if !strings.Contains(body, want) {
			t.Errorf("timeline lacks the time %s", want)
		}
	}
	// A day's filter is the lock's own day: 23 hours in spring, 25 in the fall.
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"lock=" + strconv.FormatInt(ny.ID, 10) + "&from=2024-03-10&to=2024-03-10", []int64{nyIDs[3], nyIDs[2], nyIDs[1]}},
		{"lock=" + strconv.FormatInt(ny.ID, 10) + "&from=2024-11-03&to=2024-11-03", []int64{nyIDs[6], nyIDs[5], nyIDs[4]}},
		{"lock=" + strconv.FormatInt(ber.ID, 10) + "&from=2024-10-27&to=2024-10-27", []int64{berIDs[4], berIDs[3], berIDs[2]}},
		// Without a lock, each lock's dates are its own.
		{"from=2024-03-10&to=2024-03-10", []int64{nyIDs[3], nyIDs[2], nyIDs[1]}},
		{"from=2024-10-27&to=2024-11-03", []int64{nyIDs[6], nyIDs[5], nyIDs[4], berIDs[4], berIDs[3], berIDs[2]}},
	} {
		if got := rowIDs(x.get("/timeline?" + tc.query).Body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}
}

// TestTimelineDaysWhereMidnightIsSkipped: Chile springs forward at midnight
// (24:00 on 6 September 2025 becomes 01:00 on the 7th), so the 7th begins at
// 01:00. A filter for the 7th holds none of the 6th's last hour (time.Date read
// its midnight as 23:00 on the 6th), and a filter for the 6th holds all of it.
func TestTimelineDaysWhereMidnightIsSkipped(t *testing.T) {
	x := newTL(t)
	x.app.clock.Set(time.Date(2025, 12, 1, 12, 0, 0, 0, time.UTC))
	casa := x.lock("Casa", "America/Santiago")
	ids := x.ingest(casa,
		ev{kind: "unlocked", method: "app", at: utc("2025-09-07T03:30:00Z")}, // 23:30 -04 on the 6th
		ev{kind: "unlocked", method: "app", at: utc("2025-09-07T04:30:00Z")}, // 01:30 -03 on the 7th
		ev{kind: "unlocked", method: "app", at: utc("2025-09-08T02:30:00Z")}, // 23:30 -03 on the 7th
	)
	lock := "lock=" + strconv.FormatInt(casa.ID, 10) + "&"
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{lock + "from=2025-09-07&to=2025-09-07", []int64{ids[2], ids[1]}},
		{lock + "from=2025-09-06&to=2025-09-06", []int64{ids[0]}},
		{"from=2025-09-07", []int64{ids[2], ids[1]}},
		{"to=2025-09-06", []int64{ids[0]}},
	} {
		if got := rowIDs(x.get("/timeline?" + tc.query).Body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}
}

// TestTimelineEmbeds: the lock page lists its own events with "load more" and
// live updates; the page of another lock does not show them.
func TestTimelineEmbeds(t *testing.T) {
	x := newTL(t)
	now := x.app.clock.Now()
	front, back := x.lock("Front door", "Europe/Berlin"), x.lock("Back door", "Europe/Berlin")
	var evs []ev
	for i := range 60 {
		evs = append(evs, ev{kind: "locked", method: "automatic", at: now.Add(-time.Duration(i) * time.Minute)})
	}
	ids := x.ingest(front, evs...)
	other := x.ingest(back, ev{kind: "tamper", at: now})
	page := x.get("/locks/" + strconv.FormatInt(front.ID, 10)).Body
	got := rowIDs(page)
	if len(got) != timelinePageSize || got[0] != ids[0] {
		t.Errorf("front door page: got %d rows from %v, want the newest %d", len(got), got[:1], timelinePageSize)
	}
	if slices.Contains(got, other[0]) {
		t.Error("the front door's timeline shows the back door's event")
	}
	more := firstURL(moreRe, page)
	if !strings.Contains(more, "lock="+strconv.FormatInt(front.ID, 10)) {
		t.Fatalf("load more %q is not filtered to the lock", more)
	}
	if rest := rowIDs(x.htmx(more).Body); len(rest) != 10 {
		t.Errorf("load more on the lock page: got %d rows, want 10", len(rest))
	}
	if !strings.Contains(page, `data-testid="events"`) || !strings.Contains(page, `href="/timeline?lock=`+strconv.FormatInt(front.ID, 10)+`"`) {
		t.Error("the lock page's timeline has no link to the full timeline")
	}
	if strings.Contains(page, ">Front door</a>") && strings.Count(page, ">Front door</a>") > 1 {
		t.Error("rows on the lock's own page repeat its name")
	}

	// The guest page lists the guest's own events, on every door.
	ana, _, _ := x.guestCode("Ana", front, "dev-ana", now.Add(-time.Hour), now.Add(time.Hour))
	x.guestCode("Ben", back, "dev-ben", now.Add(-time.Hour), now.Add(time.Hour))
	mine := x.ingest(front, ev{kind: "unlocked", method: "keypad", code: "dev-ana", at: now.Add(-time.Minute)})
	x.ingest(back, ev{kind: "unlocked", method: "keypad", code: "dev-ben", at: now.Add(-time.Minute)})
	guestPage := x.get(paths.Guest(ana.ID)).Body
	if got := rowIDs(guestPage); !slices.Equal(got, mine) {
		t.Errorf("Ana's page: got rows %v, want her unlock %v", got, mine)
	}
	if !strings.Contains(guestPage, "Unlocked with Ana&#39;s code") || !strings.Contains(guestPage, `href="/timeline?guest=`+strconv.FormatInt(ana.ID, 10)+`"`) {
		t.Error("Ana's page lacks her unlock or the link to her full timeline")
	}
}

// TestTimelineMixedZonesSayDates: half an hour after midnight in Berlin it is
// still yesterday evening in New York. A list of both doors names its days by
// date only (it said "Yesterday" over two different dates); one door's list
// still says "Today" and "Yesterday" in that door's zone.
func TestTimelineMixedZonesSayDates(t *testing.T) {
	headings := regexp.MustCompile(`<h3>[^<]*</h3>`)
	x := newTL(t)
	berlin := domain.ZoneOf("Europe/Berlin")
	y, m, d := x.app.clock.Now().In(berlin).Date()
	x.app.clock.Set(time.Date(y, m, d, 0, 30, 0, 0, berlin))
	now := x.app.clock.Now()
	front, cabin := x.lock("Front door", "Europe/Berlin"), x.lock("Cabin door", "America/New_York")
	x.ingest(front, ev{kind: "unlocked", method: "app", at: now.Add(-2 * time.Hour)}) // yesterday in Berlin
	x.ingest(cabin, ev{kind: "unlocked", method: "app", at: now.Add(-time.Hour)})     // today in New York
	both := x.get("/timeline").Body
	if strings.Contains(both, "Today ·") || strings.Contains(both, "Yesterday ·") {
		t.Errorf("a list of doors in two zones calls a day Today or Yesterday: %q", headings.FindAllString(both, -1))
	}
	one := x.get("/timeline?lock=" + strconv.FormatInt(cabin.ID, 10)).Body
	if !strings.Contains(one, "Today ·") {
		t.Errorf("the New York door's own list does not call its day Today: %q", headings.FindAllString(one, -1))
	}
}
