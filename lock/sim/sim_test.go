package sim_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

const delay = 2 * time.Second

// start is 14:00 in Lisbon (summer time), so safe-mode messages are easy to read.
var start = time.Date(2025, 6, 1, 13, 0, 0, 0, time.UTC)

type fixture struct {
	s     *sim.Sim
	store *db.DB
	clock *testkit.Clock
	dev   string
}

func setup(t *testing.T) fixture {
	t.Helper()
	clk := testkit.NewClock(start)
	store := dbtest.New(t, db.WithClock(clk.Now))
	s := wire.NewSim(store, clk.Now, delay)
	dev, err := s.AddLock(context.Background(), "Front door", "Europe/Lisbon")
	if err != nil {
		t.Fatalf("add lock: %v", err)
	}
	return fixture{s: s, store: store, clock: clk, dev: dev}
}

// setCode sets a code and waits for it to land.
func (f fixture) setCode(t *testing.T, name, pin string, w domain.Window) lock.Code {
	t.Helper()
	c, err := f.s.SetCode(context.Background(), f.dev, lock.CodeSpec{Name: name, PIN: pin, Window: w})
	if err != nil {
		t.Fatalf("set code %s: %v", name, err)
	}
	f.clock.Advance(delay)
	return c
}

// events pulls every event from cursor on.
func (f fixture) events(t *testing.T, cursor string) ([]lock.Event, string) {
	t.Helper()
	var all []lock.Event
	for {
		evs, next, err := f.s.Events(context.Background(), f.dev, cursor)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		all = append(all, evs...)
		if len(evs) == 0 {
			return all, next
		}
		cursor = next
	}
}

func kinds(evs []lock.Event) string {
	var ks []string
	for _, e := range evs {
		ks = append(ks, string(e.Kind))
	}
	return strings.Join(ks, ",")
}

func wantLockErr(t *testing.T, what string, err error, kind lock.ErrorKind, code string) {
	t.Helper()
	var le *lock.Error
	if !errors.As(err, &le) {
		t.Errorf("%s: got %v, want a *lock.Error %s %s", what, err, kind, code)
		return
	}
	if le.Kind != kind || le.Code != code || le.Vendor != "sim" {
		t.Errorf("%s: got %s %q from %q, want %s %q from sim", what, le.Kind, le.Code, le.Vendor, kind, code)
	}
}

func TestAddAndListLocks(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	devs, err := f.s.ListLocks(ctx)
	if err != nil || len(devs) != 1 {
		t.Fatalf("ListLocks: got %d, %v, want 1 lock", len(devs), err)
	}
	d := devs[0]
	wantCaps := lock.Capabilities{NativeSchedules: true, Slots: sim.Slots, MinCodeLen: 6, MaxCodeLen: 8, DigitsOnly: true}
	if d.ID != f.dev || d.Name != "Front door" || d.Manufacturer != "Lockly" || d.Model != "Secure Pro (simulated)" ||
		!d.Online || d.Firmware != "3.7.2" || d.TimeZone != "Europe/Lisbon" {
		t.Errorf("device: got %+v, want the Front door Secure Pro in Lisbon", d)
	}
	if d.Locked == nil || !*d.Locked || d.Battery == nil || *d.Battery != 1 {
		t.Errorf("device state: got locked %v battery %v, want locked, full", d.Locked, d.Battery)
	}
	if d.Caps.NativeSchedules != wantCaps.NativeSchedules || d.Caps.Slots != wantCaps.Slots || d.Caps.MinCodeLen != 6 ||
		d.Caps.MaxCodeLen != 8 || !d.Caps.DigitsOnly {
		t.Errorf("caps: got %+v, want %+v", d.Caps, wantCaps)
	}
	for _, tc := range []struct{ name, zone string }{{"", "Europe/Lisbon"}, {"Back door", ""}, {"Back door", "Mars/Olympus"}} {
		if _, err := f.s.AddLock(ctx, tc.name, tc.zone); err == nil {
			t.Errorf("AddLock(%q, %q): got no error, want one", tc.name, tc.zone)
		}
	}
}

