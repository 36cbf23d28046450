package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// codeForm is an "Add a code" form for a window from now+1h for a day, in the lock's zone.
func (a *testApp) codeForm(l db.Lock, label, pin string) url.Values {
	loc := domain.ZoneOf(l.TimeZone)
	start := a.clock.Now().In(loc).Add(-time.Minute)
	return url.Values{"label": {label}, "pin": {pin},
		"starts": {start.Format(domain.DateTimeLayout)}, "ends": {start.Add(24 * time.Hour).Format(domain.DateTimeLayout)}}
}

func lockPath(l db.Lock, rest string) string { return "/locks/" + strconv.FormatInt(l.ID, 10) + rest }

func (a *testApp) codeStatus(l db.Lock, label string) domain.CodeStatus {
	a.t.Helper()
	codes, err := a.db.LockCodes(context.Background(), l.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, k := range codes {
		if k.Label == label {
			return k.Status
		}
	}
	return "(none)"
}

func TestAddSimLockFromLocksPage(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	if page := c.get("/locks").Body; !strings.Contains(page, "No locks yet") || !strings.Contains(page, `data-testid="add-sim-lock"`) {
		t.Fatal("empty locks page does not lead to adding a simulated lock")
	}
	res := c.postForm("/locks/sim", nil)
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/locks/") {
		t.Fatalf("add sim lock: got %d to %q, want 303 to the lock", res.Status, res.Header.Get("Location"))
	}
	page := c.get(res.Header.Get("Location")).Body
	for _, want := range []string{"Simulated door 1", `data-testid="keypad"`, "Europe/Berlin", "Lock added."} {
		if !strings.Contains(page, want) {
			t.Errorf("lock page lacks %q", want)
		}
	}
	if list := c.get("/locks").Body; strings.Count(list, `data-testid="lock-row"`) != 1 {
		t.Error("locks page does not list the new lock")
	}
}

func TestCodeLifecycleOnSimLock(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	l := app.addSimLock("Front door")
	if res := c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Ben", "583920")); res.Status != http.StatusOK {
		t.Fatalf("add code: got %d", res.Status)
	}
	app.reconcile()
	if got := app.codeStatus(l, "Ben"); got != domain.StatusSetting {
		t.Errorf("after one pass: got %s, want setting", got)
	}
	app.settle()
	if got := app.codeStatus(l, "Ben"); got != domain.StatusOnLock {
		t.Fatalf("after the lock confirmed: got %s, want on_lock", got)
	}
	res := c.postForm(lockPath(l, "/sim/keypad"), url.Values{"pin": {"583920"}})
	if !strings.Contains(res.Body, "Unlocked") {
		t.Errorf("keypad with the code: want Unlocked in %q", res.Body)
	}
	app.reconcile()
	live := c.get(lockPath(l, "/live")).Body
	// The lock's own timeline (outside the refreshing part, so "load more" holds).
	if !strings.Contains(c.get(lockPath(l, "")).Body, "Unlocked with Ben&#39;s code") {
		t.Errorf("lock page events lack the unlock attributed to Ben")
	}
	if strings.Contains(live, "583920") || strings.Contains(c.get(lockPath(l, "")).Body, "583920") {
		t.Error("the PIN appears on the owner's lock page")
	}
	codes, _ := app.db.LockCodes(context.Background(), l.ID)
	if codes[0].FirstUsedAt.IsZero() {
		t.Error("first use not recorded")
	}

	if res := c.postForm(lockPath(l, "/codes/"+strconv.FormatInt(codes[0].ID, 10)+"/revoke"), nil); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: got %d", res.Status)
	}
	app.reconcile()
	if got := app.codeStatus(l, "Ben"); got != domain.StatusRemoving {
		t.Errorf("after revoke: got %s, want removing until the lock confirms", got)
	}
	app.settle()
	if got := app.codeStatus(l, "Ben"); got != domain.StatusRemoved {
		t.Errorf("after the lock confirmed: got %s, want removed", got)
	}
	res = c.postForm(lockPath(l, "/sim/keypad"), url.Values{"pin": {"583920"}})
	if !strings.Contains(res.Body, "Wrong code") {
		t.Errorf("keypad after removal: want Wrong code in %q", res.Body)
	}
	for _, secret := range []string{"583920"} {
		if strings.Contains(app.logs.String(), secret) {
			t.Error("a PIN reached the log")
		}
		entries, _ := app.db.AuditLog(context.Background(), 0, 1000)
		for _, e := range entries {
			if strings.Contains(e.Detail, secret) {
				t.Errorf("a PIN reached the audit log: %q", e.Detail)
			}
		}
	}
}

