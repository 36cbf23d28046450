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

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// "Give access" and the actions on one access. Every write goes through db and
// nudges the reconciler; a PIN appears only in the fresh "Show code" response,
// and a share link only on the one GET that follows the POST that made it
// (POST, 303, GET: a reload never repeats the POST).

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
		a, b := pinRules(l).Bounds()
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
// accessRequest, whose remaining checks are giveAccess's.
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
			errs.add(fGuest, "Pick a guest from the list, or add a new guest.")
		}
		f.guestID = id
	}
	f.lockIDs = nil
	for _, v := range f.Locks {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs[fLocks] = "One of the chosen doors does not exist (any more)."
			continue
		}
		f.lockIDs = append(f.lockIDs, id)
	}
	if f.pinOwn() {
		if f.PIN == "" {
			errs.add(fPIN, "Type your code, or choose to generate one.")
		}
	} else if f.PINLength != "" {
		n, err := strconv.Atoi(f.PINLength)
		if err != nil || n < 1 || n > 12 {
			errs.add(fPIN, "Choose a length from the list.")
		}
		f.pinLength = n
	}
	switch hours, err := strconv.Atoi(f.LinkTTL); {
	case f.LinkTTL == "":
		f.linkTTL = db.DefaultLinkTTL
	case err != nil || hours < 1:
		errs.add(fLinkTTL, "Choose how long the link works.")
	default:
		f.linkTTL = time.Duration(hours) * time.Hour
	}
	return errs
}

// request turns the validated form into an accessRequest, reading the window
// in the zone of the first chosen door; errs gains what cannot be read.
func (f *accessForm) request(locks []db.Lock, errs fieldErrors) accessRequest {
	req := accessRequest{GuestID: f.guestID, GuestName: f.GuestName, GuestNote: f.GuestNote, LockIDs: f.lockIDs,
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
			errs.add(fStarts, domain.ParseMessage(err, "check-in"))
		}
		if req.Ends, err = domain.ParseEnd(f.EndsDate, f.EndsTime, loc); err != nil {
			errs.add(fEnds, domain.ParseMessage(err, "check-out"))
		}
	}
	return req
}

