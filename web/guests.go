package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// guestListLimit bounds the list; the search finds anyone beyond it.
const guestListLimit = 200

func (s *Server) guestsPage(c echo.Context) error {
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("q"))
	guests, err := s.db.Guests(ctx, q, guestListLimit)
	if err != nil {
		return err
	}
	ids := make([]int64, len(guests))
	for i, g := range guests {
		ids[i] = g.ID
	}
	accesses, err := s.db.AccessesForGuests(ctx, ids)
	if err != nil {
		return err
	}
	now := s.db.Now()
	p := views.GuestsPage{Page: s.page(c, "Guests", views.SectionGuests), Query: q}
	for _, g := range guests {
		row := views.GuestRow{ID: g.ID, Name: g.Name, Note: g.Note}
		row.Active, row.Next = activeSummary(accesses[g.ID], now)
		p.Guests = append(p.Guests, row)
	}
	// The live search swaps only the results; a plain GET gets the whole page.
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "guest-results" {
		return render(c, http.StatusOK, views.GuestResults(p))
	}
	return render(c, http.StatusOK, views.Guests(p))
}

// activeSummary counts the accesses that are on now or later and describes the
// one that is on now, else the next to start.
func activeSummary(accesses []db.Access, now time.Time) (int, string) {
	n := 0
	var next *db.Access
	for i, a := range accesses {
		if !a.RevokedAt.IsZero() || (!a.EndsAt.IsZero() && !now.Before(a.EndsAt)) {
			continue
		}
		n++
		// Running now beats upcoming; among upcoming, the soonest start.
		if next == nil || startKey(a, now).Before(startKey(*next, now)) {
			next = &accesses[i]
		}
	}
	if next == nil {
		return 0, ""
	}
	loc := domain.ZoneOf(next.TimeZone)
	text := domain.WindowText(next.StartsAt, next.EndsAt, loc) + " (" + next.TimeZone + ")"
	switch {
	case next.Permanent():
		text = "Now, with no end date"
	case next.StartsAt.IsZero() || !now.Before(next.StartsAt):
		text = "Now: " + text
	default:
		text = "Next: " + text
	}
	return n, text
}

// startKey orders accesses for "current or next": anything already started
// counts as starting now.
func startKey(a db.Access, now time.Time) time.Time {
	if a.StartsAt.IsZero() || a.StartsAt.Before(now) {
		return now
	}
	return a.StartsAt
}

// guestFromPath loads the URL's guest, or 404.
func (s *Server) guestFromPath(c echo.Context) (db.Guest, error) {
	id, err := pathID(c)
	if err != nil {
		return db.Guest{}, err
	}
	return s.db.Guest(c.Request().Context(), id)
}

func (s *Server) guestPage(c echo.Context) error {
	g, err := s.guestFromPath(c)
	if err != nil {
		return err
	}
	p, err := s.guestView(c, g)
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "saved":
		p.Saved = true
	case "revoked":
		p.Flash = "Access revoked: the link no longer works, and the code is being removed from the doors (see each door's status)."
	case "window":
		p.Flash = "Dates changed: the doors are being updated (see each door's status)."
	}
	// After "Show code" without a fresh passkey, the page asks for one in that
	// access's card; once confirmed, the reload shows the card ready.
	if id, err := strconv.ParseInt(c.QueryParam("confirm"), 10, 64); err == nil {
		for i := range p.Accesses {
			if p.Accesses[i].ID == id {
				p.Accesses[i].Confirm = true
				if p.Fresh.OK {
					p.Accesses[i].Flash = "Confirmed. Press “Show code” to see it."
				}
			}
		}
	}
	return render(c, http.StatusOK, views.Guest(p))
}

