package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Demo data in bulk. `gatehouse seed-demo` makes locks, guests and accesses
// through the ordinary methods (there are hundreds), then millions of events
// here: IngestEvents stores events a pull at a time and keeps seven indexes up to
// date row by row, which at ten million events takes far longer than anyone
// waits for a demo. SeedEvents gives every event exactly what ingest would have
// given it (its guest, its anomaly from domain.Classify and the burst rule, its
// event_counts bucket, its code's first and last use) but writes differently:
//
//   - on the write connection alone, taken out of the pool for the whole load,
//     with synchronous=OFF, foreign_keys=OFF (lock and code ids are checked in Go
//     instead), a larger page cache, the file memory-mapped and sorter threads,
//     all restored afterwards;
//   - in large transactions of multi-row INSERTs through one prepared statement;
//   - with the events table's own indexes dropped first (all but the two small
//     partial ones of anomalies) and built again at the end from their stored
//     definitions (sqlite_schema), which sorts each once instead of updating
//     seven B-trees per row.
//
// The journal stays WAL, and each commit carries its events' counts and code
// uses, so a crash leaves a consistent database as of the last commit. A
// cancelled load stores what it has read, then builds the indexes; a killed one
// can leave them dropped, and the next SeedEvents on that database builds them
// before anything else. seed-demo is for demo databases.

// SeedEvent is one event of demo history.
type SeedEvent struct {
	LockID int64
	Kind   domain.EventKind
	Method domain.Method
	CodeID int64 // the code used or concerned; 0: none
	At     time.Time
	Detail string
}

// SeedStats says what SeedEvents stored and how long each stage took.
type SeedStats struct {
	Events    int
	Anomalies int
	Load      time.Duration // reading, judging and inserting the rows
	Index     time.Duration // building the events indexes again
}

// seedChunk is how many rows one INSERT statement carries (9 parameters each,
// well under SQLite's 32,766), seedCommit how many rows one transaction does.
const seedChunk = 200

var seedCommit = 250_000 // a variable for the tests

// seedIndexTable keeps the definitions of the events indexes that SeedEvents
// dropped, so an interrupted load can put them back.
const seedIndexTable = "seed_dropped_indexes"

// seedKeptIndexes are kept up to date during the load rather than dropped and
// built again: partial indexes of the anomalies (under 1 % of the rows), whose
// upkeep is a test per row, while building each afterwards reads the whole
// table (1.4 s and 0.9 s at ten million events).
var seedKeptIndexes = []string{"events_anomaly_time", "events_anomaly_lock_time"}

// SeedEvents stores events, which must come oldest first, as demo history. It
// holds the write connection for the whole load: other writes wait. progress,
// if not nil, is called after each commit with the number stored so far.
func (d *DB) SeedEvents(ctx context.Context, events iter.Seq[SeedEvent], progress func(stored int)) (st SeedStats, err error) {
	conn, err := d.w.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("db: seed: %w", err)
	}
	defer conn.Close()
	restore, err := seedPragmas(ctx, conn)
	if err != nil {
		return st, err
	}
	defer func() { err = errors.Join(err, restore()) }()
	if err := restoreEventIndexes(ctx, conn); err != nil {
		return st, err
	}
	codes, err := seedCodes(ctx, conn)
	if err != nil {
		return st, err
	}
	locks, err := seedLocks(ctx, conn)
	if err != nil {
		return st, err
	}
	var next int64 // the id the next event gets: its device event id is demo-ID
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM events").Scan(&next); err != nil {
		return st, fmt.Errorf("db: seed: %w", err)
	}
	if err := dropEventIndexes(ctx, conn); err != nil {
		return st, err
	}
	defer func() {
		// Also after a failed load: the rows committed so far are indexed.
		start := time.Now()
		err = errors.Join(err, restoreEventIndexes(context.WithoutCancel(ctx), conn))
		st.Index = time.Since(start)
	}()

	start := time.Now()
	// Statements run on a context that is never cancelled: a load stops
	// between statements (ctx is checked as events come), never inside one.
	l := &seedLoad{ctx: context.WithoutCancel(ctx), conn: conn, codes: codes, locks: locks, next: next, progress: progress,
		denied: map[int64]*seedBursts{}, counts: map[int64]map[int64]*[2]int64{}, uses: map[int64][2]int64{}}
	if err := l.begin(); err != nil {
		return st, err
	}
	defer l.rollback()
	var last int64
	read := 0
	for e := range events {
		if read++; read%1024 == 0 && ctx.Err() != nil {
			break
		}
		at := unix(e.At)
		if at < last {
			l.err = fmt.Errorf("db: seed: events out of order: %s after %s", e.At.UTC(), time.Unix(last, 0).UTC())
			break
		}
		last = at
		if l.add(e, at); l.err != nil {
			break
		}
	}
	if l.err == nil {
		// Also when ctx ended: every event read so far is stored, so the stored
		// events are a prefix of the stream, judged as ingest would judge it.
		l.flush(1 << 62)
		l.err = l.finish()
	}
	if l.err == nil && ctx.Err() != nil {
		l.err = fmt.Errorf("db: seed: stopped after %d events: %w", l.stored, ctx.Err())
	}
	st.Events, st.Anomalies, st.Load = l.stored, l.anomalies, time.Since(start)
	return st, l.err
}

