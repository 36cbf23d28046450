package lock_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	if l.Name != "Front door" || l.TimeZone != "Europe/Lisbon" || !l.NativeSchedules || l.Slots != sim.Slots || !l.Online {
		t.Errorf("discovered lock: got %+v, want Front door in Europe/Lisbon, native, %d slots, online", l, sim.Slots)
	}
	if l.LastSyncAt.IsZero() || l.LastError != "" {
		t.Errorf("lock sync: got at %v error %q, want synced without error", l.LastSyncAt, l.LastError)
	}
	conns, _ := e.store.Connections(e.ctx)
	if conns[0].LastSyncAt.IsZero() || conns[0].LastError != "" {
		t.Errorf("connection sync: got at %v error %q, want synced without error", conns[0].LastSyncAt, conns[0].LastError)
	}

	// The lock going offline is recorded by discovery.
	if err := e.sim.SetOnline(e.ctx, dev, false); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	e.pass()
	if got := e.lock(l.ID); got.Online || got.OfflineSince.IsZero() {
		t.Errorf("offline lock: got online %v since %v, want offline with a time", got.Online, got.OfflineSince)
	}
}

// listFails is the simulator with ListLocks failing with err.
type listFails struct {
	lock.Connector
	err error
}

func (l listFails) ListLocks(context.Context) ([]lock.Device, error) { return nil, l.err }

func TestFailingConnectionDoesNotStopOthers(t *testing.T) {
	cases := []struct {
		name    string
		connect func(s *sim.Sim) (lock.Connector, error) // the failing connection's
		lastErr string
	}{
		{"connector cannot be built", func(*sim.Sim) (lock.Connector, error) { return nil, errors.New("seam: no API key") },
			"seam: no API key"},
		{"credentials refused", func(s *sim.Sim) (lock.Connector, error) {
			return listFails{s, &lock.Error{Kind: lock.Auth, Vendor: "seam", Message: "invalid API key"}}, nil
		}, "seam: invalid API key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			store := dbtest.New(t, db.WithClock(clk.Now))
			e := &env{t: t, ctx: t.Context(), clk: clk, store: store, sim: wire.NewSim(store, clk.Now, simDelay)}
			// The failing connection comes first.
			bad, err := store.CreateConnection(e.ctx, "seam", "Seam", "https://connect.getseam.com", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.SimConnection(e.ctx); err != nil {
				t.Fatal(err)
			}
			o := e.options("test-a", e.sim)
			o.Connect = func(ctx context.Context, c db.Connection) (lock.Connector, error) {
				if c.ID == bad.ID {
					return tc.connect(e.sim)
				}
				return e.sim, nil
			}
			e.r = lock.NewReconciler(o)
			l, dev := e.addLock("Front door")
			c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
			e.pass()
			e.wantStatus(c.ID, domain.StatusSetting, "")
			if n := len(e.onLock(dev)); n != 1 {
				t.Errorf("codes on the lock: got %d, want 1", n)
			}
			got, err := store.Connection(e.ctx, bad.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastError != tc.lastErr || !got.LastSyncAt.IsZero() {
				t.Errorf("failing connection: got error %q synced %v, want %q never synced", got.LastError, got.LastSyncAt, tc.lastErr)
			}
		})
	}
}

func TestStateOf(t *testing.T) {
	battery, locked := 0.5, true
	cases := []struct {
		name string
		d    lock.Device
		want db.DeviceState
	}{
		{"as reported", lock.Device{ID: "d1", Name: "Back door", Manufacturer: "Lockly", Model: "Secure Pro", Online: true,
			Locked: &locked, Battery: &battery, Firmware: "3.7", TimeZone: "Europe/Lisbon",
			Caps: lock.Capabilities{NativeSchedules: true, Slots: 18, MinCodeLen: 6, MaxCodeLen: 8}},
			db.DeviceState{DeviceID: "d1", Name: "Back door", Manufacturer: "Lockly", Model: "Secure Pro", Online: true,
				Locked: &locked, Battery: &battery, Firmware: "3.7", TimeZone: "Europe/Lisbon",
				NativeSchedules: true, Slots: 18, MinCodeLen: 6, MaxCodeLen: 8}},
		{"no name, unknown zone", lock.Device{ID: "d2", Name: " ", Manufacturer: "August", Model: "Wi-Fi", TimeZone: "Moon/Base"},
			db.DeviceState{DeviceID: "d2", Name: "August Wi-Fi", Manufacturer: "August", Model: "Wi-Fi"}},
		{"nothing but an id", lock.Device{ID: "d3"}, db.DeviceState{DeviceID: "d3", Name: "d3"}},
	}
	for _, tc := range cases {
		if got := lock.StateOf(tc.d); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
