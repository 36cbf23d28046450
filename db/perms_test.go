package db_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// The database holds guest names, notes, stay windows and passphrase hashes:
// it, its -wal and -shm, and backups are readable by the owner only, whatever
// the umask. Not parallel: the umask is the process's.
func TestFilesAreOwnerOnly(t *testing.T) {
	for _, umask := range []int{0o022, 0o002, 0o000} {
		old := syscall.Umask(umask)
		t.Cleanup(func() { syscall.Umask(old) })
		ctx := context.Background()
		dir := t.TempDir()
		path := filepath.Join(dir, "g.db")
		key := make([]byte, db.KeySize)
		rand.Read(key)
		d, err := db.Open(ctx, path, db.WithKey(key))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.CreateConnection(ctx, "seam", "Home", "https://connect.example", "seam_key_1"); err != nil {
			t.Fatal(err)
		}
		backup := filepath.Join(dir, "backup.db")
		if err := d.Backup(ctx, backup); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm", backup} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("umask %03o: %v", umask, err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("umask %03o: %s: got mode %04o, want 0600", umask, filepath.Base(p), got)
			}
		}
		d.Close()
		syscall.Umask(old)
	}
}

// A database made by an older Gatehouse with a wider mode is narrowed when opened.
func TestOpenNarrowsExistingDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	d, err = db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s after reopening: got mode %04o, want 0600", filepath.Base(p), got)
		}
	}
}
