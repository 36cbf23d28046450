package lock_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit/seamfake"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/seam"
)

// These tests run the reconciler against Seam's own fake through the real seam
// driver. The fake keeps a code where it was created: a time-bound one "unset", an
// ongoing one "setting"; it never reports one "set". So codes stay "setting" here.

// seamEnv is env with one Seam connection, to a fresh fake, instead of the simulator.
type seamEnv struct {
	*env
	fake   *seamfake.Fake
	conn   db.Connection
	vendor *seam.Client // reads the fake directly, as the owner's Seam console would
}

func newSeamEnv(t *testing.T) *seamEnv {
	t.Helper()
	f := seamfake.Start(t)
	clk := newClock()
	store := dbtest.New(t, db.WithClock(clk.Now))
	e := &env{t: t, ctx: t.Context(), clk: clk, store: store}
	conn, err := store.CreateConnection(e.ctx, "seam", "Home", f.URL, seamfake.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: handBack{http.DefaultTransport}}
	o := e.options("test-a", nil)
	o.Connect = func(ctx context.Context, c db.Connection) (lock.Connector, error) {
		if c.Kind != "seam" {
			return nil, errors.New("no connector for " + c.Kind)
		}
		key, err := store.ConnectionSecret(ctx, c.ID) // stored sealed, as a real one is
		if err != nil {
			return nil, err
		}
		return seam.NewClient(c.BaseURL, key, hc), nil
	}
	e.r = lock.NewReconciler(o)
	return &seamEnv{env: e, fake: f, conn: conn, vendor: seam.NewClient(f.URL, seamfake.APIKey, nil)}
}

// handBack gives the fake's bare 503s a Retry-After longer than the driver waits
// out, so the driver returns the transient error at once instead of retrying on the
// wall clock (its own retries are tested in lock/seam). The reconciler's backoff,
// on the test clock, then takes over, as it does after the driver gives up.
type handBack struct{ http.RoundTripper }

func (h handBack) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.RoundTripper.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		resp.Header.Set("Retry-After", "3600")
	}
	return resp, err
}

