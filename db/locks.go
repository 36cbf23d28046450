package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lock is a door lock as Gatehouse knows it.
type Lock struct {
	ID              int64
	ConnectionID    int64
	ConnectionKind  string
	DeviceID        string
	Name            string
	Manufacturer    string
	Model           string
	Online          bool
	OfflineSince    time.Time
	Locked          *bool
	Battery         *float64 // 0..1
	Firmware        string
	TimeZone        string
	Instructions    string
	NativeSchedules bool
	Slots           int
	MinCodeLen      int
	MaxCodeLen      int
	LastSyncAt      time.Time
	LastError       string
	EventCursor     string
	EventsPulledAt  time.Time
	CreatedAt       time.Time
}

const lockCols = `l.id, l.connection_id, c.kind, l.device_id, l.name, l.manufacturer, l.model, l.online, l.offline_since,
	l.locked, l.battery, l.firmware, l.time_zone, l.instructions, l.native_schedules, l.slots, l.min_code_len,
	l.max_code_len, l.last_sync_at, l.last_error, l.event_cursor, l.events_pulled_at, l.created_at`

const lockFrom = " FROM locks l JOIN connections c ON c.id = l.connection_id "

func scanLock(row interface{ Scan(...any) error }) (Lock, error) {
	var l Lock
	var offline, synced, pulled, created sql.NullInt64
	var locked sql.NullBool
	var battery sql.NullFloat64
	err := row.Scan(&l.ID, &l.ConnectionID, &l.ConnectionKind, &l.DeviceID, &l.Name, &l.Manufacturer, &l.Model,
		&l.Online, &offline, &locked, &battery, &l.Firmware, &l.TimeZone, &l.Instructions, &l.NativeSchedules,
		&l.Slots, &l.MinCodeLen, &l.MaxCodeLen, &synced, &l.LastError, &l.EventCursor, &pulled, &created)
	l.OfflineSince, l.LastSyncAt, l.EventsPulledAt, l.CreatedAt = fromUnix(offline), fromUnix(synced), fromUnix(pulled), fromUnix(created)
	if locked.Valid {
		l.Locked = &locked.Bool
	}
	if battery.Valid {
		l.Battery = &battery.Float64
	}
	return l, err
}

// Locks lists the locks that connections still report, by name.
func (d *DB) Locks(ctx context.Context) ([]Lock, error) {
	return d.queryLocks(ctx, "SELECT "+lockCols+lockFrom+"WHERE l.removed_at IS NULL ORDER BY l.name COLLATE NOCASE, l.id")
}

// HasLocks reports whether any lock is known, for pages that only need to know
// whether to offer adding one.
func (d *DB) HasLocks(ctx context.Context) (bool, error) {
	return Cached(d, "has-locks", 2*time.Second, func() (bool, error) {
		var n int
		err := d.stmt(ctx, "SELECT EXISTS (SELECT 1 FROM locks WHERE removed_at IS NULL)").QueryRowContext(ctx).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("db: has locks: %w", err)
		}
		return n == 1, nil
	})
}

// ConnectionLocks lists one connection's locks.
func (d *DB) ConnectionLocks(ctx context.Context, connectionID int64) ([]Lock, error) {
	return d.queryLocks(ctx, "SELECT "+lockCols+lockFrom+"WHERE l.removed_at IS NULL AND l.connection_id = ? ORDER BY l.id", connectionID)
}

