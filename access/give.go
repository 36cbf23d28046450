package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// GiveRequest is "give access", from the owner's form or the JSON API, with
// times already parsed in the doors' zone.
type GiveRequest struct {
	GuestID    int64 // an existing guest, or 0 to create one from GuestName
	GuestName  string
	GuestNote  string
	LockIDs    []int64
	Permanent  bool // must be explicit; then Starts and Ends are ignored
	Starts     time.Time
	Ends       time.Time
	PIN        string // empty: generated
	PINLength  int    // for a generated PIN; 0: the doors' shortest allowed
	LinkTTL    time.Duration
	Passphrase string
}

// Given is what "give access" made. Token is the share link's secret, shown
// once to the owner and never stored.
type Given struct {
	Guest  db.Guest
	Access db.Access
	Locks  []db.Lock
	Token  string
}

// MaxLinkTTL is the longest a share link may live.
const MaxLinkTTL = 90 * 24 * time.Hour

// Give checks a request and stores guest, access, codes, link and audit lines
// in one write. Nothing is saved when any field is wrong, the PIN included: it
// is checked against the doors' codes inside that write. The reconciler is
// nudged when something was saved.
func (s *Service) Give(ctx context.Context, by Actor, req GiveRequest) (Given, FieldErrors, error) {
	res, rules, errs, err := s.check(ctx, req)
	if err != nil || len(errs) > 0 {
		return res, errs, err
	}
	return s.save(ctx, by, req, res, rules)
}

// Check judges a request as Give would, without saving anything, so a form or
// an API body refused for its own reasons can still show every message at
// once. It never says whether a typed PIN clashes with a code on the doors.
func (s *Service) Check(ctx context.Context, req GiveRequest) (FieldErrors, error) {
	_, _, errs, err := s.check(ctx, req)
	return errs, err
}

// check validates a request without saving anything and returns the code
// rules every chosen door accepts. A typed PIN is checked against those rules
// here; whether it clashes with a code on the doors is save's to check, inside
// the write.
func (s *Service) check(ctx context.Context, req GiveRequest) (Given, domain.PINRules, FieldErrors, error) {
	errs := FieldErrors{}
	var res Given
	rules := domain.PINRules{}

	if req.GuestID != 0 {
		g, err := s.store.Guest(ctx, req.GuestID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			errs[FieldGuest] = "This guest does not exist (any more). Pick another, or add a new guest."
		case err != nil:
			return res, rules, nil, err
		}
		res.Guest = g
	} else {
		name, msg := domain.CheckName(req.GuestName, "the guest's name")
		if msg != "" {
			errs[FieldGuestName] = msg
		}
		note := strings.TrimSpace(req.GuestNote)
		if msg := domain.CheckNote(note); msg != "" {
			errs[FieldGuestNote] = msg
		}
		res.Guest = db.Guest{Name: name, Note: note} // stored with the access
	}

	if len(req.LockIDs) == 0 {
		errs[FieldLocks] = "Choose at least one door."
	}
	seen := map[int64]bool{}
	for _, id := range req.LockIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		l, err := s.store.Lock(ctx, id)
		if errors.Is(err, db.ErrNotFound) {
			errs[FieldLocks] = "One of the chosen doors does not exist (any more)."
			continue
		}
		if err != nil {
			return res, rules, nil, err
		}
		res.Locks = append(res.Locks, l)
	}

	windowProblems(errs, req.Permanent, req.Starts, req.Ends, s.now(), time.Time{})
	if req.LinkTTL < 0 || req.LinkTTL > MaxLinkTTL {
		errs[FieldLinkTTL] = "A link can live from a few minutes up to 90 days."
	}
	if msg := PassphraseProblem(req.Passphrase); msg != "" {
		errs[FieldPassphrase] = msg
	}

	// One PIN for every chosen door: it must suit each lock's rules.
	rules = CommonPINRules(res.Locks)
	if zones := lockZones(res.Locks); len(zones) > 1 {
		// An access has one window on one wall clock; doors in different zones
		// would each read it differently.
		errs[FieldLocks] = "These doors are in different time zones (" + strings.Join(zones, ", ") + "). Give access to each zone separately."
	}
	if len(res.Locks) > 0 && rules.MinLen > rules.MaxLen {
		errs[FieldLocks] = "These doors accept no common code length; give access to them separately."
	}
	if errs[FieldLocks] != "" || len(res.Locks) == 0 {
		return res, rules, errs, nil
	}
	pin := strings.TrimSpace(req.PIN)
	if pin == "" {
		if lo, hi := rules.Bounds(); req.PINLength != 0 && (req.PINLength < lo || req.PINLength > hi) {
			errs[FieldPIN] = fmt.Sprintf("This lock takes codes of %d to %d digits.", lo, hi)
		}
		return res, rules, errs, nil
	}
	// The rules only: a clash with a code on the lock is found inside the write
	// (save). Checking it here too, on a request refused for another reason,
	// would let anyone signed in (or any API token) test which codes a door
	// holds without saving or auditing anything.
	if err := domain.CheckPIN(pin, rules, nil); err != nil {
		errs[FieldPIN] = err.Error()
	}
	return res, rules, errs, nil
}

