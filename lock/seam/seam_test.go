package seam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit/seamfake"
	"github.com/gatehouse/gatehouse/lock"
)

// These tests run the driver against Seam's own fake (see package seamfake).

func TestFakeListLocks(t *testing.T) {
	f := seamfake.Start(t)
	c, _ := fakeClient(f)
	c.pageSize = 2 // the fake seeds five devices: three pages of devices/list

	got, err := c.ListLocks(context.Background())
	if err != nil {
		t.Fatalf("ListLocks: %v", err)
	}
	var ids []string
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	// The seeded thermostat and noise sensor are not locks.
	want := []string{seamfake.FrontDoor, seamfake.BackDoor, seamfake.Bathroom}
	if !slices.Equal(ids, want) {
		t.Fatalf("got devices %v, want %v", ids, want)
	}
	for _, d := range got {
		t.Run(d.ID, func(t *testing.T) {
			checks := []struct {
				what      string
				got, want any
			}{
				{"name", d.Name, "Smart Device"}, // the fake's display_name for every device
				{"manufacturer", d.Manufacturer, "Generic"},
				{"model", d.Model, "Device"},
				{"online", d.Online, true},
				{"locked", deref(d.Locked), true},
				{"battery", deref(d.Battery), 1.0},
				{"native schedules", d.Caps.NativeSchedules, true},
				{"digits only", d.Caps.DigitsOnly, true},
				{"slots", d.Caps.Slots, 0},
				{"time zone", d.TimeZone, ""},
			}
			for _, ck := range checks {
				if ck.got != ck.want {
					t.Errorf("%s: got %v, want %v", ck.what, ck.got, ck.want)
				}
			}
		})
	}
}

func TestFakeCodeLifecycle(t *testing.T) {
	f := seamfake.Start(t)
	c, _ := fakeClient(f)
	ctx := context.Background()
	start := time.Date(2031, 3, 1, 15, 0, 0, 0, time.UTC)
	window := domain.Window{Start: start, End: start.Add(72 * time.Hour)}

	guest, err := c.SetCode(ctx, seamfake.FrontDoor, lock.CodeSpec{Name: "Guest Ana", PIN: "482913", Window: window})
	if err != nil {
		t.Fatalf("SetCode time-bound: %v", err)
	}
	family, err := c.SetCode(ctx, seamfake.FrontDoor, lock.CodeSpec{Name: "Family", PIN: "730155"})
	if err != nil {
		t.Fatalf("SetCode permanent: %v", err)
	}
	// The fake starts a time-bound code "unset" and an ongoing one "setting".
	wantGuest := lock.Code{ID: guest.ID, DeviceID: seamfake.FrontDoor, Name: "Guest Ana", PIN: "482913", Window: window, Status: lock.CodeUnset}
	wantFamily := lock.Code{ID: family.ID, DeviceID: seamfake.FrontDoor, Name: "Family", PIN: "730155", Status: lock.CodeSetting}
	if guest.ID == "" || family.ID == "" || guest.ID == family.ID {
		t.Fatalf("got code ids %q and %q, want two distinct ids", guest.ID, family.ID)
	}
	assertCode(t, "created guest", guest, wantGuest)
	assertCode(t, "created family", family, wantFamily)

	listed, err := c.ListCodes(ctx, seamfake.FrontDoor)
	if err != nil {
		t.Fatalf("ListCodes: %v", err)
	}
	if len(listed) != 2 {
		t.Fatalf("got %d codes on the front door, want 2: %+v", len(listed), listed)
	}
	assertCode(t, "listed guest", listed[0], wantGuest)
	assertCode(t, "listed family", listed[1], wantFamily)

	other, err := c.ListCodes(ctx, seamfake.BackDoor)
	if err != nil {
		t.Fatalf("ListCodes back door: %v", err)
	}
	if len(other) != 0 {
		t.Errorf("got %d codes on the back door, want 0 (codes of another lock leaked in)", len(other))
	}

	for _, id := range []string{guest.ID, family.ID} {
		if err := c.RemoveCode(ctx, seamfake.FrontDoor, id); err != nil {
			t.Fatalf("RemoveCode %s: %v", id, err)
		}
	}
	left, err := c.ListCodes(ctx, seamfake.FrontDoor)
	if err != nil {
		t.Fatalf("ListCodes after remove: %v", err)
	}
	if len(left) != 0 {
		t.Errorf("got %d codes after removing both, want 0", len(left))
	}

	err = c.RemoveCode(ctx, seamfake.FrontDoor, guest.ID)
	assertErr(t, "remove again", err, lock.Permanent, "access_code_not_found")
	if !errors.Is(err, lock.ErrNotFound) {
		t.Errorf("remove again: got %v, want it to wrap lock.ErrNotFound", err)
	}
}

