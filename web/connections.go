package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// DefaultSeamURL is Seam Connect's API address.
const DefaultSeamURL = "https://connect.getseam.com"

func (s *Server) connectionsView(c echo.Context) (views.ConnectionsPage, error) {
	ctx := c.Request().Context()
	conns, err := s.db.Connections(ctx)
	if err != nil {
		return views.ConnectionsPage{}, err
	}
	p := views.ConnectionsPage{Page: s.page(c, "Connections", views.SectionSettings), Seam: views.SeamForm{BaseURL: DefaultSeamURL}}
	now := s.db.Now()
	for _, cn := range conns {
		locks, err := s.db.ConnectionLocks(ctx, cn.ID)
		if err != nil {
			return p, err
		}
		name := cn.Name
		p.Connections = append(p.Connections, views.ConnectionRow{ID: cn.ID, Kind: s.locks.KindLabel(cn.Kind), Name: name, Locks: len(locks),
			LastSync: views.Ago(now, cn.LastSyncAt), LastError: cn.LastError})
	}
	if c.QueryParam("done") == "removed" {
		p.Flash = "Connection removed."
	}
	return p, nil
}

func (s *Server) connectionsPage(c echo.Context) error {
	p, err := s.connectionsView(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Connections(p))
}

// addSeamForm connects a Seam workspace by its API key.
type addSeamForm struct {
	Name    string `form:"name"`
	BaseURL string `form:"base_url"`
	APIKey  string `form:"api_key"`
}

func (f *addSeamForm) Validate() fieldErrors {
	errs := fieldErrors{}
	f.Name, f.BaseURL, f.APIKey = strings.TrimSpace(f.Name), strings.TrimSpace(f.BaseURL), strings.TrimSpace(f.APIKey)
	if f.Name == "" {
		f.Name = "Seam"
	}
	var msg string
	f.Name, msg = domain.CheckName(f.Name, "a name")
	errs.add("name", msg)
	if f.BaseURL == "" {
		f.BaseURL = DefaultSeamURL
	}
	if u, err := url.Parse(f.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs.add("base_url", "Enter an address such as "+DefaultSeamURL+".")
	}
	if f.APIKey == "" {
		errs.add("api_key", "Paste the API key from your Seam workspace.")
	} else if len(f.APIKey) > 200 || strings.ContainsAny(f.APIKey, " \t\r\n") {
		errs.add("api_key", "That does not look like a Seam API key.")
	}
	return errs
}

// addSeam tests an API key against Seam, and saves it (sealed) only if it works.
func (s *Server) addSeam(c echo.Context) error {
	p, err := s.connectionsView(c)
	if err != nil {
		return err
	}
	var in addSeamForm
	errs := readForm(c, &in)
	key := in.APIKey
	f := &p.Seam // the key is never echoed back into the page
	*f = views.SeamForm{Name: in.Name, BaseURL: in.BaseURL, NameError: errs["name"], BaseURLError: errs["base_url"], KeyError: errs["api_key"]}
	if len(errs) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.Connections(p))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 20*time.Second)
	defer cancel()
	devices, err := s.locks.TestConnection(ctx, "seam", f.BaseURL, key)
	if err != nil {
		f.KeyError = seamTestMessage(err)
		return render(c, http.StatusUnprocessableEntity, views.Connections(p))
	}
	conn, err := s.db.CreateConnection(c.Request().Context(), "seam", f.Name, f.BaseURL, key)
	if err != nil {
		return err
	}
	s.audit(c, auditActor(c), db.AuditConnectionAdded, fmt.Sprintf("Seam account “%s”, %d locks", conn.Name, len(devices)))
	s.locks.Nudge()
	if p, err = s.connectionsView(c); err != nil {
		return err
	}
	p.Flash = fmt.Sprintf("Connected “%s”. Gatehouse found %s; they appear on the Locks page within a few seconds.", conn.Name, plural(len(devices), "lock", "locks"))
	for _, d := range devices {
		p.Found = append(p.Found, strings.TrimSpace(d.Name+" ("+d.Manufacturer+" "+d.Model+")"))
	}
	return render(c, http.StatusOK, views.Connections(p))
}

// seamTestMessage explains a failed key test without echoing the key.
func seamTestMessage(err error) string {
	switch lock.KindOf(err) {
	case lock.Auth:
		return "Seam refused this API key. Check that you copied all of it and that it has not been revoked."
	case lock.Permanent:
		return "Seam refused the request: " + errMessage(err)
	}
	return "Gatehouse could not reach Seam at that address (" + errMessage(err) + "). Check the address and your connection, then try again."
}

func errMessage(err error) string {
	var le *lock.Error
	if errors.As(err, &le) {
		return le.Message
	}
	return "network error"
}

func (s *Server) removeConnection(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	conn, err := s.db.Connection(ctx, id)
	if err != nil {
		return err
	}
	var inUse *db.ErrConnectionInUse
	err = s.db.RemoveConnection(ctx, id)
	switch {
	case errors.As(err, &inUse):
		p, err := s.connectionsView(c)
		if err != nil {
			return err
		}
		p.Error = fmt.Sprintf("“%s” cannot be removed yet: %s are still on its locks. Revoke them and wait until their status is “removed”, so no code is left on a door with nobody to remove it.",
			conn.Name, plural(inUse.Codes, "code managed by Gatehouse", "codes managed by Gatehouse"))
		return render(c, http.StatusConflict, views.Connections(p))
	case err != nil:
		return err
	}
	s.audit(c, auditActor(c), db.AuditConnectionRemoved, conn.Name)
	return redirect(c, paths.Done(paths.Connections(), "removed"))
}
