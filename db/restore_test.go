package db_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// restoreFixture is a live database with a sealed API key and its backup.
func restoreFixture(t *testing.T) (dir, path, backup string, key []byte) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	path, backup = filepath.Join(dir, "g.db"), filepath.Join(dir, "backup.db")
	key = make([]byte, db.KeySize)
	rand.Read(key)
	d, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CreateConnection(ctx, "seam", "In the backup", "https://connect.example", "seam_key_1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateConnection(ctx, "seam", "After the backup", "https://connect.example", "seam_key_2"); err != nil {
		t.Fatal(err)
	}
	return dir, path, backup, key
}

func connectionNames(t *testing.T, path string, key []byte) []string {
	t.Helper()
	d, err := db.Open(context.Background(), path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cs, err := d.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
		if _, err := d.ConnectionSecret(context.Background(), c.ID); err != nil {
			t.Errorf("connection %q: secret does not open after restore: %v", c.Name, err)
		}
	}
	return names
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	_, path, backup, key := restoreFixture(t)
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	aside, err := db.Restore(ctx, path, backup, key, now)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if want := path + ".before-restore-20260301T093000Z"; aside != want {
		t.Errorf("old database kept as %q, want %q", aside, want)
	}
	if got := connectionNames(t, path, key); len(got) != 1 || got[0] != "In the backup" {
		t.Errorf("after restore: connections %q, want [In the backup]", got)
	}
	if got := connectionNames(t, aside, key); len(got) != 2 {
		t.Errorf("the old database kept aside: connections %q, want both", got)
	}
	if _, err := os.Stat(backup); err != nil {
		t.Errorf("the backup file is gone after restore: %v", err)
	}
	if _, err := db.Restore(ctx, path, backup, key, now); err == nil {
		t.Error("a second restore in the same second: got nil, want an error (the aside name is taken)")
	}
}

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	t.Run("in use", func(t *testing.T) {
		_, path, backup, key := restoreFixture(t)
		d, err := db.Open(ctx, path, db.WithKey(key))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := db.Restore(ctx, path, backup, key, now); !errors.Is(err, db.ErrInUse) {
			t.Fatalf("restore while open: got %v, want ErrInUse", err)
		}
		if err := d.Ping(ctx); err != nil {
			t.Errorf("the open database after a refused restore: %v", err)
		}
		assertOnlyFiles(t, filepath.Dir(path), "g.db", "g.db-wal", "g.db-shm", "backup.db")
	})
	t.Run("wrong key", func(t *testing.T) {
		dir, path, backup, _ := restoreFixture(t)
		other := make([]byte, db.KeySize)
		rand.Read(other)
		if _, err := db.Restore(ctx, path, backup, other, now); !errors.Is(err, db.ErrBackupKey) {
			t.Errorf("restore with another key: got %v, want ErrBackupKey", err)
		}
		if _, err := db.Restore(ctx, path, backup, nil, now); !errors.Is(err, db.ErrBackupNoKey) {
			t.Errorf("restore without a key: got %v, want ErrBackupNoKey", err)
		}
		assertOnlyFiles(t, dir, "g.db", "backup.db")
	})
	t.Run("corrupt", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			damage func([]byte) []byte
		}{
			{"damaged pages", func(b []byte) []byte {
				for i := 4096 * 2; i < len(b) && i < 4096*4; i++ {
					b[i] = 0x5a
				}
				return b
			}},
			{"not a SQLite database", func(b []byte) []byte {
				return []byte("id,name\n1,Front door\n")
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dir, path, backup, key := restoreFixture(t)
				b, err := os.ReadFile(backup)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(backup, tc.damage(b), 0o600); err != nil {
					t.Fatal(err)
				}
				_, err = db.Restore(ctx, path, backup, key, now)
				if !errors.Is(err, db.ErrBackupCorrupt) {
					t.Errorf("restore: got %v, want ErrBackupCorrupt", err)
				}
				assertOnlyFiles(t, dir, "g.db", "backup.db")
			})
		}
	})
	t.Run("newer schema", func(t *testing.T) {
		dir, path, backup, key := restoreFixture(t)
		raw := rawOpen(t, backup)
		if _, err := raw.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)"); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		var tooNew *db.ErrSchemaTooNew
		if _, err := db.Restore(ctx, path, backup, key, now); !errors.As(err, &tooNew) {
			t.Errorf("restore of a newer backup: got %v, want ErrSchemaTooNew", err)
		}
		assertOnlyFiles(t, dir, "g.db", "backup.db")
	})
	t.Run("itself", func(t *testing.T) {
		_, path, _, key := restoreFixture(t)
		if _, err := db.Restore(ctx, path, path, key, now); err == nil {
			t.Error("restore of the database onto itself: got nil, want an error")
		}
	})
}

// assertOnlyFiles fails unless dir holds exactly these names (order free):
// a refused restore leaves nothing behind and moves nothing.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("unexpected file %s after a refused restore", e.Name())
		}
		delete(want, e.Name())
	}
	for n := range want {
		if n == "g.db" || n == "backup.db" {
			t.Errorf("%s is gone after a refused restore", n)
		}
	}
}

// TestRestoreNeverReusesCodeIDs: codes made after the backup are gone from
// the restored database but may still be on the locks, with their ids in their
// names; a code made after the restore must not take one of those ids.
func TestRestoreNeverReusesCodeIDs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "g.db"), filepath.Join(dir, "backup.db")
	key := make([]byte, db.KeySize)
	rand.Read(key)
	d, err := db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "door", Name: "Door", Online: true, MinCodeLen: 6, MaxCodeLen: 8}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	give := func(d *db.DB, pin string) int64 {
		t.Helper()
		g, err := d.CreateGuest(ctx, "Ana", "")
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := d.CreateAccess(ctx, db.NewAccess{GuestID: g.ID, GuestName: g.Name, LockIDs: []int64{l.ID}, PIN: pin,
			StartsAt: time.Now(), EndsAt: time.Now().Add(time.Hour), TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		codes, err := d.AccessCodes(ctx, a.ID)
		if err != nil || len(codes) != 1 {
			t.Fatalf("codes of access %d: %v %v", a.ID, codes, err)
		}
		return codes[0].ID
	}
	give(d, "40517263")
	if err := d.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	lost := []int64{give(d, "51628374"), give(d, "62739485")} // after the backup: lost by the restore
	d.Close()

	if _, err := db.Restore(ctx, path, backup, key, time.Now()); err != nil {
		t.Fatalf("restore: %v", err)
	}
	d, err = db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if id := give(d, "73840596"); id <= lost[len(lost)-1] {
		t.Errorf("the first code after the restore took id %d; the codes lost by the restore had %v", id, lost)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + ".restore-tmp" + suffix); err == nil {
			t.Errorf("restore left %s behind", path+".restore-tmp"+suffix)
		}
	}
}
