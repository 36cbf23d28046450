package db_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
)

func newSimLock(t *testing.T, d *db.DB, id string) db.SimLock {
	t.Helper()
	l, err := d.CreateSimLock(context.Background(), db.SimLock{DeviceID: id, Name: "Front door", Online: true, Battery: 1,
		Firmware: "3.7.2", Slots: 18, TimeZone: "Europe/Lisbon", Locked: true})
	if err != nil {
		t.Fatalf("create sim lock: %v", err)
	}
	return l
}

func TestSimLocks(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0).UTC()
	d := dbtest.New(t, db.WithClock(func() time.Time { return now }))
	created := newSimLock(t, d, "a")
	want := db.SimLock{DeviceID: "a", Name: "Front door", Online: true, Battery: 1, Firmware: "3.7.2", Slots: 18,
		TimeZone: "Europe/Lisbon", Locked: true, CreatedAt: now}
	if created != want {
		t.Errorf("created: got %+v, want %+v", created, want)
	}
	got, err := d.SimLock(ctx, "a")
	if err != nil || got != want {
		t.Errorf("SimLock: got %+v, %v, want %+v", got, err, want)
	}
	if _, err := d.SimLock(ctx, "nope"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("missing lock: got %v, want ErrNotFound", err)
	}
	newSimLock(t, d, "b")
	all, err := d.SimLocks(ctx)
	if err != nil || len(all) != 2 || all[0].DeviceID != "a" || all[1].DeviceID != "b" {
		t.Errorf("SimLocks: got %+v, %v, want a and b", all, err)
	}

	until := now.Add(5 * time.Minute)
	err = d.SimUpdate(ctx, func(tx *db.SimTx) error {
		if err := tx.SetOnline(ctx, "a", false); err != nil {
			return err
		}
		if err := tx.SetBattery(ctx, "a", 0.42); err != nil {
			return err
		}
		return tx.SetKeypad(ctx, "a", 2, until, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = d.SimLock(ctx, "a")
	if got.Online || got.Battery != 0.42 || got.WrongInARow != 2 || !got.SafeModeUntil.Equal(until) || got.Locked {
		t.Errorf("after updates: got %+v, want offline, 0.42, 2 wrong, safe until %v, unlocked", got, until)
	}
	if err := d.SetSimBattery(ctx, "nope", 1); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("battery of missing lock: got %v, want ErrNotFound", err)
	}
}

func TestSimCodes(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0).UTC()
	path := filepath.Join(t.TempDir(), "g.db")
	key := make([]byte, db.KeySize)
	rand.Read(key)
	d, err := db.Open(ctx, path, db.WithKey(key), db.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	newSimLock(t, d, "a")

	c := db.SimCode{CodeID: "c1", DeviceID: "a", Name: "Ana", PIN: "73914026", StartsAt: now, EndsAt: now.Add(time.Hour),
		State: db.SimSetting, ReadyAt: now.Add(2 * time.Second)}
	if err := d.SimUpdate(ctx, func(tx *db.SimTx) error { return tx.InsertCode(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	codes, err := d.SimCodes(ctx, "a")
	c.CreatedAt = now
	if err != nil || len(codes) != 1 || codes[0] != c {
		t.Fatalf("codes: got %+v, %v, want [%+v]", codes, err, c)
	}

	// The PIN is sealed at rest.
	var sealed []byte
	if err := rawOpen(t, path).QueryRow("SELECT pin_sealed FROM sim_codes WHERE code_id = 'c1'").Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(c.PIN)) {
		t.Errorf("pin_sealed holds the PIN in clear")
	}

	err = d.SimUpdate(ctx, func(tx *db.SimTx) error { return tx.SetCodeState(ctx, "a", "c1", db.SimSet, now) })
	if err != nil {
		t.Fatal(err)
	}
	codes, _ = d.SimCodes(ctx, "a")
	if codes[0].State != db.SimSet || !codes[0].ReadyAt.Equal(now) {
		t.Errorf("after set: got %s at %v, want set at %v", codes[0].State, codes[0].ReadyAt, now)
	}
	for _, tc := range []struct {
		name string
		fn   func(tx *db.SimTx) error
	}{
		{"update on another lock", func(tx *db.SimTx) error { return tx.SetCodeState(ctx, "b", "c1", db.SimSet, now) }},
		{"update missing", func(tx *db.SimTx) error { return tx.SetCodeState(ctx, "a", "zz", db.SimSet, now) }},
		{"delete missing", func(tx *db.SimTx) error { return tx.DeleteCode(ctx, "a", "zz") }},
	} {
		if err := d.SimUpdate(ctx, tc.fn); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", tc.name, err)
		}
	}
	if err := d.SimUpdate(ctx, func(tx *db.SimTx) error { return tx.DeleteCode(ctx, "a", "c1") }); err != nil {
		t.Fatal(err)
	}
	if codes, _ := d.SimCodes(ctx, "a"); len(codes) != 0 {
		t.Errorf("after delete: got %d codes, want 0", len(codes))
	}
}

func TestSimEventsAndRollback(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0).UTC()
	d := dbtest.New(t)
	newSimLock(t, d, "a")
	newSimLock(t, d, "b")
	err := d.SimUpdate(ctx, func(tx *db.SimTx) error {
		for i := range 5 {
			for _, dev := range []string{"a", "b"} {
				if _, err := tx.AppendEvent(ctx, db.SimEvent{DeviceID: dev, Kind: "denied", Method: "keypad",
					At: now.Add(time.Duration(i) * time.Second), Detail: "wrong code"}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	first, err := d.SimEvents(ctx, "a", 0, 3)
	if err != nil || len(first) != 3 {
		t.Fatalf("first page: got %d, %v, want 3", len(first), err)
	}
	rest, _ := d.SimEvents(ctx, "a", first[2].Seq, 3)
	if len(rest) != 2 {
		t.Fatalf("second page: got %d, want 2", len(rest))
	}
	all := append(first, rest...)
	for i, e := range all {
		if e.DeviceID != "a" || !e.At.Equal(now.Add(time.Duration(i)*time.Second)) || e.Kind != "denied" || e.Method != "keypad" {
			t.Errorf("event %d: got %+v, want lock a's event at +%ds", i, e, i)
		}
		if i > 0 && e.Seq <= all[i-1].Seq {
			t.Errorf("event %d: seq %d after %d, want increasing", i, e.Seq, all[i-1].Seq)
		}
	}

	// A failing update leaves nothing behind.
	boom := errors.New("boom")
	err = d.SimUpdate(ctx, func(tx *db.SimTx) error {
		if _, err := tx.AppendEvent(ctx, db.SimEvent{DeviceID: "a", Kind: "locked", At: now}); err != nil {
			return err
		}
		if err := tx.SetKeypad(ctx, "a", 2, time.Time{}, false); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("failing update: got %v, want boom as is", err)
	}
	if evs, _ := d.SimEvents(ctx, "a", all[4].Seq, 10); len(evs) != 0 {
		t.Errorf("after rollback: got %d new events, want 0", len(evs))
	}
	if l, _ := d.SimLock(ctx, "a"); l.WrongInARow != 0 || !l.Locked {
		t.Errorf("after rollback: got %d wrong, locked %v, want 0, true", l.WrongInARow, l.Locked)
	}
}
