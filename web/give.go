package web

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/web/paths"
)

// accessRequest is "give access", from the owner's form or the JSON API, with
// times already parsed in the locks' zone.
type accessRequest struct {
	GuestID    int64  // an existing guest, or 0 to create one from GuestName
	GuestName  string //
	GuestNote  string
	LockIDs    []int64
	Permanent  bool // must be explicit; then Starts and Ends are ignored
	Starts     time.Time
	Ends       time.Time
	PIN        string // empty: generated
	PINLength  int    // for a generated PIN; 0: the locks' shortest allowed
	LinkTTL    time.Duration
	Passphrase string
}

// accessResult is what "give access" made. Token is the share link's secret,
// shown once to the owner and never stored.
type accessResult struct {
	Guest  db.Guest
	Access db.Access
	Locks  []db.Lock
	Token  string
	URL    string
}

// Field names shared by the form and the API.
const (
	fGuest      = "guest"
	fGuestName  = "guest_name"
	fGuestNote  = "guest_note"
	fLocks      = "locks"
	fStarts     = "starts"
	fEnds       = "ends"
	fPIN        = "pin"
	fPassphrase = "passphrase"
	fLinkTTL    = "link_ttl"
)

// giveAccess validates a request and stores guest, access, codes, link and
// audit lines in one write. Nothing is saved when any field is wrong, the PIN
// included: it is checked against the doors' codes inside that write.
func (s *Server) giveAccess(c echo.Context, by db.Owner, req accessRequest) (accessResult, fieldErrors, error) {
	ctx := c.Request().Context()
	res, rules, errs, err := s.checkAccess(ctx, req)
	if err != nil || len(errs) > 0 {
		return res, errs, err
	}
	return s.saveAccess(c, by, req, res, rules)
}

// checkAccess validates a request without saving anything and returns the code
// rules every chosen door accepts. A typed PIN is checked against those rules
// here; whether it clashes with a code on the doors is saveAccess's to check,
// inside the write, unless some other field is wrong already: then the clash
// is looked for too, so the owner sees every message at once. A form that
// failed to parse some fields calls it for the same reason.
func (s *Server) checkAccess(ctx context.Context, req accessRequest) (accessResult, domain.PINRules, fieldErrors, error) {
	errs := fieldErrors{}
	var res accessResult
	rules := domain.PINRules{}
	now := s.db.Now()

	if req.GuestID != 0 {
		g, err := s.db.Guest(ctx, req.GuestID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			errs[fGuest] = "This guest does not exist (any more). Pick another, or add a new guest."
		case err != nil:
			return res, rules, nil, err
		}
		res.Guest = g
	} else {
		name, msg := validName(req.GuestName, "the guest's name")
		if msg != "" {
			errs[fGuestName] = msg
		}
		note := strings.TrimSpace(req.GuestNote)
		if msg := noteProblem(note); msg != "" {
			errs[fGuestNote] = msg
		}
		res.Guest = db.Guest{Name: name, Note: note} // stored with the access
	}

	if len(req.LockIDs) == 0 {
		errs[fLocks] = "Choose at least one door."
	}
	seen := map[int64]bool{}
	for _, id := range req.LockIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		l, err := s.db.Lock(ctx, id)
		if errors.Is(err, db.ErrNotFound) {
			errs[fLocks] = "One of the chosen doors does not exist (any more)."
			continue
		}
		if err != nil {
			return res, rules, nil, err
		}
		res.Locks = append(res.Locks, l)
	}

	windowProblems(errs, req.Permanent, req.Starts, req.Ends, now, time.Time{})
	if req.LinkTTL < 0 || req.LinkTTL > 90*24*time.Hour {
		errs[fLinkTTL] = "A link can live from a few minutes up to 90 days."
	}
	if msg := passphraseProblem(req.Passphrase); msg != "" {
		errs[fPassphrase] = msg
	}

	// One PIN for every chosen door: it must suit each lock's rules.
	rules = commonPINRules(res.Locks)
	if zones := lockZones(res.Locks); len(zones) > 1 {
		// An access has one window on one wall clock; doors in different zones
		// would each read it differently.
		errs[fLocks] = "These doors are in different time zones (" + strings.Join(zones, ", ") + "). Give access to each zone separately."
	}
	if len(res.Locks) > 0 && rules.MinLen > rules.MaxLen {
		errs[fLocks] = "These doors accept no common code length; give access to them separately."
	}
	if errs[fLocks] != "" || len(res.Locks) == 0 {
		return res, rules, errs, nil
	}
	pin := strings.TrimSpace(req.PIN)
	if pin == "" {
		if lo, hi := rules.Bounds(); req.PINLength != 0 && (req.PINLength < lo || req.PINLength > hi) {
			errs[fPIN] = fmt.Sprintf("This lock takes codes of %d to %d digits.", lo, hi)
		}
		return res, rules, errs, nil
	}
	// The rules only: a clash with a code on the lock is found inside the write
	// (saveAccess). Checking it here too, on a form refused for another reason,
	// would let anyone signed in (or any API token) test which codes a door
	// holds without saving or auditing anything.
	if err := domain.CheckPIN(pin, rules, nil); err != nil {
		errs[fPIN] = err.Error()
	}
	return res, rules, errs, nil
}