func TestSetCodeLands(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	w := domain.Window{Start: start.Add(time.Hour), End: start.Add(48 * time.Hour)}
	c, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "Ana (gh-12)", PIN: "739140", Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Status != lock.CodeSetting {
		t.Errorf("SetCode: got id %q status %s, want an id and setting", c.ID, c.Status)
	}
	f.clock.Advance(delay - time.Second)
	codes, err := f.s.ListCodes(ctx, f.dev)
	if err != nil || len(codes) != 1 {
		t.Fatalf("ListCodes: got %d, %v, want 1", len(codes), err)
	}
	got := codes[0]
	if got.ID != c.ID || got.Name != "Ana (gh-12)" || got.PIN != "739140" || !got.Window.Start.Equal(w.Start) ||
		!got.Window.End.Equal(w.End) || got.Status != lock.CodeSetting {
		t.Errorf("before delay: got %+v, want Ana's code, setting", got)
	}
	f.clock.Advance(10 * time.Second) // lands at start+delay, observed later
	codes, _ = f.s.ListCodes(ctx, f.dev)
	if codes[0].Status != lock.CodeSet {
		t.Errorf("after delay: got %s, want set", codes[0].Status)
	}
	evs, _ := f.events(t, "")
	if len(evs) != 1 || evs[0].Kind != domain.EventCodeSet || evs[0].CodeID != c.ID || !evs[0].At.Equal(start.Add(delay)) {
		t.Errorf("events: got %+v, want one code_set for %s at %v", evs, c.ID, start.Add(delay))
	}
}

func TestSetCodeRules(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.setCode(t, "Ana", "482913", domain.Window{})
	f.setCode(t, "Bo", "5550123", domain.Window{})
	for _, tc := range []struct {
		name, pin string
		window    domain.Window
		code      string
	}{
		{"five digits", "12345", domain.Window{}, "code_rejected"},
		{"letters", "12ab56", domain.Window{}, "code_rejected"},
		{"nine digits", "123456789", domain.Window{}, "code_rejected"},
		{"empty", "", domain.Window{}, "code_rejected"},
		{"window backwards", "918273", domain.Window{Start: start.Add(time.Hour), End: start}, "code_rejected"},
		{"duplicate", "482913", domain.Window{}, "duplicate_code"},
		{"extends another", "4829135", domain.Window{}, "duplicate_code"},
		{"another extends it", "555012", domain.Window{}, "duplicate_code"},
	} {
		_, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: tc.name, PIN: tc.pin, Window: tc.window})
		wantLockErr(t, tc.name, err, lock.Permanent, tc.code)
		if err != nil && tc.pin != "" && strings.Contains(err.Error(), tc.pin) {
			t.Errorf("%s: error %q holds the PIN", tc.name, err)
		}
	}
	if codes, _ := f.s.ListCodes(ctx, f.dev); len(codes) != 2 {
		t.Errorf("after refusals: got %d codes, want 2", len(codes))
	}

	// Slots count codes still on their way, too.
	for i := 2; i < sim.Slots; i++ {
		pin := "9" + strings.Repeat("0", 3) + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if _, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "guest", PIN: pin}); err != nil {
			t.Fatalf("code %d: %v", i, err)
		}
	}
	_, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "one too many", PIN: "777777"})
	wantLockErr(t, "slots full", err, lock.Permanent, "slots_full")

	_, err = f.s.SetCode(ctx, "simlock_nope", lock.CodeSpec{Name: "x", PIN: "777777"})
	wantLockErr(t, "unknown lock", err, lock.Permanent, "device_not_found")
	if !errors.Is(err, lock.ErrNotFound) {
		t.Errorf("unknown lock: got %v, want it to wrap lock.ErrNotFound", err)
	}
}

