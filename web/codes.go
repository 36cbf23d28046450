package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// emptyCodeForm suggests a window from the next quarter hour for one day.
func (s *Server) emptyCodeForm(l db.Lock) views.AddCodeForm {
	loc := domain.ZoneOf(l.TimeZone)
	start := s.db.Now().In(loc).Truncate(15 * time.Minute).Add(15 * time.Minute)
	lo, hi := pinRules(l).Bounds()
	lengths := strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " digits"
	if lo == hi {
		lengths = strconv.Itoa(lo) + " digits"
	}
	return views.AddCodeForm{Starts: start.Format(domain.DateTimeLayout), Ends: start.Add(24 * time.Hour).Format(domain.DateTimeLayout),
		Zone: l.TimeZone, Lengths: lengths}
}

// codeWindow reads and checks a form's window, a pair of datetime-local values
// in the lock's zone. It returns zero times for a permanent code; a value that
// does not parse is given to the check as missing.
func codeWindow(f *views.AddCodeForm, loc *time.Location, now time.Time) (time.Time, time.Time) {
	if f.Permanent {
		return time.Time{}, time.Time{}
	}
	start, _ := domain.ParseDateTime(f.Starts, loc)
	end, _ := domain.ParseDateTime(f.Ends, loc)
	errs := domain.CheckWindow(domain.Window{Start: start, End: end}, false, domain.CodeWindow, now, time.Time{})
	f.StartsError, f.EndsError = errs.Start, errs.End
	return start, end
}

// codeForm adds a code to one lock. Its window and PIN are checked against the
// lock (its zone, its rules, its other codes) by addCode.
type codeForm struct {
	Label     string `form:"label"`
	PIN       string `form:"pin"`
	Starts    string `form:"starts"`
	Ends      string `form:"ends"`
	Permanent bool   `form:"permanent"`
}

func (f *codeForm) Validate() fieldErrors {
	errs := fieldErrors{}
	var msg string
	f.Label, msg = validName(f.Label, "who the code is for")
	errs.add("label", msg)
	f.PIN = strings.TrimSpace(f.PIN)
	return errs
}

func (s *Server) addCode(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	loc := domain.ZoneOf(l.TimeZone)
	var in codeForm
	errs := readForm(c, &in)
	f := s.emptyCodeForm(l)
	f.Label, f.PIN, f.Starts, f.Ends, f.Permanent = in.Label, in.PIN, in.Starts, in.Ends, in.Permanent
	f.LabelError = errs["label"]
	start, end := codeWindow(&f, loc, s.db.Now())
	others, err := s.db.LivePINs(ctx, l.ID)
	if err != nil {
		return err
	}
	pin := f.PIN
	if pin == "" {
		lo, _ := pinRules(l).Bounds()
		if pin, err = domain.GeneratePIN(lo, pinRules(l), others); err != nil {
			f.PINError = "Gatehouse could not find a free code for this lock: remove codes that are no longer needed."
		}
	} else if err := domain.CheckPIN(pin, pinRules(l), others); err != nil {
		f.PINError = err.Error()
	}
	if f.LabelError == "" && f.PINError == "" && f.StartsError == "" && f.EndsError == "" {
		_, err = s.db.CreateAccessCode(ctx, db.NewAccessCode{LockID: l.ID, Label: f.Label, PIN: pin,
			StartsAt: start, EndsAt: end, TimeZone: l.TimeZone},
			auditLine(c, auditActor(c), db.AuditCodeCreated, "code for "+f.Label+" on "+l.Name+", "+windowText(start, end, loc)))
		switch {
		case errors.Is(err, db.ErrPINConflict):
			f.PINError = "This code clashes with another code on the lock. Choose another, or leave it empty."
		case err != nil:
			return err
		default:
			s.locks.Nudge()
			p, err := s.lockView(c, l)
			if err != nil {
				return err
			}
			p.AddCode.Added = "Code for " + f.Label + " added. It goes on the lock when its window opens; its status in the list above shows when the lock confirms it."
			return render(c, http.StatusOK, views.Lock(p))
		}
	}
	p, err := s.lockView(c, l)
	if err != nil {
		return err
	}
	f.PIN = "" // a refused or generated code is never echoed back into the page
	p.AddCode = f
	return render(c, http.StatusUnprocessableEntity, views.Lock(p))
}

// codeFromPath loads the code named in the URL, which must be on the URL's lock.
func (s *Server) codeFromPath(c echo.Context, l db.Lock) (db.AccessCode, error) {
	id, err := strconv.ParseInt(c.Param("code"), 10, 64)
	if err != nil {
		return db.AccessCode{}, echo.ErrNotFound
	}
	k, err := s.db.AccessCode(c.Request().Context(), id)
	if err == nil && k.LockID != l.ID {
		return db.AccessCode{}, echo.ErrNotFound
	}
	return k, err
}

func (s *Server) revokeCode(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	k, err := s.codeFromPath(c, l)
	if err != nil {
		return err
	}
	// Audited only by the request that revokes it, in the same write.
	_, err = s.db.RevokeAccessCode(c.Request().Context(), k.ID,
		auditLine(c, auditActor(c), db.AuditCodeRevoked, "code for "+k.Label+" on "+l.Name))
	if err != nil {
		return err
	}
	s.locks.Nudge()
	return redirect(c, paths.Done(paths.Lock(l.ID), "revoked"))
}

func (s *Server) retryCode(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	k, err := s.codeFromPath(c, l)
	if err != nil {
		return err
	}
	err = s.db.RetryAccessCode(c.Request().Context(), k.ID,
		auditLine(c, auditActor(c), db.AuditCodeRetried, "code for "+k.Label+" on "+l.Name))
	if err != nil {
		return err
	}
	s.locks.Nudge()
	return redirect(c, paths.Done(paths.Lock(l.ID), "retry"))
}
