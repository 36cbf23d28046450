package web

import (
	"context"
	"fmt"
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

// The pictures: per lock, a 24-hour strip of the chosen day (events as marks in
// three lanes, entries, refusals and the rest, in 10-minute slots: one mark per
// slot and lane, coloured by its most serious kind, so a busy day stays a few
// hundred marks) and a grid of the 30 days up to it,
// shaded by how much happened, with a warning dot for wrong codes. Days are the
// lock's own: 23 or 25 hours long across a DST change, and the strip's hours are
// placed where they fall. Every mark and cell links into the list filtered to it.

const (
	stripWidth      = 720.0
	stripSlot       = 10 * time.Minute
	busySlot        = 30 * time.Minute // on days with more than busyDay events
	busyDay         = 300
	gridDays        = 30
	gridCell        = 18.0
	gridGap         = 4.0
	maxPictureLocks = 12
)

// stripLanes are the strip's rows: entries, refusals, everything else.
var stripLanes = []struct {
	y     float64
	label string
}{{8, "Entries"}, {22, "Refused"}, {36, "Lock and codes"}}

func laneOf(kind domain.EventKind) int {
	switch kind {
	case domain.EventUnlocked, domain.EventLocked:
		return 0
	case domain.EventDenied, domain.EventSafeMode:
		return 1
	}
	return 2
}

// kindLabel is a kind's name in the filter's words.
func kindLabel(kind domain.EventKind) string {
	for _, k := range timelineKinds {
		if k.kind == kind {
			return k.label
		}
	}
	return string(kind)
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// picturesPlaceholder is where the placeholder loads the pictures from.
func (v *timelineView) picturesPlaceholder(all []db.TimelineLock) views.DayLink {
	if len(all) == 0 {
		return views.DayLink{}
	}
	u := v.p.url(paths.TimelinePictures)
	if !v.p.Day.IsZero() {
		u = v.p.url(paths.TimelinePictures, "day", v.p.Day.String())
	}
	return views.DayLink{Get: u, Push: u}
}

// timelinePictures answers the placeholder (and the day buttons) with the
// pictures, or without JavaScript a page of them.
func (s *Server) timelinePictures(c echo.Context) error {
	v, all, _, err := s.timelineRequest(c)
	if err != nil {
		return err
	}
	pics, err := s.pictures(c.Request().Context(), v, all)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Vary", "HX-Request")
	if isHTMX(c) {
		return render(c, http.StatusOK, views.ActivityPicturesCard(pics))
	}
	return render(c, http.StatusOK, views.PicturesPage(s.page(c, "Activity", views.SectionTimeline), pics, v.p.pageURL()))
}

// pictures draws the chosen day's strip and the 30-day grid of each lock shown.
func (s *Server) pictures(ctx context.Context, v *timelineView, all []db.TimelineLock) (views.ActivityPictures, error) {
	var locks []db.TimelineLock
	shown := 0
	for _, l := range all {
		switch {
		case v.p.Lock != 0 && l.ID != v.p.Lock:
		case v.p.Lock == 0 && l.Removed:
		default:
			shown++
			if len(locks) < maxPictureLocks {
				locks = append(locks, l)
			}
		}
	}
	var out views.ActivityPictures
	if len(locks) == 0 {
		return out, nil
	}
	loc, _ := v.zones.dateZone(v.p)
	if loc == nil {
		loc = v.zones.of(locks[0].ID)
	}
	today := calDayOf(v.now.In(loc))
	day := v.p.Day
	if day.IsZero() || today.before(day) {
		day = today
	}
	out.Day = "on " + day.format("Monday 2 January 2006")
	if day == today {
		out.Day = "today, " + day.format("Monday 2 January")
	}
	link := func(d calDay) views.DayLink {
		p := v.p
		p.Day = d
		return views.DayLink{Get: p.url(paths.TimelinePictures, "day", d.String()), Push: p.pageURL()}
	}
	out.Prev = link(day.addDays(-1))
	if day.before(today) {
		out.Next = link(day.addDays(1))
	}
	bounds := map[int64][]time.Time{}
	for _, l := range locks {
		lz := v.zones.of(l.ID)
		b := make([]time.Time, 0, gridDays+1)
		for i := gridDays - 1; i >= -1; i-- {
			b = append(b, day.addDays(-i).start(lz))
		}
		bounds[l.ID] = b
	}
	counts, err := s.db.DailyCounts(ctx, bounds)
	if err != nil {
		return out, err
	}
	for _, l := range locks {
		lz := v.zones.of(l.ID)
		start, end := day.start(lz), day.addDays(1).start(lz)
		slot := stripSlot
		if c := counts[l.ID]; len(c) == gridDays && c[gridDays-1].Total > busyDay {
			slot = busySlot // a busy day in fewer, wider marks: a few hundred at most
		}
		marks, err := s.db.LockDayMarks(ctx, l.ID, start, end, slot)
		if err != nil {
			return out, err
		}
		out.Locks = append(out.Locks, views.LockPictures{Name: l.Name, Zone: l.TimeZone,
			URL:   timelineParams{Lock: l.ID}.url(paths.Timeline),
			Strip: v.strip(l, day, start, end, slot, marks), Grid: v.grid(l, day, counts[l.ID])})
	}
	if shown > len(locks) {
		out.Note = fmt.Sprintf("Showing %d of %d locks: choose a lock in the filters to see another.", len(locks), shown)
	}
	return out, nil
}

// strip draws one lock's day [start, end) from its marks.
func (v *timelineView) strip(l db.TimelineLock, day calDay, start, end time.Time, slot time.Duration, marks []db.DayMark) views.Strip {
	length := end.Sub(start)
	slots := float64((length + slot - 1) / slot)
	w := stripWidth / slots
	xOf := func(t time.Time) float64 { return float64(t.Sub(start)) / float64(length) * stripWidth }
	s := views.Strip{ViewBox: "0 0 " + num(stripWidth) + " 58", Bottom: "44"}
	total := 0
	for _, m := range marks {
		total += m.Count
	}
	s.Label = fmt.Sprintf("%s on %s: %s", l.Name, day.format("Monday 2 January"), plural(total, "event", "events"))
	for _, lane := range stripLanes {
		s.Lanes = append(s.Lanes, views.StripLane{Y: num(lane.y), Label: lane.label})
	}
	lz := v.zones.of(l.ID)
	y, mo, d := day.t.Date()
	for h := 0; h < 24; h += 3 {
		t := time.Date(y, mo, d, h, 0, 0, 0, lz)
		if t.Before(start) || !t.Before(end) {
			continue
		}
		s.Ticks = append(s.Ticks, views.StripTick{X: num(round1(xOf(t))), Label: t.Format("15:04")})
	}
	if !v.now.Before(start) && v.now.Before(end) {
		s.NowX = num(round1(xOf(v.now)))
	}
	// One mark per slot and lane, in the colour of its most serious kind.
	type group struct {
		slot, lane  int
		marks       []db.DayMark
		count, anom int
		top         db.DayMark
	}
	var groups []*group
	byKey := map[[2]int]*group{}
	for _, m := range marks {
		k := [2]int{m.Slot, laneOf(m.Kind)}
		g := byKey[k]
		if g == nil {
			g = &group{slot: m.Slot, lane: k[1], top: m}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.marks = append(g.marks, m)
		g.count += m.Count
		g.anom += m.Anomalies
		if toneRank(m) > toneRank(g.top) {
			g.top = m
		}
	}
	for _, g := range groups {
		from := start.Add(time.Duration(g.slot) * slot)
		class := "mark mark-" + kindTone(g.top.Kind)
		if g.anom > 0 {
			class += " mark-anomaly"
		}
		slices.SortFunc(g.marks, func(a, b db.DayMark) int { return b.Count - a.Count })
		var what []string
		for _, m := range g.marks {
			what = append(what, fmt.Sprintf("%d × %s", m.Count, kindLabel(m.Kind)))
		}
		title := fmt.Sprintf("%s–%s: %s", from.In(lz).Format("15:04"), from.Add(slot).In(lz).Format("15:04"), strings.Join(what, ", "))
		if g.anom > 0 {
			title += fmt.Sprintf(" (%d unusual)", g.anom)
		}
		link := timelineParams{Lock: l.ID, From: day, To: day, Day: day}
		if len(g.marks) == 1 {
			link.Kind = g.top.Kind
		}
		lane := stripLanes[g.lane]
		s.Marks = append(s.Marks, views.StripMark{X: num(round1(float64(g.slot) * w)), Y: num(lane.y - 5),
			W: num(round1(max(w-0.5, 2))), H: "10", Class: class, Title: title, Href: link.pageURL()})
	}
	return s
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// kindTone is a kind's colour in the pictures, as in the list.
func kindTone(kind domain.EventKind) string {
	_, tone := eventWords(db.Event{Kind: kind}, "")
	return tone
}

func toneRank(m db.DayMark) int {
	r := map[string]int{"muted": 0, "ok": 1, "info": 2, "warn": 3, "bad": 4}[kindTone(m.Kind)]
	if m.Anomalies > 0 {
		r += 5
	}
	return r
}

// grid draws one lock's 30 days up to day from their counts.
func (v *timelineView) grid(l db.TimelineLock, day calDay, counts []db.DayCount) views.Grid {
	step := gridCell + gridGap
	g := views.Grid{ViewBox: "0 0 " + num(gridDays*step-gridGap) + " 34"}
	g.Label = fmt.Sprintf("%s, the %d days to %s", l.Name, gridDays, day.format("2 January"))
	g.Caption = fmt.Sprintf("The %d days to %s", gridDays, day.format("2 January"))
	most := 0
	for _, c := range counts {
		most = max(most, c.Total)
	}
	for i := range gridDays {
		d := day.addDays(i - (gridDays - 1))
		var c db.DayCount
		if i < len(counts) {
			c = counts[i]
		}
		level := 0
		if c.Total > 0 {
			level = 1 + min(3, 3*c.Total/max(most, 1))
		}
		class := "grid-cell grid-lvl" + strconv.Itoa(level)
		if d == day {
			class += " grid-chosen"
		}
		title := fmt.Sprintf("%s: %s", d.format("Mon 2 Jan"), plural(c.Total, "event", "events"))
		if c.Denied > 0 {
			title += ", " + plural(c.Denied, "wrong or refused code", "wrong or refused codes")
		}
		x := float64(i) * step
		cell := views.GridCell{X: num(x), Y: "0", Size: num(gridCell), Class: class, Title: title,
			Href: timelineParams{Lock: l.ID, From: d, To: d, Day: d}.pageURL()}
		if c.Denied > 0 {
			r := 3.0
			if c.Denied >= domain.BurstCount {
				r = 5
			}
			cell.DeniedR, cell.CX, cell.CY = num(r), num(x+gridCell/2), num(gridCell/2)
		}
		g.Cells = append(g.Cells, cell)
		if (gridDays-1-i)%7 == 0 {
			g.Labels = append(g.Labels, views.GridLabel{X: num(x), Y: "31", Text: d.format("2 Jan")})
		}
	}
	return g
}
