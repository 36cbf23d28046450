package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Event is one thing that happened at a lock, normalised.
type Event struct {
	ID            int64
	LockID        int64
	DeviceEventID string
	Kind          domain.EventKind
	Method        domain.Method // domain.MethodNone when the connector did not say
	CodeID        int64         // the matched code; 0 when none
	OccurredAt    time.Time
	Detail        string
}

// NewEvent is an event as pulled, before matching.
type NewEvent struct {
	DeviceEventID string
	Kind          domain.EventKind
	Method        domain.Method
	DeviceCodeID  string // the connector's code id, matched to our code when known
	OccurredAt    time.Time
	Detail        string
}

const eventCols = "id, lock_id, device_event_id, kind, method, code_id, occurred_at, detail"

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var code, at sql.NullInt64
	err := row.Scan(&e.ID, &e.LockID, &e.DeviceEventID, &e.Kind, &e.Method, &code, &at, &e.Detail)
	e.CodeID, e.OccurredAt = code.Int64, fromUnix(at)
	return e, err
}

// LockEvents returns a lock's most recent events, newest first.
func (d *DB) LockEvents(ctx context.Context, lockID int64, limit int) ([]Event, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+eventCols+" FROM events WHERE lock_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?", lockID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: lock events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan event: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