// saveAccess stores what checkAccess accepted, in one write: the new guest if
// any, the access, its codes, its link and the audit lines. The PIN is decided
// inside it (typed: checked; empty: generated) against the codes live on the
// doors at that moment, so two owners racing for one code cannot both have it,
// and a refused PIN leaves nothing behind, not even the new guest.
func (s *Server) saveAccess(c echo.Context, by db.Owner, req accessRequest, res accessResult, rules domain.PINRules) (accessResult, fieldErrors, error) {
	zone := res.Locks[0].TimeZone
	var lockIDs []int64
	for _, l := range res.Locks {
		lockIDs = append(lockIDs, l.ID)
	}
	starts, ends := req.Starts, req.Ends
	if req.Permanent {
		starts, ends = time.Time{}, time.Time{}
	}
	typed := strings.TrimSpace(req.PIN)
	pinFor := func(taken []string) (string, error) {
		if typed != "" {
			return typed, domain.CheckPIN(typed, rules, taken)
		}
		return domain.GeneratePIN(req.PINLength, rules, taken)
	}
	a, token, err := s.db.CreateAccess(c.Request().Context(), db.NewAccess{GuestID: req.GuestID, GuestName: res.Guest.Name,
		GuestNote: res.Guest.Note, LockIDs: lockIDs, PINFor: pinFor, StartsAt: starts, EndsAt: ends, TimeZone: zone,
		CreatedBy: by.ID, Link: db.LinkOptions{TTL: req.LinkTTL, Passphrase: req.Passphrase},
		Audit: accessGivenAudit(c, by, res.Guest.Name, res.Locks, starts, ends, zone)})
	switch {
	case codeRefused(err):
		return res, fieldErrors{fPIN: pinProblem(err)}, nil
	case errors.Is(err, db.ErrPINConflict):
		return res, fieldErrors{fPIN: "This code clashes with a code just added to one of the doors. Choose another, or leave it empty."}, nil
	case err != nil:
		return res, nil, err
	}
	if req.GuestID == 0 {
		res.Guest.ID, res.Guest.CreatedAt = a.GuestID, a.CreatedAt
	}
	res.Access, res.Token, res.URL = a, token, s.cfg.origin()+paths.Share(token)
	s.locks.Nudge()
	return res, nil, nil
}

// windowProblems puts domain.CheckWindow's messages for an access's window
// into errs; kept is the current start of a window being changed (zero when
// giving access).
func windowProblems(errs fieldErrors, permanent bool, starts, ends, now, kept time.Time) {
	w := domain.CheckWindow(domain.Window{Start: starts, End: ends}, permanent, domain.AccessWindow, now, kept)
	if w.Start != "" {
		errs[fStarts] = w.Start
	}
	if w.End != "" {
		errs[fEnds] = w.End
	}
}

// noteProblem checks a guest's note (how to reach them): optional, short.
func noteProblem(note string) string {
	switch {
	case utf8.RuneCountInString(note) > 500:
		return "Keep the note to 500 characters or fewer."
	case !utf8.ValidString(note):
		return "Use letters, numbers and punctuation only."
	}
	return ""
}

// accessGivenAudit is the audit of a new access and its first link, for the
// form and the API alike, written with the access. The details name the guest,
// doors and window: never the code or the link's token.
func accessGivenAudit(c echo.Context, by db.Owner, guest string, locks []db.Lock, starts, ends time.Time, zone string) []db.AuditEntry {
	return []db.AuditEntry{
		auditLine(c, by, db.AuditAccessCreated, "access for "+guest+" to "+doorNames(locks)+", "+windowText(starts, ends, domain.ZoneOf(zone))+" ("+zone+")"),
		auditLine(c, by, db.AuditLinkCreated, "share link for "+guest),
	}
}

// rotatedAudit is the audit of a rotation, for the owner's page and the API
// alike, written with it.
func rotatedAudit(c echo.Context, by db.Owner, g db.Guest, locks []db.Lock) []db.AuditEntry {
	return []db.AuditEntry{
		auditLine(c, by, db.AuditAccessRotated, "new code for "+g.Name+" on "+doorNames(locks)+"; the old one is being removed"),
		auditLine(c, by, db.AuditLinkCreated, "share link for "+g.Name+"'s new code"),
	}
}

// lockZones lists the distinct zones of locks, in order of first appearance.
func lockZones(locks []db.Lock) []string {
	var out []string
	for _, l := range locks {
		if !slices.Contains(out, l.TimeZone) {
			out = append(out, l.TimeZone)
		}
	}
	return out
}

// doorNames lists locks by name: "Front door, Garage".
func doorNames(locks []db.Lock) string {
	names := make([]string, 0, len(locks))
	for _, l := range locks {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

// codeRefused reports whether err says the doors take no code asked for or
// generated: a *domain.PINError, or domain.ErrNoPIN. pinProblem words it.
func codeRefused(err error) bool {
	var pe *domain.PINError
	return errors.As(err, &pe) || errors.Is(err, domain.ErrNoPIN)
}

func pinProblem(err error) string {
	var pe *domain.PINError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return fmt.Sprintf("Gatehouse could not find a free code for these doors (%v): remove codes that are no longer needed.", err)
}

// minPassphraseLen is the shortest share passphrase accepted. Five wrong
// guesses lock a link, so length guards less against guessing online than
// against a short word read over a shoulder or guessed from the guest's name;
// 8 is the floor NIST SP 800-63B sets for memorised secrets.
const minPassphraseLen = 8

// passphraseProblem is the field message for a share passphrase, "" when it
// is fine. Empty means no passphrase (or, on a rotation, keep the old one).
func passphraseProblem(p string) string {
	switch n := utf8.RuneCountInString(p); {
	case n == 0:
		return ""
	case n < minPassphraseLen:
		return fmt.Sprintf("Use at least %d characters for the passphrase, or leave it empty.", minPassphraseLen)
	case n > 100:
		return "Keep the passphrase to 100 characters or fewer."
	}
	return ""
}
