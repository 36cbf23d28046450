package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// The timeline reads events newest first, filtered by lock, guest, kind, dates
// and "anomalies only", a page at a time by (occurred_at, id) (never OFFSET).
// Every filter combination is driven by one index range, read in order, so a
// page costs the same on the first day and after ten million events; see
// driverOf and the EXPLAIN QUERY PLAN checks in timeline_test.go.

// Anomaly kinds, the alert kinds and the thresholds of the anomaly rules are
// domain's; db stores them and finds bursts, which need the lock's other events.

// alertPrefix starts the device event id of Gatehouse's own alert events; no
// connector makes ids like it (sim-N, Seam's UUIDs, h-HASH).
const alertPrefix = "gatehouse:"

// bucketSeconds is the width of an event_counts bucket: a quarter hour, because
// every zone's offset from UTC is a whole number of quarter hours.
const bucketSeconds = 900

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

const timelineCols = eventCols + ", guest_id, anomaly"

func scanTimelineEvent(row interface{ Scan(...any) error }) (TimelineEvent, error) {
	var guest sql.NullInt64
	var te TimelineEvent
	e, err := scanEvent(withExtra{row, []any{&guest, &te.Anomaly}})
	te.Event, te.GuestID = e, guest.Int64
	return te, err
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

// TimelineEventByID returns one event with its guest and anomaly.
func (d *DB) TimelineEventByID(ctx context.Context, id int64) (TimelineEvent, error) {
	evs, err := queryTimeline(ctx, d.r, "SELECT "+timelineCols+" FROM events WHERE id = ?", []any{id})
	if err != nil {
		return TimelineEvent{}, err
	}
	if len(evs) == 0 {
		return TimelineEvent{}, ErrNotFound
	}
	return evs[0], nil
}

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

// DayMark is the events of one kind in one slot of a day at a lock.
type DayMark struct {
	Slot      int // slots since the start of the day
	Kind      domain.EventKind
	Count     int
	Anomalies int
}

// LockDayMarks counts a lock's events in [from, to) by slot and kind, for the
// 24-hour strip. The counts come from events_lock_kind_time alone (one range per
// kind, no table row read), the anomalies from the small anomaly index.
func (d *DB) LockDayMarks(ctx context.Context, lockID int64, from, to time.Time, slot time.Duration) ([]DayMark, error) {
	var out []DayMark
	at := map[[2]string]int{} // slot and kind → index in out
	for n, q := range dayMarksSQL(lockID, from, to, slot) {
		rows, err := d.r.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return nil, fmt.Errorf("db: day marks: %w", err)
		}
		for rows.Next() {
			var m DayMark
			var count int
			if err := rows.Scan(&m.Slot, &m.Kind, &count); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: scan day mark: %w", err)
			}
			k := [2]string{strconv.Itoa(m.Slot), string(m.Kind)}
			i, ok := at[k]
			if !ok {
				i = len(out)
				at[k] = i
				out = append(out, m)
			}
			if n == 0 {
				out[i].Count += count
			} else {
				out[i].Anomalies += count
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("db: day marks: %w", err)
		}
	}
	return out, nil
}

type statement struct {
	sql  string
	args []any
}

// dayMarksSQL counts a day's events by slot and kind, then its anomalies.
func dayMarksSQL(lockID int64, from, to time.Time, slot time.Duration) []statement {
	step := int64(slot / time.Second)
	args := []any{unix(from), step, lockID}
	for _, k := range domain.EventKinds {
		args = append(args, string(k))
	}
	return []statement{
		{`SELECT (occurred_at - ?) / ?, kind, count(*) FROM events
			WHERE lock_id = ? AND kind IN (?` + strings.Repeat(", ?", len(domain.EventKinds)-1) + `) AND occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2`,
			append(args, unix(from), unix(to))},
		{`SELECT (occurred_at - ?) / ?, kind, count(*) FROM events
			WHERE lock_id = ? AND anomaly != '' AND occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2`,
			[]any{unix(from), step, lockID, unix(from), unix(to)}},
	}
}

// DayCount is one day's events at a lock.
type DayCount struct {
	Total  int
	Denied int
}

