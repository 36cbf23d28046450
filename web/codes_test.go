package web

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// Each action on a lock's code writes its change and its audit line in one
// write (one transaction), so no crash can keep the change and lose its line.
// A refused code writes nothing; revoking again writes no second line.
func TestCodeActionsAuditInTheirWrite(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Olivia")
	l := app.addSimLock("Front door")
	codePath := func(action string) string {
		t.Helper()
		codes, err := app.db.LockCodes(context.Background(), l.ID)
		if err != nil || len(codes) != 1 {
			t.Fatalf("codes of the lock: got %d, %v; want 1", len(codes), err)
		}
		return lockPath(l, "/codes/"+strconv.FormatInt(codes[0].ID, 10)+action)
	}
	failed := func() {
		t.Helper()
		codes, err := app.db.LockCodes(context.Background(), l.ID)
		if err != nil || len(codes) != 1 {
			t.Fatalf("codes of the lock: got %d, %v; want 1", len(codes), err)
		}
		err = app.db.ObserveCode(context.Background(), codes[0].ID, db.CodeObservation{Status: domain.StatusFailed, Error: "lock refused"})
		if err != nil {
			t.Fatal(err)
		}
	}

	for _, step := range []struct {
		name   string
		before func()
		do     func() response
		status int
		writes uint64
		audit  map[string]int // lines of each action after the step
	}{
		{"add", nil, func() response { return c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Ben", "583920")) },
			http.StatusOK, 1, map[string]int{db.AuditCodeCreated: 1}},
		{"add a clashing code", nil, func() response { return c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Cleo", "5839")) },
			http.StatusUnprocessableEntity, 0, map[string]int{db.AuditCodeCreated: 1}},
		{"retry", failed, func() response { return c.postForm(codePath("/retry"), nil) },
			http.StatusSeeOther, 1, map[string]int{db.AuditCodeRetried: 1}},
		{"revoke", nil, func() response { return c.postForm(codePath("/revoke"), nil) },
			http.StatusSeeOther, 1, map[string]int{db.AuditCodeRevoked: 1}},
		{"revoke again", nil, func() response { return c.postForm(codePath("/revoke"), nil) },
			http.StatusSeeOther, 1, map[string]int{db.AuditCodeRevoked: 1}},
	} {
		if step.before != nil {
			step.before()
		}
		res, n := app.writesOf(step.do)
		if res.Status != step.status || n != step.writes {
			t.Errorf("%s: got %d in %d writes, want %d in %d", step.name, res.Status, n, step.status, step.writes)
		}
		for action, want := range step.audit {
			if got := app.countAudit(action); got != want {
				t.Errorf("%s: %d %s lines, want %d", step.name, got, action, want)
			}
		}
	}
	if got := app.codeStatus(l, "Ben"); got != domain.StatusScheduled {
		t.Errorf("retried, then revoked before any pass: got status %s, want scheduled", got)
	}
}
