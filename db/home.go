package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// The dashboard home asks three questions, each one prepared query over an
// index, whatever the history's size: the locks with what needs attention, the
// codes that are live or about to be (arrivals today, who is in), and the
// newest anomalies. Home asks them together, none when there is no lock, and
// keeps the answer for a moment (see Cached).

// homeTTL is how long Home's answer is reused while this process writes nothing.
const homeTTL = 2 * time.Second

// homeHorizon bounds the windows Home reads: today ends within it in every zone.
const homeHorizon = 48 * time.Hour

// HomeView is what the home page shows, read at one moment (Now).
type HomeView struct {
	Now       time.Time
	Locks     []HomeLock    // by name; none: no lock yet, and nothing else was read
	Codes     []HomeCode    // see HomeCodes, windows opening before Now+48h
	Anomalies []HomeAnomaly // newest first, since Now-anomalyDays
	AnyGuest  bool          // some guest exists (read only when Codes is empty)
}

// Home reads the home page's data. Callers must not change the slices: the
// answer is shared with other requests for up to homeTTL.
func (d *DB) Home(ctx context.Context, anomalyDays, anomalies int) (HomeView, error) {
	key := "home:" + strconv.Itoa(anomalyDays) + ":" + strconv.Itoa(anomalies)
	return Cached(d, key, homeTTL, func() (HomeView, error) {
		v := HomeView{Now: d.now()}
		if has, err := d.HasLocks(ctx); err != nil || !has {
			return v, err
		}
		var err error
		if v.Locks, err = d.HomeLocks(ctx); err != nil || len(v.Locks) == 0 {
			return v, err
		}
		if v.Codes, err = d.HomeCodes(ctx, v.Now.Add(homeHorizon)); err != nil {
			return v, err
		}
		if v.Anomalies, err = d.RecentAnomalies(ctx, v.Now.AddDate(0, 0, -anomalyDays), anomalies); err != nil {
			return v, err
		}
		v.AnyGuest = len(v.Codes) > 0
		if !v.AnyGuest {
			var n int
			if err := d.stmt(ctx, "SELECT EXISTS (SELECT 1 FROM guests)").QueryRowContext(ctx).Scan(&n); err != nil {
				return v, fmt.Errorf("db: any guest: %w", err)
			}
			v.AnyGuest = n == 1
		}
		return v, nil
	})
}

// HomeLock is a lock with the counts that say whether it needs its owner.
type HomeLock struct {
	Lock
	Counts    CodeCounts // ByStatus holds failed codes only
	Unmanaged int        // codes found on the lock that Gatehouse did not set
}

const homeLocksQ = "SELECT " + lockCols + `,
	(SELECT count(*) FROM access_codes x WHERE x.lock_id = l.id AND x.status = 'failed'),
	(SELECT count(*) FROM access_codes x WHERE x.lock_id = l.id AND x.status IN ('setting', 'on_lock', 'removing')
		AND MIN(COALESCE(x.revoked_at, x.ends_at), COALESCE(x.ends_at, x.revoked_at)) < ?),
	(SELECT count(*) FROM unmanaged_codes u WHERE u.lock_id = l.id)` +
	lockFrom + "WHERE l.removed_at IS NULL ORDER BY l.name COLLATE NOCASE, l.id"

