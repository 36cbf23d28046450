package db_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Migration 0010: owners from before roles had full power, so they become
// approved admins; an unused invite made while there were owners enrolls a
// member who waits for approval.
func TestRolesMigrationMakesOwnersAdmins(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	raw := rawOpen(t, path)
	undoLaterMigrations(t, raw)
	for _, q := range []string{
		"DELETE FROM schema_migrations WHERE version >= 10",
		"INSERT INTO owners (name, handle, created_at) VALUES ('Ana', x'01', 1700000000)",
		"INSERT INTO invites (token_hash, created_at, expires_at) VALUES (x'02', 1700000000, 4000000000)",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	d, err = db.Open(ctx, path)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer d.Close()
	owners, err := d.Owners(ctx)
	if err != nil || len(owners) != 1 {
		t.Fatalf("owners: got %d (%v), want 1", len(owners), err)
	}
	if o := owners[0]; !o.Admin || o.Pending() {
		t.Errorf("Ana after the migration: got admin=%v pending=%v, want an approved admin", o.Admin, o.Pending())
	}
	var admin, approved bool
	if err := rawOpen(t, path).QueryRow("SELECT admin, approved FROM invites").Scan(&admin, &approved); err != nil {
		t.Fatal(err)
	}
	if admin || approved {
		t.Errorf("unused invite: got admin=%v approved=%v, want a member's invite that waits for approval", admin, approved)
	}
}

func TestLastAdminInvariant(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	enroll := func(name string, inv db.NewInvite) db.Owner {
		t.Helper()
		inv.TTL = time.Hour
		_, i, err := d.CreateInvite(ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		o, err := d.EnrollOwner(ctx, i.ID, name, db.NewOwnerHandle(), db.Credential{CredentialID: []byte(name), PublicKey: []byte("k"), Nickname: "k"})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	ana := enroll("Ana", db.NewInvite{Admin: true})
	ben := enroll("Ben", db.NewInvite{})
	if !ana.Admin || ana.Pending() || ben.Admin || !ben.Pending() {
		t.Fatalf("enrolled: got Ana admin=%v pending=%v, Ben admin=%v pending=%v; want Ana an approved admin, Ben a waiting member",
			ana.Admin, ana.Pending(), ben.Admin, ben.Pending())
	}
	a := db.AuditEntry{Action: db.AuditOwnerRoleChanged}
	if err := d.SetOwnerAdmin(ctx, ben.ID, true, a); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("make a waiting owner admin: got %v, want ErrNotFound", err)
	}
	if err := d.SetOwnerAdmin(ctx, ana.ID, false, a); !errors.Is(err, db.ErrLastAdmin) {
		t.Errorf("demote the last admin: got %v, want ErrLastAdmin", err)
	}
	if err := d.RemoveOwner(ctx, ana.ID, a); !errors.Is(err, db.ErrLastAdmin) {
		t.Errorf("remove the last admin: got %v, want ErrLastAdmin", err)
	}
	if err := d.ApproveOwner(ctx, ben.ID, a); err != nil {
		t.Fatal(err)
	}
	if err := d.SetOwnerAdmin(ctx, ben.ID, true, a); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveOwner(ctx, ana.ID, a); err != nil {
		t.Errorf("remove an admin while another is left: %v", err)
	}
}
