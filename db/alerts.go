package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Gatehouse's own alerts: domain says when each condition began to hold
// (domain.OfflineAlertAt, domain.UnusedAlertAt); db finds the rows it judges
// and stores each alert once.

// alertPrefix starts the device event id of Gatehouse's own alert events; no
// connector makes ids like it (sim-N, Seam's UUIDs, h-HASH).
const alertPrefix = "gatehouse:"

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
		WHERE online = 0 AND offline_since IS NOT NULL AND removed_at IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("db: offline locks: %w", err)
	}
	for rows.Next() {
		var id, since int64
		if err := rows.Scan(&id, &since); err != nil {
			rows.Close()
			return 0, fmt.Errorf("db: offline locks: %w", err)
		}
		at := domain.OfflineAlertAt(time.Unix(since, 0))
		if at.After(time.Unix(now, 0)) {
			continue // not offline long enough yet
		}
		alerts = append(alerts, alert{lock: id, at: unix(at),
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
		if at, ok := domain.UnusedAlertAt(time.Unix(opened, 0), unixOrZero(ends), fromUnix(revealed), fromUnix(used), time.Unix(now, 0)); ok {
			alerts = append(alerts, alert{lock: lock, code: code, guest: guest, at: unix(at),
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

// unixOrZero is u as a time, 0 as the zero time (a column stored 0 for none).
func unixOrZero(u int64) time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(u, 0)
}
