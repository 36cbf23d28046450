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
	"github.com/gatehouse/gatehouse/lock"
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

// fieldErrors maps a form field (or API property) to what is wrong with it.
type fieldErrors map[string]string

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

// giveAccess validates a request and stores guest, access, codes and link in one
// go. Nothing is saved when any field is wrong.
func (s *Server) giveAccess(ctx context.Context, by db.Owner, req accessRequest) (accessResult, fieldErrors, error) {
	res, pin, errs, err := s.checkAccess(ctx, req)
	if err != nil || len(errs) > 0 {
		return res, errs, err
	}
	return s.saveAccess(ctx, by, req, res, pin)
}

// checkAccess validates a request without saving anything and returns the PIN
// to use (generated when the request has none). A form that failed to parse
// some fields calls it too, so the owner sees every message at once.
func (s *Server) checkAccess(ctx context.Context, req accessRequest) (accessResult, string, fieldErrors, error) {
	errs := fieldErrors{}
	var res accessResult
	now := s.db.Now()

	if req.GuestID != 0 {
		g, err := s.db.Guest(ctx, req.GuestID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			errs[fGuest] = "This guest does not exist (any more). Pick another, or add a new guest."
		case err != nil:
			return res, "", nil, err
		}
		res.Guest = g
	} else {
		name, msg := validName(req.GuestName, "the guest's name")
		if msg != "" {
			errs[fGuestName] = msg
		}
		req.GuestName = name
		if msg := noteProblem(req.GuestNote); msg != "" {
			errs[fGuestNote] = msg
		}
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
			return res, "", nil, err
		}
		res.Locks = append(res.Locks, l)
	}

	windowProblems(errs, req.Permanent, req.Starts, req.Ends, now, time.Time{})
	if req.LinkTTL < 0 || req.LinkTTL > 90*24*time.Hour {
		errs[fLinkTTL] = "A link can live from a few minutes up to 90 days."
	}
	if utf8.RuneCountInString(req.Passphrase) > 100 {
		errs[fPassphrase] = "Keep the passphrase to 100 characters or fewer."
	}

	// One PIN for every chosen door: it must suit each lock's rules and clash with
	// no code on any of them.
	rules := lock.PINRules{}
	var others []string
	for _, l := range res.Locks {
		lo, hi := pinRules(l).Bounds()
		if lo > rules.MinLen {
			rules.MinLen = lo
		}
		if rules.MaxLen == 0 || hi < rules.MaxLen {
			rules.MaxLen = hi
		}
		pins, err := s.db.LivePINs(ctx, l.ID)
		if err != nil {
			return res, "", nil, err
		}
		others = append(others, pins...)
	}
	if zones := lockZones(res.Locks); len(zones) > 1 {
		// An access has one window on one wall clock; doors in different zones
		// would each read it differently.
		errs[fLocks] = "These doors are in different time zones (" + strings.Join(zones, ", ") + "). Give access to each zone separately."
	}
	if len(res.Locks) > 0 && rules.MinLen > rules.MaxLen {
		errs[fLocks] = "These doors accept no common code length; give access to them separately."
	}
	pin := strings.TrimSpace(req.PIN)
	if len(errs) == 0 {
		if pin == "" {
			var err error
			if pin, err = lock.GeneratePIN(req.PINLength, rules, others); err != nil {
				errs[fPIN] = pinProblem(err)
			}
		} else if err := lock.CheckPIN(pin, rules, others); err != nil {
			errs[fPIN] = err.Error()
		}
	}
	if len(errs) > 0 {
		return res, "", errs, nil
	}
	return res, pin, nil, nil
}

// saveAccess stores what checkAccess accepted.
func (s *Server) saveAccess(ctx context.Context, by db.Owner, req accessRequest, res accessResult, pin string) (accessResult, fieldErrors, error) {
	if req.GuestID == 0 {
		g, err := s.db.CreateGuest(ctx, strings.TrimSpace(req.GuestName), strings.TrimSpace(req.GuestNote))
		if err != nil {
			return res, nil, err
		}
		res.Guest = g
	}
	zone := res.Locks[0].TimeZone
	var lockIDs []int64
	for _, l := range res.Locks {
		lockIDs = append(lockIDs, l.ID)
	}
	starts, ends := req.Starts, req.Ends
	if req.Permanent {
		starts, ends = time.Time{}, time.Time{}
	}
	a, token, err := s.db.CreateAccess(ctx, db.NewAccess{GuestID: res.Guest.ID, GuestName: res.Guest.Name, LockIDs: lockIDs,
		PIN: pin, StartsAt: starts, EndsAt: ends, TimeZone: zone, CreatedBy: by.ID,
		Link: db.LinkOptions{TTL: req.LinkTTL, Passphrase: req.Passphrase}})
	var conflict *db.PINConflictError
	if errors.As(err, &conflict) {
		// Another owner took a clashing code between the check and the save.
		return res, fieldErrors{fPIN: "This code clashes with a code just added to one of the doors. Choose another, or leave it empty."}, nil
	}
	if err != nil {
		return res, nil, err
	}
	res.Access, res.Token, res.URL = a, token, s.cfg.origin()+"/s/"+token
	s.locks.Nudge()
	return res, nil, nil
}

// windowProblems checks a window as "give access" and "change window" both need
// it; permanent must be an explicit choice. A start equal to kept (the current
// start of a window being changed) may lie further back than a day. Messages go
// into errs.
func windowProblems(errs fieldErrors, permanent bool, starts, ends, now, kept time.Time) {
	if permanent {
		return
	}
	switch {
	case starts.IsZero():
		errs[fStarts] = "Choose when the access starts."
	case now.Sub(starts) > 24*time.Hour && !(!kept.IsZero() && starts.Equal(kept)):
		errs[fStarts] = "The start is more than a day in the past. Choose now or later."
	}
	switch {
	case ends.IsZero():
		errs[fEnds] = "Choose when the access ends, or make it permanent."
	case !starts.IsZero() && !ends.After(starts):
		errs[fEnds] = "The end must be after the start."
	case !ends.After(now):
		errs[fEnds] = "The end is in the past."
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

// auditAccessGiven records a new access and its first link, for the form and the
// API alike. The details name the guest, doors and window: never the code or
// the link's token.
func (s *Server) auditAccessGiven(c echo.Context, by db.Owner, res accessResult) {
	loc := zoneOf(res.Access.TimeZone)
	s.audit(c, by, db.AuditAccessCreated, "access for "+res.Guest.Name+" to "+doorNames(res.Locks)+", "+
		windowText(res.Access.StartsAt, res.Access.EndsAt, loc)+" ("+res.Access.TimeZone+")")
	s.audit(c, by, db.AuditLinkCreated, "share link for "+res.Guest.Name)
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

func pinProblem(err error) string {
	var pe *lock.PINError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return fmt.Sprintf("Gatehouse could not find a free code for these doors (%v): remove codes that are no longer needed.", err)
}
