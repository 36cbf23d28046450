package web

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// The timeline: every event pulled from the locks, newest first, by day, with
// filters kept in the URL (timeline_filter.go), "load more" pages by (time, id),
// live updates by polling (below), pictures (timeline_svg.go) and a CSV export
// of exactly the filtered list (timeline_csv.go). The lock and guest pages embed
// the same list, filtered to themselves (timelineEmbed).

// timelinePageSize is how many events a page of the list holds.
const timelinePageSize = 50

// timelineLiveMax bounds one live update; more wait for the next poll.
const timelineLiveMax = 200

// timelineGuestChoices is how many guests of the events shown the guest filter
// offers besides a search.
const timelineGuestChoices = 12

// timelineView turns events into rows for one request.
type timelineView struct {
	zones  timelineZones
	now    time.Time
	names  map[int64]db.CodeName
	p      timelineParams
	search guestSearch
	guests []views.TimelineOption // guests of the first page's events, newest first
}

// timelineRequest reads a timeline request's zones and filters.
func (s *Server) timelineRequest(c echo.Context) (*timelineView, []db.TimelineLock, []string, error) {
	ctx := c.Request().Context()
	z, all, err := cachedTimelineZones(ctx, s.db)
	if err != nil {
		return nil, nil, nil, err
	}
	p, gs, notices, err := s.readTimelineParams(c, z.locks)
	if err != nil {
		return nil, nil, nil, err
	}
	return &timelineView{zones: z, now: s.db.Now(), names: map[int64]db.CodeName{}, p: p, search: gs}, all, notices, nil
}

// noteGuests keeps the guests the events name (their codes' names are loaded),
// for the guest filter's short list: no guest is read for it.
func (v *timelineView) noteGuests(events []db.TimelineEvent) {
	for _, e := range events {
		n, ok := v.names[e.CodeID]
		if len(v.guests) == timelineGuestChoices {
			return
		}
		if !ok || e.CodeID == 0 || n.GuestID == 0 || n.GuestID == v.p.Guest || n.GuestName == "" {
			continue
		}
		id := strconv.FormatInt(n.GuestID, 10)
		if !slices.ContainsFunc(v.guests, func(o views.TimelineOption) bool { return o.Value == id }) {
			v.guests = append(v.guests, views.TimelineOption{Value: id, Label: n.GuestName})
		}
	}
}