// guestView builds a guest's page: details form, and each access with its doors,
// code statuses, receipt chain and links. It never reads a PIN.
func (s *Server) guestView(c echo.Context, g db.Guest) (views.GuestPage, error) {
	ctx := c.Request().Context()
	a, _ := currentAuth(c)
	p := views.GuestPage{Page: s.page(c, g.Name, views.SectionGuests), ID: g.ID, Name: g.Name, Note: g.Note,
		Form: views.GuestForm{Name: g.Name, Note: g.Note}, Fresh: s.fresh(a)}
	accesses, err := s.db.GuestAccesses(ctx, g.ID)
	if err != nil {
		return p, err
	}
	names := lockNames{s: s}
	for _, acc := range accesses {
		card, err := s.accessCard(ctx, acc, &names)
		if err != nil {
			return p, err
		}
		p.Accesses = append(p.Accesses, card)
	}
	p.Timeline, err = s.guestTimeline(c, g.ID)
	return p, err
}

// lockNames caches lock names while one page is built.
type lockNames struct {
	s     *Server
	names map[int64]string
}

func (n *lockNames) name(ctx context.Context, id int64) (string, error) {
	if v, ok := n.names[id]; ok {
		return v, nil
	}
	l, err := n.s.db.Lock(ctx, id)
	if err != nil {
		return "", err
	}
	if n.names == nil {
		n.names = map[int64]string{}
	}
	n.names[id] = l.Name
	return l.Name, nil
}

func (s *Server) accessCard(ctx context.Context, a db.Access, names *lockNames) (views.AccessCard, error) {
	now := s.db.Now()
	loc := domain.ZoneOf(a.TimeZone)
	card := views.AccessCard{ID: a.ID, Window: domain.WindowText(a.StartsAt, a.EndsAt, loc), Zone: a.TimeZone}
	card.StateKind, card.StateLabel, card.Live = accessState(a, now)
	codes, err := s.db.AccessCodes(ctx, a.ID)
	if err != nil {
		return card, err
	}
	links, err := s.db.AccessLinks(ctx, a.ID)
	if err != nil {
		return card, err
	}
	var doors []string
	for _, k := range codes {
		name, err := names.name(ctx, k.LockID)
		if err != nil {
			return card, err
		}
		doors = append(doors, name)
		card.Codes = append(card.Codes, doorCode(k, name, loc, now))
	}
	card.Doors = strings.Join(doors, ", ")
	for _, l := range links {
		card.Links = append(card.Links, linkRow(l, loc, now))
	}
	card.Steps = receipt(links, firstUse(codes), loc)
	card.Dates = windowFormFor(a, loc)
	return card, nil
}

// doorCode is an access's code on one door (named lock), as its card and the
// home's arrivals show it.
func doorCode(k db.AccessCode, lock string, loc *time.Location, now time.Time) views.DoorCode {
	row := codeRow(k, loc, now)
	return views.DoorCode{LockID: k.LockID, Lock: lock, StatusKind: row.StatusKind, StatusLabel: row.StatusLabel,
		Detail: row.Detail, FirstUsed: row.FirstUsed}
}

// firstUse is when an access was first used: the earliest first use of its
// codes, zero while none has been used.
func firstUse(codes []db.AccessCode) time.Time {
	var first time.Time
	for _, k := range codes {
		if !k.FirstUsedAt.IsZero() && (first.IsZero() || k.FirstUsedAt.Before(first)) {
			first = k.FirstUsedAt
		}
	}
	return first
}

// stateChips are each access state's chip: its kind and its words.
var stateChips = map[access.State][2]string{
	access.Replaced: {"muted", "replaced by a new code"}, access.Revoked: {"muted", "revoked"},
	access.Permanent: {"warn", "permanent"}, access.Ended: {"muted", "ended"},
	access.Upcoming: {"info", "upcoming"}, access.Active: {"ok", "active"},
}

// accessState is an access's chip, and whether its actions still apply.
func accessState(a db.Access, now time.Time) (kind, label string, live bool) {
	st := access.StateOf(a, now)
	chip := stateChips[st]
	return chip[0], chip[1], st.Live()
}

