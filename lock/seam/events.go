package seam

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// rawEvent is the part of a Seam event that Gatehouse reads
// (seamapi/types: models/events/devices.ts and access-codes.ts).
type rawEvent struct {
	EventID       string    `json:"event_id"`
	EventType     string    `json:"event_type"`
	DeviceID      string    `json:"device_id"`
	AccessCodeID  string    `json:"access_code_id"`
	Method        string    `json:"method"`         // lock.locked, lock.unlocked
	ErrorCode     string    `json:"error_code"`     // device.disconnected
	BatteryStatus string    `json:"battery_status"` // device.battery_status_changed
	CreatedAt     time.Time `json:"created_at"`     // when Seam recorded it; what `since` filters on
	OccurredAt    time.Time `json:"occurred_at"`    // when it happened at the lock
}

// The Events cursor is this package's own, opaque to callers: base64url (no padding)
// of the JSON {"v":1,"t":<created_at high-water mark>,"seen":[event ids]}.
//
// Seam's events/list takes `since` (events whose created_at is later) and has no
// cursor of its own. Each call asks for since = t - eventOverlap, a short window
// re-read on purpose: an event Seam recorded a moment before another may become
// visible only after it (concurrent writers), and a timestamp at the boundary may
// be shared by several events. "seen" lists the ids already returned from that
// window, so they are dropped and the caller gets only new events. An empty cursor
// starts eventLookback ago.
type eventCursor struct {
	V    int       `json:"v"`
	T    time.Time `json:"t"`
	Seen []string  `json:"seen,omitempty"`
}

const (
	cursorVersion = 1
	maxSeenIDs    = 2000 // bounds the cursor if a lock floods the overlap window
)

func encodeCursor(c eventCursor) string {
	c.V = cursorVersion
	b, _ := json.Marshal(c) // a struct of a time and strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (eventCursor, error) {
	var c eventCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	if c.V != cursorVersion {
		return c, fmt.Errorf("cursor version %d", c.V)
	}
	return c, nil
}

// Events returns the lock's events after cursor, oldest first, and the next cursor.
// Seam event types with no domain.EventKind are skipped but still move the cursor.
func (c *Client) Events(ctx context.Context, deviceID, cursor string) ([]lock.Event, string, error) {
	cur := eventCursor{T: c.now().Add(-c.eventLookback).UTC()}
	since := cur.T.Truncate(time.Millisecond)
	if cursor != "" {
		var err error
		if cur, err = decodeCursor(cursor); err != nil {
			return nil, "", &lock.Error{Kind: lock.Permanent, Vendor: vendor,
				Message: "events: cursor was not made by this driver; reset it to start again", Err: err}
		}
		since = c.windowStart(cur.T)
	}

	raws, err := c.fetchEvents(ctx, deviceID, since)
	if err != nil {
		return nil, "", err
	}

	seen := make(map[string]bool, len(cur.Seen))
	for _, id := range cur.Seen {
		seen[id] = true
	}
	next := eventCursor{T: cur.T}
	var events []lock.Event
	var fresh []rawEvent
	for _, r := range raws {
		// events/list filters by device_id, but Seam's fake also returns events that
		// name no device; none of those belong to this lock.
		if r.DeviceID != deviceID || r.EventID == "" {
			continue
		}
		if r.CreatedAt.After(next.T) {
			next.T = r.CreatedAt.UTC()
		}
		fresh = append(fresh, r)
		if seen[r.EventID] {
			continue
		}
		if ev, ok := mapEvent(r); ok {
			events = append(events, ev)
		}
	}
	// Stable, so events sharing a timestamp keep the order Seam recorded them in
	// (fetchEvents returns them oldest first); ids are random and order nothing.
	slices.SortStableFunc(events, func(a, b lock.Event) int { return a.At.Compare(b.At) })

	// Remember every id the next call's window will return again.
	from := c.windowStart(next.T)
	slices.SortFunc(fresh, func(a, b rawEvent) int { return b.CreatedAt.Compare(a.CreatedAt) })
	for _, r := range fresh {
		if r.CreatedAt.Before(from) || len(next.Seen) >= maxSeenIDs {
			break
		}
		next.Seen = append(next.Seen, r.EventID)
	}
	return events, encodeCursor(next), nil
}

// windowStart is the `since` sent for a high-water mark t. Seam's fake compares at
// millisecond precision, so the value is truncated here and in the seen list alike.
func (c *Client) windowStart(t time.Time) time.Time {
	return t.Add(-c.eventOverlap).Truncate(time.Millisecond)
}

