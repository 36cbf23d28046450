package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// UnmanagedCode is a code found on a lock that Gatehouse did not put there.
type UnmanagedCode struct {
	ID                 int64
	LockID             int64
	DeviceCodeID       string
	Name               string
	FirstSeenAt        time.Time
	LastSeenAt         time.Time
	RemovalRequestedAt time.Time
	LastError          string
}

// SeenCode is a foreign code as the connector reported it.
type SeenCode struct {
	DeviceCodeID string
	Name         string
}

// SyncUnmanaged records the foreign codes a lock reports now: new ones are added,
// ones no longer reported are dropped (they left the lock).
func (d *DB) SyncUnmanaged(ctx context.Context, lockID int64, seen []SeenCode) error {
	now := unix(d.now())
	return d.tx(ctx, func(tx *sql.Tx) error {
		for _, s := range seen {
			_, err := tx.ExecContext(ctx, `INSERT INTO unmanaged_codes (lock_id, device_code_id, name, first_seen_at, last_seen_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (lock_id, device_code_id) DO UPDATE SET name = excluded.name, last_seen_at = excluded.last_seen_at`,
				lockID, s.DeviceCodeID, s.Name, now, now)
			if err != nil {
				return fmt.Errorf("db: sync unmanaged: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM unmanaged_codes WHERE lock_id = ? AND last_seen_at < ?", lockID, now); err != nil {
			return fmt.Errorf("db: drop gone unmanaged: %w", err)
		}
		return nil
	})
}

// UnmanagedCodes lists a lock's foreign codes (lockID 0: every lock's).
func (d *DB) UnmanagedCodes(ctx context.Context, lockID int64) ([]UnmanagedCode, error) {
	q := "SELECT id, lock_id, device_code_id, name, first_seen_at, last_seen_at, removal_requested_at, last_error FROM unmanaged_codes"
	var args []any
	if lockID != 0 {
		q += " WHERE lock_id = ?"
		args = append(args, lockID)
	}
	rows, err := d.r.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("db: unmanaged codes: %w", err)
	}
	defer rows.Close()
	var out []UnmanagedCode
	for rows.Next() {
		var u UnmanagedCode
		var first, last, req sql.NullInt64
		if err := rows.Scan(&u.ID, &u.LockID, &u.DeviceCodeID, &u.Name, &first, &last, &req, &u.LastError); err != nil {
			return nil, err
		}
		u.FirstSeenAt, u.LastSeenAt, u.RemovalRequestedAt = fromUnix(first), fromUnix(last), fromUnix(req)
		out = append(out, u)
	}
	return out, rows.Err()
}

// RequestUnmanagedRemoval asks the reconciler to take a foreign code off its lock.
func (d *DB) RequestUnmanagedRemoval(ctx context.Context, lockID, id int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE unmanaged_codes SET removal_requested_at = COALESCE(removal_requested_at, ?) WHERE id = ? AND lock_id = ?",
			unix(d.now()), id, lockID)
		if err != nil {
			return fmt.Errorf("db: request removal: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// MarkUnmanagedError records why removing a foreign code failed.
func (d *DB) MarkUnmanagedError(ctx context.Context, id int64, msg string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE unmanaged_codes SET last_error = ? WHERE id = ?", msg, id); err != nil {
			return fmt.Errorf("db: unmanaged error: %w", err)
		}
		return nil
	})
}