// linkRow is a link's receipt: sent, opened (and on what), revealed, and how it
// ended or when it will.
func linkRow(l db.ShareLink, loc *time.Location, now time.Time) views.LinkRow {
	r := views.LinkRow{ID: l.ID, Created: domain.InZone(l.CreatedAt, loc), Passphrase: l.HasPassphrase}
	if !l.FirstOpenedAt.IsZero() {
		r.Opened = domain.InZone(l.FirstOpenedAt, loc)
		if l.OpenedDevice != "" {
			r.Opened += " on " + l.OpenedDevice
		}
	}
	if !l.RevealedAt.IsZero() {
		r.Revealed = domain.InZone(l.RevealedAt, loc)
	}
	switch {
	case !l.RevealedAt.IsZero():
		r.StateKind, r.StateLabel = "ok", "code revealed"
	case !l.RevokedAt.IsZero():
		r.StateKind, r.StateLabel = "muted", "cancelled"
	case !l.LockedAt.IsZero():
		r.StateKind, r.StateLabel = "bad", "locked: wrong passphrases"
	case !now.Before(l.ExpiresAt):
		r.StateKind, r.StateLabel = "muted", "expired"
	default:
		r.StateKind, r.StateLabel = "info", "waiting to be opened"
	}
	switch {
	case !l.RevokedAt.IsZero() && l.RevealedAt.IsZero():
		r.Ends = "cancelled " + domain.InZone(l.RevokedAt, loc)
	case !now.Before(l.ExpiresAt):
		r.Ends = "expired " + domain.InZone(l.ExpiresAt, loc)
	default:
		r.Ends = "expires " + domain.InZone(l.ExpiresAt, loc)
	}
	return r
}

// receipt is the chain "sent, opened, revealed, first used". It follows the link
// that revealed the code if one did (the guest has it), else the newest link.
func receipt(links []db.ShareLink, firstUse time.Time, loc *time.Location) []views.Step {
	var l db.ShareLink
	if len(links) > 0 {
		l = links[0]
	}
	for _, x := range links {
		if !x.RevealedAt.IsZero() {
			l = x
			break
		}
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return domain.InZone(t, loc)
	}
	opened := when(l.FirstOpenedAt)
	if opened == "" && !l.RevealedAt.IsZero() {
		// Revealed without a recorded open: the first GET came from a link
		// preview. The reveal proves the page was opened.
		opened = when(l.RevealedAt)
	}
	return []views.Step{
		{Label: "Sent", When: when(l.CreatedAt)},
		{Label: "Opened", When: opened},
		{Label: "Revealed", When: when(l.RevealedAt)},
		{Label: "First used", When: when(firstUse)},
	}
}

// windowFormFor fills the "change the dates" form with the current window.
func windowFormFor(a db.Access, loc *time.Location) views.WindowForm {
	f := views.WindowForm{Permanent: a.Permanent()}
	f.StartsDate, f.StartsTime = domain.FormValues(a.StartsAt, loc)
	f.EndsDate, f.EndsTime = domain.FormValues(a.EndsAt, loc)
	return f
}

// guestForm is the guest's name and note on their page.
type guestForm struct {
	Name string `form:"name"`
	Note string `form:"note"`
}

func (f *guestForm) Validate() fieldErrors {
	errs := fieldErrors{}
	var msg string
	f.Name, msg = domain.CheckName(f.Name, "the guest's name")
	errs.add("name", msg)
	f.Note = strings.TrimSpace(f.Note)
	errs.add("note", domain.CheckNote(f.Note))
	return errs
}

func (s *Server) saveGuest(c echo.Context) error {
	g, err := s.guestFromPath(c)
	if err != nil {
		return err
	}
	var f guestForm
	if errs := readForm(c, &f); len(errs) > 0 {
		p, err := s.guestView(c, g)
		if err != nil {
			return err
		}
		p.Form = views.GuestForm{Name: f.Name, Note: f.Note, NameError: errs["name"], NoteError: errs["note"]}
		return render(c, http.StatusUnprocessableEntity, views.Guest(p))
	}
	err = s.db.UpdateGuest(c.Request().Context(), g.ID, f.Name, f.Note)
	if err != nil {
		return err
	}
	detail := "guest " + f.Name
	if f.Name != g.Name {
		detail += " (was " + g.Name + ")"
	}
	s.audit(c, auditActor(c), db.AuditGuestChanged, detail)
	return redirect(c, paths.Done(paths.Guest(g.ID), "saved"))
}