func TestRemoveCode(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c := f.setCode(t, "Ana", "482913", domain.Window{})
	if err := f.s.RemoveCode(ctx, f.dev, c.ID); err != nil {
		t.Fatal(err)
	}
	codes, _ := f.s.ListCodes(ctx, f.dev)
	if len(codes) != 1 || codes[0].Status != lock.CodeRemoving {
		t.Errorf("after remove: got %+v, want one code removing", codes)
	}
	// Asking again neither fails nor pushes the removal back.
	f.clock.Advance(delay / 2)
	if err := f.s.RemoveCode(ctx, f.dev, c.ID); err != nil {
		t.Errorf("remove twice: got %v, want nil", err)
	}
	// A code on its way off still holds its PIN and its slot.
	_, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "Bo", PIN: "482913"})
	wantLockErr(t, "PIN of a code being removed", err, lock.Permanent, "duplicate_code")

	f.clock.Advance(delay / 2)
	if codes, _ := f.s.ListCodes(ctx, f.dev); len(codes) != 0 {
		t.Errorf("after delay: got %+v, want no codes", codes)
	}
	evs, _ := f.events(t, "")
	if kinds(evs) != "code_set,code_removed" || evs[1].CodeID != c.ID || !evs[1].At.Equal(start.Add(2*delay)) {
		t.Errorf("events: got %+v, want code_set then code_removed of %s at %v", evs, c.ID, start.Add(2*delay))
	}
	err = f.s.RemoveCode(ctx, f.dev, c.ID)
	wantLockErr(t, "remove gone code", err, lock.Permanent, "code_not_found")
	if !errors.Is(err, lock.ErrNotFound) {
		t.Errorf("remove gone code: got %v, want it to wrap lock.ErrNotFound", err)
	}
}

func TestOffline(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ana := f.setCode(t, "Ana", "482913", domain.Window{})
	_, cursor := f.events(t, "")
	// Bo's code is sent but the lock drops off before it lands.
	bo, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "Bo", PIN: "661177"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetOnline(ctx, f.dev, false); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)

	for name, call := range map[string]func() error{
		"SetCode":    func() error { _, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "x", PIN: "123123"}); return err },
		"RemoveCode": func() error { return f.s.RemoveCode(ctx, f.dev, ana.ID) },
		"ListCodes":  func() error { _, err := f.s.ListCodes(ctx, f.dev); return err },
		"Events":     func() error { _, _, err := f.s.Events(ctx, f.dev, cursor); return err },
	} {
		wantLockErr(t, name+" offline", call(), lock.Transient, "device_offline")
	}
	devs, err := f.s.ListLocks(ctx)
	if err != nil || len(devs) != 1 || devs[0].Online {
		t.Errorf("ListLocks offline: got %+v, %v, want the lock, offline", devs, err)
	}

	// The keypad works offline; Bo's code never arrived.
	if res, err := f.s.Keypad(ctx, f.dev, "482913"); err != nil || res.Outcome != sim.OutcomeUnlocked {
		t.Errorf("keypad offline: got %+v, %v, want unlocked", res, err)
	}
	if res, _ := f.s.Keypad(ctx, f.dev, "661177"); res.Outcome != sim.OutcomeDenied {
		t.Errorf("code sent before the outage: got %s, want denied", res.Outcome)
	}

	if err := f.s.SetOnline(ctx, f.dev, true); err != nil {
		t.Fatal(err)
	}
	back := f.clock.Now()
	evs, _ := f.events(t, cursor)
	if kinds(evs) != "offline,unlocked,denied,online" {
		t.Errorf("events after the outage: got %s, want offline,unlocked,denied,online", kinds(evs))
	}
	// Bo's code is resent on reconnection and lands one delay later.
	codes, _ := f.s.ListCodes(ctx, f.dev)
	if len(codes) != 2 || codes[1].ID != bo.ID || codes[1].Status != lock.CodeSetting {
		t.Errorf("Bo after reconnecting: got %+v, want setting", codes)
	}
	f.clock.Advance(delay)
	evs, _ = f.events(t, cursor)
	last := evs[len(evs)-1]
	if last.Kind != domain.EventCodeSet || last.CodeID != bo.ID || !last.At.Equal(back.Add(delay)) {
		t.Errorf("Bo's code: got %+v, want code_set at %v", last, back.Add(delay))
	}
}

