package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// auditWords says what each audit action means, for people.
var auditWords = map[string]string{
	db.AuditSignIn:           "Signed in",
	db.AuditSignInFailed:     "Failed sign-in",
	db.AuditSignCountBad:     "Passkey refused: possible copy",
	db.AuditSignOut:          "Signed out",
	db.AuditPasskeyAdded:     "Passkey added",
	db.AuditPasskeyRenamed:   "Passkey renamed",
	db.AuditPasskeyRemoved:   "Passkey removed",
	db.AuditInviteCreated:    "Invite created",
	db.AuditInviteUsed:       "Invite used",
	db.AuditOwnerRemoved:     "Owner removed",
	db.AuditOwnerApproved:    "Owner approved",
	db.AuditOwnerRoleChanged: "Owner's role changed",
	db.AuditRestored:         "Restored from a backup",
	db.AuditSessionsRevoked:  "Sessions signed out",

	db.AuditConnectionAdded:   "Connection added",
	db.AuditConnectionRemoved: "Connection removed",
	db.AuditLockAdded:         "Lock added",
	db.AuditLockChanged:       "Lock settings changed",
	db.AuditCodeCreated:       "Code created",
	db.AuditCodeRevoked:       "Code revoked",
	db.AuditCodeRetried:       "Code retried",
	db.AuditUnmanagedRemoved:  "Unknown code removal requested",

	db.AuditAccessCreated:  "Access given",
	db.AuditAccessRevoked:  "Access revoked",
	db.AuditAccessRotated:  "Code rotated",
	db.AuditWindowChanged:  "Window changed",
	db.AuditLinkCreated:    "New share link",
	db.AuditLinkOpened:     "Share link opened",
	db.AuditLinkRevealed:   "Code revealed to guest",
	db.AuditLinkPassphrase: "Wrong link passphrase",
	db.AuditCodeViewed:     "Code viewed by owner",
	db.AuditGuestChanged:   "Guest changed",

	db.AuditAPITokenCreated: "API token created",
	db.AuditAPITokenRevoked: "API token revoked",
	db.AuditAPITokenEnabled: "API token enabled again",
}

var auditAlerts = map[string]bool{db.AuditSignInFailed: true, db.AuditSignCountBad: true, db.AuditLinkPassphrase: true}

const activityPageSize = 50

func (s *Server) activityPage(c echo.Context) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64) // garbage means "from the newest"
	entries, err := s.db.AuditLog(c.Request().Context(), max(before, 0), activityPageSize)
	if err != nil {
		return err
	}
	p := views.ActivityPage{Page: s.page(c, "Activity", views.SectionSettings)}
	for _, e := range entries {
		what, ok := auditWords[e.Action]
		if !ok {
			what = e.Action
		}
		actor := e.Actor
		if actor == "" {
			actor = "—"
		}
		p.Rows = append(p.Rows, views.ActivityRow{When: views.When(e.At), Actor: actor, What: what, IP: e.IP,
			Detail: e.Detail, Alert: auditAlerts[e.Action]})
	}
	if len(entries) == activityPageSize {
		p.NextHref = paths.ActivityBefore(entries[len(entries)-1].ID)
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.ActivityRows(p))
	}
	return render(c, http.StatusOK, views.Activity(p))
}
