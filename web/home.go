package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
)

// The home page: who arrives today and how far they got with their link, who is
// in, which locks need the owner, and what stood out lately. It is the page an
// owner opens most, so it reads through db.Home: three prepared queries over
// indexes whatever the history's size, none when there is no lock (a cached
// answer), and the same answer again for a moment while nothing is written.

// homeAnomalies is how many recent anomalies the home shows; homeAnomalyDays
// how far back it looks for them.
const (
	homeAnomalies   = 8
	homeAnomalyDays = 7
)

func (s *Server) home(c echo.Context) error {
	a, _ := currentAuth(c)
	if a.owner.Pending() {
		return render(c, http.StatusOK, views.Waiting(s.page(c, "Waiting for approval", views.SectionHome)))
	}
	p := views.HomePage{Page: s.page(c, "Home", views.SectionHome)}
	changes, err := s.changesView(c, a.owner)
	if err != nil {
		return err
	}
	p.Changes = changes
	if err := s.restoredView(c, a.owner, &p); err != nil {
		return err
	}
	data, err := s.db.Home(c.Request().Context(), homeAnomalyDays, homeAnomalies)
	if err != nil {
		return err
	}
	if len(data.Locks) == 0 {
		p.NoLocks = true
		return render(c, http.StatusOK, views.Home(p))
	}
	h := homeView{now: data.Now, zones: homeZones(data.Locks), days: map[*time.Location][2]time.Time{}}
	if h.zones.mixed {
		p.ZoneNote = "Your locks are in different time zones: “today” and every time below are in each door's own zone."
	}
	p.Locks = len(data.Locks)
	p.Attention = h.attention(data.Locks)
	p.Arrivals, p.In, p.Permanent = h.accesses(data.Codes)
	p.NoGuests = !data.AnyGuest
	p.Anomalies = h.anomalies(data.Anomalies)
	return render(c, http.StatusOK, views.Home(p))
}

// homeView builds the home's sections for one request.
type homeView struct {
	now   time.Time
	zones timelineZones                   // the locks' names and zones, as the timeline has them
	days  map[*time.Location][2]time.Time // today's start and end in each zone, as worked out
}

// homeZones is where the home's locks are, as the timeline reads them.
func homeZones(locks []db.HomeLock) timelineZones {
	tl := make([]db.TimelineLock, len(locks))
	for i, l := range locks {
		tl[i] = db.TimelineLock{ID: l.ID, Name: l.Name, TimeZone: l.TimeZone}
	}
	return zonesOf(tl)
}

// lockName is a lock's name; "" for one not listed.
func (h homeView) lockName(id int64) string { return h.zones.locks[id].Name }

// zone is a lock's zone; UTC for one not listed.
func (h homeView) zone(lockID int64) *time.Location { return h.zones.of(lockID) }

// today is the span of today in loc, from its first instant to the next day's.
func (h homeView) today(loc *time.Location) (time.Time, time.Time) {
	span, ok := h.days[loc]
	if !ok {
		d := calDayOf(h.now.In(loc))
		span = [2]time.Time{d.start(loc), d.addDays(1).start(loc)}
		h.days[loc] = span
	}
	return span[0], span[1]
}

// attention lists the locks that need their owner: offline first, then those
// whose codes should have left them, then the rest, each with its reasons.
func (h homeView) attention(locks []db.HomeLock) []views.HomeAttention {
	var bad, warn []views.HomeAttention
	for _, l := range locks {
		a := views.HomeAttention{LockID: l.ID, Lock: l.Name}
		if !l.Online {
			a.Bad = true
			a.Reasons = append(a.Reasons, "offline since "+domain.InZone(l.OfflineSince, h.zone(l.ID)))
		}
		a.Reasons = append(a.Reasons, attention(l.Lock, l.Counts, l.Unmanaged, h.now)...)
		if len(a.Reasons) == 0 {
			continue
		}
		if a.Bad || l.Counts.Overdue > 0 {
			a.Bad = true
			bad = append(bad, a)
		} else {
			warn = append(warn, a)
		}
	}
	return append(bad, warn...)
}

// homeAccess is one access's codes among those HomeCodes listed: the first
// (with the access's guest and link) and all of them.
type homeAccess struct {
	head  db.HomeCode
	codes []db.AccessCode
}

