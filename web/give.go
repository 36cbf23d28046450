package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	errs := fieldErrors{}
	var res accessResult
	now := s.db.Now()

	if req.GuestID != 0 {
		g, err := s.db.Guest(ctx, req.GuestID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			errs[fGuest] = "This guest does not exist (any more). Pick another, or add a new guest."
		case err != nil:
			return res, nil, err
		}
		res.Guest = g
	} else {
		name, msg := validName(req.GuestName, "the guest's name")
		if msg != "" {
			errs[fGuestName] = msg
		}
		req.GuestName = name
		if utf8.RuneCountInString(req.GuestNote) > 500 {
			errs[fGuestName] = "Keep the note to 500 characters or fewer."
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
			return res, nil, err
		}
		res.Locks = append(res.Locks, l)
	}

	if !req.Permanent {
		switch {
		case req.Starts.IsZero():
			errs[fStarts] = "Choose when the access starts."
		case now.Sub(req.Starts) > 24*time.Hour:
			errs[fStarts] = "The start is more than a day in the past. Choose now or later."
		}
		switch {
		case req.Ends.IsZero():
			errs[fEnds] = "Choose when the access ends, or make it permanent."
		case !req.Starts.IsZero() && !req.Ends.After(req.Starts):
			errs[fEnds] = "The end must be after the start."
		case !req.Ends.After(now):
			errs[fEnds] = "The end is in the past."
		}
	}
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
			return res, nil, err
		}
		others = append(others, pins...)
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
		return res, errs, nil
	}

	if req.GuestID == 0 {
		g, err := s.db.CreateGuest(ctx, req.GuestName, strings.TrimSpace(req.GuestNote))
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

func pinProblem(err error) string {
	var pe *lock.PINError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return fmt.Sprintf("Gatehouse could not find a free code for these doors (%v): remove codes that are no longer needed.", err)
}
