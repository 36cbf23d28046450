package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// writesOf runs do and returns its answer and how many writes it made.
func (a *testApp) writesOf(do func() response) (response, uint64) {
	before := a.db.WriterStats().Writes
	res := do()
	return res, a.db.WriterStats().Writes - before
}

// countAudit counts the audit lines of one action.
func (a *testApp) countAudit(action string) int {
	return strings.Count(","+strings.Join(a.auditActions(), ",,")+",", ","+action+",")
}

// Each action on an access writes its change and its audit lines in one write
// (one transaction), so no crash can keep the change and lose its line. A new
// link makes one write more: keeping the link for the page after the redirect
// (HoldLink); a rotation keeps its link in its own write. Revoking again
// writes no second line.
func TestAccessActionsAuditInTheirWrite(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	_, a := c.give(app.giveForm("Ana", l))
	loc := domain.ZoneOf(a.TimeZone)
	window := url.Values{"starts_date": {a.StartsAt.In(loc).Format(domain.DateLayout)}, "starts_time": {a.StartsAt.In(loc).Format(domain.ClockLayout)},
		"ends_date": {a.EndsAt.In(loc).AddDate(0, 0, 3).Format(domain.DateLayout)}, "ends_time": {"11:00"}}

	for _, step := range []struct {
		name, path string
		form       url.Values
		writes     uint64
		audit      map[string]int // lines of each action after the step
	}{
		{"change window", "/window", window, 1, map[string]int{db.AuditWindowChanged: 1}},
		{"new link", "/link", nil, 2, map[string]int{db.AuditLinkCreated: 2}},
		{"rotate", "/rotate", nil, 1, map[string]int{db.AuditAccessRotated: 1, db.AuditLinkCreated: 3}},
		{"revoke", "/revoke", nil, 1, map[string]int{db.AuditAccessRevoked: 1}},
		{"revoke again", "/revoke", nil, 1, map[string]int{db.AuditAccessRevoked: 1}},
	} {
		res, n := app.writesOf(func() response { return c.postForm(accessPath(a, step.path), step.form) })
		if res.Status != http.StatusSeeOther || n != step.writes {
			t.Errorf("%s: got %d in %d writes, want 303 in %d", step.name, res.Status, n, step.writes)
		}
		for action, want := range step.audit {
			if got := app.countAudit(action); got != want {
				t.Errorf("%s: %d %s lines, want %d", step.name, got, action, want)
			}
		}
		if step.name == "rotate" {
			a = app.lastAccess()
		}
	}
}

// The API's rotate and revoke write their audit lines with their change too.
func TestAPIAccessActionsAuditInTheirWrite(t *testing.T) {
	app := newAPIApp(t)
	id := app.giveCleo(48, nil).Access.ID
	path := func(id int64, action string) string { return "/api/v1/accesses/" + strconv.FormatInt(id, 10) + action }

	res, n := app.writesOf(func() response { return app.api(http.MethodPost, path(id, "/rotate"), app.rwToken, nil) })
	if res.Status != http.StatusCreated || n != 1 || app.countAudit(db.AuditAccessRotated) != 1 {
		t.Errorf("rotate: got %d in %d writes, %d access_rotated lines; want 201 in 1 write, 1 line", res.Status, n,
			app.countAudit(db.AuditAccessRotated))
	}
	id = decodeAPI[apiSharedJSON](t, res).Access.ID
	res, n = app.writesOf(func() response { return app.api(http.MethodPost, path(id, "/revoke"), app.rwToken, nil) })
	if res.Status != http.StatusOK || n != 1 || app.countAudit(db.AuditAccessRevoked) != 1 {
		t.Errorf("revoke: got %d in %d writes, %d access_revoked lines; want 200 in 1 write, 1 line", res.Status, n,
			app.countAudit(db.AuditAccessRevoked))
	}
	entries, err := app.db.AuditLog(t.Context(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[0]; e.Action != db.AuditAccessRevoked || e.Actor != "API token Booking" || e.OwnerID != app.owner.ID {
		t.Errorf("revoke's line: got %q by %q (owner %d), want access_revoked by API token Booking (owner %d)",
			e.Action, e.Actor, e.OwnerID, app.owner.ID)
	}
}
