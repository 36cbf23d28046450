package db_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Issue 11, item 10: restoring an older backup must not bring back what was
// ended after it. Every session is signed out, API tokens are suspended until
// an admin enables each, links unrevealed in the backup are paused, and the
// restore is recorded with the backup's time.
func TestRestoreEndsWhatTheBackupWouldBringBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "g.db"), filepath.Join(dir, "backup.db")
	key := make([]byte, db.KeySize)
	rand.Read(key)
	d, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	_, inv, err := d.CreateInvite(ctx, db.NewInvite{TTL: time.Hour, Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	ana, err := d.EnrollOwner(ctx, inv.ID, "Ana", db.NewOwnerHandle(), db.Credential{CredentialID: []byte("c"), PublicKey: []byte("k"), Nickname: "k"})
	if err != nil {
		t.Fatal(err)
	}
	cookie, _, err := d.CreateSession(ctx, ana.ID, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	apiToken, _, err := d.CreateAPIToken(ctx, "script", db.ScopeReadWrite, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := d.SimConnection(ctx)
	l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "door", Name: "Door", Online: true, MinCodeLen: 6, MaxCodeLen: 8}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := d.CreateGuest(ctx, "Cleo", "")
	now := d.Now()
	_, link, err := d.CreateAccess(ctx, db.NewAccess{GuestID: g.ID, GuestName: "Cleo", LockIDs: []int64{l.ID}, PIN: "583920",
		StartsAt: now, EndsAt: now.Add(48 * time.Hour), TimeZone: "UTC", Link: db.LinkOptions{TTL: 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	// After the backup the link is burned: the restore must not revive it.
	if _, err := d.ClaimReveal(ctx, link); err != nil {
		t.Fatal(err)
	}
	plan, err := db.PlanRestore(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Sessions != 1 || plan.APITokens != 1 || plan.Links != 1 || plan.BackupAt.IsZero() {
		t.Errorf("plan: got %+v, want 1 session, 1 API token, 1 link and the backup's time", plan)
	}
	d.Close()

	if _, err := db.Restore(ctx, path, backup, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	d, err = db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, _, err := d.SessionOwner(ctx, cookie, db.SessionLimits{Idle: time.Hour, Absolute: time.Hour}); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("session after restore: got %v, want signed out (ErrNotFound)", err)
	}
	tok, err := d.APITokenByValue(ctx, apiToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.SuspendedAt.IsZero() {
		t.Error("API token after restore: not suspended, want suspended until an admin enables it")
	}
	sl, _, err := d.ShareByToken(ctx, link, false)
	if err != nil {
		t.Fatal(err)
	}
	if sl.PausedAt.IsZero() || sl.Usable(d.Now()) {
		t.Errorf("link unrevealed in the backup: got paused=%v usable=%v, want paused and not usable", !sl.PausedAt.IsZero(), sl.Usable(d.Now()))
	}
	if _, err := d.ClaimReveal(ctx, link); !errors.Is(err, db.ErrLinkGone) {
		t.Errorf("reveal of a paused link: got %v, want ErrLinkGone", err)
	}
	r, ok, err := d.LastRestore(ctx)
	if err != nil || !ok || r.BackupAt.IsZero() || r.RestoredAt.IsZero() {
		t.Errorf("last restore: got %+v %v %v, want one with both times", r, ok, err)
	}

	// An admin brings each back.
	if err := d.EnableAPIToken(ctx, tok.ID, db.AuditEntry{Action: db.AuditAPITokenEnabled}); err != nil {
		t.Fatal(err)
	}
	if tok, _ = d.APITokenByValue(ctx, apiToken); !tok.SuspendedAt.IsZero() {
		t.Error("API token after enabling: still suspended")
	}
	if err := d.ResumeLink(ctx, sl.ID, db.AuditEntry{Action: db.AuditLinkResumed}); err != nil {
		t.Fatal(err)
	}
	if sl, _, _ = d.ShareByToken(ctx, link, false); !sl.Usable(d.Now()) {
		t.Error("link after resuming: not usable, want usable")
	}
}