func TestFakeRejections(t *testing.T) {
	f := seamfake.Start(t)
	c, _ := fakeClient(f)
	ctx := context.Background()
	const pin = "246810"
	if _, err := c.SetCode(ctx, seamfake.BackDoor, lock.CodeSpec{Name: "Cleaner", PIN: pin}); err != nil {
		t.Fatalf("SetCode: %v", err)
	}

	tests := []struct {
		name     string
		call     func() error
		wantKind lock.ErrorKind
		wantCode string
		notFound bool
	}{
		{
			name: "duplicate PIN on the same lock",
			call: func() error {
				_, err := c.SetCode(ctx, seamfake.BackDoor, lock.CodeSpec{Name: "Cleaner 2", PIN: pin})
				return err
			},
			wantKind: lock.Permanent, wantCode: "duplicate_access_code",
		},
		{
			name: "unknown lock",
			call: func() error {
				_, err := c.SetCode(ctx, "no_such_device", lock.CodeSpec{Name: "x", PIN: "135790"})
				return err
			},
			wantKind: lock.Permanent, wantCode: "device_not_found", notFound: true,
		},
		{
			name: "bad request: window with a start only",
			call: func() error {
				body := map[string]any{"device_id": seamfake.BackDoor, "code": "135791", "starts_at": "2031-01-01T00:00:00Z"}
				return c.call(ctx, "access_codes/create", body, nil, callOpts{secrets: []string{"135791"}})
			},
			wantKind: lock.Permanent, wantCode: "invalid_input",
		},
		{
			name: "bad request: events without since",
			call: func() error {
				return c.call(ctx, "events/list", map[string]any{}, nil, callOpts{idempotent: true})
			},
			wantKind: lock.Permanent, wantCode: "invalid_input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			assertErr(t, tt.name, err, tt.wantKind, tt.wantCode)
			if got := errors.Is(err, lock.ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, lock.ErrNotFound): got %v, want %v", got, tt.notFound)
			}
			for _, secret := range []string{pin, "135791", seamfake.APIKey} {
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks a secret", err)
				}
			}
		})
	}
}

func TestFakeAuth(t *testing.T) {
	f := seamfake.Start(t)
	tests := []struct {
		name, key, wantCode string
	}{
		{"unknown API key", "seam_apikey9_doesnotexist", "unauthorized"},
		{"empty key", "", "unauthorized"},
		{"access token instead of an API key", "seam_at1_token", "access_token_used_for_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sl := testClient(f.URL, tt.key)
			_, err := c.ListLocks(context.Background())
			assertErr(t, "ListLocks", err, lock.Auth, tt.wantCode)
			if tt.key != "" && err != nil && strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q contains the API key", err)
			}
			if n := len(sl.got()); n != 0 {
				t.Errorf("got %d retries of an auth failure, want 0", n)
			}
		})
	}
}

func TestFakeWorkspaceOutage(t *testing.T) {
	f := seamfake.Start(t)
	c, sl := fakeClient(f)
	ctx := context.Background()

	f.Post(t, "_fake/simulate_workspace_outage", map[string]any{
		"workspace_id": seamfake.Workspace,
		"routes":       []string{"/devices/list", "/access_codes/list", "/access_codes/create", "/events/list"},
	})

	_, err := c.ListLocks(ctx)
	assertErr(t, "ListLocks in outage", err, lock.Transient, "")
	if got, want := len(sl.got()), c.maxAttempts-1; got != want {
		t.Errorf("ListLocks in outage: got %d retries, want %d", got, want)
	}
	_, err = c.ListCodes(ctx, seamfake.FrontDoor)
	assertErr(t, "ListCodes in outage", err, lock.Transient, "")
	_, _, err = c.Events(ctx, seamfake.FrontDoor, "")
	assertErr(t, "Events in outage", err, lock.Transient, "")

	before := len(sl.got())
	_, err = c.SetCode(ctx, seamfake.FrontDoor, lock.CodeSpec{Name: "x", PIN: "918273"})
	assertErr(t, "SetCode in outage", err, lock.Transient, "")
	if got := len(sl.got()) - before; got != 0 {
		t.Errorf("SetCode in outage: got %d retries, want 0 (a 503 may follow a create)", got)
	}

	// An outage with no routes is the fake's way to end one.
	f.Post(t, "_fake/simulate_workspace_outage", map[string]any{"workspace_id": seamfake.Workspace, "routes": []string{}})
	if _, err := c.ListLocks(ctx); err != nil {
		t.Fatalf("ListLocks after the outage: %v", err)
	}
	if _, err := c.SetCode(ctx, seamfake.FrontDoor, lock.CodeSpec{Name: "x", PIN: "918273"}); err != nil {
		t.Fatalf("SetCode after the outage: %v", err)
	}
}

