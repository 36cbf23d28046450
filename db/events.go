package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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

// IngestEvents stores pulled events and the lock's new cursor in one transaction,
// so a crash never skips or repeats a batch. Events already stored (same lock
// event id) are ignored. Unlocks stamp their code's first and last use. Each new
// event gets its guest and its anomaly (domain.Classify, bursts) and is counted in
// event_counts, in the same transaction. It returns how many events were new.
func (d *DB) IngestEvents(ctx context.Context, lockID int64, events []NewEvent, cursor string) (int, error) {
	var added int
	err := d.tx(ctx, func(tx *sql.Tx) error {
		added = 0
		events := events // fn may run again (group commit); leave the caller's slice whole
		codes, err := ingestCodes(ctx, tx, lockID)
		if err != nil {
			return err
		}
		bursts, err := burstsFor(ctx, tx, lockID, events)
		if err != nil {
			return err
		}
		type use struct{ first, last int64 }
		uses := map[int64]use{}
		counts := bucketCounts{}
		// Full chunks share one prepared statement; only the last, shorter one is
		// prepared on its own.
		var full *sql.Stmt
		if len(events) >= ingestChunk {
			if full, err = tx.PrepareContext(ctx, insertEventsSQL(ingestChunk)); err != nil {
				return fmt.Errorf("db: insert events: %w", err)
			}
			defer full.Close()
		}
		args := make([]any, 0, 9*ingestChunk)
		for len(events) > 0 {
			n := min(ingestChunk, len(events))
			part := events[:n]
			events = events[n:]
			args = args[:0]
			for _, e := range part {
				var code, guest sql.NullInt64
				var c ingestCode
				if e.DeviceCodeID != "" {
					if c = codes[e.DeviceCodeID]; c.id != 0 {
						code = sql.NullInt64{Int64: c.id, Valid: true}
						guest = sql.NullInt64{Int64: c.guest, Valid: c.guest != 0}
					}
				}
				at := unix(e.OccurredAt)
				anomaly := domain.Classify(e.Kind, time.Unix(at, 0), c.eventCode())
				if anomaly == domain.AnomalyNone && bursts.batch[e.DeviceEventID] {
					anomaly = domain.AnomalyDeniedBurst
				}
				args = append(args, lockID, e.DeviceEventID, e.Kind, e.Method, code, at, e.Detail, guest, anomaly)
			}
			var rows *sql.Rows
			if n == ingestChunk {
				rows, err = full.QueryContext(ctx, args...)
			} else {
				rows, err = tx.QueryContext(ctx, insertEventsSQL(n), args...)
			}
			if err != nil {
				return fmt.Errorf("db: insert events: %w", err)
			}
			for rows.Next() {
				var code sql.NullInt64
				var kind domain.EventKind
				var at int64
				if err := rows.Scan(&code, &kind, &at); err != nil {
					rows.Close()
					return fmt.Errorf("db: insert events: %w", err)
				}
				added++
				counts.add(at, kind)
				if code.Valid && kind == domain.EventUnlocked {
					u, ok := uses[code.Int64]
					if !ok {
						u = use{at, at}
					}
					u.first, u.last = min(u.first, at), max(u.last, at)
					uses[code.Int64] = u
				}
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("db: insert events: %w", err)
			}
		}
		for id, u := range uses {
			if _, err := tx.ExecContext(ctx, `UPDATE access_codes SET first_used_at = MIN(COALESCE(first_used_at, ?), ?),
				last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?`, u.first, u.first, u.last, id); err != nil {
				return fmt.Errorf("db: stamp code use: %w", err)
			}
		}
		if err := markBursts(ctx, tx, bursts); err != nil {
			return err
		}
		if err := counts.save(ctx, tx, lockID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE locks SET event_cursor = ?, events_pulled_at = ? WHERE id = ?", cursor, unix(d.now()), lockID)
		if err != nil {
			return fmt.Errorf("db: save event cursor: %w", err)
		}
		return nil
	})
	return added, err
}

// ingestChunk is how many events one INSERT statement stores.
const ingestChunk = 100

// insertEventsSQL stores n events, ignoring those already stored, and returns
// the new ones' code, kind and time.
func insertEventsSQL(n int) string {
	var q strings.Builder
	q.WriteString("INSERT INTO events (lock_id, device_event_id, kind, method, code_id, occurred_at, detail, guest_id, anomaly) VALUES ")
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	q.WriteString(" ON CONFLICT (lock_id, device_event_id) DO NOTHING RETURNING code_id, kind, occurred_at")
	return q.String()
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
