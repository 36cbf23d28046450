package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// A lock page's code is checked against the lock and saved with its line;
// retry and revoke write theirs with their change, and each nudges.
func TestCodeActions(t *testing.T) {
	f := newFixture(t)
	l := f.lock("Front door", "Europe/Berlin")
	day := access.CodeRequest{Label: " Cleaner ", PIN: "583920", Starts: f.now.Add(time.Hour), Ends: f.now.Add(25 * time.Hour)}

	for _, tc := range []struct {
		name   string
		edit   func(*access.CodeRequest)
		fields []string
	}{
		{"no label, no window", func(r *access.CodeRequest) { r.Label, r.Starts, r.Ends = "", time.Time{}, time.Time{} },
			[]string{access.FieldLabel, access.FieldStarts, access.FieldEnds}},
		{"code too short", func(r *access.CodeRequest) { r.PIN = "123" }, []string{access.FieldPIN}},
	} {
		req := day
		tc.edit(&req)
		errs, err := f.svc.AddCode(f.ctx, olivia, l, req)
		if err != nil || len(errs) != len(tc.fields) {
			t.Errorf("%s: got %v, %v; want messages for %v", tc.name, errs, err, tc.fields)
		}
		for _, k := range tc.fields {
			if errs[k] == "" {
				t.Errorf("%s: got no message for %s", tc.name, k)
			}
		}
	}
	if f.actions() != "" || f.nudges.Load() != 0 {
		t.Fatalf("refused codes: got audit %q, %d nudges; want nothing", f.actions(), f.nudges.Load())
	}

	if errs, err := f.svc.AddCode(f.ctx, olivia, l, day); err != nil || len(errs) > 0 {
		t.Fatalf("add: got %v, %v; want it saved", errs, err)
	}
	clash := day
	clash.PIN = "5839201"
	if errs, err := f.svc.AddCode(f.ctx, olivia, l, clash); err != nil || !strings.Contains(errs[access.FieldPIN], "starts with another code") {
		t.Errorf("clashing code: got %v, %v; want a message beside the code", errs, err)
	}
	codes, err := f.db.LockCodes(f.ctx, l.ID)
	if err != nil || len(codes) != 1 || codes[0].Label != "Cleaner" {
		t.Fatalf("codes: got %d (%v), want the one for Cleaner", len(codes), err)
	}
	k := codes[0]
	if err := f.db.ObserveCode(f.ctx, k.ID, db.CodeObservation{Status: domain.StatusFailed, Error: "lock refused"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RetryCode(f.ctx, olivia, l, k); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.svc.RevokeCode(f.ctx, olivia, l, k); err != nil {
			t.Fatal(err)
		}
	}
	want := db.AuditCodeCreated + "," + db.AuditCodeRetried + "," + db.AuditCodeRevoked
	if got := f.actions(); got != want || f.nudges.Load() != 4 {
		t.Errorf("code actions: got audit %q, %d nudges; want %q, 4", got, f.nudges.Load(), want)
	}
	if got := f.audit()[0].Detail; got != "code for Cleaner on Front door, 2 Mar 14:00 → 3 Mar 14:00" {
		t.Errorf("add's line: got %q", got)
	}
}
