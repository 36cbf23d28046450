package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// The timeline reads events newest first, filtered by lock, guest, kind, dates
// and "anomalies only", a page at a time by (occurred_at, id) (never OFFSET).
// Every filter combination is driven by one index range, read in order, so a
// page costs the same on the first day and after ten million events; see
// driverOf and the EXPLAIN QUERY PLAN checks in timeline_test.go.

// TimelineEvent is an event with its guest and anomaly.
type TimelineEvent struct {
	Event
	GuestID int64          // the guest behind the matched code; 0 when none
	Anomaly domain.Anomaly // domain.AnomalyNone when the event does not stand out
}

// TimeSpan is [From, To); a zero bound is open.
type TimeSpan struct{ From, To time.Time }

// TimelineFilter selects the events the timeline shows. Zero fields do not filter.
type TimelineFilter struct {
	LockID    int64
	GuestID   int64
	Kind      domain.EventKind
	Anomalies bool
	// Span bounds occurred_at. With PerLock set (dates read in each lock's own
	// zone when locks differ), Span must be the union of its spans: it is the
	// index range, PerLock the exact test.
	Span    TimeSpan
	PerLock map[int64]TimeSpan
}

// TimelinePageQuery is one page: the events after Before (nil: the newest), up
// to Limit, among those with id <= AsOf (0: as of now). AsOf keeps pages of one
// listing from showing events that arrived since its first page: those are the
// live updates' to show (TimelineSince), each event exactly once.
type TimelinePageQuery struct {
	Before *EventKey
	AsOf   int64
	Limit  int
}

// TimelinePage is one page of events, newest first.
type TimelinePage struct {
	Events []TimelineEvent
	More   bool  // older events match too
	AsOf   int64 // the newest event id when the listing began
}

const timelineCols = eventCols + ", guest_id, anomaly"

func scanTimelineEvent(row interface{ Scan(...any) error }) (TimelineEvent, error) {
	var guest sql.NullInt64
	var te TimelineEvent
	e, err := scanEvent(withExtra{row, []any{&guest, &te.Anomaly}})
	te.Event, te.GuestID = e, guest.Int64
	return te, err
}

// readTx runs fn in one read transaction: its statements see one snapshot.
// fn's queries of a fixed shape run prepared (preparedTx).
func (d *DB) readTx(ctx context.Context, fn func(querier) error) error {
	tx, err := d.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("db: begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(preparedTx{d, tx})
}

// preparedTx runs a transaction's queries through the DB's prepared statements
// (parsing a page's SQL cost as much as running it), all but those whose text
// grows with the locks (a kind filter's per-lock ranges, per-lock date spans):
// the statements kept are bounded by the filters' combinations.
type preparedTx struct {
	d  *DB
	tx *sql.Tx
}

func (p preparedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if !strings.Contains(q, " UNION ALL ") && !strings.Contains(q, "CASE +lock_id") {
		if st, ok := p.d.stmt(ctx, q).(*sql.Stmt); ok {
			return p.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		}
	}
	return p.tx.QueryContext(ctx, q, args...)
}

func maxEventID(ctx context.Context, q querier) (int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events")
	if err != nil {
		return 0, fmt.Errorf("db: newest event: %w", err)
	}
	defer rows.Close()
	var id int64
	if rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("db: newest event: %w", err)
		}
	}
	return id, rows.Err()
}