// accesses sorts the live codes into today's arrivals (a window opening today
// in its lock's zone), who is in (a window open now) and the permanent codes.
func (h homeView) accesses(codes []db.HomeCode) ([]views.HomeArrival, []views.HomeStay, string) {
	var order []int64
	byAccess := map[int64]*homeAccess{}
	for _, k := range codes {
		a := byAccess[k.AccessID]
		if a == nil {
			a = &homeAccess{head: k}
			byAccess[k.AccessID] = a
			order = append(order, k.AccessID)
		}
		a.codes = append(a.codes, k.AccessCode)
	}
	var arrivals []views.HomeArrival
	var in []views.HomeStay
	var permanent []string
	for _, id := range order {
		a := byAccess[id]
		first := a.head
		loc := h.zone(first.LockID)
		switch {
		case first.Permanent():
			permanent = append(permanent, first.GuestName)
			continue
		case h.opensToday(a):
			arrivals = append(arrivals, h.arrival(a, loc))
		}
		if !first.StartsAt.After(h.now) && (first.EndsAt.IsZero() || h.now.Before(first.EndsAt)) {
			in = append(in, h.stay(a, loc))
		}
	}
	note := ""
	if len(permanent) > 0 {
		note = plural(len(permanent), "permanent code", "permanent codes") + " can also open doors at any time: " +
			strings.Join(permanent, ", ") + "."
	}
	return arrivals, in, note
}

// opensToday reports whether one of a's codes has its window open today in its
// lock's zone.
func (h homeView) opensToday(a *homeAccess) bool {
	for _, k := range a.codes {
		if k.StartsAt.IsZero() {
			continue
		}
		from, to := h.today(h.zone(k.LockID))
		if !k.StartsAt.Before(from) && k.StartsAt.Before(to) {
			return true
		}
	}
	return false
}

func (h homeView) arrival(a *homeAccess, loc *time.Location) views.HomeArrival {
	first := a.head
	out := views.HomeArrival{AccessID: first.AccessID, GuestID: first.GuestID, Guest: first.GuestName,
		Window: domain.WindowText(first.StartsAt, first.EndsAt, loc), Zone: loc.String()}
	for _, k := range a.codes {
		out.Doors = append(out.Doors, doorCode(k, h.lockName(k.LockID), loc, h.now))
	}
	var links []db.ShareLink
	if first.Link.ID != 0 {
		links = []db.ShareLink{first.Link}
	}
	out.Steps = receipt(links, firstUse(a.codes), loc)
	out.LinkKind, out.LinkLabel = linkChip(first.Link, h.now)
	return out
}

// linkChip says how far the guest got with their share link.
func linkChip(l db.ShareLink, now time.Time) (string, string) {
	switch {
	case l.ID == 0:
		return "muted", "no link"
	case !l.RevealedAt.IsZero():
		return "ok", "code revealed"
	case !l.RevokedAt.IsZero():
		return "muted", "link cancelled"
	case !l.LockedAt.IsZero():
		return "bad", "link locked: wrong passphrases"
	case !now.Before(l.ExpiresAt) && l.FirstOpenedAt.IsZero():
		return "warn", "link expired unopened"
	case !now.Before(l.ExpiresAt):
		return "warn", "link expired, code not revealed"
	case !l.FirstOpenedAt.IsZero():
		return "info", "link opened, code not revealed"
	}
	return "muted", "link sent, not opened"
}

func (h homeView) stay(a *homeAccess, loc *time.Location) views.HomeStay {
	first := a.head
	out := views.HomeStay{GuestID: first.GuestID, Guest: first.GuestName, Arrived: "not at the door yet"}
	var doors []string
	for _, k := range a.codes {
		doors = append(doors, h.lockName(k.LockID))
	}
	out.Doors = strings.Join(doors, ", ")
	out.Until = "until " + domain.InZone(first.EndsAt, loc)
	if used := firstUse(a.codes); !used.IsZero() {
		out.Arrived, out.Used = "first used "+domain.InZone(used, loc), true
	}
	return out
}

// anomalies are the recent anomalies as the timeline shows them, by day.
func (h homeView) anomalies(events []db.HomeAnomaly) []views.TimelineDay {
	if len(events) == 0 {
		return nil
	}
	v := &timelineView{zones: h.zones, now: h.now, names: map[int64]db.CodeName{}}
	tes := make([]db.TimelineEvent, 0, len(events))
	for _, e := range events {
		if e.CodeID != 0 {
			v.names[e.CodeID] = db.CodeName{CodeID: e.CodeID, LockID: e.LockID, Label: e.CodeLabel, GuestID: e.GuestID, GuestName: e.GuestName}
		}
		tes = append(tes, e.TimelineEvent)
	}
	days := v.days(tes, "")
	for i := range days {
		days[i].HeadID = "home-" + strconv.Itoa(i) // not the timeline's ids: this list is not live
	}
	return days
}