// fetchEvents reads every event since `since`, de-duplicated by id, oldest first.
//
// Seam's events/list is not cursor-paginated today: it returns up to `limit` events
// and takes `unstable_offset` to skip some. A full page is followed by the next
// offset; new events arriving meanwhile can only shift already-seen ones into the
// next page, which the id check drops. Should Seam add its standard `pagination`
// object here, its next_page_cursor is followed instead. Seam's fake ignores both
// limit and offset and returns everything, which ends the loop on the second page
// (nothing new). After maxPages the events read so far are returned.
func (c *Client) fetchEvents(ctx context.Context, deviceID string, since time.Time) ([]rawEvent, error) {
	body := map[string]any{
		"device_id": deviceID,
		"since":     since.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"limit":     c.pageSize,
	}
	var all []rawEvent
	ids := map[string]bool{}
	cursors := map[string]bool{}
	offset := 0
	for n := 0; n < c.maxPages; n++ {
		var page struct {
			Events     []rawEvent  `json:"events"`
			Pagination *pagination `json:"pagination"`
		}
		if err := c.call(ctx, "events/list", body, &page, callOpts{idempotent: true}); err != nil {
			return nil, err
		}
		added := 0
		for _, r := range page.Events {
			if ids[r.EventID] {
				continue
			}
			ids[r.EventID] = true
			all = append(all, r)
			added++
		}
		if p := page.Pagination; p != nil {
			if !p.HasNextPage || p.NextPageCursor == "" || cursors[p.NextPageCursor] {
				break
			}
			cursors[p.NextPageCursor] = true
			body["page_cursor"] = p.NextPageCursor
			continue
		}
		if len(page.Events) < c.pageSize || added == 0 {
			break
		}
		offset += len(page.Events)
		body["unstable_offset"] = offset
	}
	// Seam lists newest first, its fake oldest first; make it oldest first so that
	// events with equal timestamps keep their recorded order. (When every event
	// shares one timestamp the direction cannot be told, and it is left as is.)
	if len(all) > 1 && all[0].CreatedAt.After(all[len(all)-1].CreatedAt) {
		slices.Reverse(all)
	}
	return all, nil
}

// mapEvent normalises one Seam event; ok is false for types Gatehouse has no kind for.
//
// Only what happened at the lock is mapped. Seam's bookkeeping about its own objects
// (access_code.created, .changed, .deleted, .scheduled_on_device, .delay_in_*,
// .failed_to_*) has no domain.EventKind: the code's state and errors reach Gatehouse
// through ListCodes instead.
func mapEvent(r rawEvent) (lock.Event, bool) {
	ev := lock.Event{
		ID:       r.EventID,
		DeviceID: r.DeviceID,
		CodeID:   r.AccessCodeID,
		At:       r.OccurredAt.UTC(),
		Detail:   r.EventType,
	}
	if r.OccurredAt.IsZero() {
		ev.At = r.CreatedAt.UTC()
	}
	switch r.EventType {
	case "lock.unlocked":
		ev.Kind, ev.Method = domain.EventUnlocked, mapMethod(r.Method)
	case "lock.locked":
		ev.Kind, ev.Method = domain.EventLocked, mapMethod(r.Method)
	case "lock.access_denied":
		ev.Kind = domain.EventDenied
	case "access_code.set_on_device",
		// A code changed or appeared on the lock without Seam: worth an owner's look.
		"access_code.modified_external_to_seam",
		"access_code.unmanaged.created":
		ev.Kind = domain.EventCodeSet
	case "access_code.removed_from_device",
		"access_code.deleted_external_to_seam",
		"access_code.unmanaged.removed":
		ev.Kind = domain.EventCodeRemoved
	case "device.connected":
		ev.Kind = domain.EventOnline
	case "device.disconnected":
		ev.Kind = domain.EventOffline
		if r.ErrorCode != "" {
			ev.Detail += ": " + r.ErrorCode
		}
	case "device.low_battery":
		ev.Kind = domain.EventBatteryLow
	case "device.battery_status_changed":
		if r.BatteryStatus != "low" && r.BatteryStatus != "critical" {
			return lock.Event{}, false
		}
		ev.Kind = domain.EventBatteryLow
		ev.Detail += ": " + r.BatteryStatus
	case "device.tampered":
		ev.Kind = domain.EventTamper
	default:
		return lock.Event{}, false
	}
	return ev, true
}

// mapMethod maps Seam's lock_method: keycode, manual, automatic, seamapi, unknown.
func mapMethod(m string) domain.Method {
	switch m {
	case "keycode":
		return domain.MethodKeypad
	case "manual":
		return domain.MethodManual
	case "automatic":
		return domain.MethodAutomatic
	case "seamapi":
		return domain.MethodApp // a remote lock or unlock through Seam's API
	}
	return domain.MethodNone
}