func (d *DB) queryLocks(ctx context.Context, q string, args ...any) ([]Lock, error) {
	rows, err := d.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("db: list locks: %w", err)
	}
	defer rows.Close()
	var out []Lock
	for rows.Next() {
		l, err := scanLock(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan lock: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Lock returns one lock.
func (d *DB) Lock(ctx context.Context, id int64) (Lock, error) {
	l, err := scanLock(d.stmt(ctx, "SELECT "+lockCols+lockFrom+"WHERE l.id = ?").QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Lock{}, ErrNotFound
	}
	if err != nil {
		return Lock{}, fmt.Errorf("db: lock %d: %w", id, err)
	}
	return l, nil
}

// DeviceState is what a connector reported about a lock in one discovery pass.
type DeviceState struct {
	DeviceID        string
	Name            string
	Manufacturer    string
	Model           string
	Online          bool
	Locked          *bool
	Battery         *float64
	Firmware        string
	TimeZone        string // empty: unknown
	NativeSchedules bool
	Slots           int
	MinCodeLen      int
	MaxCodeLen      int
}

// SyncLock records a discovered lock: created on first sight (named and zoned
// from the connector, else defaultTZ), then its reported state is refreshed while
// the owner's name, zone and instructions are kept.
func (d *DB) SyncLock(ctx context.Context, connectionID int64, s DeviceState, defaultTZ string) (Lock, error) {
	now := unix(d.now())
	tz := s.TimeZone
	if tz == "" {
		tz = defaultTZ
	}
	var id int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO locks (connection_id, device_id, name, manufacturer, model, online,
			offline_since, locked, battery, firmware, time_zone, native_schedules, slots, min_code_len, max_code_len, created_at)
			VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? THEN NULL ELSE ? END, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (connection_id, device_id) DO UPDATE SET
				manufacturer = excluded.manufacturer, model = excluded.model, online = excluded.online,
				offline_since = CASE WHEN excluded.online THEN NULL ELSE COALESCE(locks.offline_since, excluded.offline_since) END,
				locked = excluded.locked, battery = excluded.battery, firmware = excluded.firmware,
				native_schedules = excluded.native_schedules, slots = excluded.slots,
				min_code_len = excluded.min_code_len, max_code_len = excluded.max_code_len, removed_at = NULL
			RETURNING id`,
			connectionID, s.DeviceID, s.Name, s.Manufacturer, s.Model, s.Online, s.Online, now, s.Locked, s.Battery,
			s.Firmware, tz, s.NativeSchedules, s.Slots, s.MinCodeLen, s.MaxCodeLen, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("db: sync lock: %w", err)
		}
		return nil
	})
	if err != nil {
		return Lock{}, err
	}
	return d.Lock(ctx, id)
}

// MarkLocksGone flags a connection's locks that discovery no longer reports.
func (d *DB) MarkLocksGone(ctx context.Context, connectionID int64, present []string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, device_id FROM locks WHERE connection_id = ? AND removed_at IS NULL", connectionID)
		if err != nil {
			return fmt.Errorf("db: locks of connection: %w", err)
		}
		seen := map[string]bool{}
		for _, p := range present {
			seen[p] = true
		}
		var gone []int64
		for rows.Next() {
			var id int64
			var dev string
			if err := rows.Scan(&id, &dev); err != nil {
				rows.Close()
				return err
			}
			if !seen[dev] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		for _, id := range gone {
			if _, err := tx.ExecContext(ctx, "UPDATE locks SET removed_at = ? WHERE id = ?", unix(d.now()), id); err != nil {
				return fmt.Errorf("db: mark lock gone: %w", err)
			}
		}
		return nil
	})
}

// LockSettings are what an owner edits on a lock's page.
type LockSettings struct {
	Name         string
	TimeZone     string
	Instructions string
}

// UpdateLockSettings saves a lock's name, zone and guest instructions.
func (d *DB) UpdateLockSettings(ctx context.Context, id int64, s LockSettings) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE locks SET name = ?, time_zone = ?, instructions = ? WHERE id = ?",
			s.Name, s.TimeZone, s.Instructions, id)
		if err != nil {
			return fmt.Errorf("db: update lock: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// ClaimLock takes the lease on a lock for holder until now+ttl, unless another
// holder's lease is still running. Work on a lock happens only under its lease, so
// two Gatehouse processes sharing a database never act on one lock at once.
func (d *DB) ClaimLock(ctx context.Context, id int64, holder string, ttl time.Duration) (bool, error) {
	now := d.now()
	var n int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE locks SET lease_holder = ?, lease_until = ?
			WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_until <= ?)`,
			holder, unix(now.Add(ttl)), id, holder, unix(now))
		if err != nil {
			return fmt.Errorf("db: claim lock: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n == 1, err
}

// ReleaseLeases ends every lease whose holder dead reports gone, and returns
// how many locks it freed. A process that was killed cannot give up its leases,
// and until they run out (LeaseTTL) nobody may act on its locks.
func (d *DB) ReleaseLeases(ctx context.Context, dead func(holder string) bool) (int, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT DISTINCT lease_holder FROM locks WHERE lease_holder IS NOT NULL")
	if err != nil {
		return 0, fmt.Errorf("db: lease holders: %w", err)
	}
	var gone []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return 0, fmt.Errorf("db: scan lease holder: %w", err)
		}
		if dead(h) {
			gone = append(gone, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(gone) == 0 {
		return 0, err
	}
	var n int64
	err = d.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, h := range gone {
			res, err := tx.ExecContext(ctx, "UPDATE locks SET lease_holder = NULL, lease_until = NULL WHERE lease_holder = ?", h)
			if err != nil {
				return fmt.Errorf("db: release leases: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return int(n), err
}

// ReleaseLock gives up a lease early.
func (d *DB) ReleaseLock(ctx context.Context, id int64, holder string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE locks SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?", id, holder)
		if err != nil {
			return fmt.Errorf("db: release lock: %w", err)
		}
		return nil
	})
}
