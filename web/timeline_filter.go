package web

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/web/paths"
)

// A timeline URL holds its filters, so a view can be bookmarked, shared between
// owners and reached again with the back button:
//
//	/timeline?lock=3&guest=12&kind=denied&from=2024-05-01&to=2024-05-03&anomalies=1&day=2024-05-02
//
// day is the pictures' day. Paging adds before=UNIX.ID&asof=ID, live updates
// since=ID. Anything malformed is dropped with a notice that says so; the page
// is never an error.

// timelineKinds are the kinds a timeline can be filtered by, with their names.
var timelineKinds = []struct {
	kind  domain.EventKind
	label string
}{
	{domain.EventUnlocked, "Unlocks"},
	{domain.EventLocked, "Locks"},
	{domain.EventDenied, "Wrong or refused codes"},
	{domain.EventSafeMode, "Safe mode"},
	{domain.EventCodeSet, "Codes set on a lock"},
	{domain.EventCodeRemoved, "Codes removed from a lock"},
	{domain.EventBatteryLow, "Battery low"},
	{domain.EventOffline, "Lock went offline"},
	{domain.EventOnline, "Lock back online"},
	{domain.EventTamper, "Tamper alarms"},
	{domain.EventOfflineLong, "Offline for over an hour"},
	{domain.EventCodeUnused, "Revealed but not used"},
}

func knownKind(k domain.EventKind) bool {
	for _, x := range timelineKinds {
		if x.kind == k {
			return true
		}
	}
	return false
}

// calDay is a calendar day, read in some zone.
type calDay struct{ t time.Time } // midnight UTC of the day; zero: none