func queryTimeline(ctx context.Context, q querier, sqlq string, args []any) ([]TimelineEvent, error) {
	rows, err := q.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("db: timeline: %w", err)
	}
	defer rows.Close()
	var out []TimelineEvent
	for rows.Next() {
		e, err := scanTimelineEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan timeline event: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Timeline returns one page of the filtered timeline, newest first.
func (d *DB) Timeline(ctx context.Context, f TimelineFilter, q TimelinePageQuery) (TimelinePage, error) {
	p := TimelinePage{AsOf: q.AsOf}
	err := d.readTx(ctx, func(tx querier) error {
		if p.AsOf == 0 {
			var err error
			if p.AsOf, err = maxEventID(ctx, tx); err != nil {
				return err
			}
		}
		locks, err := locksFor(ctx, tx, f)
		if err != nil {
			return err
		}
		sqlq, args := f.pageSQL(q.Before, p.AsOf, q.Limit+1, locks)
		p.Events, err = queryTimeline(ctx, tx, sqlq, args)
		return err
	})
	if err != nil {
		return TimelinePage{}, err
	}
	if len(p.Events) > q.Limit {
		p.Events, p.More = p.Events[:q.Limit], true
	}
	return p, nil
}

// TimelineSince returns the events of f stored after the event with id after,
// oldest first, at most limit, and the id to ask after next time: the newest
// event id now, or the last one returned when limit cut the answer short. Each
// poll reads only what was stored since the last, whatever the filter.
func (d *DB) TimelineSince(ctx context.Context, f TimelineFilter, after int64, limit int) ([]TimelineEvent, int64, error) {
	var out []TimelineEvent
	next := after
	err := d.readTx(ctx, func(tx querier) error {
		top, err := maxEventID(ctx, tx)
		if err != nil || top <= after {
			return err
		}
		next = top
		sqlq, args := f.sinceSQL(after, top, limit)
		if out, err = queryTimeline(ctx, tx, sqlq, args); err != nil {
			return err
		}
		if len(out) == limit {
			next = out[len(out)-1].ID
		}
		return nil
	})
	return out, next, err
}

// exportCols are the columns EachTimelineEvent reads: the text ones packed into
// one (the driver's cost is mostly per column), the device event id left out.
const exportCols = "id, lock_id, code_id, occurred_at, guest_id, kind || char(31) || method || char(31) || anomaly || char(31) || detail"

// EachTimelineEvent calls fn for every event of f with id <= asOf (0: all),
// newest first, as the rows are read: memory stays constant however many match.
// The events lack their DeviceEventID. It stops at fn's first error and
// returns it.
func (d *DB) EachTimelineEvent(ctx context.Context, f TimelineFilter, asOf int64, fn func(TimelineEvent) error) error {
	locks, err := locksFor(ctx, d.r, f)
	if err != nil {
		return err
	}
	sqlq, args := f.selectSQL(exportCols, nil, asOf, -1, locks)
	rows, err := d.r.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return fmt.Errorf("db: timeline export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e TimelineEvent
		var code, guest sql.NullInt64
		var at int64
		var packed string
		if err := rows.Scan(&e.ID, &e.LockID, &code, &at, &guest, &packed); err != nil {
			return fmt.Errorf("db: scan timeline event: %w", err)
		}
		e.CodeID, e.GuestID, e.OccurredAt = code.Int64, guest.Int64, time.Unix(at, 0).UTC()
		kind, packed, _ := strings.Cut(packed, "\x1f")
		method, packed, _ := strings.Cut(packed, "\x1f")
		anomaly, detail, _ := strings.Cut(packed, "\x1f")
		e.Kind, e.Method, e.Anomaly, e.Detail = domain.EventKind(kind), domain.Method(method), domain.Anomaly(anomaly), detail
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: timeline export: %w", err)
	}
	return nil
}

// NewestEventID is the id of the newest stored event, 0 with none.
func (d *DB) NewestEventID(ctx context.Context) (int64, error) { return maxEventID(ctx, d.r) }

// CodeName is who a code is for, as the timeline names it.
type CodeName struct {
	CodeID    int64
	LockID    int64
	Label     string
	AccessID  int64
	GuestID   int64
	GuestName string
}

// CodeNames returns the names of the codes with the given ids; unknown ids are absent.
func (d *DB) CodeNames(ctx context.Context, ids []int64) (map[int64]CodeName, error) {
	out := map[int64]CodeName{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		part := ids[:n]
		ids = ids[n:]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := d.r.QueryContext(ctx, `SELECT c.id, c.lock_id, c.label, COALESCE(c.access_id, 0), COALESCE(g.id, 0), COALESCE(g.name, '')
			FROM access_codes c LEFT JOIN accesses a ON a.id = c.access_id LEFT JOIN guests g ON g.id = a.guest_id
			WHERE c.id IN (?`+strings.Repeat(", ?", n-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("db: code names: %w", err)
		}
		for rows.Next() {
			var c CodeName
			if err := rows.Scan(&c.CodeID, &c.LockID, &c.Label, &c.AccessID, &c.GuestID, &c.GuestName); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: scan code name: %w", err)
			}
			out[c.CodeID] = c
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("db: code names: %w", err)
		}
	}
	return out, nil
}

// TimelineLock is a lock as the timeline names it, removed ones included: their
// events stay.
type TimelineLock struct {
	ID       int64
	Name     string
	TimeZone string
	Removed  bool
}

// TimelineLocks lists every lock that may have events, by name.
func (d *DB) TimelineLocks(ctx context.Context) ([]TimelineLock, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT id, name, time_zone, removed_at IS NOT NULL FROM locks ORDER BY name COLLATE NOCASE, id")
	if err != nil {
		return nil, fmt.Errorf("db: timeline locks: %w", err)
	}
	defer rows.Close()
	var out []TimelineLock
	for rows.Next() {
		var l TimelineLock
		if err := rows.Scan(&l.ID, &l.Name, &l.TimeZone, &l.Removed); err != nil {
			return nil, fmt.Errorf("db: scan timeline lock: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
