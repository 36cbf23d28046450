package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// How a timeline filter becomes SQL: every filter combination is driven by one
// index range read in order (driverOf), so a page costs the same on the first
// day and after ten million events; the EXPLAIN QUERY PLAN checks in
// timeline_test.go hold it to that.

// driver is the index a filter is read through.
type driver int

const (
	byTime        driver = iota // events_time
	byLock                      // events_lock_time
	byKind                      // events_lock_kind_time, one range per lock, merged
	byLockKind                  // events_lock_kind_time
	byGuest                     // events_guest_time
	byAnomaly                   // events_anomaly_time
	byLockAnomaly               // events_anomaly_lock_time
	byID                        // the table itself, by id: live updates
)

// driverOf picks the index for a filter: the one whose range holds the fewest
// events that the other terms then throw away. A guest's events are few; then
// anomalies (rare by nature); then a lock's events of a kind, a kind, a lock.
func driverOf(f TimelineFilter) driver {
	switch {
	case f.GuestID != 0:
		return byGuest
	case f.Anomalies && f.LockID != 0:
		return byLockAnomaly
	case f.Anomalies:
		return byAnomaly
	case f.Kind != "" && f.LockID != 0:
		return byLockKind
	case f.Kind != "":
		return byKind
	case f.LockID != 0:
		return byLock
	}
	return byTime
}

