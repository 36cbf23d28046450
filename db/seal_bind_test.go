package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// swapSealedPINs exchanges two codes' sealed PINs, as someone with write
// access to the database file (but not the key) could.
func swapSealedPINs(t *testing.T, d *DB, a, b int64) {
	t.Helper()
	err := d.tx(context.Background(), func(tx *sql.Tx) error {
		var sa, sb []byte
		if err := tx.QueryRow("SELECT pin_sealed FROM access_codes WHERE id = ?", a).Scan(&sa); err != nil {
			return err
		}
		if err := tx.QueryRow("SELECT pin_sealed FROM access_codes WHERE id = ?", b).Scan(&sb); err != nil {
			return err
		}
		if _, err := tx.Exec("UPDATE access_codes SET pin_sealed = ? WHERE id = ?", sb, a); err != nil {
			return err
		}
		_, err := tx.Exec("UPDATE access_codes SET pin_sealed = ? WHERE id = ?", sa, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A sealed PIN opens only in its own row: moved to another code (by someone
// who can write the database file but has no key), it fails to unseal rather
// than giving that code the moved PIN.
func TestSealedPINsBoundToTheirCode(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	front, back := simLockForTest(t, d, "Front", "UTC"), simLockForTest(t, d, "Back", "UTC")
	now := time.Now()
	own, err := d.CreateAccessCode(ctx, NewAccessCode{LockID: front.ID, Label: "Cleaner", PIN: "482913",
		StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := d.CreateAccess(ctx, NewAccess{GuestName: "Ana", LockIDs: []int64{front.ID, back.ID}, PIN: "731904",
		StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	codes, err := d.LockCodes(ctx, back.ID)
	if err != nil || len(codes) != 1 {
		t.Fatalf("codes on the back door: %v, %v", codes, err)
	}
	guest := codes[0].ID
	for _, id := range []int64{own.ID, guest} {
		if _, err := d.CodePIN(ctx, id); err != nil {
			t.Fatalf("code %d before the swap: %v", id, err)
		}
	}

	swapSealedPINs(t, d, own.ID, guest)
	if pin, err := d.CodePIN(ctx, own.ID); err == nil {
		t.Errorf("the cleaner's code with the guest's sealed PIN: got %q, want an unseal error", pin)
	}
	if pin, err := d.CodePIN(ctx, guest); err == nil {
		t.Errorf("the guest's back-door code with the cleaner's sealed PIN: got %q, want an unseal error", pin)
	}
	if pins, err := d.LivePINs(ctx, back.ID); err == nil {
		t.Errorf("live PINs of the back door after the swap: got %v, want an unseal error", pins)
	}
	if pin, err := d.AccessPIN(ctx, a.ID); err == nil && pin != "731904" {
		t.Errorf("the guest's access PIN after the swap: got %q, want 731904 or an error", pin)
	}
	swapSealedPINs(t, d, own.ID, guest) // back in place, all open again
	if pins, err := d.LivePINs(ctx, front.ID); err != nil || !slices.Contains(pins, "482913") || !slices.Contains(pins, "731904") {
		t.Errorf("front door PINs after swapping back: got %v, %v", pins, err)
	}
}

// Migration 9 re-seals the codes of a database sealed before it (with the bare
// "pin"), so they open, bound to their rows; it needs the key, and restore
// still checks a backup from before it with the old binding.
func TestMigrationBindsSealedPINs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	key := make([]byte, KeySize)
	rand.Read(key)
	d, err := Open(ctx, path, WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	lock := simLockForTest(t, d, "Front", "UTC")
	want := map[int64]string{}
	for _, pin := range []string{"482913", "731904"} {
		c, err := d.CreateAccessCode(ctx, NewAccessCode{LockID: lock.ID, Label: "Ben", PIN: pin, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		want[c.ID] = pin
	}
	// Back to schema 8: sealed with "pin", the migration not yet applied.
	err = d.tx(ctx, func(tx *sql.Tx) error {
		for id, pin := range want {
			sealed, err := d.seal(pin, "pin")
			if err != nil {
				return err
			}
			if _, err := tx.Exec("UPDATE access_codes SET pin_sealed = ? WHERE id = ?", sealed, id); err != nil {
				return err
			}
		}
		for _, q := range laterMigrationUndo {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		_, err := tx.Exec("DELETE FROM schema_migrations WHERE version >= ?", pinsBoundVersion)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	if info, err := CheckBackup(ctx, path, key); err != nil || info.Version != pinsBoundVersion-1 {
		t.Errorf("CheckBackup of a schema 8 database with its key: got version %d, %v; want %d, nil", info.Version, err, pinsBoundVersion-1)
	}
	other := make([]byte, KeySize)
	rand.Read(other)
	if _, err := CheckBackup(ctx, path, other); !errors.Is(err, ErrBackupKey) {
		t.Errorf("CheckBackup of a schema 8 database with another key: got %v, want ErrBackupKey", err)
	}
	if d, err := Open(ctx, path); !errors.Is(err, errResealNoKey) {
		if err == nil {
			d.Close()
		}
		t.Fatalf("opening a schema 8 database with codes and no key: got %v, want errResealNoKey", err)
	}

	d, err = Open(ctx, path, WithKey(key))
	if err != nil {
		t.Fatalf("migrating: %v", err)
	}
	defer d.Close()
	ids := slices.Collect(maps.Keys(want))
	for _, id := range ids {
		if pin, err := d.CodePIN(ctx, id); err != nil || pin != want[id] {
			t.Errorf("code %d after the migration: got %q, %v; want %q", id, pin, err, want[id])
		}
	}
	swapSealedPINs(t, d, ids[0], ids[1])
	if pin, err := d.CodePIN(ctx, ids[0]); err == nil {
		t.Errorf("a migrated code with another's sealed PIN: got %q, want an unseal error", pin)
	}
	if _, err := CheckBackup(ctx, path, key); err == nil {
		// the first code's sealed PIN is now another row's: the check must see it
		t.Error("CheckBackup of a database with a swapped PIN: got nil, want ErrBackupKey")
	}
}