// parseCalDay reads a filter's "2024-05-03" with the access forms' domain.ParseDate,
// kept to the years a lock's history can hold.
func parseCalDay(s string) (calDay, bool) {
	y, m, d, err := domain.ParseDate(s)
	if err != nil || y < 2000 || y > 2200 {
		return calDay{}, false
	}
	return calDay{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, true
}

func calDayOf(t time.Time) calDay {
	y, m, d := t.Date()
	return calDay{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func (d calDay) IsZero() bool           { return d.t.IsZero() }
func (d calDay) String() string         { return d.t.Format(domain.DateLayout) }
func (d calDay) addDays(n int) calDay   { return calDay{d.t.AddDate(0, 0, n)} }
func (d calDay) before(e calDay) bool   { return d.t.Before(e.t) }
func (d calDay) format(l string) string { return d.t.Format(l) }

// start is the instant the day begins in loc. Where clocks skip midnight (Chile
// springs from 24:00 to 01:00) that is 01:00, not time.Date's 23:00 of the day
// before, which put an hour of the eve into the day's filter.
func (d calDay) start(loc *time.Location) time.Time {
	y, m, dd := d.t.Date()
	return domain.WallTime(y, m, dd, 0, 0, 0, loc)
}

// timelineParams are a timeline URL's filters, validated.
type timelineParams struct {
	Lock      int64
	Guest     int64
	Kind      domain.EventKind
	From, To  calDay
	Anomalies bool
	Day       calDay // the pictures' day; zero: today

	guestName string // the chosen guest's name, for the form; not in the URL
}

// guestSearch is a search for a guest by name (guest_q) that did not name
// exactly one: what was asked and, when several matched, the first of them.
type guestSearch struct {
	query string
	hits  []db.Guest
	more  bool
}

// guestSearchMax is how many matches a guest search lists.
const guestSearchMax = 8

// values is the canonical query of the list's filters (the pictures' day apart).
func (p timelineParams) values() url.Values {
	v := url.Values{}
	if p.Lock != 0 {
		v.Set("lock", strconv.FormatInt(p.Lock, 10))
	}
	if p.Guest != 0 {
		v.Set("guest", strconv.FormatInt(p.Guest, 10))
	}
	if p.Kind != "" {
		v.Set("kind", string(p.Kind))
	}
	if !p.From.IsZero() {
		v.Set("from", p.From.String())
	}
	if !p.To.IsZero() {
		v.Set("to", p.To.String())
	}
	if p.Anomalies {
		v.Set("anomalies", "1")
	}
	return v
}

// url is one of the timeline's pages (paths.Timeline, ...) with the filters and
// extra parameters.
func (p timelineParams) url(page func(url.Values) string, extra ...string) string {
	v := p.values()
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return page(v)
}

// pageURL is the timeline page for these filters and day.
func (p timelineParams) pageURL() string {
	if p.Day.IsZero() {
		return p.url(paths.Timeline)
	}
	return p.url(paths.Timeline, "day", p.Day.String())
}

// readTimelineParams validates the filters of a request. Unknown locks, guests
// and kinds, dates that are not dates and reversed ranges become notices. A
// search for a guest by name (guest_q) that finds one chooses that guest; one
// that finds none or several leaves the guest filter as it was, with a notice
// or the matches to choose from.
func (s *Server) readTimelineParams(c echo.Context, locks map[int64]db.TimelineLock) (timelineParams, guestSearch, []string, error) {
	var p timelineParams
	var gs guestSearch
	var notices []string
	q := c.QueryParams()
	if v := strings.TrimSpace(q.Get("lock")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if _, ok := locks[id]; err != nil || !ok {
			notices = append(notices, "There is no lock “"+clipText(v)+"”, so the timeline shows every lock.")
		} else {
			p.Lock = id
		}
	}
	if v := strings.TrimSpace(q.Get("guest")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		var g db.Guest
		if err == nil && id > 0 {
			g, err = s.db.Guest(c.Request().Context(), id)
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				return p, gs, nil, err
			}
		}
		if err != nil || id <= 0 {
			notices = append(notices, "There is no guest “"+clipText(v)+"”, so the timeline shows everyone.")
		} else {
			p.Guest, p.guestName = id, g.Name
		}
	}
	if v := strings.TrimSpace(q.Get("guest_q")); v != "" {
		found, err := s.findGuest(c.Request().Context(), v)
		if err != nil {
			return p, gs, nil, err
		}
		switch {
		case found.ID != 0:
			p.Guest, p.guestName = found.ID, found.Name
		case len(found.hits) == 0:
			gs.query = v
			notices = append(notices, "No guest’s name matches “"+clipText(v)+"”.")
		default:
			gs = guestSearch{query: v, hits: found.hits, more: found.more}
		}
	}
	if v := strings.TrimSpace(q.Get("kind")); v != "" {
		if knownKind(domain.EventKind(v)) {
			p.Kind = domain.EventKind(v)
		} else {
			notices = append(notices, "“"+clipText(v)+"” is not a kind of event, so the timeline shows every kind.")
		}
	}
	for _, f := range []struct {
		name, what string
		to         *calDay
	}{{"from", "start", &p.From}, {"to", "end", &p.To}, {"day", "pictures'", &p.Day}} {
		v := strings.TrimSpace(q.Get(f.name))
		if v == "" {
			continue
		}
		if d, ok := parseCalDay(v); ok {
			*f.to = d
		} else {
			notices = append(notices, "“"+clipText(v)+"” is not a date (use a date such as 2024-05-03), so the "+f.what+" date is ignored.")
		}
	}
	if !p.From.IsZero() && !p.To.IsZero() && p.To.before(p.From) {
		p.From, p.To = p.To, p.From
		notices = append(notices, "The start date was after the end date, so they were swapped: from "+p.From.String()+" to "+p.To.String()+".")
	}
	switch strings.ToLower(strings.TrimSpace(q.Get("anomalies"))) {
	case "1", "true", "on", "yes":
		p.Anomalies = true
	}
	return p, gs, notices, nil
}

// foundGuest is the guest a search names (ID 0: none or several), or the first
// of the several it matched.
type foundGuest struct {
	db.Guest
	hits []db.Guest
	more bool
}

// findGuest searches the guests by name: one match, or one whose whole name it
// is, names a guest; otherwise the first few matches are offered. Only a search
// reads the guests, never the page itself.
func (s *Server) findGuest(ctx context.Context, query string) (foundGuest, error) {
	all, err := s.db.Guests(ctx, query, guestSearchMax+1)
	if err != nil {
		return foundGuest{}, err
	}
	var hits []db.Guest
	for _, g := range all {
		if strings.Contains(strings.ToLower(g.Name), strings.ToLower(query)) {
			hits = append(hits, g) // a match by name, not by the guest's note
		}
	}
	if len(hits) == 1 {
		return foundGuest{Guest: hits[0]}, nil
	}
	var exact []db.Guest
	for _, g := range hits {
		if strings.EqualFold(strings.TrimSpace(g.Name), query) {
			exact = append(exact, g)
		}
	}
	if len(exact) == 1 {
		return foundGuest{Guest: exact[0]}, nil
	}
	more := len(all) > guestSearchMax
	return foundGuest{hits: hits[:min(len(hits), guestSearchMax)], more: more}, nil
}

// clipText keeps what a notice repeats from a URL short.
func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// eventCursor reads "UNIX.ID", the key of the last event a page showed.
func eventCursor(s string) (*db.EventKey, bool) {
	at, id, ok := strings.Cut(s, ".")
	if !ok {
		return nil, false
	}
	sec, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 || sec < 0 || sec > 1<<40 {
		return nil, false
	}
	return &db.EventKey{OccurredAt: time.Unix(sec, 0).UTC(), ID: n}, true
}

func cursorOf(e db.TimelineEvent) string {
	return strconv.FormatInt(e.OccurredAt.Unix(), 10) + "." + strconv.FormatInt(e.ID, 10)
}

// positiveID reads an event id parameter; false when absent or malformed.
func positiveID(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= 0
}

// timelineZones is where each lock is, for reading dates and showing times.
type timelineZones struct {
	locks map[int64]db.TimelineLock
	loc   map[int64]*time.Location
	mixed bool // the locks are not all in one zone
	first *time.Location
	name  string // the one zone's name when not mixed
}

// timelineZonesTTL is how long the locks' zones are reused while this process
// writes nothing (cached): a lock renamed or moved by another process
// sharing the file shows within it, this process's own changes at once.
const timelineZonesTTL = 5 * time.Second

// cachedTimelineZones is newTimelineZones, read once per write generation: a
// timeline request does not read every lock and load their zones again. The
// value is shared: its maps and slice are never changed.
func cachedTimelineZones(ctx context.Context, store Store) (timelineZones, []db.TimelineLock, error) {
	type zonesAndLocks struct {
		z   timelineZones
		all []db.TimelineLock
	}
	v, err := cached(store, "web:timeline-zones", timelineZonesTTL, func() (zonesAndLocks, error) {
		z, all, err := newTimelineZones(ctx, store)
		return zonesAndLocks{z, all}, err
	})
	return v.z, v.all, err
}

func newTimelineZones(ctx context.Context, store Store) (timelineZones, []db.TimelineLock, error) {
	all, err := store.TimelineLocks(ctx)
	if err != nil {
		return timelineZones{}, nil, err
	}
	return zonesOf(all), all, nil
}

// zonesOf is where each of locks is; the first lock's zone is the one zone
// when they share it.
func zonesOf(locks []db.TimelineLock) timelineZones {
	z := timelineZones{locks: make(map[int64]db.TimelineLock, len(locks)), loc: make(map[int64]*time.Location, len(locks)),
		first: time.UTC, name: "UTC"}
	for i, l := range locks {
		z.locks[l.ID] = l
		z.loc[l.ID] = domain.ZoneOf(l.TimeZone)
		if i == 0 {
			z.first, z.name = z.loc[l.ID], l.TimeZone
		} else if l.TimeZone != locks[0].TimeZone {
			z.mixed = true
		}
	}
	return z
}

// of is a lock's zone; UTC for a lock not known.
func (z timelineZones) of(lockID int64) *time.Location {
	if l, ok := z.loc[lockID]; ok {
		return l
	}
	return time.UTC
}

// dateZone is the zone dates of p are read in, and its name; per lock (nil)
// when the locks' zones differ and p names none.
func (z timelineZones) dateZone(p timelineParams) (*time.Location, string) {
	if p.Lock != 0 {
		return z.of(p.Lock), z.locks[p.Lock].TimeZone
	}
	if z.mixed {
		return nil, "each lock's own zone"
	}
	return z.first, z.name
}

// filter is the store's filter for p: dates become instants in each lock's zone.
func (z timelineZones) filter(p timelineParams) db.TimelineFilter {
	f := db.TimelineFilter{LockID: p.Lock, GuestID: p.Guest, Kind: p.Kind, Anomalies: p.Anomalies}
	if p.From.IsZero() && p.To.IsZero() {
		return f
	}
	span := func(loc *time.Location) db.TimeSpan {
		var s db.TimeSpan
		if !p.From.IsZero() {
			s.From = p.From.start(loc)
		}
		if !p.To.IsZero() {
			s.To = p.To.addDays(1).start(loc)
		}
		return s
	}
	if loc, _ := z.dateZone(p); loc != nil {
		f.Span = span(loc)
		return f
	}
	f.PerLock = map[int64]db.TimeSpan{}
	for id, loc := range z.loc {
		s := span(loc)
		f.PerLock[id] = s
		if f.Span.From.IsZero() || (!s.From.IsZero() && s.From.Before(f.Span.From)) {
			f.Span.From = s.From
		}
		if f.Span.To.IsZero() || s.To.After(f.Span.To) {
			f.Span.To = s.To
		}
	}
	return f
}
