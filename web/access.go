package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
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

// "Give access" and the actions on one access. Every change goes through the
// access service (s.access), which writes it with its audit line and nudges the
// reconciler; these handlers only read the form and word the outcome. A PIN
// appears only in the fresh "Show code" response, and a share link only on the
// one GET that follows the POST that made it (POST, 303, GET: a reload never
// repeats the POST).

// linkTTLs are the lifetimes offered for a share link, in hours; 7 days is the
// default (db.DefaultLinkTTL), and the link never outlives its access.
var linkTTLs = []struct {
	hours int
	label string
}{{24, "1 day"}, {72, "3 days"}, {168, "7 days"}, {336, "14 days"}, {720, "30 days"}}

// maxNights bounds the preset; longer stays are typed as dates.
const maxNights = 28

func (s *Server) accessNewPage(c echo.Context) error {
	ctx := c.Request().Context()
	locks, err := s.db.Locks(ctx)
	if err != nil {
		return err
	}
	p := views.AccessNewPage{Page: s.page(c, "Give access", views.SectionGuests), NoLocks: len(locks) == 0}
	if p.NoLocks {
		return render(c, http.StatusOK, views.AccessNew(p))
	}
	guestID, _ := strconv.ParseInt(c.QueryParam("guest"), 10, 64)
	lockID, _ := strconv.ParseInt(c.QueryParam("lock"), 10, 64)
	var checked []int64
	switch {
	case slices.ContainsFunc(locks, func(l db.Lock) bool { return l.ID == lockID }):
		checked = []int64{lockID}
	case len(locks) == 1:
		checked = []int64{locks[0].ID}
	}
	f, err := s.accessFormView(ctx, locks, guestID, checked)
	if err != nil {
		return err
	}
	if guestID != 0 {
		f.PresetGuest = strconv.FormatInt(guestID, 10)
	}
	if lockID != 0 {
		f.PresetLock = strconv.FormatInt(lockID, 10)
	}
	// The "N nights" preset without JavaScript: ?nights=3 fills the window.
	nights := 1
	if n, err := strconv.Atoi(c.QueryParam("nights")); err == nil && n >= 1 && n <= maxNights {
		nights = n
	}
	loc := domain.ZoneOf(f.Zone)
	stay := domain.NightsWindow(s.db.Now(), nights, loc)
	f.StartsDate, f.StartsTime = domain.FormValues(stay.Start, loc)
	f.EndsDate, f.EndsTime = domain.FormValues(stay.End, loc)
	f.Nights = nightChoices(nights)
	p.Form = f
	return render(c, http.StatusOK, views.AccessNew(p))
}

// accessFormView builds the form's choices: guests, doors with their zones, code
// lengths, link lifetimes. The window is typed in the zone of the first chosen
// door (or of the first door, before any is chosen).
func (s *Server) accessFormView(ctx context.Context, locks []db.Lock, guestID int64, checked []int64) (views.AccessForm, error) {
	guests, err := s.db.Guests(ctx, "", 1000)
	if err != nil {
		return views.AccessForm{}, err
	}
	f := views.AccessForm{CheckIn: domain.CheckInClock, CheckOut: domain.CheckOutClock, Errors: map[string]string{}}
	for _, g := range guests {
		f.Guests = append(f.Guests, views.GuestChoice{ID: g.ID, Name: g.Name, Selected: g.ID == guestID})
	}
	lo, hi := 0, 0
	for _, l := range locks {
		on := slices.Contains(checked, l.ID)
		f.Doors = append(f.Doors, views.DoorChoice{ID: l.ID, Name: l.Name, Zone: l.TimeZone, Checked: on})
		if on && f.Zone == "" {
			f.Zone = l.TimeZone
		}
		a, b := access.PINRules(l).Bounds()
		if lo == 0 || a < lo {
			lo = a
		}
		hi = max(hi, b)
	}
	if f.Zone == "" {
		f.Zone = locks[0].TimeZone
	}
	f.Today = s.db.Now().In(domain.ZoneOf(f.Zone)).Format(domain.DateLayout)
	f.Lengths = []views.Choice{{Value: "", Label: "Shortest the doors take", Selected: true}}
	for n := lo; n <= hi; n++ {
		f.Lengths = append(f.Lengths, views.Choice{Value: strconv.Itoa(n), Label: strconv.Itoa(n) + " digits"})
	}
	for _, t := range linkTTLs {
		f.LinkTTLs = append(f.LinkTTLs, views.Choice{Value: strconv.Itoa(t.hours), Label: t.label,
			Selected: time.Duration(t.hours)*time.Hour == db.DefaultLinkTTL})
	}
	f.Nights = nightChoices(1)
	return f, nil
}