// HomeLocks lists the locks, by name, each with its failed codes, its codes
// overdue for removal (see AccessCode.Overdue) and its unmanaged codes.
func (d *DB) HomeLocks(ctx context.Context) ([]HomeLock, error) {
	rows, err := d.stmt(ctx, homeLocksQ).QueryContext(ctx, unix(d.now().Add(-OverdueAfter)))
	if err != nil {
		return nil, fmt.Errorf("db: home locks: %w", err)
	}
	defer rows.Close()
	var out []HomeLock
	for rows.Next() {
		var h HomeLock
		var failed int
		h.Lock, err = scanLock(withExtra{rows, []any{&failed, &h.Counts.Overdue, &h.Unmanaged}})
		if err != nil {
			return nil, fmt.Errorf("db: scan home lock: %w", err)
		}
		h.Counts.ByStatus = map[domain.CodeStatus]int{domain.StatusFailed: failed}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HomeCode is a code of an access, with the access's guest and the share link
// its receipt follows: the one that revealed the code, else the newest (ID 0:
// none).
type HomeCode struct {
	AccessCode
	AccessID  int64
	GuestID   int64
	GuestName string
	Link      ShareLink
}

// prefixed qualifies each column of a list such as codeCols with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// homeCodesQ reads access_codes_lock (lock_id, status, start) once per lock and
// live status, up to the horizon: codes on a lock, on their way to or off it,
// failed, or scheduled. Removed codes, most of the table once it has some
// history, and codes booked further ahead are never read. The start is written
// as the index's expression, COALESCE(starts_at, 0), so SQLite can use it.
var homeCodesQ = "SELECT " + prefixed("c", codeCols) + `, a.id, a.guest_id, g.name,
	s.id, s.passphrase_hash IS NOT NULL, s.failed_attempts, s.locked_at, s.created_at, s.expires_at,
	s.first_opened_at, s.opened_device, s.revealed_at, s.revoked_at
	FROM access_codes c
	JOIN accesses a ON a.id = c.access_id
	JOIN guests g ON g.id = a.guest_id
	LEFT JOIN share_links s ON s.id = (SELECT x.id FROM share_links x WHERE x.access_id = a.id
		ORDER BY x.revealed_at IS NULL, x.id DESC LIMIT 1)
	WHERE c.lock_id IN (SELECT id FROM locks WHERE removed_at IS NULL)
		AND c.status IN ('scheduled', 'setting', 'on_lock', 'removing', 'failed')
		AND a.revoked_at IS NULL AND COALESCE(c.starts_at, 0) < ?
	ORDER BY COALESCE(c.starts_at, 0), a.id, c.lock_id`

// HomeCodes lists the codes of accesses not revoked, not yet removed from their
// locks, whose window opens before before (and permanent ones), earliest window
// first.
func (d *DB) HomeCodes(ctx context.Context, before time.Time) ([]HomeCode, error) {
	rows, err := d.stmt(ctx, homeCodesQ).QueryContext(ctx, unix(before))
	if err != nil {
		return nil, fmt.Errorf("db: home codes: %w", err)
	}
	defer rows.Close()
	var out []HomeCode
	for rows.Next() {
		var h HomeCode
		var linkID, failed sql.NullInt64
		var pass sql.NullBool
		var locked, created, expires, opened, revealed, revoked sql.NullInt64
		var device sql.NullString
		h.AccessCode, err = scanCode(withExtra{rows, []any{&h.AccessID, &h.GuestID, &h.GuestName,
			&linkID, &pass, &failed, &locked, &created, &expires, &opened, &device, &revealed, &revoked}})
		if err != nil {
			return nil, fmt.Errorf("db: scan home code: %w", err)
		}
		if linkID.Valid {
			h.Link = ShareLink{ID: linkID.Int64, AccessID: h.AccessID, HasPassphrase: pass.Bool, FailedAttempts: int(failed.Int64),
				LockedAt: fromUnix(locked), CreatedAt: fromUnix(created), ExpiresAt: fromUnix(expires),
				FirstOpenedAt: fromUnix(opened), OpenedDevice: device.String, RevealedAt: fromUnix(revealed), RevokedAt: fromUnix(revoked)}
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HomeAnomaly is an event that stands out, with the names the home shows.
type HomeAnomaly struct {
	TimelineEvent
	GuestName string // "" when no guest
	CodeLabel string // "" when no code
}

// recentAnomaliesQ reads events_anomaly_time newest first, as the timeline's
// "anomalies only" does, and stops at limit.
var recentAnomaliesQ = "SELECT " + prefixed("e", timelineCols) + `, COALESCE(g.name, ''), COALESCE(c.label, '')
	FROM events e
	LEFT JOIN guests g ON g.id = e.guest_id
	LEFT JOIN access_codes c ON c.id = e.code_id
	WHERE e.anomaly != '' AND e.occurred_at >= ?
	ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?`

// RecentAnomalies returns up to limit events that stand out, newest first,
// among those since since.
func (d *DB) RecentAnomalies(ctx context.Context, since time.Time, limit int) ([]HomeAnomaly, error) {
	rows, err := d.stmt(ctx, recentAnomaliesQ).QueryContext(ctx, unix(since), limit)
	if err != nil {
		return nil, fmt.Errorf("db: recent anomalies: %w", err)
	}
	defer rows.Close()
	var out []HomeAnomaly
	for rows.Next() {
		var a HomeAnomaly
		a.TimelineEvent, err = scanTimelineEvent(withExtra{rows, []any{&a.GuestName, &a.CodeLabel}})
		if err != nil {
			return nil, fmt.Errorf("db: scan anomaly: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
