package db

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"
)

// TestCodeChangesAuditInTheirTransaction: adding, retrying and revoking a code
// write the audit lines given in their own transaction; one that changes
// nothing (a clashing code refused, an unknown code, revoking again) writes
// none.
func TestCodeChangesAuditInTheirTransaction(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	l := simLockForTest(t, d, "Door", "UTC")
	now := time.Now()
	line := func(action string) AuditEntry { return AuditEntry{Action: action, Detail: "test"} }
	count := func() map[string]int {
		t.Helper()
		entries, err := d.AuditLog(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, e := range entries {
			out[e.Action]++
		}
		return out
	}
	create := func(pin string) error {
		_, err := d.CreateAccessCode(ctx, NewAccessCode{LockID: l.ID, Label: "Ben", PIN: pin,
			StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: "UTC"}, line(AuditCodeCreated))
		return err
	}
	var id int64
	for _, step := range []struct {
		name    string
		do      func() error
		wantErr error
		want    map[string]int
	}{
		{"create", func() error {
			if err := create("482913"); err != nil {
				return err
			}
			codes, err := d.LockCodes(ctx, l.ID)
			if err == nil && len(codes) == 1 {
				id = codes[0].ID
			}
			return err
		}, nil, map[string]int{AuditCodeCreated: 1}},
		{"create a clashing code", func() error { return create("4829") },
			ErrPINConflict, map[string]int{AuditCodeCreated: 1}},
		{"retry", func() error { return d.RetryAccessCode(ctx, id, line(AuditCodeRetried)) },
			nil, map[string]int{AuditCodeCreated: 1, AuditCodeRetried: 1}},
		{"retry an unknown code", func() error { return d.RetryAccessCode(ctx, 999, line(AuditCodeRetried)) },
			ErrNotFound, map[string]int{AuditCodeCreated: 1, AuditCodeRetried: 1}},
		{"revoke", func() error { _, err := d.RevokeAccessCode(ctx, id, line(AuditCodeRevoked)); return err },
			nil, map[string]int{AuditCodeCreated: 1, AuditCodeRetried: 1, AuditCodeRevoked: 1}},
		{"revoke again", func() error { _, err := d.RevokeAccessCode(ctx, id, line(AuditCodeRevoked)); return err },
			nil, map[string]int{AuditCodeCreated: 1, AuditCodeRetried: 1, AuditCodeRevoked: 1}},
		{"revoke an unknown code", func() error { _, err := d.RevokeAccessCode(ctx, 999, line(AuditCodeRevoked)); return err },
			ErrNotFound, map[string]int{AuditCodeCreated: 1, AuditCodeRetried: 1, AuditCodeRevoked: 1}},
	} {
		if err := step.do(); !errors.Is(err, step.wantErr) {
			t.Fatalf("%s: got %v, want %v", step.name, err, step.wantErr)
		}
		if got := count(); !maps.Equal(got, step.want) {
			t.Errorf("%s: audit lines %v, want %v", step.name, got, step.want)
		}
	}
}