func nightChoices(selected int) []views.Choice {
	var out []views.Choice
	for n := 1; n <= maxNights; n++ {
		out = append(out, views.Choice{Value: strconv.Itoa(n), Label: plural(n, "night", "nights"), Selected: n == selected})
	}
	return out
}

// accessForm is the "Give access" form. Validate checks what needs no lock;
// request reads the window in the chosen doors' zone and turns the form into an
// access.GiveRequest, whose remaining checks are the access service's.
type accessForm struct {
	Guest      string   `form:"guest"`
	GuestName  string   `form:"guest_name"`
	GuestNote  string   `form:"guest_note"`
	Locks      []string `form:"locks"`
	StartsDate string   `form:"starts_date"`
	StartsTime string   `form:"starts_time"`
	EndsDate   string   `form:"ends_date"`
	EndsTime   string   `form:"ends_time"`
	Permanent  bool     `form:"permanent"`
	PINMode    string   `form:"pin_mode"`
	PIN        string   `form:"pin"`
	PINLength  string   `form:"pin_length"`
	Passphrase string   `form:"passphrase"`
	LinkTTL    string   `form:"link_ttl"`

	guestID   int64 // parsed by Validate
	lockIDs   []int64
	pinLength int
	linkTTL   time.Duration
}

func (f *accessForm) pinOwn() bool { return f.PINMode == "own" }

func (f *accessForm) Validate() fieldErrors {
	errs := fieldErrors{}
	f.PIN = strings.TrimSpace(f.PIN)
	if v := strings.TrimSpace(f.Guest); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs.add(access.FieldGuest, "Pick a guest from the list, or add a new guest.")
		}
		f.guestID = id
	}
	f.lockIDs = nil
	for _, v := range f.Locks {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs[access.FieldLocks] = "One of the chosen doors does not exist (any more)."
			continue
		}
		f.lockIDs = append(f.lockIDs, id)
	}
	if f.pinOwn() {
		if f.PIN == "" {
			errs.add(access.FieldPIN, "Type your code, or choose to generate one.")
		}
	} else if f.PINLength != "" {
		n, err := strconv.Atoi(f.PINLength)
		if err != nil || n < 1 || n > 12 {
			errs.add(access.FieldPIN, "Choose a length from the list.")
		}
		f.pinLength = n
	}
	switch hours, err := strconv.Atoi(f.LinkTTL); {
	case f.LinkTTL == "":
		f.linkTTL = db.DefaultLinkTTL
	case err != nil || hours < 1:
		errs.add(access.FieldLinkTTL, "Choose how long the link works.")
	default:
		f.linkTTL = time.Duration(hours) * time.Hour
	}
	return errs
}

// request turns the validated form into an access.GiveRequest, reading the
// window in the zone of the first chosen door; errs gains what cannot be read.
func (f *accessForm) request(locks []db.Lock, errs fieldErrors) access.GiveRequest {
	req := access.GiveRequest{GuestID: f.guestID, GuestName: f.GuestName, GuestNote: f.GuestNote, LockIDs: f.lockIDs,
		Permanent: f.Permanent, Passphrase: f.Passphrase, PINLength: f.pinLength, LinkTTL: f.linkTTL}
	if f.pinOwn() {
		req.PIN, req.PINLength = f.PIN, 0
	}
	zone := ""
	for _, id := range f.lockIDs {
		if i := slices.IndexFunc(locks, func(l db.Lock) bool { return l.ID == id }); i >= 0 {
			zone = locks[i].TimeZone
			break
		}
	}
	if zone == "" && len(locks) > 0 {
		zone = locks[0].TimeZone
	}
	if !f.Permanent {
		loc := domain.ZoneOf(zone)
		var err error
		if req.Starts, err = domain.ParseStart(f.StartsDate, f.StartsTime, loc); err != nil {
			errs.add(access.FieldStarts, domain.ParseMessage(err, "check-in"))
		}
		if req.Ends, err = domain.ParseEnd(f.EndsDate, f.EndsTime, loc); err != nil {
			errs.add(access.FieldEnds, domain.ParseMessage(err, "check-out"))
		}
	}
	return req
}