func TestAddCodeBadInput(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	l := app.addSimLock("Front door")
	if res := c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Ben", "583920")); res.Status != http.StatusOK {
		t.Fatalf("add code: got %d", res.Status)
	}
	loc := domain.ZoneOf(l.TimeZone)
	now := app.clock.Now().In(loc)
	tests := []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"empty label", func(f url.Values) { f.Set("label", "") }, "Enter who the code is for"},
		{"short pin", func(f url.Values) { f.Set("pin", "58392") }, "6 to 8 digits"},
		{"letters", func(f url.Values) { f.Set("pin", "58a920") }, "digits only"},
		{"weak pin", func(f url.Values) { f.Set("pin", "123456") }, "consecutive"},
		{"duplicate", func(f url.Values) { f.Set("pin", "583920") }, "already on the lock"},
		{"prefix", func(f url.Values) { f.Set("pin", "5839201") }, "starts with another"},
		{"end before start", func(f url.Values) { f.Set("ends", now.Add(-2*time.Hour).Format(domain.DateTimeLayout)) }, "after the start"},
		{"start far in the past", func(f url.Values) { f.Set("starts", now.Add(-72*time.Hour).Format(domain.DateTimeLayout)) }, "in the past"},
		{"garbage date", func(f url.Values) { f.Set("ends", "soon") }, "tick “Permanent”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := app.codeForm(l, "Cleo", "720419")
			tt.change(f)
			res := c.postForm(lockPath(l, "/codes"), f)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.want) {
				t.Errorf("got %d, want 422 with %q", res.Status, tt.want)
			}
			if strings.Contains(res.Body, `value="`+f.Get("pin")+`"`) && f.Get("pin") != "" {
				t.Error("a refused PIN was echoed back into the form")
			}
		})
	}
	codes, _ := app.db.LockCodes(context.Background(), l.ID)
	if len(codes) != 1 {
		t.Errorf("codes after bad input: got %d, want 1", len(codes))
	}
	// An empty PIN is generated; permanent needs no dates.
	f := url.Values{"label": {"Dana"}, "permanent": {"1"}}
	if res := c.postForm(lockPath(l, "/codes"), f); res.Status != http.StatusOK {
		t.Errorf("generated permanent code: got %d %s", res.Status, res.Body[:200])
	}
}

func TestLockSettingsValidated(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	l := app.addSimLock("Front door")
	res := c.postForm(lockPath(l, "/settings"), url.Values{"name": {"Front"}, "time_zone": {"Mars/Olympus"}, "instructions": {"x"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Enter a time zone name") {
		t.Errorf("bad zone: got %d, want 422", res.Status)
	}
	got, _ := app.db.Lock(context.Background(), l.ID)
	if got.TimeZone != l.TimeZone || got.Name != "Front door" {
		t.Errorf("bad input changed the lock: %+v", got)
	}
	res = c.postForm(lockPath(l, "/settings"), url.Values{"name": {"Garden gate"}, "time_zone": {"America/New_York"},
		"instructions": {"Gate code is on the left."}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: got %d", res.Status)
	}
	got, _ = app.db.Lock(context.Background(), l.ID)
	if got.Name != "Garden gate" || got.TimeZone != "America/New_York" || got.Instructions != "Gate code is on the left." {
		t.Errorf("saved: got %+v", got)
	}
	// Discovery keeps the owner's name and zone.
	app.reconcile()
	if got, _ = app.db.Lock(context.Background(), l.ID); got.Name != "Garden gate" {
		t.Errorf("after discovery: name %q, want the owner's", got.Name)
	}
}

func TestOfflineLockRaisesOverdueAlert(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	l := app.addSimLock("Front door")
	c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Ben", "583920"))
	app.settle()
	c.postForm(lockPath(l, "/sim/offline"), nil)
	codes, _ := app.db.LockCodes(context.Background(), l.ID)
	c.postForm(lockPath(l, "/codes/"+strconv.FormatInt(codes[0].ID, 10)+"/revoke"), nil)
	app.reconcile()
	app.clock.Advance(3 * time.Minute)
	app.reconcile()
	if got := app.codeStatus(l, "Ben"); got == domain.StatusRemoved {
		t.Fatal("code marked removed while the lock is offline")
	}
	page := c.get(lockPath(l, "")).Body
	if !strings.Contains(page, "Ben&#39;s code was revoked") || !strings.Contains(page, "lock offline since") {
		t.Errorf("lock page lacks the overdue alert")
	}
	if list := c.get("/locks").Body; !strings.Contains(list, "code still on lock") || !strings.Contains(list, "offline") {
		t.Errorf("locks page does not flag the lock")
	}
	c.postForm(lockPath(l, "/sim/online"), nil)
	app.settle()
	app.settle()
	if got := app.codeStatus(l, "Ben"); got != domain.StatusRemoved {
		t.Errorf("after the lock came back: got %s, want removed", got)
	}
}

func TestKeypadOnlyOnSimLocks(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	if res := c.postForm("/locks/999/sim/keypad", url.Values{"pin": {"1"}}); res.Status != http.StatusNotFound {
		t.Errorf("unknown lock: got %d, want 404", res.Status)
	}
	l := app.addSimLock("Front door")
	if res := c.postForm(lockPath(l, "/sim/explode"), nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown switch: got %d, want 404", res.Status)
	}
}