// loadNames fetches who the codes of events are for, those not known yet.
func (v *timelineView) loadNames(ctx context.Context, store Store, events []db.TimelineEvent) error {
	var ids []int64
	for _, e := range events {
		if _, ok := v.names[e.CodeID]; e.CodeID != 0 && !ok && !slices.Contains(ids, e.CodeID) {
			ids = append(ids, e.CodeID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := store.CodeNames(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		v.names[id] = names[id] // unknown ids stay as zero names: not asked again
	}
	return nil
}

// timelineFacts is everything the list and the CSV say about an event.
type timelineFacts struct {
	e        db.TimelineEvent
	local    time.Time
	day      calDay
	zone     string // IANA name
	lock     string
	words    string
	tone     string
	who      string // the guest, or the code's label
	guestID  int64
	code     string // the code's label
	anomaly  string
	flagTone string
}

// facts works out what to say about an event: local time and day, lock, words.
func (v *timelineView) facts(e db.TimelineEvent) timelineFacts {
	f := v.said(e)
	f.local = e.OccurredAt.In(v.zones.of(e.LockID))
	f.day = calDayOf(f.local)
	return f
}

// said is facts but for the local time and day, which the CSV works out from
// its per-lock caches: the lock, its zone, who, the words and the flag.
func (v *timelineView) said(e db.TimelineEvent) timelineFacts {
	lock := v.zones.locks[e.LockID]
	f := timelineFacts{e: e, zone: lock.TimeZone, lock: lock.Name}
	if f.lock == "" {
		f.lock = "Lock " + strconv.FormatInt(e.LockID, 10)
	}
	if f.zone == "" {
		f.zone = "UTC"
	}
	if n, ok := v.names[e.CodeID]; ok && e.CodeID != 0 {
		f.code, f.who, f.guestID = n.Label, n.Label, n.GuestID
		if n.GuestName != "" {
			f.who = n.GuestName // the guest's name now, not as it was when the code was made
		}
	}
	if f.guestID == 0 {
		f.guestID = e.GuestID
	}
	f.words, f.tone = eventWords(e.Event, f.who)
	f.anomaly, f.flagTone = anomalyWords(e)
	if f.flagTone != "" {
		f.tone = f.flagTone
	}
	return f
}

// methodNames are the methods worth showing beside the words.
var methodNames = map[domain.Method]string{
	domain.MethodKeypad: "keypad", domain.MethodApp: "app", domain.MethodManual: "by hand", domain.MethodAutomatic: "automatic",
	domain.MethodFingerprint: "fingerprint", domain.MethodKey: "key",
}

// row is an event's row in the list.
func (v *timelineView) row(f timelineFacts) views.TimelineRow {
	r := views.TimelineRow{ID: f.e.ID, Time: f.local.Format("15:04"), ZoneName: f.zone,
		ISO: f.e.OccurredAt.UTC().Format(time.RFC3339), Words: f.words, Kind: f.e.Kind, Tone: f.tone,
		Method: methodNames[f.e.Method], Who: f.who, Anomaly: f.anomaly}
	if m := r.Method; m != "" && strings.Contains(strings.ToLower(f.words), m[:min(4, len(m))]) {
		r.Method = "" // "Locked automatically" says it already
	}
	if v.zones.mixed && v.p.Lock == 0 {
		r.Zone = f.local.Format("MST")
	}
	if v.p.Lock == 0 && len(v.zones.locks) > 1 {
		r.Lock, r.LockURL = f.lock, paths.Lock(f.e.LockID)
	}
	switch {
	case f.guestID != 0:
		r.WhoURL = paths.Guest(f.guestID)
	case f.e.CodeID != 0:
		r.WhoURL = paths.Lock(f.e.LockID) // the code's row is on its lock's page
	}
	return r
}

// dayLabel names a day for its heading, relative to today in its zone. When
// the list mixes zones, "today" differs between doors (an hour after midnight
// in Berlin it is still yesterday evening in New York, and the list showed two
// "Yesterday" headings for two dates), so the headings say only the date.
func (v *timelineView) dayLabel(d calDay, loc *time.Location) string {
	today := calDayOf(v.now.In(loc))
	relative := !(v.zones.mixed && v.p.Lock == 0)
	switch {
	case relative && d == today:
		return "Today · " + d.format("Monday 2 January")
	case relative && d == today.addDays(-1):
		return "Yesterday · " + d.format("Monday 2 January")
	}
	if d.t.Year() != today.t.Year() {
		return d.format("Monday 2 January 2006")
	}
	return d.format("Monday 2 January")
}

// days groups events (newest first) by their local day. A day equal to after
// (the day of the row above, on a "load more" page) continues without a heading.
func (v *timelineView) days(events []db.TimelineEvent, after string) []views.TimelineDay {
	var out []views.TimelineDay
	for _, e := range events {
		f := v.facts(e)
		key := f.day.String()
		switch {
		case len(out) > 0 && out[len(out)-1].Key == key:
		case len(out) == 0 && key == after:
			out = append(out, views.TimelineDay{Key: key, Continued: true})
		default:
			out = append(out, views.TimelineDay{Key: key, HeadID: "day-" + strconv.FormatInt(e.ID, 10),
				Label: v.dayLabel(f.day, v.zones.of(e.LockID))})
		}
		out[len(out)-1].Rows = append(out[len(out)-1].Rows, v.row(f))
	}
	return out
}

// timelineFirstTTL is how long a first page is reused while this process
// writes nothing (cached: any commit here, an event stored included, ends
// it). Events another process stores show within it, and the live poll, which
// asks for events after the page's newest id, misses none of them.
const timelineFirstTTL = 2 * time.Second

// timelineList is a page of the list after before (nil: the first page, the one
// every visit and every filter change asks for, reused as timelineFirstTTL says).
func (s *Server) timelineList(ctx context.Context, v *timelineView, before *db.EventKey, asOf int64) (views.TimelineList, error) {
	if before != nil {
		return s.readTimelineList(ctx, v, before, asOf)
	}
	type firstPage struct {
		list   views.TimelineList
		guests []views.TimelineOption
	}
	fp, err := cached(s.db, "web:timeline-first:"+v.p.url(paths.Timeline), timelineFirstTTL, func() (firstPage, error) {
		l, err := s.readTimelineList(ctx, v, nil, 0)
		return firstPage{l, v.guests}, err
	})
	if err != nil {
		return views.TimelineList{}, err
	}
	v.guests = fp.guests // shared with other requests: never changed
	return fp.list, nil
}

// readTimelineList reads and lays out a page of the list.
func (s *Server) readTimelineList(ctx context.Context, v *timelineView, before *db.EventKey, asOf int64) (views.TimelineList, error) {
	f := v.zones.filter(v.p)
	page, err := s.db.Timeline(ctx, f, db.TimelinePageQuery{Before: before, AsOf: asOf, Limit: timelinePageSize})
	if err != nil {
		return views.TimelineList{}, err
	}
	if err := v.loadNames(ctx, s.db, page.Events); err != nil {
		return views.TimelineList{}, err
	}
	v.noteGuests(page.Events)
	l := views.TimelineList{Days: v.days(page.Events, ""), CSVURL: v.p.url(paths.TimelineCSV), Empty: v.emptyText()}
	if loc, name := v.zones.dateZone(v.p); loc != nil {
		l.ZoneNote = "Times in " + name + "."
	} else {
		l.ZoneNote = "Times in each lock's own zone."
	}
	v.paging(&l, page)
	if before == nil {
		l.PollURL = v.pollURL(page.AsOf, l.Days)
	} else {
		l.NewerURL = v.p.url(paths.Timeline)
	}
	return l, nil
}

// emptyText is what an empty list says: nothing yet, or nothing matches.
func (v *timelineView) emptyText() string {
	if v.p == (timelineParams{Day: v.p.Day}) {
		return "Nothing has happened yet. Unlocks, wrong codes and code changes appear here as the locks report them."
	}
	return "No events match these filters."
}

// paging sets the list's "load more" after a page.
func (v *timelineView) paging(l *views.TimelineList, page db.TimelinePage) {
	if !page.More || len(page.Events) == 0 {
		return
	}
	last := page.Events[len(page.Events)-1]
	cur, asOf := cursorOf(last), strconv.FormatInt(page.AsOf, 10)
	day := v.facts(last).day.String()
	l.MoreURL = v.p.url(paths.TimelineMore, "before", cur, "asof", asOf, "after", day)
	l.MoreHref = v.p.url(paths.Timeline, "before", cur, "asof", asOf)
}

// pollURL asks for events after since; top and head name the list's first day
// and its heading, which new rows of the same day take over.
func (v *timelineView) pollURL(since int64, days []views.TimelineDay) string {
	extra := []string{"since", strconv.FormatInt(since, 10)}
	if len(days) > 0 {
		extra = append(extra, "top", days[0].Key, "head", days[0].HeadID)
	} else {
		extra = append(extra, "empty", "1")
	}
	return v.p.url(paths.TimelineNew, extra...)
}

// timelinePage is /timeline: the whole page, or for the filter form (htmx) the
// part below it.
func (s *Server) timelinePage(c echo.Context) error {
	ctx := c.Request().Context()
	v, all, notices, err := s.timelineRequest(c)
	if err != nil {
		return err
	}
	var before *db.EventKey
	var asOf int64
	if cur := c.QueryParam("before"); cur != "" {
		k, ok1 := eventCursor(cur)
		a, ok2 := positiveID(c.QueryParam("asof"))
		if ok1 && ok2 {
			before, asOf = k, a
		} else {
			notices = append(notices, "That link to an older page of the timeline could not be read, so it shows the newest events.")
		}
	}
	list, err := s.timelineList(ctx, v, before, asOf)
	if err != nil {
		return err
	}
	p := views.TimelinePage{Page: s.page(c, "Timeline", views.SectionTimeline), Notices: notices, List: list,
		Form: v.form(all), Hits: v.guestHits(), Pictures: v.picturesPlaceholder(all)}
	h := c.Response().Header()
	h.Set("Vary", "HX-Request")
	h.Set("Cache-Control", "no-store")
	if isHTMX(c) && c.Request().Header.Get("HX-History-Restore-Request") != "true" {
		h.Set("HX-Push-Url", v.p.pageURL()) // the canonical URL, not the form's empty fields
		return render(c, http.StatusOK, views.TimelineSwap(p))
	}
	return render(c, http.StatusOK, views.Timeline(p))
}

// guestHits offers the guests a search matched, each as the timeline filtered
// to them.
func (v *timelineView) guestHits() views.TimelineGuestHits {
	h := views.TimelineGuestHits{Query: v.search.query, More: v.search.more}
	for _, g := range v.search.hits {
		p := v.p
		p.Guest = g.ID
		h.Choices = append(h.Choices, views.TimelineOption{Value: p.pageURL(), Label: g.Name})
	}
	return h
}

// form fills the filters' choices. Its cost does not grow with the guests: the
// guest filter lists the chosen guest and those of the events shown, and finds
// anyone else by a search.
func (v *timelineView) form(all []db.TimelineLock) views.TimelineForm {
	f := views.TimelineForm{From: dateText(v.p.From), To: dateText(v.p.To), Anomalies: v.p.Anomalies}
	_, f.DateZone = v.zones.dateZone(v.p)
	f.Locks = []views.TimelineOption{{Value: "", Label: "Every lock"}}
	for _, l := range all {
		label := l.Name
		if l.Removed {
			label += " (removed)"
		}
		f.Locks = append(f.Locks, views.TimelineOption{Value: strconv.FormatInt(l.ID, 10), Label: label, Selected: l.ID == v.p.Lock})
	}
	f.Guest = views.TimelineGuestField{Options: []views.TimelineOption{{Value: "", Label: "Everyone"}},
		Recent: v.guests, Query: v.search.query}
	if v.p.Guest != 0 {
		f.Guest.Options = append(f.Guest.Options, views.TimelineOption{Value: strconv.FormatInt(v.p.Guest, 10),
			Label: v.p.guestName, Selected: true})
	}
	keep := v.p.values()
	if !v.p.Day.IsZero() {
		keep.Set("day", v.p.Day.String())
	}
	for _, name := range slices.Sorted(maps.Keys(keep)) {
		f.Guest.Keep = append(f.Guest.Keep, views.TimelineOption{Label: name, Value: keep.Get(name)})
	}
	f.Kinds = []views.TimelineOption{{Value: "", Label: "Everything"}}
	for _, k := range timelineKinds {
		f.Kinds = append(f.Kinds, views.TimelineOption{Value: string(k.kind), Label: k.label, Selected: k.kind == v.p.Kind})
	}
	return f
}

func dateText(d calDay) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// timelineMore is "load more": the next page's rows and the next "load more".
func (s *Server) timelineMore(c echo.Context) error {
	ctx := c.Request().Context()
	v, _, _, err := s.timelineRequest(c)
	if err != nil {
		return err
	}
	before, ok1 := eventCursor(c.QueryParam("before"))
	asOf, ok2 := positiveID(c.QueryParam("asof"))
	if !ok1 || !ok2 || asOf == 0 {
		return &appError{Status: http.StatusBadRequest, Title: "Bad request",
			Message: "That page of the timeline could not be read. Reload the timeline to start again from the newest events."}
	}
	page, err := s.db.Timeline(ctx, v.zones.filter(v.p), db.TimelinePageQuery{Before: before, AsOf: asOf, Limit: timelinePageSize})
	if err != nil {
		return err
	}
	if err := v.loadNames(ctx, s.db, page.Events); err != nil {
		return err
	}
	var l views.TimelineList
	v.paging(&l, page)
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.TimelineMoreRows(v.days(page.Events, c.QueryParam("after")), l.MoreURL, l.MoreHref))
}

// Live updates are polled: the list asks every 5 seconds for the events stored
// since the newest it knows (by id, so a lock that delivers hours-old events late
// is caught too). Nothing new is a 204, which htmx leaves alone.
func (s *Server) timelineNew(c echo.Context) error {
	ctx := c.Request().Context()
	v, _, _, err := s.timelineRequest(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	since, ok := positiveID(c.QueryParam("since"))
	if !ok {
		// A garbled poll starts again from now rather than failing every 5 seconds.
		top, err := s.db.NewestEventID(ctx)
		if err != nil {
			return err
		}
		return render(c, http.StatusOK, views.TimelinePoller(v.pollURLFrom(c, top, "", "")))
	}
	events, next, err := s.db.TimelineSince(ctx, v.zones.filter(v.p), since, timelineLiveMax)
	if err != nil {
		return err
	}
	if next == since {
		return c.NoContent(http.StatusNoContent)
	}
	top, head := c.QueryParam("top"), c.QueryParam("head")
	if len(events) == 0 {
		return render(c, http.StatusOK, views.TimelinePoller(v.pollURLFrom(c, next, top, head)))
	}
	if err := v.loadNames(ctx, s.db, events); err != nil {
		return err
	}
	slices.SortFunc(events, func(a, b db.TimelineEvent) int {
		if c := b.OccurredAt.Compare(a.OccurredAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	days := v.days(events, "")
	var remove []string
	if last := days[len(days)-1]; last.Key == top && validHeadID(head) {
		remove = append(remove, head) // the new rows' heading now heads that day
	}
	if c.QueryParam("empty") == "1" {
		remove = append(remove, "tl-empty")
	}
	return render(c, http.StatusOK, views.TimelineNews(v.pollURL(next, days), days, remove))
}

// pollURLFrom is the next poll after since, keeping the list's top day.
func (v *timelineView) pollURLFrom(c echo.Context, since int64, top, head string) string {
	extra := []string{"since", strconv.FormatInt(since, 10)}
	if top != "" && validHeadID(head) {
		extra = append(extra, "top", top, "head", head)
	} else if c.QueryParam("empty") == "1" {
		extra = append(extra, "empty", "1")
	}
	return v.p.url(paths.TimelineNew, extra...)
}

// validHeadID accepts only the ids days() makes, since it is put back into a page.
func validHeadID(s string) bool {
	rest, ok := strings.CutPrefix(s, "day-")
	n, err := strconv.ParseInt(rest, 10, 64)
	return ok && err == nil && n > 0
}

// timelineEmbed is a lock's or guest's own timeline for its page: the first
// page of the list filtered to it, with "load more" and live updates.
func (s *Server) timelineEmbed(c echo.Context, p timelineParams, title, empty string) (views.TimelineEmbed, error) {
	ctx := c.Request().Context()
	z, _, err := cachedTimelineZones(ctx, s.db)
	if err != nil {
		return views.TimelineEmbed{}, err
	}
	v := &timelineView{zones: z, now: s.db.Now(), names: map[int64]db.CodeName{}, p: p}
	list, err := s.timelineList(ctx, v, nil, 0)
	if err != nil {
		return views.TimelineEmbed{}, err
	}
	list.CSVURL = "" // the full timeline has it
	if len(list.Days) == 0 {
		list.Empty = empty
	}
	return views.TimelineEmbed{Title: title, OpenURL: p.url(paths.Timeline), List: list}, nil
}

// guestTimeline is a guest's own timeline, for the guest's page.
func (s *Server) guestTimeline(c echo.Context, guestID int64) (views.TimelineEmbed, error) {
	return s.timelineEmbed(c, timelineParams{Guest: guestID}, "Events",
		"Nothing has happened with this guest's codes yet. When they use a code at a door, it appears here.")
}