func (s *Server) createAccess(c echo.Context) error {
	ctx := c.Request().Context()
	locks, err := s.db.Locks(ctx)
	if err != nil {
		return err
	}
	var in accessForm
	errs := readForm(c, &in)
	req := in.request(locks, errs)
	if len(errs) > 0 {
		// Still judge the rest, so every message shows at once; nothing is saved.
		more, err := s.access.Check(ctx, req)
		if err != nil {
			return err
		}
		errs.merge(fieldErrors(more))
		return s.accessFormAgain(c, locks, in, errs)
	}
	res, refused, err := s.access.Give(ctx, pageActor(c), req)
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		return s.accessFormAgain(c, locks, in, fieldErrors(refused))
	}
	return s.handOffLink(c, res.Guest, res.Locks, res.Access, db.HandoffCreated, res.Token)
}

// accessFormAgain re-renders "Give access" with the messages (422). The typed
// code and passphrase are not echoed back: they are secrets, and the page could
// be left open on a shared screen.
func (s *Server) accessFormAgain(c echo.Context, locks []db.Lock, in accessForm, errs fieldErrors) error {
	guestID, _ := strconv.ParseInt(in.Guest, 10, 64)
	var checked []int64
	for _, v := range in.Locks {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			checked = append(checked, id)
		}
	}
	f, err := s.accessFormView(c.Request().Context(), locks, guestID, checked)
	if err != nil {
		return err
	}
	f.GuestName, f.GuestNote = in.GuestName, in.GuestNote
	f.StartsDate, f.StartsTime, f.EndsDate, f.EndsTime = in.StartsDate, in.StartsTime, in.EndsDate, in.EndsTime
	f.Permanent, f.PINOwn = in.Permanent, in.pinOwn()
	for i := range f.Lengths {
		f.Lengths[i].Selected = f.Lengths[i].Value == in.PINLength
	}
	for i := range f.LinkTTLs {
		f.LinkTTLs[i].Selected = f.LinkTTLs[i].Value == in.LinkTTL
	}
	f.Errors = errs
	if in.PIN != "" && f.Errors[access.FieldPIN] == "" && in.pinOwn() {
		f.Errors[access.FieldPIN] = "Type your code again: it is not kept when the form has a problem."
	}
	if in.Passphrase != "" && f.Errors[access.FieldPassphrase] == "" {
		f.Errors[access.FieldPassphrase] = "Type the passphrase again: it is not kept when the form has a problem."
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	p := views.AccessNewPage{Page: s.page(c, "Give access", views.SectionGuests), Form: f}
	return render(c, http.StatusUnprocessableEntity, views.AccessNew(p))
}

// handOffLink ends a POST that made a share link: it keeps the token for this
// session's next GET of /access/ID/created and redirects there (303, or
// HX-Redirect for htmx), so reloading the page that shows the link never
// repeats the POST. Should keeping it fail, the link is shown on this response
// rather than lost: the access is saved either way.
func (s *Server) handOffLink(c echo.Context, g db.Guest, locks []db.Lock, a db.Access, kind, token string) error {
	au, _ := currentAuth(c)
	if err := s.db.HoldLink(c.Request().Context(), au.session.ID, a.ID, kind, token); err != nil {
		s.log.Error("hold share link", slog.Int64("access", a.ID), slog.Any("err", err))
		return s.showLinkOnce(c, g, locks, a, kind, token)
	}
	return redirect(c, paths.AccessCreated(a.ID))
}

// linkCreated is the GET after handOffLink: the first one shows the link, and
// consumes it; a reload, another session or a late visit finds nothing, and
// gets the guest's page with a calm word in that access's card and its "New
// link" button.
func (s *Server) linkCreated(c echo.Context) error {
	t, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	au, _ := currentAuth(c)
	kind, token, err := s.db.TakeLink(c.Request().Context(), au.session.ID, t.Access.ID)
	if errors.Is(err, db.ErrNotFound) {
		return s.linkShownAlready(c, t.Guest, t.Access)
	}
	if err != nil {
		return err
	}
	return s.showLinkOnce(c, t.Guest, t.Locks, t.Access, kind, token)
}