// DailyCounts counts each lock's events per day from event_counts. days maps a
// lock to its day boundaries (n+1 instants for n days, each on a quarter hour,
// as local midnights are); the answer has n counts per lock.
func (d *DB) DailyCounts(ctx context.Context, days map[int64][]time.Time) (map[int64][]DayCount, error) {
	out := map[int64][]DayCount{}
	ids := make([]int64, 0, len(days))
	for id, b := range days {
		if len(b) > 1 {
			ids = append(ids, id)
			out[id] = make([]DayCount, len(b)-1)
		}
	}
	slices.Sort(ids)
	for len(ids) > 0 {
		n := min(len(ids), 50)
		part := ids[:n]
		ids = ids[n:]
		q, args := dailyCountsSQL(part, days)
		rows, err := d.r.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("db: daily counts: %w", err)
		}
		for rows.Next() {
			var lock int64
			var i int
			var c DayCount
			if err := rows.Scan(&lock, &i, &c.Total, &c.Denied); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: scan daily count: %w", err)
			}
			if i >= 0 && i < len(out[lock]) {
				out[lock][i] = c
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("db: daily counts: %w", err)
		}
	}
	return out, nil
}

func dailyCountsSQL(ids []int64, days map[int64][]time.Time) (string, []any) {
	// Days that start and end on the hour (in zones a whole number of hours from
	// UTC) are read from the hourly sums; the others from quarter hours.
	var hourly, quarter strings.Builder
	var hargs, qargs []any
	for _, id := range ids {
		b := days[id]
		for i := 0; i+1 < len(b); i++ {
			lo, hi := unix(b[i]), unix(b[i+1])
			q, args, div := &quarter, &qargs, int64(bucketSeconds)
			if lo%3600 == 0 && hi%3600 == 0 {
				q, args, div = &hourly, &hargs, 3600
			}
			if q.Len() > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			*args = append(*args, id, i, lo/div, hi/div)
		}
	}
	var parts []string
	var args []any
	if hourly.Len() > 0 {
		parts = append(parts, `SELECT d.lock_id, d.i, COALESCE(SUM(c.total), 0), COALESCE(SUM(c.denied), 0)
			FROM (SELECT column1 AS lock_id, column2 AS i, column3 AS lo, column4 AS hi FROM (VALUES `+hourly.String()+`)) d
			JOIN event_counts_hourly c ON c.lock_id = d.lock_id AND c.hour >= d.lo AND c.hour < d.hi
			GROUP BY d.lock_id, d.i`)
		args = append(args, hargs...)
	}
	if quarter.Len() > 0 {
		parts = append(parts, `SELECT d.lock_id, d.i, COALESCE(SUM(c.total), 0), COALESCE(SUM(c.denied), 0)
			FROM (SELECT column1 AS lock_id, column2 AS i, column3 AS lo, column4 AS hi FROM (VALUES `+quarter.String()+`)) d
			JOIN event_counts c ON c.lock_id = d.lock_id AND c.bucket >= d.lo AND c.bucket < d.hi
			GROUP BY d.lock_id, d.i`)
		args = append(args, qargs...)
	}
	return strings.Join(parts, " UNION ALL "), args
}

// ExplainTimeline returns SQLite's plan (EXPLAIN QUERY PLAN, one line per step)
// for a timeline page of f, for tests and the benchmark notes.
func (d *DB) ExplainTimeline(ctx context.Context, f TimelineFilter, q TimelinePageQuery) ([]string, error) {
	locks, err := locksFor(ctx, d.r, f)
	if err != nil {
		return nil, err
	}
	sqlq, args := f.pageSQL(q.Before, q.AsOf, q.Limit, locks)
	return d.explain(ctx, sqlq, args)
}

// ExplainTimelineSince is ExplainTimeline for the live updates' query.
func (d *DB) ExplainTimelineSince(ctx context.Context, f TimelineFilter) ([]string, error) {
	sqlq, args := f.sinceSQL(1, 2, 100)
	return d.explain(ctx, sqlq, args)
}