func TestKeypad(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ana := f.setCode(t, "Ana (gh-12)", "482913", domain.Window{Start: start, End: start.Add(24 * time.Hour)})
	later := f.setCode(t, "Cleaner", "300400", domain.Window{Start: start.Add(time.Hour), End: start.Add(2 * time.Hour)})
	_, cursor := f.events(t, "")
	now := f.clock.Now()
	if _, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: "Not yet", PIN: "515151"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, pin string
		outcome   domain.EventKind
		message   string
		advance   time.Duration
	}{
		{"active code", "482913", sim.OutcomeUnlocked, "Unlocked with “Ana (gh-12)”", 0},
		{"outside its window", "300400", sim.OutcomeDenied, "“Cleaner” does not work at this time (outside its schedule)", 0},
		{"still setting", "515151", sim.OutcomeDenied, "Wrong code (1 of 3 before safe mode)", 0},
		{"correct resets the count", "482913", sim.OutcomeUnlocked, "Unlocked with “Ana (gh-12)”", 0},
		{"wrong 1", "000000", sim.OutcomeDenied, "Wrong code (1 of 3 before safe mode)", 0},
		{"wrong 2", "00000000", sim.OutcomeDenied, "Wrong code (2 of 3 before safe mode)", 0},
		{"wrong 3", "123", sim.OutcomeSafeMode, "Safe mode: the keypad is disabled until 14:05", 0},
		{"correct during safe mode", "482913", sim.OutcomeSafeMode, "Safe mode: the keypad is disabled until 14:05", 4 * time.Minute},
		{"not a keypad's input", "12a", sim.OutcomeDenied, "The keypad only has the digits 0 to 9", 0},
		{"correct after safe mode", "482913", sim.OutcomeUnlocked, "Unlocked with “Ana (gh-12)”", time.Minute},
		{"count starts over", "999999", sim.OutcomeDenied, "Wrong code (1 of 3 before safe mode)", 0},
	}
	for _, st := range steps {
		f.clock.Advance(st.advance)
		res, err := f.s.Keypad(ctx, f.dev, st.pin)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Outcome != st.outcome || res.Message != st.message {
			t.Errorf("%s: got %s %q, want %s %q", st.name, res.Outcome, res.Message, st.outcome, st.message)
		}
		if strings.Contains(res.Message, st.pin) {
			t.Errorf("%s: message %q holds the PIN", st.name, res.Message)
		}
	}
	evs, _ := f.events(t, cursor)
	want := []struct {
		kind   domain.EventKind
		codeID string
		detail string
	}{
		{domain.EventUnlocked, ana.ID, ""},
		{domain.EventDenied, later.ID, "code outside its schedule"},
		{domain.EventDenied, "", "wrong code"},
		{domain.EventUnlocked, ana.ID, ""},
		{domain.EventDenied, "", "wrong code"},
		{domain.EventDenied, "", "wrong code"},
		{domain.EventDenied, "", "wrong code"},
		{domain.EventSafeMode, "", "3 wrong codes in a row; keypad disabled for 5 minutes"},
		// "Not yet" landed 2s after it was sent; the first call after that (the
		// keypad, four minutes later) records it, dated when it landed.
		{domain.EventCodeSet, "", "Not yet"},
		{domain.EventDenied, "", "safe mode"},
		{domain.EventUnlocked, ana.ID, ""},
		{domain.EventDenied, "", "wrong code"},
	}
	if len(evs) != len(want) {
		t.Fatalf("events: got %s, want %d events", kinds(evs), len(want))
	}
	for i, w := range want {
		e := evs[i]
		if e.Kind != w.kind || (w.codeID != "" && e.CodeID != w.codeID) || e.Detail != w.detail {
			t.Errorf("event %d: got %s %q %q, want %s %q %q", i, e.Kind, e.CodeID, e.Detail, w.kind, w.codeID, w.detail)
		}
		if e.Kind == domain.EventCodeSet {
			continue
		}
		if e.Method != domain.MethodKeypad {
			t.Errorf("event %d: got method %q, want keypad", i, e.Method)
		}
	}
	if !evs[8].At.Equal(now.Add(delay)) {
		t.Errorf("code_set of the code still setting: got %v, want %v", evs[8].At, now.Add(delay))
	}

	if err := f.s.LockNow(ctx, f.dev); err != nil {
		t.Fatal(err)
	}
	evs, _ = f.events(t, cursor)
	if e := evs[len(evs)-1]; e.Kind != domain.EventLocked || e.Method != domain.MethodManual {
		t.Errorf("LockNow: got %s by %q, want locked by manual", e.Kind, e.Method)
	}
	if devs, _ := f.s.ListLocks(ctx); !*devs[0].Locked {
		t.Errorf("after LockNow: got unlocked, want locked")
	}
}

