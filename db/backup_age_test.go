package db_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/gatehouse/gatehouse/db"
)

// An encrypted backup is age ciphertext, owner-only, refused by restore
// without its identity or with the wrong one, and restores whole with it.
func TestEncryptedBackup(t *testing.T) {
	ctx := context.Background()
	dir, path, _, key := restoreFixture(t)
	owner, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := age.GenerateX25519Identity()
	second, _ := age.GenerateX25519Identity()

	d, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(t.TempDir(), "backup.db.age")
	err = d.BackupEncrypted(ctx, enc, []age.Recipient{owner.Recipient(), second.Recipient()})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
		t.Errorf("encrypted backup starts %q, want an age header", raw[:min(len(raw), 24)])
	}
	for _, plain := range []string{"SQLite format 3", "After the backup", "connect.example"} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("encrypted backup holds %q in the clear", plain)
		}
	}
	if fi, _ := os.Stat(enc); fi.Mode().Perm() != 0o600 {
		t.Errorf("encrypted backup mode: got %04o, want 0600", fi.Mode().Perm())
	}
	// The plaintext snapshot made on the way is gone.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if name := e.Name(); !slices.Contains([]string{"g.db", "g.db-wal", "g.db-shm", "backup.db"}, name) {
			t.Errorf("left behind beside the database: %s", name)
		}
	}

	if _, err := db.CheckBackup(ctx, enc, key); !errors.Is(err, db.ErrBackupEncrypted) {
		t.Errorf("CheckBackup of an encrypted backup: got %v, want ErrBackupEncrypted", err)
	}
	if _, err := db.DecryptBackup(enc, dir, stranger); !errors.Is(err, db.ErrBackupIdentity) {
		t.Errorf("DecryptBackup with the wrong identity: got %v, want ErrBackupIdentity", err)
	}
	plain, err := db.DecryptBackup(enc, dir, stranger, second)
	if err != nil {
		t.Fatalf("DecryptBackup with the second recipient's identity: %v", err)
	}
	defer os.Remove(plain)
	if fi, _ := os.Stat(plain); fi.Mode().Perm() != 0o600 {
		t.Errorf("decrypted backup mode: got %04o, want 0600", fi.Mode().Perm())
	}
	if _, err := db.Restore(ctx, path, plain, key, time.Now()); err != nil {
		t.Fatalf("restore the decrypted backup: %v", err)
	}
	if got := connectionNames(t, path, key); !slices.Equal(got, []string{"In the backup", "After the backup"}) {
		t.Errorf("connections after restore: got %v, want both (the encrypted backup was made after the second)", got)
	}

	// A damaged ciphertext is refused as damaged, and leaves nothing behind.
	raw[len(raw)-3] ^= 0xff
	bad := filepath.Join(t.TempDir(), "bad.age")
	os.WriteFile(bad, raw, 0o600)
	if p, err := db.DecryptBackup(bad, dir, owner); !errors.Is(err, db.ErrBackupCorrupt) {
		t.Errorf("DecryptBackup of a damaged file: got %q, %v, want ErrBackupCorrupt", p, err)
	}
}
