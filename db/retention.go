package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Retention's steps: jobs.Retention deletes events past their retention a
// batch per transaction, pausing between batches so that a first prune of
// millions of rows never holds the single writer for long, and then the count
// buckets it emptied. Deleting an event keeps event_counts right by itself
// (the events_uncount trigger).

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

// PruneEventCounts deletes the count buckets wholly before olderThan that
// pruning events emptied: once their events are gone they can only be empty.
func (d *DB) PruneEventCounts(ctx context.Context, olderThan time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM event_counts WHERE bucket < ? AND total <= 0", unix(olderThan)/bucketSeconds)
		if err != nil {
			return fmt.Errorf("db: prune event counts: %w", err)
		}
		return nil
	})
}
