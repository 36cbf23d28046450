package db

import (
	"context"
	"database/sql"
	"fmt"
)

// ResumeLockAttempts makes a lock's pending codes due now, for when the lock comes
// back online: their backoff was waiting out its absence, not a fault of theirs.
// The failure count is kept, so a lock that fails again backs off from where it was.
func (d *DB) ResumeLockAttempts(ctx context.Context, lockID int64) error {
	now := unix(d.now())
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE access_codes SET next_attempt_at = ?
			WHERE lock_id = ? AND status IN ('setting', 'removing') AND next_attempt_at > ?`,
			now, lockID, now)
		if err != nil {
			return fmt.Errorf("db: resume lock attempts: %w", err)
		}
		return nil
	})
}

// FinishLock records the outcome of a reconcile pass on a lock (as MarkLockSynced)
// and gives up holder's lease on it (as ReleaseLock), in one write: the pass runs
// this for every lock every few seconds.
func (d *DB) FinishLock(ctx context.Context, id int64, holder, errMsg string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		// Every right-hand side reads the row as it was, so lease_until is cleared
		// under the same test as lease_holder.
		_, err := tx.ExecContext(ctx, `UPDATE locks SET last_error = ?,
			last_sync_at = CASE WHEN ? = '' THEN ? ELSE last_sync_at END,
			lease_holder = CASE WHEN lease_holder = ? THEN NULL ELSE lease_holder END,
			lease_until = CASE WHEN lease_holder = ? THEN NULL ELSE lease_until END
			WHERE id = ?`, errMsg, errMsg, unix(d.now()), holder, holder, id)
		if err != nil {
			return fmt.Errorf("db: finish lock: %w", err)
		}
		return nil
	})
}