func TestFakeEvents(t *testing.T) {
	f := seamfake.Start(t)
	c, _ := fakeClient(f)
	// Smaller than the number of events: the fake ignores limit and offset, and the
	// driver must still end, with each event once.
	c.pageSize = 5
	ctx := context.Background()

	// The seed already holds one device.connected for the front door.
	for i := 0; i < 6; i++ {
		f.Post(t, "locks/unlock_door", map[string]any{"device_id": seamfake.FrontDoor})
		f.Post(t, "locks/lock_door", map[string]any{"device_id": seamfake.FrontDoor})
	}
	f.Post(t, "locks/unlock_door", map[string]any{"device_id": seamfake.BackDoor}) // another lock
	// access_code.created has no domain.EventKind: skipped, but it moves the cursor.
	if _, err := c.SetCode(ctx, seamfake.FrontDoor, lock.CodeSpec{Name: "g", PIN: "551234"}); err != nil {
		t.Fatalf("SetCode: %v", err)
	}

	first, cursor, err := c.Events(ctx, seamfake.FrontDoor, "")
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	wantKinds := []domain.EventKind{domain.EventOnline}
	for i := 0; i < 6; i++ {
		wantKinds = append(wantKinds, domain.EventUnlocked, domain.EventLocked)
	}
	if got := kinds(first); !slices.Equal(got, wantKinds) {
		t.Fatalf("got kinds %v, want %v", got, wantKinds)
	}
	assertOrderedUnique(t, first)
	for _, ev := range first {
		if ev.DeviceID != seamfake.FrontDoor {
			t.Errorf("event %s: got device %q, want %q", ev.ID, ev.DeviceID, seamfake.FrontDoor)
		}
	}

	again, cursor2, err := c.Events(ctx, seamfake.FrontDoor, cursor)
	if err != nil {
		t.Fatalf("Events with cursor: %v", err)
	}
	if len(again) != 0 {
		t.Errorf("got %d events with nothing new, want 0: %+v", len(again), again)
	}

	f.Post(t, "locks/unlock_door", map[string]any{"device_id": seamfake.FrontDoor})
	f.Post(t, "locks/lock_door", map[string]any{"device_id": seamfake.FrontDoor})
	newer, _, err := c.Events(ctx, seamfake.FrontDoor, cursor2)
	if err != nil {
		t.Fatalf("Events after two more: %v", err)
	}
	if got, want := kinds(newer), []domain.EventKind{domain.EventUnlocked, domain.EventLocked}; !slices.Equal(got, want) {
		t.Fatalf("got kinds %v, want %v", got, want)
	}
	for _, ev := range newer {
		for _, old := range first {
			if ev.ID == old.ID {
				t.Errorf("event %s returned again", ev.ID)
			}
		}
		if ev.At.Before(first[len(first)-1].At) {
			t.Errorf("event %s at %v: older than the previous batch's last", ev.ID, ev.At)
		}
	}
}

func assertCode(t *testing.T, what string, got, want lock.Code) {
	t.Helper()
	if got.ID != want.ID || got.DeviceID != want.DeviceID || got.Name != want.Name ||
		got.PIN != want.PIN || got.Status != want.Status ||
		!got.Window.Start.Equal(want.Window.Start) || !got.Window.End.Equal(want.Window.End) ||
		len(got.Errors) != len(want.Errors) || len(got.Warnings) != len(want.Warnings) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

func assertErr(t *testing.T, what string, err error, kind lock.ErrorKind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want a %v error", what, kind)
	}
	var le *lock.Error
	if !errors.As(err, &le) {
		t.Fatalf("%s: got %T (%v), want *lock.Error", what, err, err)
	}
	if le.Kind != kind {
		t.Errorf("%s: got kind %v, want %v (%v)", what, le.Kind, kind, err)
	}
	if le.Code != code {
		t.Errorf("%s: got code %q, want %q (%v)", what, le.Code, code, err)
	}
	if le.Vendor != "seam" {
		t.Errorf("%s: got vendor %q, want seam", what, le.Vendor)
	}
}

func assertOrderedUnique(t *testing.T, evs []lock.Event) {
	t.Helper()
	seen := map[string]bool{}
	for i, ev := range evs {
		if seen[ev.ID] {
			t.Errorf("event %s returned twice", ev.ID)
		}
		seen[ev.ID] = true
		if i > 0 && ev.At.Before(evs[i-1].At) {
			t.Errorf("event %s at %v comes after %s at %v: want oldest first", ev.ID, ev.At, evs[i-1].ID, evs[i-1].At)
		}
	}
}

func kinds(evs []lock.Event) []domain.EventKind {
	var ks []domain.EventKind
	for _, ev := range evs {
		ks = append(ks, ev.Kind)
	}
	return ks
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