func (s *Server) createAccess(c echo.Context) error {
	ctx := c.Request().Context()
	owner := auditActor(c)
	locks, err := s.db.Locks(ctx)
	if err != nil {
		return err
	}
	var in accessForm
	errs := readForm(c, &in)
	req := in.request(locks, errs)
	if len(errs) > 0 {
		// Still judge the rest, so every message shows at once; nothing is saved.
		_, _, more, err := s.checkAccess(ctx, req)
		if err != nil {
			return err
		}
		errs.merge(more)
		return s.accessFormAgain(c, locks, in, errs)
	}
	res, errs, err := s.giveAccess(c, owner, req)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return s.accessFormAgain(c, locks, in, errs)
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
	if in.PIN != "" && f.Errors[fPIN] == "" && in.pinOwn() {
		f.Errors[fPIN] = "Type your code again: it is not kept when the form has a problem."
	}
	if in.Passphrase != "" && f.Errors[fPassphrase] == "" {
		f.Errors[fPassphrase] = "Type the passphrase again: it is not kept when the form has a problem."
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
	a, g, locks, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	au, _ := currentAuth(c)
	kind, token, err := s.db.TakeLink(c.Request().Context(), au.session.ID, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return s.linkShownAlready(c, g, a)
	}
	if err != nil {
		return err
	}
	return s.showLinkOnce(c, g, locks, a, kind, token)
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
	doors := doorNames(locks)
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
	doors := doorNames(locks)
	first := firstName(g.Name)
	window := guestWindow(a.StartsAt, a.EndsAt, loc, a.TimeZone)
	msg := "Hi " + first + ", here is your door code for " + doors + ", valid " + window +
		". The link shows the code only once, so save it when you open it: " + u
	sl := views.SharedLink{Heading: heading, Done: done, GuestID: g.ID, GuestName: g.Name, FirstName: first, URL: u,
		Doors: doors, Window: windowText(a.StartsAt, a.EndsAt, loc) + " (" + a.TimeZone + " time)",
		Expires: inZone(link.ExpiresAt, loc) + " (" + a.TimeZone + " time)", Passphrase: link.HasPassphrase, QR: qr,
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
func (s *Server) accessFromPath(c echo.Context) (db.Access, db.Guest, []db.Lock, error) {
	id, err := pathID(c)
	if err != nil {
		return db.Access{}, db.Guest{}, nil, err
	}
	ctx := c.Request().Context()
	a, err := s.db.Access(ctx, id)
	if err != nil {
		return a, db.Guest{}, nil, err
	}
	g, err := s.db.Guest(ctx, a.GuestID)
	if err != nil {
		return a, g, nil, err
	}
	locks, err := s.db.AccessLocks(ctx, a.ID)
	if err != nil {
		return a, g, nil, err
	}
	return a, g, locks, nil
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
	a, g, locks, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	if _, _, live := accessState(a, s.db.Now()); !live {
		return s.accessGone(c, g, a, "This access is over, so a new link could not show anything. Give access again instead.")
	}
	// The new link keeps the older one's passphrase (the guest was told it) and
	// lifetime.
	token, _, err := s.db.ReissueLink(c.Request().Context(), a.ID, db.LinkOptions{},
		auditLine(c, auditActor(c), db.AuditLinkCreated, "new share link for "+g.Name+" (older links stop working)"))
	if errors.Is(err, db.ErrNotFound) {
		return s.accessGone(c, g, a, "This access was revoked meanwhile.")
	}
	if err != nil {
		return err
	}
	return s.handOffLink(c, g, locks, a, db.HandoffLink, token)
}

func (s *Server) revokeAccess(c echo.Context) error {
	a, g, locks, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	// Audited only by the request that revokes it, in the same write.
	err = s.db.RevokeAccess(c.Request().Context(), a.ID,
		auditLine(c, auditActor(c), db.AuditAccessRevoked, "access of "+g.Name+" to "+doorNames(locks)))
	if err != nil {
		return err
	}
	if a.RevokedAt.IsZero() {
		s.locks.Nudge()
	}
	return redirect(c, s.accessPath(g, a, "revoked"))
}

// rotatedMeanwhile is what an owner reads when their rotation lost to another
// request (a second click, another owner) that rotated or revoked the access
// after this one read it.
const rotatedMeanwhile = "This access was replaced or revoked meanwhile (by a second click, or another owner), so nothing more was changed. " +
	"If its new link did not reach you, make a new link on the access that replaced it."

// rotateAttempts is how often a rotation retries when another owner took the
// generated code between the check and the save.
const rotateAttempts = 3

func (s *Server) rotateAccess(c echo.Context) error {
	a, g, locks, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	if _, _, live := accessState(a, s.db.Now()); !live {
		if to, ok := s.rotatedHere(c, a.ID); ok {
			return redirect(c, paths.AccessCreated(to))
		}
		return s.accessGone(c, g, a, "This access is already revoked or over. Give access again instead.")
	}
	// The new link keeps the old one's passphrase and lifetime (RotateAccess),
	// and is held for this session's next GET in the rotation's transaction.
	au, _ := currentAuth(c)
	next, _, err := s.rotate(c.Request().Context(), a, locks, db.LinkOptions{HoldFor: au.session.ID},
		rotatedAudit(c, auditActor(c), g, locks)...)
	switch {
	case errors.Is(err, errRotatedMeanwhile):
		if to, ok := s.rotatedHere(c, a.ID); ok {
			return redirect(c, paths.AccessCreated(to))
		}
		return s.accessGone(c, g, a, rotatedMeanwhile)
	case errors.Is(err, errNoFreeCode):
		return s.accessGone(c, g, a, "Gatehouse could not find a free code for these doors. Try again.")
	case codeRefused(err):
		return s.accessGone(c, g, a, pinProblem(err))
	case err != nil:
		return err
	}
	s.locks.Nudge()
	return redirect(c, paths.AccessCreated(next.ID))
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

// Why a rotation did not happen, for each caller to word in its own way (the
// owner's page in the access's card, the API as a 409).
var (
	// errRotatedMeanwhile: another request rotated or revoked the access after
	// the caller read it live; the write found it so and saved nothing.
	errRotatedMeanwhile = errors.New("web: the access was rotated or revoked meanwhile")
	// errNoFreeCode: on every attempt another write took the generated code
	// between freshPIN and the save.
	errNoFreeCode = errors.New("web: every generated code was taken meanwhile")
)

// rotate replaces an access with one that has a new generated code (freshPIN)
// and a new link, trying again when another write took that code in between;
// the audit entries commit with the rotation that succeeds. Besides unexpected
// errors it returns errRotatedMeanwhile, errNoFreeCode, or an error codeRefused
// reports (the doors take no code of the old length, or have none free).
func (s *Server) rotate(ctx context.Context, old db.Access, locks []db.Lock, link db.LinkOptions, audit ...db.AuditEntry) (db.Access, string, error) {
	for range rotateAttempts {
		pin, err := s.freshPIN(ctx, old, locks)
		if err != nil {
			return db.Access{}, "", err
		}
		a, token, err := s.db.RotateAccess(ctx, old.ID, pin, link, audit...)
		switch {
		case errors.Is(err, db.ErrAccessRevoked) || errors.Is(err, db.ErrNotFound):
			return db.Access{}, "", errRotatedMeanwhile
		case !errors.Is(err, db.ErrPINConflict):
			return a, token, err
		}
	}
	return db.Access{}, "", errNoFreeCode
}

// freshPIN generates a code for a rotation: the same length as the old one when
// the doors still take it, clashing with nothing on them (the old code included,
// since it stays live until the lock confirms its removal).
func (s *Server) freshPIN(ctx context.Context, a db.Access, locks []db.Lock) (string, error) {
	rules := commonPINRules(locks)
	var others []string
	for _, l := range locks {
		pins, err := s.db.LivePINs(ctx, l.ID)
		if err != nil {
			return "", err
		}
		others = append(others, pins...)
	}
	codes, err := s.db.AccessCodes(ctx, a.ID)
	if err != nil {
		return "", err
	}
	n := 0
	if len(codes) > 0 && codes[0].PINLen >= rules.MinLen && codes[0].PINLen <= rules.MaxLen {
		n = codes[0].PINLen
	}
	return domain.GeneratePIN(n, rules, others)
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
	a, g, locks, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
	now := s.db.Now()
	if _, _, live := accessState(a, now); !live {
		return s.accessGone(c, g, a, "This access is already revoked or over. Give access again instead.")
	}
	loc := domain.ZoneOf(a.TimeZone)
	var in windowForm
	errs := readForm(c, &in)
	var start, end time.Time
	if !in.Permanent {
		var err error
		if start, err = domain.ParseStart(in.StartsDate, in.StartsTime, loc); err != nil {
			errs.add(fStarts, domain.ParseMessage(err, "check-in"))
		}
		if end, err = domain.ParseEnd(in.EndsDate, in.EndsTime, loc); err != nil {
			errs.add(fEnds, domain.ParseMessage(err, "check-out"))
		}
	}
	more := fieldErrors{}
	// A stay that began days ago may still be extended: only a moved start must
	// be recent.
	windowProblems(more, in.Permanent, start, end, now, a.StartsAt)
	errs.merge(more)
	if len(errs) > 0 {
		f := views.WindowForm{StartsDate: in.StartsDate, StartsTime: in.StartsTime, EndsDate: in.EndsDate,
			EndsTime: in.EndsTime, Permanent: in.Permanent, Errors: errs}
		p, err := s.guestView(c, g)
		if err != nil {
			return err
		}
		for i := range p.Accesses {
			if p.Accesses[i].ID == a.ID {
				f.Open = true
				p.Accesses[i].Dates = f
				p.Accesses[i].Error = "The dates were not changed. Check the messages below."
			}
		}
		return render(c, http.StatusUnprocessableEntity, views.Guest(p))
	}
	err = s.db.ChangeWindow(c.Request().Context(), a.ID, start, end,
		auditLine(c, auditActor(c), db.AuditWindowChanged, g.Name+" on "+doorNames(locks)+": now "+windowText(start, end, loc)+" ("+a.TimeZone+")"))
	if errors.Is(err, db.ErrNotFound) {
		return s.accessGone(c, g, a, "This access was revoked meanwhile.")
	}
	if err != nil {
		return err
	}
	s.locks.Nudge()
	return redirect(c, s.accessPath(g, a, "window"))
}

// showCode shows an access's PIN to its owner, only after a passkey assertion in
// the last few minutes, on one no-store response, and audited. Without a fresh
// assertion the owner is sent to confirm first.
func (s *Server) showCode(c echo.Context) error {
	a, g, locks, err := s.accessFromPath(c)
	if err != nil {
		return err
	}
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
	s.audit(c, auditActor(c), db.AuditCodeViewed, "code of "+g.Name+" for "+doorNames(locks))
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
		row := views.WhoRow{CodeID: k.ID, Guest: k.Label, Window: windowText(k.StartsAt, k.EndsAt, loc), LastUse: "never",
			StatusKind: chip[0], StatusLabel: chip[1], Permanent: k.Permanent(),
			// A code ending at midnight tonight ends today, not tomorrow.
			EndsToday: !k.EndsAt.IsZero() && k.EndsAt.Add(-time.Second).In(loc).Format(domain.DateLayout) == today,
			Upcoming:  !k.StartsAt.IsZero() && now.Before(k.StartsAt)}
		if h, ok := holders[k.ID]; ok {
			row.Guest, row.GuestID = h.GuestName, h.GuestID
		}
		if !k.LastUsedAt.IsZero() {
			row.LastUse = inZone(k.LastUsedAt, loc)
		}
		out = append(out, row)
	}
	return out, nil
}