// where spells the filter for driver d. Terms that d's index does not serve are
// written with a unary plus (a no-op that SQLite documents for this purpose), so
// the planner cannot pick another index for them and lose the order.
func (f TimelineFilter) where(d driver) ([]string, []any) {
	col := func(name string, indexed bool) string {
		if indexed {
			return name
		}
		return "+" + name
	}
	var w []string
	var args []any
	if f.GuestID != 0 {
		w, args = append(w, col("guest_id", d == byGuest)+" = ?"), append(args, f.GuestID)
	}
	if f.LockID != 0 {
		w, args = append(w, col("lock_id", d == byLock || d == byLockKind || d == byLockAnomaly)+" = ?"), append(args, f.LockID)
	}
	if f.Kind != "" {
		w, args = append(w, col("kind", d == byKind || d == byLockKind)+" = ?"), append(args, f.Kind)
	}
	if f.Anomalies {
		// The partial indexes' own term; with the plus it matches neither.
		w = append(w, col("anomaly", d == byAnomaly || d == byLockAnomaly)+" != ''")
	}
	at := col("occurred_at", d != byID)
	if !f.Span.From.IsZero() {
		w, args = append(w, at+" >= ?"), append(args, unix(f.Span.From))
	}
	if !f.Span.To.IsZero() {
		w, args = append(w, at+" < ?"), append(args, unix(f.Span.To))
	}
	if len(f.PerLock) > 0 {
		ids := make([]int64, 0, len(f.PerLock))
		for id := range f.PerLock {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var c strings.Builder
		c.WriteString("CASE +lock_id")
		for _, id := range ids {
			s := f.PerLock[id]
			c.WriteString(" WHEN ? THEN +occurred_at >= ? AND +occurred_at < ?")
			args = append(args, id, spanFrom(s), spanTo(s))
		}
		c.WriteString(" ELSE 1 END")
		w = append(w, c.String())
	}
	return w, args
}

func spanFrom(s TimeSpan) int64 {
	if s.From.IsZero() {
		return -1 << 62
	}
	return unix(s.From)
}

func spanTo(s TimeSpan) int64 {
	if s.To.IsZero() {
		return 1 << 62
	}
	return unix(s.To)
}

// maxMergeArms bounds the per-lock ranges merged for a kind filter (SQLite
// allows 500 terms in a compound SELECT); with more locks a kind filter reads
// events_time and skips the other kinds.
const maxMergeArms = 200

// pageSQL is a page of f, newest first; limit < 0: no limit (the CSV export).
// locks are every lock's id, for a filter by kind alone: it is read as one
// range of events_lock_kind_time per lock, which SQLite merges in order
// (MERGE (UNION ALL)), each range read only as far as the page needs.
func (f TimelineFilter) pageSQL(before *EventKey, asOf int64, limit int, locks []int64) (string, []any) {
	return f.selectSQL(timelineCols, before, asOf, limit, locks)
}

// selectSQL is pageSQL with the columns cols.
func (f TimelineFilter) selectSQL(cols string, before *EventKey, asOf int64, limit int, locks []int64) (string, []any) {
	d := driverOf(f)
	if d == byKind && (len(locks) == 0 || len(locks) > maxMergeArms) {
		d = byTime
	}
	if d != byKind {
		q, args := f.armSQL(cols, d, before, asOf)
		return q + " ORDER BY occurred_at DESC, id DESC LIMIT ?", append(args, limit)
	}
	var q strings.Builder
	var args []any
	for i, id := range locks {
		arm := f
		arm.LockID = id
		if s, ok := f.PerLock[id]; ok {
			arm.Span, arm.PerLock = s, nil // this arm's exact span is its index range
		}
		if i > 0 {
			q.WriteString(" UNION ALL ")
		}
		a, aargs := arm.armSQL(cols, byLockKind, before, asOf)
		q.WriteString(a)
		args = append(args, aargs...)
	}
	q.WriteString(" ORDER BY occurred_at DESC, id DESC LIMIT ?")
	return q.String(), append(args, limit)
}

// armSQL is f's SELECT of cols through driver d, unordered.
func (f TimelineFilter) armSQL(cols string, d driver, before *EventKey, asOf int64) (string, []any) {
	// One upper bound, so that it is the index range's: SQLite uses only one of
	// several, and reading down from the span's end to a cursor far below it
	// would read every row in between.
	if before != nil && !f.Span.To.IsZero() {
		if before.OccurredAt.Before(f.Span.To) {
			f.Span.To = time.Time{} // implied by the cursor
		} else {
			before = nil // the whole span is below the cursor
		}
	}
	w, args := f.where(d)
	if before != nil {
		// (occurred_at, id) < (at, id), spelled so that the first term bounds the
		// index range and the second only trims the boundary second.
		at := unix(before.OccurredAt)
		w, args = append(w, "occurred_at <= ? AND (occurred_at < ? OR id < ?)"), append(args, at, at, before.ID)
	}
	if asOf > 0 {
		w, args = append(w, "+id <= ?"), append(args, asOf)
	}
	q := "SELECT " + cols + " FROM events"
	switch d {
	case byLockKind:
		// With dates, SQLite's estimates (no ANALYZE) favour the lock's range of
		// every kind over the lock-and-kind range; the latter never reads a row
		// it throws away.
		q += " INDEXED BY events_lock_kind_time"
	case byLockAnomaly:
		// Likewise the lock's range of every event was chosen over its anomalies
		// (measured at 10M events: 15-37 ms a page against 0.03 ms).
		q += " INDEXED BY events_anomaly_lock_time"
	}
	if len(w) > 0 {
		q += " WHERE " + strings.Join(w, " AND ")
	}
	return q, args
}

// lockIDs lists every lock's id, for pageSQL.
func lockIDs(ctx context.Context, q querier) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT id FROM locks ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("db: lock ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("db: lock ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// locksFor returns the lock ids pageSQL needs for f: none unless f filters by
// kind alone.
func locksFor(ctx context.Context, q querier, f TimelineFilter) ([]int64, error) {
	if driverOf(f) != byKind {
		return nil, nil
	}
	return lockIDs(ctx, q)
}

// sinceSQL is the events of f with after < id <= upTo, oldest id first.
func (f TimelineFilter) sinceSQL(after, upTo int64, limit int) (string, []any) {
	w, args := f.where(byID)
	w = append([]string{"id > ? AND id <= ?"}, w...)
	args = append([]any{after, upTo}, args...)
	return "SELECT " + timelineCols + " FROM events WHERE " + strings.Join(w, " AND ") + " ORDER BY id LIMIT ?", append(args, limit)
}
