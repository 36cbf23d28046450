package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// bucketSeconds is the width of an event_counts bucket: a quarter hour, because
// every zone's offset from UTC is a whole number of quarter hours.
const bucketSeconds = 900

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