// save stores what check accepted, in one write: the new guest if any, the
// access, its codes, its link and the audit lines. The PIN is decided inside
// it (typed: checked; empty: generated) against the codes live on the doors at
// that moment, so two owners racing for one code cannot both have it, and a
// refused PIN leaves nothing behind, not even the new guest.
func (s *Service) save(ctx context.Context, by Actor, req GiveRequest, res Given, rules domain.PINRules) (Given, FieldErrors, error) {
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
	a, token, err := s.store.CreateAccess(ctx, db.NewAccess{GuestID: req.GuestID, GuestName: res.Guest.Name,
		GuestNote: res.Guest.Note, LockIDs: lockIDs, PINFor: pinFor, StartsAt: starts, EndsAt: ends, TimeZone: zone,
		CreatedBy: by.OwnerID, Link: db.LinkOptions{TTL: req.LinkTTL, Passphrase: req.Passphrase},
		Audit: givenAudit(by, res.Guest.Name, res.Locks, starts, ends, zone)})
	switch {
	case errors.Is(refused(err), ErrCodeRefused):
		return res, FieldErrors{FieldPIN: Reason(refused(err))}, nil
	case errors.Is(err, db.ErrPINConflict):
		return res, FieldErrors{FieldPIN: "This code clashes with a code just added to one of the doors. Choose another, or leave it empty."}, nil
	case err != nil:
		return res, nil, err
	}
	if req.GuestID == 0 {
		res.Guest.ID, res.Guest.CreatedAt = a.GuestID, a.CreatedAt
	}
	res.Access, res.Token = a, token
	s.nudge()
	return res, nil, nil
}

// MinPassphraseLen is the shortest share passphrase accepted. Five wrong
// guesses lock a link, so length guards less against guessing online than
// against a short word read over a shoulder or guessed from the guest's name;
// 8 is the floor NIST SP 800-63B sets for memorised secrets.
const MinPassphraseLen = 8

// PassphraseProblem is the field message for a share passphrase, "" when it
// is fine. Empty means no passphrase (or, on a rotation, keep the old one).
func PassphraseProblem(p string) string {
	switch n := utf8.RuneCountInString(p); {
	case n == 0:
		return ""
	case n < MinPassphraseLen:
		return fmt.Sprintf("Use at least %d characters for the passphrase, or leave it empty.", MinPassphraseLen)
	case n > 100:
		return "Keep the passphrase to 100 characters or fewer."
	}
	return ""
}

// givenAudit is the audit of a new access and its first link, written with it.
// The details name the guest, doors and window: never the code or the link's
// token.
func givenAudit(by Actor, guest string, locks []db.Lock, starts, ends time.Time, zone string) []db.AuditEntry {
	return []db.AuditEntry{
		by.line(db.AuditAccessCreated, "access for "+guest+" to "+DoorNames(locks)+", "+domain.WindowText(starts, ends, domain.ZoneOf(zone))+" ("+zone+")"),
		by.line(db.AuditLinkCreated, "share link for "+guest),
	}
}
