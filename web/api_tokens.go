package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// Settings → API tokens: owners make, list and revoke the API's bearer tokens.

var scopeWords = map[string]string{db.ScopeRead: "Read only", db.ScopeReadWrite: "Read and write"}

func (s *Server) apiTokensView(c echo.Context) (views.APITokensPage, error) {
	a, _ := currentAuth(c)
	tokens, err := s.db.APITokens(c.Request().Context())
	if err != nil {
		return views.APITokensPage{}, err
	}
	p := views.APITokensPage{Page: s.page(c, "API tokens", views.SectionSettings), Fresh: s.fresh(a)}
	now := s.db.Now()
	for _, t := range tokens {
		row := views.APITokenRow{ID: t.ID, Name: t.Name, Scope: scopeWords[t.Scope], CreatedBy: t.CreatorName,
			Created: views.When(t.CreatedAt), LastUsed: "never", Orphaned: t.CreatedBy == 0}
		if !t.LastUsedAt.IsZero() {
			row.LastUsed = views.Ago(now, t.LastUsedAt)
		}
		if !t.RevokedAt.IsZero() {
			row.Revoked = views.When(t.RevokedAt)
		} else if !t.SuspendedAt.IsZero() {
			row.Suspended = true
		}
		if row.Orphaned {
			row.CreatedBy = "a removed owner"
		}
		p.Tokens = append(p.Tokens, row)
	}
	switch c.QueryParam("done") {
	case "revoked":
		p.Flash = "Token revoked. Programs using it are refused from now on."
	case "enabled":
		p.Flash = "Token enabled again. Programs using it are accepted from now on."
	}
	return p, nil
}

func (s *Server) apiTokensPage(c echo.Context) error {
	p, err := s.apiTokensView(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.APITokens(p))
}

// apiTokenForm names a new API token and chooses what it may do.
type apiTokenForm struct {
	Name  string `form:"name"`
	Scope string `form:"scope"`
}

func (f *apiTokenForm) Validate() fieldErrors {
	errs := fieldErrors{}
	var msg string
	f.Name, msg = domain.CheckName(f.Name, "a name for the token")
	errs.add("name", msg)
	if _, ok := scopeWords[f.Scope]; !ok {
		errs.add("scope", "Choose read only, or read and write.")
	}
	return errs
}

// createAPIToken makes a token and shows it once, in this response. Like an
// invite, it hands out lasting power, so it needs a fresh passkey assertion.
func (s *Server) createAPIToken(c echo.Context) error {
	a, _ := currentAuth(c)
	p, err := s.apiTokensView(c)
	if err != nil {
		return err
	}
	var f apiTokenForm
	errs := readForm(c, &f)
	p.Name, p.NameError, p.Scope, p.ScopeError = f.Name, errs["name"], f.Scope, errs["scope"]
	if len(errs) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.APITokens(p))
	}
	token, t, err := s.db.CreateAPIToken(c.Request().Context(), f.Name, f.Scope, a.owner.ID)
	if err != nil {
		return err
	}
	s.audit(c, a.owner, db.AuditAPITokenCreated, t.Name+" ("+scopeWords[t.Scope]+")")
	// Re-read so the new token is in the list.
	if p, err = s.apiTokensView(c); err != nil {
		return err
	}
	p.NewToken, p.NewName = token, t.Name
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, views.APITokens(p))
}

func (s *Server) revokeAPIToken(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	before, err := s.db.APIToken(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.RevokeAPIToken(ctx, id); err != nil {
		return err
	}
	if before.RevokedAt.IsZero() {
		s.audit(c, a.owner, db.AuditAPITokenRevoked, before.Name)
	}
	return redirect(c, paths.Done(paths.APITokens(), "revoked"))
}

// enableAPIToken lifts the suspension a restore put on a token: an admin
// decides, token by token, which programs may act again.
func (s *Server) enableAPIToken(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t, err := s.db.APIToken(ctx, id)
	if err != nil {
		return err // ErrNotFound becomes the 404 page
	}
	err = s.db.EnableAPIToken(ctx, id, auditLine(c, a.owner, db.AuditAPITokenEnabled, t.Name))
	if err != nil && !errors.Is(err, db.ErrNotFound) { // not suspended: nothing to do
		return err
	}
	return redirect(c, paths.Done(paths.APITokens(), "enabled"))
}