// ExplainDailyCounts is ExplainTimeline for the 30-day grid's query.
func (d *DB) ExplainDailyCounts(ctx context.Context, days map[int64][]time.Time) ([]string, error) {
	ids := make([]int64, 0, len(days))
	for id := range days {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	sqlq, args := dailyCountsSQL(ids, days)
	return d.explain(ctx, sqlq, args)
}

// ExplainDayMarks is ExplainTimeline for the 24-hour strip's query.
func (d *DB) ExplainDayMarks(ctx context.Context, lockID int64, from, to time.Time) ([]string, error) {
	var out []string
	for _, q := range dayMarksSQL(lockID, from, to, 5*time.Minute) {
		plan, err := d.explain(ctx, q.sql, q.args)
		if err != nil {
			return nil, err
		}
		out = append(out, plan...)
	}
	return out, nil
}

func (d *DB) explain(ctx context.Context, q string, args []any) ([]string, error) {
	rows, err := d.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("db: explain: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, fmt.Errorf("db: explain: %w", err)
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// ---- Stored with each event (IngestEvents) ----

// ingestCode is a code of the lock, as events are matched and judged against it.
type ingestCode struct {
	id, guest             int64
	starts, ends, revoked int64 // 0: none
}

func ingestCodes(ctx context.Context, tx *sql.Tx, lockID int64) (map[string]ingestCode, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.device_code_id, COALESCE(c.starts_at, 0), COALESCE(c.ends_at, 0),
		COALESCE(c.revoked_at, 0), COALESCE(a.guest_id, 0)
		FROM access_codes c LEFT JOIN accesses a ON a.id = c.access_id
		WHERE c.lock_id = ? AND c.device_code_id != '' ORDER BY c.id`, lockID)
	if err != nil {
		return nil, fmt.Errorf("db: codes of lock: %w", err)
	}
	defer rows.Close()
	codes := map[string]ingestCode{}
	for rows.Next() {
		var c ingestCode
		var dev string
		if err := rows.Scan(&c.id, &dev, &c.starts, &c.ends, &c.revoked, &c.guest); err != nil {
			return nil, fmt.Errorf("db: codes of lock: %w", err)
		}
		codes[dev] = c // the newest wins
	}
	return codes, rows.Err()
}

// eventCode is c as domain.Classify needs it.
func (c ingestCode) eventCode() domain.EventCode {
	if c.id == 0 {
		return domain.EventCode{}
	}
	at := func(u int64) time.Time {
		if u == 0 {
			return time.Time{}
		}
		return time.Unix(u, 0)
	}
	return domain.EventCode{Matched: true, Starts: at(c.starts), Ends: at(c.ends), Revoked: at(c.revoked)}
}

// bursts are the denied events that new ones put in a burst: some 5-minute
// window holds domain.BurstCount or more denied events of the lock.
type bursts struct {
	batch    map[string]bool // new events, by device event id
	existing []int64         // stored events not yet marked, by id
}

// burstsFor finds the bursts among a batch's denied events and the lock's stored
// denied events within domain.BurstWindow of them, before the batch is stored, so new
// events are stored marked and only older ones are updated.
func burstsFor(ctx context.Context, tx *sql.Tx, lockID int64, events []NewEvent) (bursts, error) {
	type point struct {
		at    int64
		dev   string // a new event
		id    int64  // a stored one
		clean bool   // a stored one not yet marked
	}
	var pts []point
	var lo, hi int64
	for _, e := range events {
		if e.Kind != domain.EventDenied {
			continue
		}
		at := unix(e.OccurredAt)
		if len(pts) == 0 || at < lo {
			lo = at
		}
		if len(pts) == 0 || at > hi {
			hi = at
		}
		pts = append(pts, point{at: at, dev: e.DeviceEventID})
	}
	if len(pts) == 0 {
		return bursts{}, nil
	}
	w := int64(domain.BurstWindow / time.Second)
	rows, err := tx.QueryContext(ctx, `SELECT id, device_event_id, occurred_at, anomaly = '' FROM events
		WHERE lock_id = ? AND kind = ? AND occurred_at >= ? AND occurred_at <= ?`, lockID, domain.EventDenied, lo-w, hi+w)
	if err != nil {
		return bursts{}, fmt.Errorf("db: denied events near a batch: %w", err)
	}
	stored := map[string]bool{}
	var old []point
	for rows.Next() {
		var p point
		if err := rows.Scan(&p.id, &p.dev, &p.at, &p.clean); err != nil {
			rows.Close()
			return bursts{}, fmt.Errorf("db: denied events near a batch: %w", err)
		}
		stored[p.dev] = true
		p.dev = ""
		old = append(old, p)
	}
	if err := rows.Close(); err != nil {
		return bursts{}, fmt.Errorf("db: denied events near a batch: %w", err)
	}
	// A new event already stored (a page pulled again) or twice in the batch
	// counts once.
	seen := map[string]bool{}
	all := old
	for _, p := range pts {
		if stored[p.dev] || seen[p.dev] {
			continue
		}
		seen[p.dev] = true
		all = append(all, p)
	}
	slices.SortFunc(all, func(a, b point) int { return int(a.at - b.at) })
	var out bursts
	marked := -1 // the highest index marked so far
	j := 0
	for i := range all {
		for j+1 < len(all) && all[j+1].at <= all[i].at+w {
			j++
		}
		if j-i+1 < domain.BurstCount {
			continue
		}
		for k := max(i, marked+1); k <= j; k++ {
			switch p := all[k]; {
			case p.dev != "":
				if out.batch == nil {
					out.batch = map[string]bool{}
				}
				out.batch[p.dev] = true
			case p.clean:
				out.existing = append(out.existing, p.id)
			}
		}
		marked = j
	}
	return out, nil
}

// markBursts marks the stored events that new ones put in a burst.
func markBursts(ctx context.Context, tx *sql.Tx, b bursts) error {
	ids := b.existing
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		if _, err := tx.ExecContext(ctx, "UPDATE events SET anomaly = '"+string(domain.AnomalyDeniedBurst)+"' WHERE anomaly = '' AND id IN (?"+
			strings.Repeat(", ?", n-1)+")", args...); err != nil {
			return fmt.Errorf("db: mark burst: %w", err)
		}
	}
	return nil
}

// bucketCounts are new events per event_counts bucket: total and denied.
type bucketCounts map[int64]*[2]int64

func (b bucketCounts) add(at int64, kind domain.EventKind) {
	c := b[at/bucketSeconds]
	if c == nil {
		c = &[2]int64{}
		b[at/bucketSeconds] = c
	}
	c[0]++
	if kind == domain.EventDenied {
		c[1]++
	}
}

func (b bucketCounts) save(ctx context.Context, tx *sql.Tx, lockID int64) error {
	if len(b) == 0 {
		return nil
	}
	keys := make([]int64, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for len(keys) > 0 {
		n := min(len(keys), 200)
		var q strings.Builder
		q.WriteString("INSERT INTO event_counts (lock_id, bucket, total, denied) VALUES ")
		args := make([]any, 0, 4*n)
		for i, k := range keys[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, lockID, k, b[k][0], b[k][1])
		}
		keys = keys[n:]
		q.WriteString(" ON CONFLICT (lock_id, bucket) DO UPDATE SET total = total + excluded.total, denied = denied + excluded.denied")
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("db: count events: %w", err)
		}
	}
	return nil
}

// ---- Alerts: anomalies that are conditions, not events ----

// RaiseAlerts stores an alert event for each condition that holds at now and
// has none yet: a lock offline for over domain.OfflineAlertAfter (one per offline
// spell), and an access whose code was revealed but not used domain.UnusedAlertAfter
// after its window opened (or by its end, if sooner). Each alert is an event
// at the moment the condition began to hold, with a device event id naming the
// condition, so raising it again is a no-op and several replicas may run this
// at once. It returns how many alerts were new.
func (d *DB) RaiseAlerts(ctx context.Context) (int, error) {
	now := unix(d.now())
	type alert struct {
		lock, code, guest, at int64
		dev                   string
		kind                  domain.EventKind
		anomaly               domain.Anomaly
	}
	var alerts []alert
	rows, err := d.r.QueryContext(ctx, `SELECT id, offline_since FROM locks
		WHERE online = 0 AND offline_since IS NOT NULL AND offline_since <= ? AND removed_at IS NULL`, now-int64(domain.OfflineAlertAfter/time.Second))
	if err != nil {
		return 0, fmt.Errorf("db: offline locks: %w", err)
	}
	for rows.Next() {
		var id, since int64
		if err := rows.Scan(&id, &since); err != nil {
			rows.Close()
			return 0, fmt.Errorf("db: offline locks: %w", err)
		}
		alerts = append(alerts, alert{lock: id, at: since + int64(domain.OfflineAlertAfter/time.Second),
			dev: alertPrefix + "offline:" + strconv.FormatInt(since, 10), kind: domain.EventOfflineLong, anomaly: domain.AnomalyOfflineLong})
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("db: offline locks: %w", err)
	}

	// Accesses whose window opened in the last 30 days (older ones were judged
	// long ago), not revoked, with their first reveal, first use and first code.
	rows, err = d.r.QueryContext(ctx, `SELECT a.id, a.guest_id, COALESCE(a.starts_at, a.created_at), COALESCE(a.ends_at, 0),
		(SELECT MIN(l.revealed_at) FROM share_links l WHERE l.access_id = a.id),
		(SELECT MIN(c.first_used_at) FROM access_codes c WHERE c.access_id = a.id),
		c.id, c.lock_id
		FROM accesses a JOIN access_codes c ON c.id = (SELECT MIN(x.id) FROM access_codes x WHERE x.access_id = a.id)
		WHERE a.revoked_at IS NULL AND COALESCE(a.starts_at, a.created_at) >= ? AND COALESCE(a.starts_at, a.created_at) <= ?`,
		now-30*24*3600, now-int64(time.Minute/time.Second))
	if err != nil {
		return 0, fmt.Errorf("db: unused codes: %w", err)
	}
	for rows.Next() {
		var access, guest, opened, ends, code, lock int64
		var revealed, used sql.NullInt64
		if err := rows.Scan(&access, &guest, &opened, &ends, &revealed, &used, &code, &lock); err != nil {
			rows.Close()
			return 0, fmt.Errorf("db: unused codes: %w", err)
		}
		if at, ok := unusedAlertAt(opened, ends, revealed, used, now); ok {
			alerts = append(alerts, alert{lock: lock, code: code, guest: guest, at: at,
				dev: alertPrefix + "unused:" + strconv.FormatInt(access, 10), kind: domain.EventCodeUnused, anomaly: domain.AnomalyCodeUnused})
		}
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("db: unused codes: %w", err)
	}
	if len(alerts) == 0 {
		return 0, nil
	}
	added := 0
	err = d.tx(ctx, func(tx *sql.Tx) error {
		added = 0
		for _, a := range alerts {
			var at int64
			err := tx.QueryRowContext(ctx, `INSERT INTO events (lock_id, device_event_id, kind, method, code_id, occurred_at, detail, guest_id, anomaly)
				VALUES (?, ?, ?, '', ?, ?, '', ?, ?) ON CONFLICT (lock_id, device_event_id) DO NOTHING RETURNING occurred_at`,
				a.lock, a.dev, a.kind, sql.NullInt64{Int64: a.code, Valid: a.code != 0}, a.at,
				sql.NullInt64{Int64: a.guest, Valid: a.guest != 0}, a.anomaly).Scan(&at)
			if err == sql.ErrNoRows {
				continue // raised before
			}
			if err != nil {
				return fmt.Errorf("db: raise alert: %w", err)
			}
			added++
			counts := bucketCounts{}
			counts.add(at, a.kind)
			if err := counts.save(ctx, tx, a.lock); err != nil {
				return err
			}
		}
		return nil
	})
	return added, err
}

// unusedAlertAt is when "revealed but not used" began to hold for an access whose
// window opened at opened (and ends at ends, 0: never): domain.UnusedAlertAfter later,
// or at the window's end if sooner, or at the reveal if later still; false when
// it does not hold at now.
func unusedAlertAt(opened, ends int64, revealed, used sql.NullInt64, now int64) (int64, bool) {
	if !revealed.Valid || (ends != 0 && revealed.Int64 >= ends) {
		return 0, false // never revealed, or revealed too late to be used
	}
	at := opened + int64(domain.UnusedAlertAfter/time.Second)
	if ends != 0 && ends < at {
		at = ends
	}
	at = max(at, revealed.Int64)
	if at > now || (used.Valid && used.Int64 <= at) {
		return 0, false
	}
	return at, true
}

// AlertLoop raises alerts every interval until ctx ends.
func (d *DB) AlertLoop(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := d.RaiseAlerts(ctx); err != nil && ctx.Err() == nil {
			log.Warn("raising timeline alerts", slog.Any("err", err))
		} else if n > 0 {
			log.Info("timeline alerts raised", slog.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
