package web

import (
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

func (s *Server) settingsRedirect(c echo.Context) error { return redirect(c, paths.Passkeys()) }

// passkeysView builds Settings → Passkeys; status and edit carry a form's outcome.
func (s *Server) passkeysView(c echo.Context, edit int64, editErr string) (views.PasskeysPage, error) {
	a, _ := currentAuth(c)
	creds, err := s.db.Credentials(c.Request().Context(), a.owner.ID)
	if err != nil {
		return views.PasskeysPage{}, err
	}
	p := views.PasskeysPage{Page: s.page(c, "Passkeys", views.SectionSettings), Fresh: s.fresh(a)}
	now := s.db.Now()
	for _, k := range creds {
		row := views.PasskeyRow{ID: k.ID, Nickname: k.Nickname, Created: views.Day(k.CreatedAt),
			LastUsed: views.Ago(now, k.LastUsedAt), Synced: k.BackupEligible && k.BackupState,
			Authenticator: authenticatorName(k.AAGUID)}
		if k.ID == edit {
			row.NameError = editErr
		}
		p.Passkeys = append(p.Passkeys, row)
	}
	switch c.QueryParam("done") {
	case "added":
		p.Flash = "Passkey added."
	case "removed":
		p.Flash = "Passkey removed."
	case "renamed":
		p.Flash = "Passkey renamed."
	}
	return p, nil
}

func (s *Server) passkeysPage(c echo.Context) error {
	p, err := s.passkeysView(c, 0, "")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Passkeys(p))
}

type addPasskeyForm struct {
	Nickname string `json:"nickname"`
}

func (s *Server) addPasskeyBegin(c echo.Context) error {
	a, _ := currentAuth(c)
	var f addPasskeyForm
	if err := bindJSON(c, &f); err != nil {
		return err
	}
	nickname, msg := domain.CheckName(f.Nickname, "a name for the passkey")
	if msg != "" {
		return &appError{Status: http.StatusUnprocessableEntity, Message: msg, Field: "nickname"}
	}
	u, err := s.loadWAUser(c, a.owner)
	if err != nil {
		return err
	}
	// excludeCredentials stops a device that already holds one of this owner's
	// passkeys from making a second.
	options, session, err := s.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExclusions(webauthn.Credentials(u.WebAuthnCredentials()).CredentialDescriptors()))
	if err != nil {
		return err
	}
	return s.beginCeremony(c, db.Challenge{Kind: "add", OwnerID: a.owner.ID, Name: nickname}, session, options)
}

func (s *Server) addPasskeyFinish(c echo.Context) error {
	a, _ := currentAuth(c)
	ch, session, parsed, err := s.takeCreation(c, "add")
	if err != nil {
		return err
	}
	if ch.OwnerID != a.owner.ID {
		return errCeremonyGone
	}
	u, err := s.loadWAUser(c, a.owner)
	if err != nil {
		return err
	}
	cred, err := s.wa.CreateCredential(u, session, parsed)
	if err != nil {
		return ceremonyFailed(err)
	}
	k := dbCredential(cred, ch.Name)
	k.OwnerID = a.owner.ID
	_, err = s.db.AddCredential(c.Request().Context(), k)
	if errors.Is(err, db.ErrCredentialExists) {
		return errPasskeyExists
	}
	if err != nil {
		return err
	}
	s.audit(c, a.owner, db.AuditPasskeyAdded, "passkey “"+ch.Name+"”")
	return c.JSON(http.StatusOK, map[string]string{"redirect": paths.Done(paths.Passkeys(), "added")})
}

// renamePasskeyForm gives a passkey a new name.
type renamePasskeyForm struct {
	Nickname string `form:"nickname"`
}

func (f *renamePasskeyForm) Validate() fieldErrors {
	errs := fieldErrors{}
	var msg string
	f.Nickname, msg = domain.CheckName(f.Nickname, "a name for the passkey")
	errs.add("nickname", msg)
	return errs
}

func (s *Server) renamePasskey(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var f renamePasskeyForm
	if errs := readForm(c, &f); len(errs) > 0 {
		p, err := s.passkeysView(c, id, errs["nickname"])
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.Passkeys(p))
	}
	nickname := f.Nickname
	err = s.db.RenameCredential(c.Request().Context(), a.owner.ID, id, nickname)
	if err != nil {
		return err
	}
	s.audit(c, a.owner, db.AuditPasskeyRenamed, "now “"+nickname+"”")
	return redirect(c, paths.Done(paths.Passkeys(), "renamed"))
}

func (s *Server) removePasskey(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	nickname, err := s.db.RemoveCredential(c.Request().Context(), a.owner.ID, id)
	switch {
	case errors.Is(err, db.ErrLastCredential):
		p, err := s.passkeysView(c, 0, "")
		if err != nil {
			return err
		}
		p.Error = "This is your only passkey, so it cannot be removed: you could no longer sign in. Add another passkey first."
		return render(c, http.StatusConflict, views.Passkeys(p))
	case err != nil:
		return err
	}
	s.audit(c, a.owner, db.AuditPasskeyRemoved, "passkey “"+nickname+"”")
	return redirect(c, paths.Done(paths.Passkeys(), "removed"))
}
