package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
)

func TestMigrationsFromEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open empty: %v", err)
	}
	d.Close()
	raw := rawOpen(t, path)
	var v int
	if err := raw.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != db.SchemaVersion() {
		t.Errorf("schema version: got %d, want %d", v, db.SchemaVersion())
	}
	for _, table := range []string{"owners", "credentials", "sessions", "invites", "webauthn_challenges", "audit_log"} {
		var n int
		if err := raw.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name=?", table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: got %d (%v), want 1", table, n, err)
		}
	}
	// Opening again applies nothing and keeps the version.
	d, err = db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	d.Close()
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	raw := rawOpen(t, path)
	if _, err := raw.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)", db.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = db.Open(context.Background(), path)
	var tooNew *db.ErrSchemaTooNew
	if !errors.As(err, &tooNew) {
		t.Fatalf("open newer database: got %v, want ErrSchemaTooNew", err)
	}
	if tooNew.Have != db.SchemaVersion()+1 {
		t.Errorf("reported version: got %d, want %d", tooNew.Have, db.SchemaVersion()+1)
	}
}

func TestConcurrentWritersNeverBusy(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A read-then-write transaction (the invite consume path) and a plain write.
			token, inv, err := d.CreateInvite(ctx, db.NewInvite{Name: fmt.Sprintf("w%d", i), TTL: time.Hour, Admin: true})
			if err != nil {
				errs <- err
				return
			}
			if _, err := d.InviteByToken(ctx, token); err != nil {
				errs <- err
				return
			}
			cred := db.Credential{CredentialID: []byte(fmt.Sprintf("cred-%d", i)), PublicKey: []byte("pk"), Nickname: "k"}
			if _, err := d.EnrollOwner(ctx, inv.ID, fmt.Sprintf("owner %d", i), db.NewOwnerHandle(), cred); err != nil {
				errs <- err
				return
			}
			errs <- d.Audit(ctx, db.AuditEntry{Action: db.AuditInviteUsed, Actor: "test"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent writer: %v", err)
		}
	}
	n, err := d.CountOwners(ctx)
	if err != nil || n != 50 {
		t.Errorf("owners: got %d (%v), want 50", n, err)
	}
}

func TestBackupOfLiveDatabase(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, _, err := d.CreateInvite(ctx, db.NewInvite{Name: "before", TTL: time.Hour, Admin: true}); err != nil {
		t.Fatal(err)
	}
	// Writers keep going while the snapshot is taken.
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := d.Audit(ctx, db.AuditEntry{Action: "load"}); err != nil {
				done <- err
				return
			}
		}
	}()
	dest := filepath.Join(t.TempDir(), "backup.db")
	err := d.Backup(ctx, dest)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("writer during backup: %v", werr)
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if err := db.CheckIntegrity(ctx, dest); err != nil {
		t.Fatalf("backup integrity: %v", err)
	}
	b, err := db.Open(ctx, dest)
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer b.Close()
	var n int
	if err := rawOpen(t, dest).QueryRow("SELECT COUNT(*) FROM invites WHERE name = 'before'").Scan(&n); err != nil || n != 1 {
		t.Errorf("invite in backup: got %d (%v), want 1", n, err)
	}
	if err := d.Backup(ctx, dest); err == nil {
		t.Error("backup over an existing file: got nil error, want refusal")
	}
}

func rawOpen(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// undoLaterMigrations takes a database back to schema 9, for tests that
// migrate an older schema (each such test undoes the migrations it is about
// itself). Newer migrations add their undo to db.LaterMigrationUndo.
func undoLaterMigrations(t *testing.T, raw *sql.DB) {
	t.Helper()
	for _, q := range db.LaterMigrationUndo {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