func (s *Server) linkShownAlready(c echo.Context, g db.Guest, a db.Access) error {
	p, err := s.guestView(c, g)
	if err != nil {
		return err
	}
	for i := range p.Accesses {
		if p.Accesses[i].ID != a.ID {
			continue
		}
		p.Accesses[i].Notice = "This access's link was shown once, when it was made, and Gatehouse does not keep it."
		if p.Accesses[i].Live {
			p.Accesses[i].Notice += " If it did not reach " + firstName(g.Name) + ", make a new link: the older one then stops working."
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.Guest(p))
}

// linkWords are the heading and the one sentence of what was done, for each
// kind of new link.
func linkWords(kind string, g db.Guest, locks []db.Lock) (heading, done string) {
	doors := access.DoorNames(locks)
	switch kind {
	case db.HandoffLink:
		return "New link for " + g.Name, "The older link no longer works. Send this one instead."
	case db.HandoffRotated:
		return "New code for " + g.Name, "The old code and link stop working. The new code is on its way to " + doors + "; send the new link."
	}
	return "Access given to " + g.Name, "Saved. The code goes on " + doors + " when its window opens; " + firstName(g.Name) + "'s page shows when each door confirms it."
}

// showLinkOnce answers with a new share link: the only time its owner sees it.
// The response is no-store, so no cache or back button keeps it.
func (s *Server) showLinkOnce(c echo.Context, g db.Guest, locks []db.Lock, a db.Access, kind, token string) error {
	heading, done := linkWords(kind, g, locks)
	link, err := s.db.LinkByToken(c.Request().Context(), token)
	if err != nil {
		return err
	}
	u := s.cfg.origin() + paths.Share(token)
	qr, err := qrSVG(u)
	if err != nil {
		return err
	}
	loc := domain.ZoneOf(a.TimeZone)
	doors := access.DoorNames(locks)
	first := firstName(g.Name)
	window := guestWindow(a.StartsAt, a.EndsAt, loc, a.TimeZone)
	msg := "Hi " + first + ", here is your door code for " + doors + ", valid " + window +
		". The link shows the code only once, so save it when you open it: " + u
	sl := views.SharedLink{Heading: heading, Done: done, GuestID: g.ID, GuestName: g.Name, FirstName: first, URL: u,
		Doors: doors, Window: domain.WindowText(a.StartsAt, a.EndsAt, loc) + " (" + a.TimeZone + " time)",
		Expires: domain.InZone(link.ExpiresAt, loc) + " (" + a.TimeZone + " time)", Passphrase: link.HasPassphrase, QR: qr,
		SMS:  "sms:?&body=" + uriEscape(msg),
		Mail: "mailto:?subject=" + uriEscape("Your door code for "+doors) + "&body=" + uriEscape(msg)}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	return render(c, http.StatusOK, views.LinkOnce(views.LinkOncePage{Page: s.page(c, heading, views.SectionGuests), Link: sl}))
}

// uriEscape percent-encodes for sms: and mailto: bodies, where "+" is not a
// space (RFC 6068), so spaces become %20.
func uriEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// accessFromPath loads the URL's access with its guest and locks, or 404.
func (s *Server) accessFromPath(c echo.Context) (access.Target, error) {
	id, err := pathID(c)
	if err != nil {
		return access.Target{}, err
	}
	return s.access.Load(c.Request().Context(), id)
}

// accessGone answers an action on an access that no longer takes it (revoked,
// replaced or over) with the guest's page and a message in that access's card.
func (s *Server) accessGone(c echo.Context, g db.Guest, a db.Access, msg string) error {
	p, err := s.guestView(c, g)
	if err != nil {
		return err
	}
	for i := range p.Accesses {
		if p.Accesses[i].ID == a.ID {
			p.Accesses[i].Error = msg
		}
	}
	return render(c, http.StatusConflict, views.Guest(p))
}

func (s *Server) accessPath(g db.Guest, a db.Access, done string) string {
	return paths.GuestAccess(g.ID, a.ID, done)
}

func (s *Server) newLink(c echo.Context) error {
	t, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	token, err := s.access.NewLink(c.Request().Context(), pageActor(c), t)
	switch {
	case errors.Is(err, access.ErrNotLive):
		return s.accessGone(c, t.Guest, t.Access, "This access is over, so a new link could not show anything. Give access again instead.")
	case errors.Is(err, access.ErrRevokedMeanwhile):
		return s.accessGone(c, t.Guest, t.Access, "This access was revoked meanwhile.")
	case err != nil:
		return err
	}
	return s.handOffLink(c, t.Guest, t.Locks, t.Access, db.HandoffLink, token)
}

func (s *Server) revokeAccess(c echo.Context) error {
	t, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	if err := s.access.Revoke(c.Request().Context(), pageActor(c), t); err != nil {
		return err
	}
	return redirect(c, s.accessPath(t.Guest, t.Access, "revoked"))
}

// rotatedMeanwhile is what an owner reads when their rotation lost to another
// request (a second click, another owner) that rotated or revoked the access
// after this one read it.
const rotatedMeanwhile = "This access was replaced or revoked meanwhile (by a second click, or another owner), so nothing more was changed. " +
	"If its new link did not reach you, make a new link on the access that replaced it."

func (s *Server) rotateAccess(c echo.Context) error {
	t, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	// The new link keeps the old one's passphrase and lifetime, and is held
	// for this session's next GET in the rotation's transaction.
	au, _ := currentAuth(c)
	next, err := s.access.Rotate(c.Request().Context(), pageActor(c), t, db.LinkOptions{HoldFor: au.session.ID})
	switch {
	case errors.Is(err, access.ErrNotLive):
		if to, ok := s.rotatedHere(c, t.Access.ID); ok {
			return redirect(c, paths.AccessCreated(to))
		}
		return s.accessGone(c, t.Guest, t.Access, "This access is already revoked or over. Give access again instead.")
	case errors.Is(err, access.ErrRotatedMeanwhile):
		if to, ok := s.rotatedHere(c, t.Access.ID); ok {
			return redirect(c, paths.AccessCreated(to))
		}
		return s.accessGone(c, t.Guest, t.Access, rotatedMeanwhile)
	case errors.Is(err, access.ErrNoFreeCode):
		return s.accessGone(c, t.Guest, t.Access, "Gatehouse could not find a free code for these doors. Try again.")
	case errors.Is(err, access.ErrCodeRefused):
		return s.accessGone(c, t.Guest, t.Access, access.Reason(err))
	case err != nil:
		return err
	}
	return redirect(c, paths.AccessCreated(next.Access.ID))
}

// rotatedHere finds the access that replaced id when this session rotated it
// and still holds the new link unseen. A second "Rotate" from the same
// session is most often the second click of a double submit, whose first
// answer the browser dropped: it is sent to that link, not told of a clash.
func (s *Server) rotatedHere(c echo.Context, id int64) (int64, bool) {
	ctx := c.Request().Context()
	a, err := s.db.Access(ctx, id)
	if err != nil || a.RotatedTo == 0 {
		return 0, false
	}
	au, _ := currentAuth(c)
	held, err := s.db.HoldsLink(ctx, au.session.ID, a.RotatedTo)
	if err != nil {
		s.log.Warn("rotate: reading the held link", slog.Int64("access", a.RotatedTo), slog.Any("err", err))
	}
	return a.RotatedTo, held
}

// windowForm moves an access's window. The dates are read in the access's zone
// and judged against its current start by changeWindow.
type windowForm struct {
	StartsDate string `form:"starts_date"`
	StartsTime string `form:"starts_time"`
	EndsDate   string `form:"ends_date"`
	EndsTime   string `form:"ends_time"`
	Permanent  bool   `form:"permanent"`
}

// Validate has nothing to check without the access's zone.
func (f *windowForm) Validate() fieldErrors { return fieldErrors{} }

func (s *Server) changeWindow(c echo.Context) error {
	t, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	var in windowForm
	errs := readForm(c, &in)
	w := access.WindowChange{Permanent: in.Permanent}
	if !in.Permanent {
		loc := domain.ZoneOf(t.Access.TimeZone)
		var err error
		if w.Starts, err = domain.ParseStart(in.StartsDate, in.StartsTime, loc); err != nil {
			errs.add(access.FieldStarts, domain.ParseMessage(err, "check-in"))
		}
		if w.Ends, err = domain.ParseEnd(in.EndsDate, in.EndsTime, loc); err != nil {
			errs.add(access.FieldEnds, domain.ParseMessage(err, "check-out"))
		}
	}
	var more access.FieldErrors
	if len(errs) > 0 {
		more, err = s.access.CheckWindow(t, w) // every message at once; nothing is saved
	} else {
		more, err = s.access.ChangeWindow(c.Request().Context(), pageActor(c), t, w)
	}
	switch {
	case errors.Is(err, access.ErrNotLive):
		return s.accessGone(c, t.Guest, t.Access, "This access is already revoked or over. Give access again instead.")
	case errors.Is(err, access.ErrRevokedMeanwhile):
		return s.accessGone(c, t.Guest, t.Access, "This access was revoked meanwhile.")
	case err != nil:
		return err
	}
	errs.merge(fieldErrors(more))
	if len(errs) == 0 {
		return redirect(c, s.accessPath(t.Guest, t.Access, "window"))
	}
	f := views.WindowForm{StartsDate: in.StartsDate, StartsTime: in.StartsTime, EndsDate: in.EndsDate,
		EndsTime: in.EndsTime, Permanent: in.Permanent, Errors: errs}
	p, err := s.guestView(c, t.Guest)
	if err != nil {
		return err
	}
	for i := range p.Accesses {
		if p.Accesses[i].ID == t.Access.ID {
			f.Open = true
			p.Accesses[i].Dates = f
			p.Accesses[i].Error = "The dates were not changed. Check the messages below."
		}
	}
	return render(c, http.StatusUnprocessableEntity, views.Guest(p))
}

// showCode shows an access's PIN to its owner, only after a passkey assertion in
// the last few minutes, on one no-store response, and audited. Without a fresh
// assertion the owner is sent to confirm first.
func (s *Server) showCode(c echo.Context) error {
	t, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	a, g, locks := t.Access, t.Guest, t.Locks
	if au, _ := currentAuth(c); !s.isFresh(au) {
		return redirect(c, paths.GuestConfirm(g.ID, a.ID))
	}
	pin, err := s.db.AccessPIN(c.Request().Context(), a.ID)
	if err != nil {
		return err
	}
	p, err := s.guestView(c, g)
	if err != nil {
		return err
	}
	for i := range p.Accesses {
		if p.Accesses[i].ID == a.ID {
			p.Accesses[i].PIN = pin
		}
	}
	s.audit(c, auditActor(c), db.AuditCodeViewed, "code of "+g.Name+" for "+access.DoorNames(locks))
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	return render(c, http.StatusOK, views.Guest(p))
}

// whoCanOpen lists a lock's codes that open it now or later, for the lock page:
// guest, window, last use, and flags for permanent codes and codes ending today
// (in the lock's zone).
func (s *Server) whoCanOpen(ctx context.Context, l db.Lock, codes []db.AccessCode, now time.Time) ([]views.WhoRow, error) {
	holders, err := s.db.LockHolders(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	loc := domain.ZoneOf(l.TimeZone)
	today := now.In(loc).Format(domain.DateLayout)
	var out []views.WhoRow
	for _, k := range codes {
		if !k.RevokedAt.IsZero() || k.Status == domain.StatusRemoved || (!k.EndsAt.IsZero() && !now.Before(k.EndsAt)) {
			continue
		}
		chip := statusChips[k.Status]
		row := views.WhoRow{CodeID: k.ID, Guest: k.Label, Window: domain.WindowText(k.StartsAt, k.EndsAt, loc), LastUse: "never",
			StatusKind: chip[0], StatusLabel: chip[1], Permanent: k.Permanent(),
			// A code ending at midnight tonight ends today, not tomorrow.
			EndsToday: !k.EndsAt.IsZero() && k.EndsAt.Add(-time.Second).In(loc).Format(domain.DateLayout) == today,
			Upcoming:  !k.StartsAt.IsZero() && now.Before(k.StartsAt)}
		if h, ok := holders[k.ID]; ok {
			row.Guest, row.GuestID = h.GuestName, h.GuestID
		}
		if !k.LastUsedAt.IsZero() {
			row.LastUse = domain.InZone(k.LastUsedAt, loc)
		}
		out = append(out, row)
	}
	return out, nil
}