// lockOf is the discovered lock for a seeded device.
func (e *seamEnv) lockOf(dev string) db.Lock {
	e.t.Helper()
	locks, err := e.store.ConnectionLocks(e.ctx, e.conn.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range locks {
		if l.DeviceID == dev {
			return l
		}
	}
	e.t.Fatalf("lock %s not discovered", dev)
	return db.Lock{}
}

// onFake is what the fake holds for a device, listed straight from it.
func (e *seamEnv) onFake(dev string) []lock.Code {
	e.t.Helper()
	codes, err := e.vendor.ListCodes(e.ctx, dev)
	if err != nil {
		e.t.Fatalf("list codes on the fake: %v", err)
	}
	return codes
}

// wantOneCopy checks that the fake holds exactly one copy of code c, with our name
// and PIN, under the device code id the reconciler recorded.
func (e *seamEnv) wantOneCopy(dev string, c db.AccessCode, pin string) lock.Code {
	e.t.Helper()
	var copies []lock.Code
	for _, rc := range e.onFake(dev) {
		if id, ok := lock.ParseMarker(rc.Name); ok && id == c.ID {
			copies = append(copies, rc)
		}
	}
	if len(copies) != 1 {
		e.t.Fatalf("code %d: got %d copies on the fake, want 1: %+v", c.ID, len(copies), copies)
	}
	rc := copies[0]
	c = e.code(c.ID)
	if rc.ID != c.DeviceCodeID || rc.Name != lock.CodeName(c.Label, c.ID) || rc.PIN != pin {
		e.t.Errorf("code %d on the fake: got id %q name %q pin %q, want id %q name %q pin %q",
			c.ID, rc.ID, rc.Name, rc.PIN, c.DeviceCodeID, lock.CodeName(c.Label, c.ID), pin)
	}
	return rc
}

// outage makes the fake answer 503 on routes for the seeded workspace; no routes
// ends it.
func (e *seamEnv) outage(routes ...string) {
	e.t.Helper()
	if routes == nil {
		routes = []string{}
	}
	e.fake.Post(e.t, "_fake/simulate_workspace_outage", map[string]any{"workspace_id": seamfake.Workspace, "routes": routes})
}

// setCalls counts the creates that reached the fake for a code. (A pass that cannot
// list the lock records a failed set attempt too, without calling.)
func (e *seamEnv) setCalls(codeID int64) int {
	n := 0
	for _, a := range e.attempts(codeID) {
		if a.Action == "set" && a.OK {
			n++
		}
	}
	return n
}

func TestSeamDiscoveryAndSet(t *testing.T) {
	e := newSeamEnv(t)
	e.pass()

	locks, err := e.store.ConnectionLocks(e.ctx, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var devs []string
	for _, l := range locks {
		devs = append(devs, l.DeviceID)
		if l.Name != "Smart Device" || !l.Online || !l.NativeSchedules || l.TimeZone != "UTC" || l.LastError != "" {
			t.Errorf("lock %s: got name %q online %v native %v zone %q error %q, want Smart Device, online, native, UTC, no error",
				l.DeviceID, l.Name, l.Online, l.NativeSchedules, l.TimeZone, l.LastError)
		}
	}
	// The seeded thermostat and noise sensor are not locks.
	if want := []string{seamfake.FrontDoor, seamfake.BackDoor, seamfake.Bathroom}; !slices.Equal(devs, want) {
		t.Fatalf("discovered devices: got %v, want %v", devs, want)
	}
	conn, err := e.store.Connection(e.ctx, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if conn.LastSyncAt.IsZero() || conn.LastError != "" {
		t.Errorf("connection sync: got at %v error %q, want synced without error", conn.LastSyncAt, conn.LastError)
	}

	// A code with a window (the fake creates it "unset") and a permanent one ("setting").
	front, back := e.lockOf(seamfake.FrontDoor), e.lockOf(seamfake.BackDoor)
	now := e.clk.Now()
	guest := e.newCode(front.ID, "Guest Ana", "482913", now, now.Add(72*time.Hour))
	family := e.newCode(back.ID, "Family", "730155", time.Time{}, time.Time{})
	e.pass()
	for _, tc := range []struct {
		code       db.AccessCode
		dev, pin   string
		fakeStatus lock.CodeStatus
		window     domain.Window
	}{
		{guest, seamfake.FrontDoor, "482913", lock.CodeUnset, domain.Window{Start: guest.StartsAt, End: guest.EndsAt}},
		{family, seamfake.BackDoor, "730155", lock.CodeSetting, domain.Window{}},
	} {
		c := e.wantStatus(tc.code.ID, domain.StatusSetting, "")
		if c.DeviceCodeID == "" {
			t.Errorf("code %d: got no device code id recorded", c.ID)
		}
		rc := e.wantOneCopy(tc.dev, c, tc.pin)
		if rc.Status != tc.fakeStatus || !rc.Window.Start.Equal(tc.window.Start) || !rc.Window.End.Equal(tc.window.End) {
			t.Errorf("code %d on the fake: got status %q window %v, want %q %v", c.ID, rc.Status, rc.Window, tc.fakeStatus, tc.window)
		}
	}

	// Later passes, past the settling time after a create, see the codes and leave
	// them be: no second copy, and the status stays what the fake reports.
	for range 3 {
		e.clk.Advance(5 * time.Minute)
		e.pass()
	}
	for _, tc := range []struct {
		code     db.AccessCode
		dev, pin string
	}{{guest, seamfake.FrontDoor, "482913"}, {family, seamfake.BackDoor, "730155"}} {
		e.wantStatus(tc.code.ID, domain.StatusSetting, "")
		e.wantOneCopy(tc.dev, tc.code, tc.pin)
		if n := e.setCalls(tc.code.ID); n != 1 {
			t.Errorf("code %d: got %d set calls, want 1", tc.code.ID, n)
		}
	}
	if codes := e.onFake(seamfake.Bathroom); len(codes) != 0 {
		t.Errorf("bathroom: got %d codes on the fake, want 0: %+v", len(codes), codes)
	}
}

func TestSeamRevokeDuringOutage(t *testing.T) {
	tests := []struct {
		name      string
		routes    []string
		connError bool // discovery fails too
	}{
		// Nothing answers: the lock's codes cannot even be listed.
		{"whole workspace", []string{"/devices/list", "/access_codes/list", "/access_codes/create", "/access_codes/delete"}, true},
		// Lists work; the delete call itself fails.
		{"deletes only", []string{"/access_codes/delete"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSeamEnv(t)
			e.pass()
			front := e.lockOf(seamfake.FrontDoor)
			now := e.clk.Now()
			guest := e.newCode(front.ID, "Guest Ana", "482913", now, now.Add(72*time.Hour))
			family := e.newCode(front.ID, "Family", "730155", time.Time{}, time.Time{}) // stays through it all
			e.pass()
			guestID := e.wantOneCopy(seamfake.FrontDoor, e.code(guest.ID), "482913").ID
			e.wantOneCopy(seamfake.FrontDoor, e.code(family.ID), "730155")
			e.clk.Advance(5 * time.Minute) // past the settling time after the creates

			e.outage(tt.routes...)
			if _, err := e.store.RevokeAccessCode(e.ctx, guest.ID); err != nil {
				t.Fatal(err)
			}
			e.pass()
			c := e.wantStatus(guest.ID, domain.StatusRemoving, "*")
			if !strings.Contains(c.LastError, "HTTP 503") {
				t.Errorf("revoked code's error: got %q, want the fake's HTTP 503", c.LastError)
			}
			if as := e.attempts(guest.ID); len(as) == 0 || as[0].Action != "remove" || as[0].OK {
				t.Errorf("revoked code's last attempt: got %+v, want a failed remove", as)
			}
			if c.NextAttemptAt.Sub(e.clk.Now()) != lock.Backoff(1) {
				t.Errorf("revoked code's next attempt: got %v, want in %v", c.NextAttemptAt, lock.Backoff(1))
			}
			conn, err := e.store.Connection(e.ctx, e.conn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := conn.LastError != ""; got != tt.connError {
				t.Errorf("connection error: got %q, want one: %v", conn.LastError, tt.connError)
			}
			if l := e.lock(front.ID); l.DeviceID != seamfake.FrontDoor {
				t.Errorf("front door lost during the outage: got %+v", l)
			}

			// The outage ends. Nothing was removed behind the reconciler's back, and
			// the removal waits for its backoff, then converges.
			e.outage()
			if rc := e.wantOneCopy(seamfake.FrontDoor, e.code(guest.ID), "482913"); rc.ID != guestID {
				t.Errorf("revoked code on the fake: got id %q, want %q", rc.ID, guestID)
			}
			e.clk.Advance(lock.Backoff(1))
			e.pass()
			e.wantStatus(guest.ID, domain.StatusRemoving, "")
			e.pass()
			if c := e.wantStatus(guest.ID, domain.StatusRemoved, ""); c.RemovedAt.IsZero() {
				t.Errorf("removed code: got no removed_at")
			}

			// On the fake: the live code once, the revoked one gone, nothing else.
			codes := e.onFake(seamfake.FrontDoor)
			if len(codes) != 1 {
				t.Fatalf("front door: got %d codes on the fake, want 1 (Family): %+v", len(codes), codes)
			}
			e.wantOneCopy(seamfake.FrontDoor, e.code(family.ID), "730155")
			e.wantStatus(family.ID, domain.StatusSetting, "")
			if n := e.setCalls(guest.ID) + e.setCalls(family.ID); n != 2 {
				t.Errorf("got %d set calls in all, want 2 (one per code; none again after the outage)", n)
			}
			conn, err = e.store.Connection(e.ctx, e.conn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if conn.LastError != "" {
				t.Errorf("connection error after the outage: got %q, want none", conn.LastError)
			}
		})
	}
}
