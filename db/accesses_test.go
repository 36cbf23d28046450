package db

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// TestAccessLocks: one query gives an access's locks in lock order, whatever
// order they were given in, a lock removed since included.
func TestAccessLocks(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, name := range []string{"Front door", "Garden gate", "Shed"} {
		l, err := d.SyncLock(ctx, conn.ID, DeviceState{DeviceID: name, Name: name, Online: true}, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	now := time.Now()
	a, _, err := d.CreateAccess(ctx, NewAccess{GuestName: "Ana", LockIDs: []int64{ids[2], ids[0]}, PIN: "482913",
		StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.MarkLocksGone(ctx, conn.ID, []string{"Front door", "Garden gate"}); err != nil {
		t.Fatal(err)
	}
	if live, _ := d.Locks(ctx); len(live) != 2 {
		t.Fatalf("after the Shed was removed: got %d live locks, want 2", len(live))
	}
	got, err := d.AccessLocks(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range got {
		names = append(names, l.Name)
	}
	if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[2] || got[1].ConnectionKind == "" {
		t.Errorf("got %v, want Front door then Shed (removed since), each whole", names)
	}
	if none, err := d.AccessLocks(ctx, 999); err != nil || len(none) != 0 {
		t.Errorf("unknown access: got %d locks, %v; want none", len(none), err)
	}
}

// TestAccessLocksPlan: the access's codes come from access_codes_access, each
// lock and connection by its id; no table is scanned.
func TestAccessLocksPlan(t *testing.T) {
	d := openTest(t)
	plan, err := d.explain(context.Background(), accessLocksQ, []any{1})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "access_codes_access (access_id=?)") {
		t.Errorf("got plan\n%s\nwant the codes through access_codes_access", joined)
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN") || strings.Contains(step, "TEMP B-TREE") {
			t.Errorf("plan step %q scans or sorts", step)
		}
	}
}

// TestAccessChangesAuditInTheirTransaction: a window change, a new link, a
// rotation and a revoke write the audit lines given in their own transaction;
// one that changes nothing (refused, lost to another, revoking again) writes
// none.
func TestAccessChangesAuditInTheirTransaction(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	l := simLockForTest(t, d, "Door", "UTC")
	now := time.Now()
	a, _, err := d.CreateAccess(ctx, NewAccess{GuestName: "Ana", LockIDs: []int64{l.ID}, PIN: "482913",
		StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
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
	var next Access
	for _, step := range []struct {
		name    string
		do      func() error
		wantErr error
		want    map[string]int
	}{
		{"change window", func() error { return d.ChangeWindow(ctx, a.ID, now, now.Add(2*time.Hour), line(AuditWindowChanged)) },
			nil, map[string]int{AuditWindowChanged: 1}},
		{"new link", func() error { _, _, err := d.ReissueLink(ctx, a.ID, LinkOptions{}, line(AuditLinkCreated)); return err },
			nil, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 1}},
		{"rotate", func() error {
			var err error
			next, _, err = d.RotateAccess(ctx, a.ID, "739102", LinkOptions{}, line(AuditAccessRotated), line(AuditLinkCreated))
			return err
		}, nil, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1}},
		{"rotate the replaced access", func() error {
			_, _, err := d.RotateAccess(ctx, a.ID, "905713", LinkOptions{}, line(AuditAccessRotated), line(AuditLinkCreated))
			return err
		}, ErrAccessRevoked, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1}},
		{"new link for the replaced access", func() error {
			_, _, err := d.ReissueLink(ctx, a.ID, LinkOptions{}, line(AuditLinkCreated))
			return err
		}, ErrNotFound, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1}},
		{"change the replaced access's window", func() error {
			return d.ChangeWindow(ctx, a.ID, now, now.Add(3*time.Hour), line(AuditWindowChanged))
		}, ErrNotFound, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1}},
		{"revoke", func() error { return d.RevokeAccess(ctx, next.ID, line(AuditAccessRevoked)) },
			nil, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1, AuditAccessRevoked: 1}},
		{"revoke again", func() error { return d.RevokeAccess(ctx, next.ID, line(AuditAccessRevoked)) },
			nil, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1, AuditAccessRevoked: 1}},
		{"revoke an unknown access", func() error { return d.RevokeAccess(ctx, 999, line(AuditAccessRevoked)) },
			ErrNotFound, map[string]int{AuditWindowChanged: 1, AuditLinkCreated: 2, AuditAccessRotated: 1, AuditAccessRevoked: 1}},
	} {
		if err := step.do(); !errors.Is(err, step.wantErr) {
			t.Fatalf("%s: got %v, want %v", step.name, err, step.wantErr)
		}
		if got := count(); !maps.Equal(got, step.want) {
			t.Errorf("%s: audit lines %v, want %v", step.name, got, step.want)
		}
	}
}
