package web

import (
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

// emptyCodeForm suggests a window from the next quarter hour for one day.
func (s *Server) emptyCodeForm(l db.Lock) views.AddCodeForm {
	loc := domain.ZoneOf(l.TimeZone)
	start := s.db.Now().In(loc).Truncate(15 * time.Minute).Add(15 * time.Minute)
	lo, hi := access.PINRules(l).Bounds()
	lengths := strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " digits"
	if lo == hi {
		lengths = strconv.Itoa(lo) + " digits"
	}
	return views.AddCodeForm{Starts: start.Format(domain.DateTimeLayout), Ends: start.Add(24 * time.Hour).Format(domain.DateTimeLayout),
		Zone: l.TimeZone, Lengths: lengths}
}

// codeForm adds a code to one lock. Its window and PIN are checked against the
// lock (its zone, its rules, its other codes) by the access service.
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
	f.Label, msg = domain.CheckName(f.Label, "who the code is for")
	errs.add(access.FieldLabel, msg)
	f.PIN = strings.TrimSpace(f.PIN)
	return errs
}

func (s *Server) addCode(c echo.Context) error {
	l, err := s.lockFromPath(c)
	if err != nil {
		return err
	}
	var in codeForm
	errs := readForm(c, &in)
	req := access.CodeRequest{Label: in.Label, PIN: in.PIN, Permanent: in.Permanent}
	if !in.Permanent {
		// A value that does not parse is given to the service as missing.
		loc := domain.ZoneOf(l.TimeZone)
		req.Starts, _ = domain.ParseDateTime(in.Starts, loc)
		req.Ends, _ = domain.ParseDateTime(in.Ends, loc)
	}
	more, err := s.access.AddCode(c.Request().Context(), pageActor(c), l, req)
	if err != nil {
		return err
	}
	errs.merge(fieldErrors(more))
	p, err := s.lockView(c, l)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		p.AddCode.Added = "Code for " + in.Label + " added. It goes on the lock when its window opens; its status in the list above shows when the lock confirms it."
		return render(c, http.StatusOK, views.Lock(p))
	}
	// A refused or generated code is never echoed back into the page.
	f := s.emptyCodeForm(l)
	f.Label, f.Starts, f.Ends, f.Permanent = in.Label, in.Starts, in.Ends, in.Permanent
	f.LabelError, f.PINError = errs[access.FieldLabel], errs[access.FieldPIN]
	f.StartsError, f.EndsError = errs[access.FieldStarts], errs[access.FieldEnds]
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
	if err := s.access.RevokeCode(c.Request().Context(), pageActor(c), l, k); err != nil {
		return err
	}
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
	if err := s.access.RetryCode(c.Request().Context(), pageActor(c), l, k); err != nil {
		return err
	}
	return redirect(c, paths.Done(paths.Lock(l.ID), "retry"))
}