func TestBatteryLow(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.setCode(t, "Ana", "482913", domain.Window{})
	_, cursor := f.events(t, "")
	if err := f.store.SetSimBattery(ctx, f.dev, 0.204); err != nil {
		t.Fatal(err)
	}
	for _, want := range []float64{0.202, 0.200, 0.198, 0.196} {
		if res, err := f.s.Keypad(ctx, f.dev, "482913"); err != nil || res.Outcome != sim.OutcomeUnlocked {
			t.Fatalf("unlock: got %+v, %v", res, err)
		}
		if devs, _ := f.s.ListLocks(ctx); *devs[0].Battery != want {
			t.Errorf("battery: got %v, want %v", *devs[0].Battery, want)
		}
	}
	evs, _ := f.events(t, cursor)
	if k := kinds(evs); k != "unlocked,unlocked,unlocked,battery_low,unlocked" {
		t.Errorf("events: got %s, want battery_low once, after the third unlock", k)
	}
	if err := f.s.ReplaceBatteries(ctx, f.dev); err != nil {
		t.Fatal(err)
	}
	if devs, _ := f.s.ListLocks(ctx); *devs[0].Battery != 1 {
		t.Errorf("after new batteries: got %v, want 1", *devs[0].Battery)
	}
}

func TestEventsPaging(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 1203
	err := f.store.SimUpdate(ctx, func(tx *db.SimTx) error {
		for i := range n {
			if _, err := tx.AppendEvent(ctx, db.SimEvent{DeviceID: f.dev, Kind: "locked", Method: "manual",
				At: start.Add(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var sizes []int
	var prev time.Time
	cursor := ""
	for {
		evs, next, err := f.s.Events(ctx, f.dev, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			if next != cursor {
				t.Errorf("empty page: got cursor %q, want %q kept", next, cursor)
			}
			break
		}
		sizes = append(sizes, len(evs))
		for _, e := range evs {
			if seen[e.ID] {
				t.Errorf("event %s seen twice", e.ID)
			}
			seen[e.ID] = true
			if !prev.IsZero() && e.At.Sub(prev) != time.Second {
				t.Errorf("event %s at %v after %v: want the next second (a gap or a reorder)", e.ID, e.At, prev)
			}
			prev = e.At
		}
		cursor = next
	}
	if len(seen) != n || len(sizes) != 3 || sizes[0] != 500 || sizes[1] != 500 || sizes[2] != 203 {
		t.Errorf("paging: got %d events in pages %v, want %d in 500, 500, 203", len(seen), sizes, n)
	}
	_, _, err = f.s.Events(ctx, f.dev, "not-a-seq")
	wantLockErr(t, "bad cursor", err, lock.Permanent, "bad_cursor")
}

func TestSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	clk := testkit.NewClock(start)
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	key := make([]byte, db.KeySize)
	rand.Read(key)
	store, err := db.Open(ctx, path, db.WithKey(key), db.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s := wire.NewSim(store, clk.Now, delay)
	dev, err := s.AddLock(ctx, "Front door", "Europe/Lisbon")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.SetCode(ctx, dev, lock.CodeSpec{Name: "Ana", PIN: "482913"})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Keypad(ctx, dev, "111111"); res.Message != "Wrong code (1 of 3 before safe mode)" {
		t.Fatalf("first wrong: got %q", res.Message)
	}
	_, cursor, err := s.Events(ctx, dev, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	clk.Advance(delay)
	store, err = db.Open(ctx, path, db.WithKey(key), db.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s = wire.NewSim(store, clk.Now, delay)
	devs, err := s.ListLocks(ctx)
	if err != nil || len(devs) != 1 || devs[0].ID != dev {
		t.Fatalf("locks after reopen: got %+v, %v, want %s", devs, err, dev)
	}
	codes, err := s.ListCodes(ctx, dev)
	if err != nil || len(codes) != 1 || codes[0].ID != c.ID || codes[0].PIN != "482913" || codes[0].Status != lock.CodeSet {
		t.Errorf("codes after reopen: got %+v, %v, want Ana's code, set", codes, err)
	}
	if res, _ := s.Keypad(ctx, dev, "222222"); res.Message != "Wrong code (2 of 3 before safe mode)" {
		t.Errorf("wrong after reopen: got %q, want the count to carry on", res.Message)
	}
	evs, _, err := s.Events(ctx, dev, cursor)
	if err != nil || kinds(evs) != "code_set,denied" {
		t.Errorf("events after reopen: got %s, %v, want code_set,denied", kinds(evs), err)
	}
}

func TestConcurrentKeypad(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tries = 8
	results := make(chan lock.KeypadResult, tries)
	var wg sync.WaitGroup
	for range tries {
		wg.Go(func() {
			res, err := f.s.Keypad(ctx, f.dev, "000000")
			if err != nil {
				t.Error(err)
			}
			results <- res
		})
	}
	wg.Wait()
	close(results)
	messages := map[string]int{}
	for res := range results {
		messages[res.Message]++
	}
	// Serialised, the eight are: wrong 1, wrong 2, wrong 3 (safe mode), five refused.
	want := map[string]int{
		"Wrong code (1 of 3 before safe mode)":          1,
		"Wrong code (2 of 3 before safe mode)":          1,
		"Safe mode: the keypad is disabled until 14:05": tries - 2,
	}
	for m, n := range want {
		if messages[m] != n {
			t.Errorf("%q: got %d, want %d (all: %v)", m, messages[m], n, messages)
		}
	}
	evs, _ := f.events(t, "")
	if k := kinds(evs); strings.Count(k, "safe_mode") != 1 || strings.Count(k, "denied") != tries {
		t.Errorf("events: got %s, want %d denied and one safe_mode", k, tries)
	}

	// Two owners racing the same PIN onto the lock: one wins.
	errs := make(chan error, 2)
	for _, name := range []string{"Ana", "Bo"} {
		wg.Go(func() {
			_, err := f.s.SetCode(ctx, f.dev, lock.CodeSpec{Name: name, PIN: "482913"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok int
	for err := range errs {
		if err == nil {
			ok++
			continue
		}
		wantLockErr(t, "racing duplicate", err, lock.Permanent, "duplicate_code")
	}
	if ok != 1 {
		t.Errorf("racing duplicate: got %d successes, want 1", ok)
	}
}