// seedPragmas tunes the connection for a bulk load and returns what undoes it.
func seedPragmas(ctx context.Context, conn *sql.Conn) (func() error, error) {
	var sync, fk, cache, mmap, threads int64
	for q, v := range map[string]*int64{"PRAGMA synchronous": &sync, "PRAGMA foreign_keys": &fk, "PRAGMA cache_size": &cache,
		"PRAGMA mmap_size": &mmap, "PRAGMA threads": &threads} {
		if err := conn.QueryRowContext(ctx, q).Scan(v); err != nil {
			return nil, fmt.Errorf("db: seed: %s: %w", q, err)
		}
	}
	set := func(ctx context.Context, pragmas ...string) error {
		for _, p := range pragmas {
			if _, err := conn.ExecContext(ctx, "PRAGMA "+p); err != nil {
				return fmt.Errorf("db: seed: PRAGMA %s: %w", p, err)
			}
		}
		return nil
	}
	undo := func() error {
		return set(context.WithoutCancel(ctx), "synchronous = "+strconv.FormatInt(sync, 10),
			"foreign_keys = "+strconv.FormatInt(fk, 10), "cache_size = "+strconv.FormatInt(cache, 10),
			"mmap_size = "+strconv.FormatInt(mmap, 10), "threads = "+strconv.FormatInt(threads, 10))
	}
	// 64 MiB of cache (also the sorter's memory for each index build before it
	// spills sorted runs to disk), the file mapped so that index builds read the
	// table without a copy per page (up to 2 GiB, SQLite's own limit), and
	// sorter threads so that runs are sorted and merged on every core.
	if err := set(ctx, "synchronous = OFF", "foreign_keys = OFF", "cache_size = -65536", "mmap_size = 2147418112",
		"threads = "+strconv.Itoa(min(runtime.NumCPU(), 8))); err != nil {
		return nil, errors.Join(err, undo())
	}
	return undo, nil
}

// seedCode is a code as ingest judges events against it, and its lock.
type seedCode struct {
	ingestCode
	lock int64
}

// seedCodes are every code.
func seedCodes(ctx context.Context, conn *sql.Conn) (map[int64]seedCode, error) {
	rows, err := conn.QueryContext(ctx, `SELECT c.id, COALESCE(c.starts_at, 0), COALESCE(c.ends_at, 0),
		COALESCE(c.revoked_at, 0), COALESCE(a.guest_id, 0), c.lock_id
		FROM access_codes c LEFT JOIN accesses a ON a.id = c.access_id`)
	if err != nil {
		return nil, fmt.Errorf("db: seed: codes: %w", err)
	}
	defer rows.Close()
	out := map[int64]seedCode{}
	for rows.Next() {
		var c seedCode
		if err := rows.Scan(&c.id, &c.starts, &c.ends, &c.revoked, &c.guest, &c.lock); err != nil {
			return nil, fmt.Errorf("db: seed: codes: %w", err)
		}
		out[c.id] = c
	}
	return out, rows.Err()
}

