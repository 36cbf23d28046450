package seam

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

func TestMapEvent(t *testing.T) {
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in     rawEvent
		want   lock.Event
		mapped bool
	}{
		{rawEvent{EventType: "lock.unlocked", Method: "keycode", AccessCodeID: "ac1"},
			lock.Event{Kind: domain.EventUnlocked, Method: domain.MethodKeypad, CodeID: "ac1", Detail: "lock.unlocked"}, true},
		{rawEvent{EventType: "lock.unlocked", Method: "seamapi"},
			lock.Event{Kind: domain.EventUnlocked, Method: domain.MethodApp, Detail: "lock.unlocked"}, true},
		{rawEvent{EventType: "lock.unlocked", Method: "unknown"},
			lock.Event{Kind: domain.EventUnlocked, Method: domain.MethodNone, Detail: "lock.unlocked"}, true},
		{rawEvent{EventType: "lock.locked", Method: "automatic"},
			lock.Event{Kind: domain.EventLocked, Method: domain.MethodAutomatic, Detail: "lock.locked"}, true},
		{rawEvent{EventType: "lock.locked", Method: "manual"},
			lock.Event{Kind: domain.EventLocked, Method: domain.MethodManual, Detail: "lock.locked"}, true},
		{rawEvent{EventType: "lock.access_denied", AccessCodeID: "ac2"},
			lock.Event{Kind: domain.EventDenied, CodeID: "ac2", Detail: "lock.access_denied"}, true},
		{rawEvent{EventType: "access_code.set_on_device", AccessCodeID: "ac3"},
			lock.Event{Kind: domain.EventCodeSet, CodeID: "ac3", Detail: "access_code.set_on_device"}, true},
		{rawEvent{EventType: "access_code.removed_from_device", AccessCodeID: "ac3"},
			lock.Event{Kind: domain.EventCodeRemoved, CodeID: "ac3", Detail: "access_code.removed_from_device"}, true},
		{rawEvent{EventType: "access_code.unmanaged.created", AccessCodeID: "ac9"},
			lock.Event{Kind: domain.EventCodeSet, CodeID: "ac9", Detail: "access_code.unmanaged.created"}, true},
		{rawEvent{EventType: "access_code.deleted_external_to_seam", AccessCodeID: "ac3"},
			lock.Event{Kind: domain.EventCodeRemoved, CodeID: "ac3", Detail: "access_code.deleted_external_to_seam"}, true},
		{rawEvent{EventType: "device.connected"}, lock.Event{Kind: domain.EventOnline, Detail: "device.connected"}, true},
		{rawEvent{EventType: "device.disconnected", ErrorCode: "hub_disconnected"},
			lock.Event{Kind: domain.EventOffline, Detail: "device.disconnected: hub_disconnected"}, true},
		{rawEvent{EventType: "device.low_battery"}, lock.Event{Kind: domain.EventBatteryLow, Detail: "device.low_battery"}, true},
		{rawEvent{EventType: "device.battery_status_changed", BatteryStatus: "critical"},
			lock.Event{Kind: domain.EventBatteryLow, Detail: "device.battery_status_changed: critical"}, true},
		{rawEvent{EventType: "device.battery_status_changed", BatteryStatus: "full"}, lock.Event{}, false},
		{rawEvent{EventType: "device.tampered"}, lock.Event{Kind: domain.EventTamper, Detail: "device.tampered"}, true},
		{rawEvent{EventType: "access_code.created", AccessCodeID: "ac3"}, lock.Event{}, false},
		{rawEvent{EventType: "access_code.deleted", AccessCodeID: "ac3"}, lock.Event{}, false},
		{rawEvent{EventType: "thermostat.manually_adjusted"}, lock.Event{}, false},
	}
	for _, tt := range tests {
		name := tt.in.EventType + "/" + tt.in.Method + tt.in.BatteryStatus
		t.Run(name, func(t *testing.T) {
			in := tt.in
			in.EventID, in.DeviceID, in.OccurredAt, in.CreatedAt = "ev1", "dev1", at, at.Add(time.Second)
			got, ok := mapEvent(in)
			if ok != tt.mapped {
				t.Fatalf("got mapped %v, want %v", ok, tt.mapped)
			}
			if !ok {
				return
			}
			want := tt.want
			want.ID, want.DeviceID, want.At = "ev1", "dev1", at
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestEventAtFallsBackToCreatedAt(t *testing.T) {
	created := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	got, _ := mapEvent(rawEvent{EventID: "e", EventType: "device.tampered", CreatedAt: created})
	if !got.At.Equal(created) {
		t.Errorf("got At %v, want created_at %v", got.At, created)
	}
}

func TestBadCursorIsPermanent(t *testing.T) {
	c, _, s := serve(t, reply{200, nil, `{"events":[]}`})
	for _, cur := range []string{"not base64!", "bm90IGpzb24", encodeCursor(eventCursor{})[:4] + "x"} {
		_, _, err := c.Events(context.Background(), "dev1", cur)
		assertErr(t, "Events("+cur+")", err, lock.Permanent, "")
	}
	if got := len(s.got()); got != 0 {
		t.Errorf("got %d requests, want 0", got)
	}
}

// seamEvents emulates Seam's events/list as documented: newest first, `limit`
// per response, `unstable_offset` to skip, `since` compared with created_at.
type seamEvents struct {
	mu       sync.Mutex
	events   []map[string]any
	requests []map[string]any
	useToken bool // answer with Seam's standard pagination object instead
}

func (s *seamEvents) add(id, typ string, created time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, map[string]any{
		"event_id": id, "event_type": typ, "device_id": "dev1", "workspace_id": "w",
		"created_at": created.Format(time.RFC3339Nano), "occurred_at": created.Add(-time.Second).Format(time.RFC3339Nano),
	})
}

func (s *seamEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var q map[string]any
	_ = json.Unmarshal(raw, &q)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, q)
	since, err := time.Parse(time.RFC3339Nano, fmt.Sprint(q["since"]))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var match []map[string]any
	for _, e := range s.events {
		created, _ := time.Parse(time.RFC3339Nano, e["created_at"].(string))
		if created.After(since) && e["device_id"] == q["device_id"] {
			match = append(match, e)
		}
	}
	// Newest first; among equal timestamps the later recorded first, as a
	// descending index scan returns them.
	sort.SliceStable(match, func(i, j int) bool { return match[i]["created_at"].(string) < match[j]["created_at"].(string) })
	slices.Reverse(match)
	offset := 0
	if v, ok := q["unstable_offset"].(float64); ok {
		offset = int(v)
	}
	if v, ok := q["page_cursor"].(string); ok {
		fmt.Sscan(v, &offset)
	}
	limit := int(q["limit"].(float64))
	end := min(offset+limit, len(match))
	page := match[min(offset, len(match)):end]
	resp := map[string]any{"events": page}
	if s.useToken {
		p := map[string]any{"has_next_page": end < len(match), "next_page_cursor": nil}
		if end < len(match) {
			p["next_page_cursor"] = fmt.Sprint(end)
		}
		resp["pagination"] = p
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func TestEventsPaging(t *testing.T) {
	for _, useToken := range []bool{false, true} {
		t.Run(fmt.Sprintf("page_cursor=%v", useToken), func(t *testing.T) {
			now := time.Date(2031, 5, 6, 7, 0, 0, 0, time.UTC)
			s := &seamEvents{useToken: useToken}
			base := now.Add(-time.Hour)
			for i := 0; i < 23; i++ {
				typ := "lock.unlocked"
				if i%2 == 1 {
					typ = "lock.locked"
				}
				s.add(fmt.Sprintf("e%02d", i), typ, base.Add(time.Duration(i)*time.Second))
			}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			c, _ := testClient(srv.URL, "k")
			c.pageSize = 5
			c.now = func() time.Time { return now }
			ctx := context.Background()

			first, cursor, err := c.Events(ctx, "dev1", "")
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			if got := ids(first); !slices.Equal(got, seq(0, 23)) {
				t.Fatalf("got %v, want e00..e22 oldest first", got)
			}
			if got := len(s.requests); got != 5 {
				t.Errorf("got %d requests for 23 events in pages of 5, want 5", got)
			}
			for i, q := range s.requests {
				if q["since"] != "2031-04-29T07:00:00.000Z" || q["device_id"] != "dev1" || q["limit"] != 5.0 {
					t.Errorf("request %d: got %v, want since 7 days back, device and limit", i, q)
				}
			}

			// Three new events, and one Seam recorded late with an earlier created_at.
			s.add("e23", "lock.unlocked", base.Add(30*time.Second))
			s.add("e24", "lock.locked", base.Add(31*time.Second))
			s.add("late", "device.tampered", base.Add(22*time.Second-time.Millisecond))
			s.add("e25", "lock.unlocked", base.Add(32*time.Second))
			second, cursor2, err := c.Events(ctx, "dev1", cursor)
			if err != nil {
				t.Fatalf("Events with cursor: %v", err)
			}
			if got, want := ids(second), []string{"late", "e23", "e24", "e25"}; !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			third, _, err := c.Events(ctx, "dev1", cursor2)
			if err != nil {
				t.Fatalf("Events again: %v", err)
			}
			if len(third) != 0 {
				t.Errorf("got %v with nothing new, want none", ids(third))
			}
		})
	}
}

func TestEventsWithEqualTimestampsKeepRecordedOrder(t *testing.T) {
	now := time.Date(2031, 5, 6, 7, 0, 0, 0, time.UTC)
	s := &seamEvents{}
	at := now.Add(-time.Hour)
	s.add("before", "lock.locked", at.Add(-time.Second)) // shows which way Seam sorted
	s.add("first", "lock.unlocked", at)
	s.add("second", "lock.locked", at)
	s.add("third", "lock.unlocked", at)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, _ := testClient(srv.URL, "k")
	c.now = func() time.Time { return now }
	got, _, err := c.Events(context.Background(), "dev1", "")
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if want := []string{"before", "first", "second", "third"}; !slices.Equal(ids(got), want) {
		t.Errorf("got %v, want %v", ids(got), want)
	}
}

func TestEventCursorStaysSmall(t *testing.T) {
	now := time.Date(2031, 5, 6, 7, 0, 0, 0, time.UTC)
	s := &seamEvents{}
	for i := 0; i < 40; i++ {
		// Ten minutes apart: only the newest falls in the one-minute overlap.
		s.add(fmt.Sprintf("e%02d", i), "lock.unlocked", now.Add(-time.Duration(40-i)*10*time.Minute))
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, _ := testClient(srv.URL, "k")
	c.now = func() time.Time { return now }
	_, cursor, err := c.Events(context.Background(), "dev1", "")
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	cur, err := decodeCursor(cursor)
	if err != nil {
		t.Fatalf("decode own cursor: %v", err)
	}
	if !slices.Equal(cur.Seen, []string{"e39"}) {
		t.Errorf("got seen %v, want only the event inside the overlap [e39]", cur.Seen)
	}
	if want := now.Add(-10 * time.Minute); !cur.T.Equal(want) {
		t.Errorf("got high-water mark %v, want %v", cur.T, want)
	}
}

func ids(evs []lock.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func seq(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("e%02d", i))
	}
	return out
}
