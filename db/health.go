package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OpsSnapshot is what operators graph: how far the reconciler lags, how many
// codes should be off a lock but are not confirmed gone, and how many connector
// calls have failed.
type OpsSnapshot struct {
	ReconcileLag     time.Duration // now minus the oldest last successful sync of an active lock
	PendingRemoval   int
	ConnectorErrors  int
	LocksOffline     int
	LocksUnreachable int // last sync failed
}

// Ops reads an OpsSnapshot.
func (d *DB) Ops(ctx context.Context) (OpsSnapshot, error) {
	now := d.now()
	var o OpsSnapshot
	var oldest sql.NullInt64
	err := d.r.QueryRowContext(ctx, `SELECT MIN(COALESCE(last_sync_at, created_at)),
		COALESCE(SUM(CASE WHEN online = 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN last_error != '' THEN 1 ELSE 0 END), 0)
		FROM locks WHERE removed_at IS NULL`).Scan(&oldest, &o.LocksOffline, &o.LocksUnreachable)
	if err != nil {
		return o, fmt.Errorf("db: ops locks: %w", err)
	}
	if oldest.Valid {
		o.ReconcileLag = max(now.Sub(fromUnix(oldest)), 0)
	}
	err = d.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM access_codes WHERE status != 'removed'
		AND (revoked_at IS NOT NULL OR (ends_at IS NOT NULL AND ends_at <= ?))`, unix(now)).Scan(&o.PendingRemoval)
	if err != nil {
		return o, fmt.Errorf("db: ops pending removal: %w", err)
	}
	if err := d.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM code_attempts WHERE ok = 0").Scan(&o.ConnectorErrors); err != nil {
		return o, fmt.Errorf("db: ops connector errors: %w", err)
	}
	return o, nil
}