func seedLocks(ctx context.Context, conn *sql.Conn) (map[int64]bool, error) {
	rows, err := conn.QueryContext(ctx, "SELECT id FROM locks")
	if err != nil {
		return nil, fmt.Errorf("db: seed: locks: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("db: seed: locks: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// dropEventIndexes drops the events table's indexes (not its UNIQUE constraint),
// first saving their definitions in seedIndexTable, in one transaction.
func dropEventIndexes(ctx context.Context, conn *sql.Conn) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "CREATE TABLE "+seedIndexTable+" (name TEXT PRIMARY KEY, sql TEXT NOT NULL)"); err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+seedIndexTable+` (name, sql) SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL
		AND name NOT IN ('`+strings.Join(seedKeptIndexes, "', '")+`')`); err != nil {
		return fmt.Errorf("db: seed: save index definitions: %w", err)
	}
	names, err := seedIndexNames(ctx, tx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return fmt.Errorf("db: seed: drop index %s: %w", n, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	return nil
}

func seedIndexNames(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM "+seedIndexTable+" ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("db: seed: index definitions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("db: seed: index definitions: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// restoreEventIndexes builds again the indexes dropEventIndexes dropped, if any
// are saved, and forgets them, in one transaction.
func restoreEventIndexes(ctx context.Context, conn *sql.Conn) error {
	var saved int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", seedIndexTable).Scan(&saved); err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	if saved == 0 {
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT name, sql FROM "+seedIndexTable+" ORDER BY name")
	if err != nil {
		return fmt.Errorf("db: seed: index definitions: %w", err)
	}
	var defs [][2]string
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			rows.Close()
			return fmt.Errorf("db: seed: index definitions: %w", err)
		}
		defs = append(defs, [2]string{n, q})
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("db: seed: index definitions: %w", err)
	}
	for _, def := range defs {
		q := strings.Replace(def[1], "CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("db: seed: build index %s: %w", def[0], err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+seedIndexTable); err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: seed: %w", err)
	}
	return nil
}

// seedRow is an event waiting to be inserted: held back until no later event can
// still put it in a burst.
type seedRow struct {
	lock, code, guest, at int64
	kind                  domain.EventKind
	method, detail        string
	anomaly               domain.Anomaly
}

// seedBursts is a lock's denied events within domain.BurstWindow of the
// latest: the tracker that judges them, and their stream positions.
type seedBursts struct {
	t   domain.BurstTracker
	pos []int
}

// seedLoad is one SeedEvents run.
type seedLoad struct {
	ctx      context.Context
	conn     *sql.Conn
	tx       *sql.Tx
	stmt     *sql.Stmt
	codes    map[int64]seedCode
	locks    map[int64]bool
	progress func(int)
	err      error

	queue  []seedRow             // events not yet inserted, oldest first
	qbase  int                   // the stream position of queue[0]
	denied map[int64]*seedBursts // per lock, its denied events in the last domain.BurstWindow
	counts map[int64]map[int64]*[2]int64
	uses   map[int64][2]int64 // first and last unlock per code

	args      []any
	next      int64 // the next event's id
	stored    int
	inTx      int
	anomalies int
}

// add judges an event as IngestEvents does and queues it; events older than a
// domain.BurstWindow before it can no longer join a burst and are inserted.
func (l *seedLoad) add(e SeedEvent, at int64) {
	if !l.locks[e.LockID] {
		l.err = fmt.Errorf("db: seed: unknown lock %d", e.LockID)
		return
	}
	r := seedRow{lock: e.LockID, at: at, kind: e.Kind, method: string(e.Method), detail: e.Detail}
	var c seedCode
	if e.CodeID != 0 {
		var ok bool
		if c, ok = l.codes[e.CodeID]; !ok || c.lock != e.LockID {
			l.err = fmt.Errorf("db: seed: code %d is not a code of lock %d", e.CodeID, e.LockID)
			return
		}
		r.code, r.guest = c.id, c.guest
	}
	switch r.kind {
	case domain.EventOfflineLong: // Gatehouse's own alerts, as RaiseAlerts stores them
		r.anomaly = domain.AnomalyOfflineLong
	case domain.EventCodeUnused:
		r.anomaly = domain.AnomalyCodeUnused
	default:
		r.anomaly = domain.Classify(r.kind, time.Unix(at, 0), c.ingestCode.eventCode())
	}
	pos := l.qbase + len(l.queue)
	l.queue = append(l.queue, r)
	if r.kind == domain.EventDenied {
		// The burst rule, streamed (domain.BurstTracker): when the lock's denied
		// events within domain.BurstWindow of this one make a burst, mark them
		// all (those not already standing out for another reason).
		b := l.denied[e.LockID]
		if b == nil {
			b = &seedBursts{}
			l.denied[e.LockID] = b
		}
		n, burst := b.t.Add(time.Unix(at, 0))
		b.pos = append(b.pos[:copy(b.pos, b.pos[len(b.pos)+1-n:])], pos)
		if burst {
			for _, p := range b.pos {
				if q := &l.queue[p-l.qbase]; q.anomaly == "" {
					q.anomaly = domain.AnomalyDeniedBurst
				}
			}
		}
	}
	if len(l.queue) >= 4096 {
		l.flush(at - int64(domain.BurstWindow/time.Second))
	}
}

// flush inserts the queued events older than before.
func (l *seedLoad) flush(before int64) {
	n := 0
	for n < len(l.queue) && l.queue[n].at < before && l.err == nil {
		l.insert(l.queue[n])
		n++
	}
	l.queue = l.queue[:copy(l.queue, l.queue[n:])]
	l.qbase += n
}

func (l *seedLoad) insert(r seedRow) {
	if r.anomaly != "" {
		l.anomalies++
	}
	byLock := l.counts[r.lock]
	if byLock == nil {
		byLock = map[int64]*[2]int64{}
		l.counts[r.lock] = byLock
	}
	c := byLock[r.at/bucketSeconds]
	if c == nil {
		c = &[2]int64{}
		byLock[r.at/bucketSeconds] = c
	}
	c[0]++
	if r.kind == domain.EventDenied {
		c[1]++
	}
	if r.code != 0 && r.kind == domain.EventUnlocked {
		u, ok := l.uses[r.code]
		if !ok {
			u = [2]int64{r.at, r.at}
		}
		l.uses[r.code] = [2]int64{min(u[0], r.at), max(u[1], r.at)}
	}
	code := sql.NullInt64{Int64: r.code, Valid: r.code != 0}
	guest := sql.NullInt64{Int64: r.guest, Valid: r.guest != 0}
	l.args = append(l.args, r.lock, "demo-"+strconv.FormatInt(l.next, 10), r.kind, r.method, code, r.at, r.detail, guest, r.anomaly)
	l.next++
	if len(l.args) == 9*seedChunk {
		l.exec()
	}
}

// exec inserts the rows in args.
func (l *seedLoad) exec() {
	n := len(l.args) / 9
	if n == 0 || l.err != nil {
		return
	}
	var res sql.Result
	var err error
	if n == seedChunk {
		res, err = l.stmt.ExecContext(l.ctx, l.args...)
	} else {
		res, err = l.tx.ExecContext(l.ctx, seedInsertSQL(n), l.args...)
	}
	l.args = l.args[:0]
	if err != nil {
		l.err = fmt.Errorf("db: seed: insert events: %w", err)
		return
	}
	if got, err := res.RowsAffected(); err != nil || got != int64(n) {
		l.err = fmt.Errorf("db: seed: insert events: %d of %d stored (%v)", got, n, err)
		return
	}
	l.stored += n
	l.inTx += n
	if l.inTx >= seedCommit {
		if l.err = l.saveTotals(); l.err == nil {
			if l.err = l.commit(); l.err == nil {
				l.err = l.begin()
			}
		}
	}
}

func seedInsertSQL(n int) string {
	var q strings.Builder
	// OR IGNORE spares SQLite a statement journal for each multi-row INSERT (no
	// constraint can abort it halfway); no row is in fact ignored, as demo-ID
	// device event ids are new, and exec checks that every row went in.
	q.WriteString("INSERT OR IGNORE INTO events (lock_id, device_event_id, kind, method, code_id, occurred_at, detail, guest_id, anomaly) VALUES ")
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return q.String()
}

func (l *seedLoad) begin() error {
	tx, err := l.conn.BeginTx(l.ctx, nil)
	if err != nil {
		return fmt.Errorf("db: seed: begin: %w", err)
	}
	stmt, err := tx.PrepareContext(l.ctx, seedInsertSQL(seedChunk))
	if err != nil {
		tx.Rollback()
		return fmt.Errorf("db: seed: prepare: %w", err)
	}
	l.tx, l.stmt, l.inTx = tx, stmt, 0
	if l.args == nil {
		l.args = make([]any, 0, 9*seedChunk)
	}
	return nil
}

func (l *seedLoad) commit() error {
	l.stmt.Close()
	err := l.tx.Commit()
	l.tx, l.stmt = nil, nil
	if err != nil {
		return fmt.Errorf("db: seed: commit: %w", err)
	}
	if l.progress != nil {
		l.progress(l.stored)
	}
	return nil
}

func (l *seedLoad) rollback() {
	if l.tx != nil {
		l.stmt.Close()
		l.tx.Rollback()
		l.tx, l.stmt = nil, nil
	}
}

// finish inserts the last rows with their totals and commits.
func (l *seedLoad) finish() error {
	if l.exec(); l.err != nil {
		return l.err
	}
	if err := l.saveTotals(); err != nil {
		return err
	}
	return l.commit()
}

// saveTotals adds the event counts and the codes' first and last use of the
// rows inserted since the last commit, in the same transaction as the rows: each
// commit leaves the store consistent.
func (l *seedLoad) saveTotals() error {
	ctx, tx := l.ctx, l.tx
	for lock, byLock := range l.counts {
		if err := bucketCounts(byLock).save(ctx, tx, lock); err != nil {
			return err
		}
	}
	for id, u := range l.uses {
		if _, err := tx.ExecContext(ctx, `UPDATE access_codes SET first_used_at = MIN(COALESCE(first_used_at, ?), ?),
			last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?`, u[0], u[0], u[1], id); err != nil {
			return fmt.Errorf("db: seed: stamp code use: %w", err)
		}
	}
	clear(l.counts)
	clear(l.uses)
	return nil
}
