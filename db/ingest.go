package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

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

// bursts are the denied events that new ones put in a burst, as domain.InBurst
// decides.
type bursts struct {
	batch    map[string]bool // new events, by device event id
	existing []int64         // stored events not yet marked, by id
}

// burstsFor gathers a batch's denied events and the lock's stored denied events
// within domain.BurstWindow of them, and asks domain.InBurst which are in a
// burst, before the batch is stored, so new events are stored marked and only
// older ones are updated.
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
	at := make([]time.Time, len(all))
	for i, p := range all {
		at[i] = time.Unix(p.at, 0)
	}
	var out bursts
	for i, in := range domain.InBurst(at) {
		switch p := all[i]; {
		case !in:
		case p.dev != "":
			if out.batch == nil {
				out.batch = map[string]bool{}
			}
			out.batch[p.dev] = true
		case p.clean:
			out.existing = append(out.existing, p.id)
		}
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
