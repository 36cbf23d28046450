package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Queries for the JSON API: codes with the access and guest they belong to, and
// keyset pages over codes and events. Pages never use OFFSET: a page starts
// strictly after the last row of the previous one, so rows added meanwhile never
// shift or repeat a page, and deep pages cost as little as the first.

// CodeInfo is a code with the access and guest it carries (both 0 for a code
// made straight on a lock's page).
type CodeInfo struct {
	AccessCode
	AccessID int64
	GuestID  int64
}

// codeInfoCols follows codeCols with the code's access and that access's guest.
const codeInfoCols = codeCols + `, access_id,
	(SELECT a.guest_id FROM accesses a WHERE a.id = access_codes.access_id)`

// withExtra scans codeCols through scanCode, then the columns after them.
type withExtra struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

func scanCodeInfo(row interface{ Scan(...any) error }) (CodeInfo, error) {
	var access, guest sql.NullInt64
	c, err := scanCode(withExtra{row, []any{&access, &guest}})
	return CodeInfo{AccessCode: c, AccessID: access.Int64, GuestID: guest.Int64}, err
}

// CodeInfo returns one code with its access and guest.
func (d *DB) CodeInfo(ctx context.Context, id int64) (CodeInfo, error) {
	c, err := scanCodeInfo(d.r.QueryRowContext(ctx, "SELECT "+codeInfoCols+" FROM access_codes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return CodeInfo{}, ErrNotFound
	}
	if err != nil {
		return CodeInfo{}, fmt.Errorf("db: code %d: %w", id, err)
	}
	return c, nil
}

// CodeQuery selects a page of codes, newest first. Zero fields do not filter.
type CodeQuery struct {
	LockID   int64
	Status   domain.CodeStatus
	BeforeID int64 // keyset: only codes with a smaller id
	Limit    int
}

// CodesPage returns one page of codes.
func (d *DB) CodesPage(ctx context.Context, q CodeQuery) ([]CodeInfo, error) {
	var where []string
	var args []any
	if q.LockID != 0 {
		where, args = append(where, "lock_id = ?"), append(args, q.LockID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.BeforeID != 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	sqlq := "SELECT " + codeInfoCols + " FROM access_codes"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY id DESC LIMIT ?"
	rows, err := d.r.QueryContext(ctx, sqlq, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("db: codes page: %w", err)
	}
	defer rows.Close()
	var out []CodeInfo
	for rows.Next() {
		c, err := scanCodeInfo(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan code: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// EventInfo is an event with the access and guest of its matched code, if any.
type EventInfo struct {
	Event
	AccessID int64
	GuestID  int64
}

const eventInfoCols = eventCols + `,
	(SELECT c.access_id FROM access_codes c WHERE c.id = events.code_id),
	(SELECT a.guest_id FROM access_codes c JOIN accesses a ON a.id = c.access_id WHERE c.id = events.code_id)`

// EventKey is where a page of events ends: events are ordered by when they
// happened, newest first, and by id among events of the same second.
type EventKey struct {
	OccurredAt time.Time
	ID         int64
}

// EventQuery selects a page of events. A zero LockID means every lock; a nil
// Before starts at the newest event.
type EventQuery struct {
	LockID int64
	Before *EventKey
	Limit  int
}

// EventsPage returns one page of events, newest first.
func (d *DB) EventsPage(ctx context.Context, q EventQuery) ([]EventInfo, error) {
	var where []string
	var args []any
	if q.LockID != 0 {
		where, args = append(where, "lock_id = ?"), append(args, q.LockID)
	}
	if q.Before != nil {
		// (occurred_at, id) < (at, id), spelled so that the first term bounds a
		// range on the (occurred_at DESC, id DESC) index in SQLite and PostgreSQL
		// alike, and the second only trims the boundary second.
		where = append(where, "occurred_at <= ? AND (occurred_at < ? OR id < ?)")
		at := unix(q.Before.OccurredAt)
		args = append(args, at, at, q.Before.ID)
	}
	sqlq := "SELECT " + eventInfoCols + " FROM events"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY occurred_at DESC, id DESC LIMIT ?"
	rows, err := d.r.QueryContext(ctx, sqlq, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("db: events page: %w", err)
	}
	defer rows.Close()
	var out []EventInfo
	for rows.Next() {
		var access, guest sql.NullInt64
		e, err := scanEvent(withExtra{rows, []any{&access, &guest}})
		if err != nil {
			return nil, fmt.Errorf("db: scan event: %w", err)
		}
		out = append(out, EventInfo{Event: e, AccessID: access.Int64, GuestID: guest.Int64})
	}
	return out, rows.Err()
}
