package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// Retention: events are kept for a set number of days (serve --retention-days,
// 730 by default; 0 keeps them all). A background loop deletes older ones a
// batch per transaction, pausing between batches, so that a first prune of
// millions of rows never holds the single writer for long: reveals, ingest and
// the reconciler's writes queue between batches. Deleting an event keeps
// event_counts right by itself (the events_uncount trigger).

// Retention configures the pruning loop. Zero fields take the defaults below.
type Retention struct {
	Keep  time.Duration // events older than this are deleted; 0 keeps all
	Every time.Duration // how often a prune runs
	Batch int           // events per transaction
	Pause time.Duration // between two batches of one run
	// Wait waits d or until ctx ends, and reports whether d passed; nil waits
	// on the real clock. Tests step the loop with their own.
	Wait func(ctx context.Context, d time.Duration) bool
	Log  *slog.Logger
}

// Retention defaults.
const (
	DefaultRetentionDays = 730
	RetentionEvery       = time.Hour
	RetentionBatch       = 5000
	RetentionPause       = 50 * time.Millisecond
)

func (r Retention) withDefaults() Retention {
	if r.Every <= 0 {
		r.Every = RetentionEvery
	}
	if r.Batch <= 0 {
		r.Batch = RetentionBatch
	}
	if r.Pause < 0 {
		r.Pause = 0
	} else if r.Pause == 0 {
		r.Pause = RetentionPause
	}
	if r.Wait == nil {
		r.Wait = sleep
	}
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	return r
}

// sleep waits d on the real clock, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// PruneEvents deletes up to batch of the oldest events that occurred before
// olderThan, in one transaction, and returns how many it deleted.
func (d *DB) PruneEvents(ctx context.Context, olderThan time.Time, batch int) (int, error) {
	var n int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		// Oldest first through events_time, so that an interrupted run leaves
		// a clean cut, and each batch starts where the last one ended.
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id IN (
			SELECT id FROM events WHERE occurred_at < ? ORDER BY occurred_at, id LIMIT ?)`, unix(olderThan), batch)
		if err != nil {
			return fmt.Errorf("db: prune events: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// PruneOldEvents deletes every event older than r.Keep at the store's clock,
// r.Batch per transaction with r.Pause between batches, and then the emptied
// count buckets. It returns how many events it deleted; with Keep 0 it does
// nothing.
func (d *DB) PruneOldEvents(ctx context.Context, r Retention) (int, error) {
	r = r.withDefaults()
	if r.Keep <= 0 {
		return 0, nil
	}
	cutoff := d.now().Add(-r.Keep)
	total := 0
	for {
		n, err := d.PruneEvents(ctx, cutoff, r.Batch)
		total += n
		if err != nil {
			return total, err
		}
		if n < r.Batch {
			break
		}
		if !r.Wait(ctx, r.Pause) {
			return total, ctx.Err()
		}
	}
	if total > 0 {
		// Buckets wholly before the cutoff can only be empty now.
		err := d.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM event_counts WHERE bucket < ? AND total <= 0", unix(cutoff)/bucketSeconds)
			if err != nil {
				return fmt.Errorf("db: prune event counts: %w", err)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// RunRetention prunes old events at once and then every r.Every until ctx
// ends. With r.Keep 0 it returns at once.
func (d *DB) RunRetention(ctx context.Context, r Retention) {
	r = r.withDefaults()
	if r.Keep <= 0 {
		return
	}
	for {
		start := time.Now()
		n, err := d.PruneOldEvents(ctx, r)
		switch {
		case err != nil && ctx.Err() == nil:
			r.Log.Warn("pruning old events", slog.Any("err", err), slog.Int("deleted", n))
		case n > 0:
			r.Log.Info("pruned old events", slog.Int("count", n), slog.Int("keep_days", int(r.Keep/(24*time.Hour))),
				slog.Duration("took", time.Since(start)))
		}
		if !r.Wait(ctx, r.Every) {
			return
		}
	}
}
