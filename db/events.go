package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Event is one thing that happened at a lock, normalised.
type Event struct {
	ID            int64
	LockID        int64
	DeviceEventID string
	Kind          string // unlocked, locked, denied, safe_mode, code_set, code_removed, battery_low, offline, online, tamper
	Method        string // keypad, app, manual, automatic, fingerprint, key, or empty
	CodeID        int64  // the matched code; 0 when none
	OccurredAt    time.Time
	Detail        string
}

// NewEvent is an event as pulled, before matching.
type NewEvent struct {
	DeviceEventID string
	Kind          string
	Method        string
	DeviceCodeID  string // the connector's code id, matched to our code when known
	OccurredAt    time.Time
	Detail        string
}

// IngestEvents stores pulled events and the lock's new cursor in one transaction,
// so a crash never skips or repeats a batch. Events already stored (same lock
// event id) are ignored. Unlocks stamp their code's first and last use. It
// returns how many events were new.
func (d *DB) IngestEvents(ctx context.Context, lockID int64, events []NewEvent, cursor string) (int, error) {
	var added int
	err := d.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO events (lock_id, device_event_id, kind, method, code_id, occurred_at, detail)
			VALUES (?, ?, ?, ?, (SELECT id FROM access_codes WHERE lock_id = ? AND device_code_id = ? AND ? != '' ORDER BY id DESC LIMIT 1), ?, ?)
			ON CONFLICT (lock_id, device_event_id) DO NOTHING
			RETURNING code_id`)
		if err != nil {
			return fmt.Errorf("db: prepare events: %w", err)
		}
		defer ins.Close()
		use, err := tx.PrepareContext(ctx, `UPDATE access_codes SET first_used_at = COALESCE(first_used_at, ?),
			last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("db: prepare code use: %w", err)
		}
		defer use.Close()
		for _, e := range events {
			var codeID sql.NullInt64
			err := ins.QueryRowContext(ctx, lockID, e.DeviceEventID, e.Kind, e.Method, lockID, e.DeviceCodeID, e.DeviceCodeID,
				unix(e.OccurredAt), e.Detail).Scan(&codeID)
			if err == sql.ErrNoRows {
				continue // already stored
			}
			if err != nil {
				return fmt.Errorf("db: insert event: %w", err)
			}
			added++
			if codeID.Valid && e.Kind == "unlocked" {
				if _, err := use.ExecContext(ctx, unix(e.OccurredAt), unix(e.OccurredAt), codeID.Int64); err != nil {
					return fmt.Errorf("db: stamp code use: %w", err)
				}
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE locks SET event_cursor = ?, events_pulled_at = ? WHERE id = ?", cursor, unix(d.now()), lockID)
		if err != nil {
			return fmt.Errorf("db: save event cursor: %w", err)
		}
		return nil
	})
	return added, err
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
