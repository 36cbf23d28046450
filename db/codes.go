package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// AccessCode is a code Gatehouse wants on a lock, with what was observed of it.
// The PIN itself is only read through CodePIN.
type AccessCode struct {
	ID            int64
	LockID        int64
	Label         string
	PINLen        int
	StartsAt      time.Time // zero with EndsAt zero: permanent
	EndsAt        time.Time
	TimeZone      string
	RevokedAt     time.Time
	Status        domain.CodeStatus
	StatusAt      time.Time
	LastError     string
	DeviceCodeID  string
	Attempts      int
	NextAttemptAt time.Time
	SetAt         time.Time
	RemovedAt     time.Time
	FirstUsedAt   time.Time
	LastUsedAt    time.Time
	CreatedAt     time.Time
}

// Permanent reports whether the code has no window.
func (c AccessCode) Permanent() bool { return c.StartsAt.IsZero() && c.EndsAt.IsZero() }

// LeaveBy is when the code must be off the lock: revocation or the window's end.
// Zero means never.
func (c AccessCode) LeaveBy() time.Time {
	switch {
	case !c.RevokedAt.IsZero() && (c.EndsAt.IsZero() || c.RevokedAt.Before(c.EndsAt)):
		return c.RevokedAt
	default:
		return c.EndsAt
	}
}

// ShouldBeOn reports whether the code belongs on the lock at now.
func (c AccessCode) ShouldBeOn(now time.Time) bool {
	if !c.RevokedAt.IsZero() {
		return false
	}
	if !c.StartsAt.IsZero() && now.Before(c.StartsAt) {
		return false
	}
	return c.EndsAt.IsZero() || now.Before(c.EndsAt)
}

const codeCols = `id, lock_id, label, pin_len, starts_at, ends_at, time_zone, revoked_at, status, status_at, last_error,
	device_code_id, attempts, next_attempt_at, set_at, removed_at, first_used_at, last_used_at, created_at`

func scanCode(row interface{ Scan(...any) error }) (AccessCode, error) {
	var c AccessCode
	var starts, ends, revoked, statusAt, next, set, removed, first, last, created sql.NullInt64
	err := row.Scan(&c.ID, &c.LockID, &c.Label, &c.PINLen, &starts, &ends, &c.TimeZone, &revoked, &c.Status, &statusAt,
		&c.LastError, &c.DeviceCodeID, &c.Attempts, &next, &set, &removed, &first, &last, &created)
	c.StartsAt, c.EndsAt, c.RevokedAt, c.StatusAt = fromUnix(starts), fromUnix(ends), fromUnix(revoked), fromUnix(statusAt)
	c.NextAttemptAt, c.SetAt, c.RemovedAt = fromUnix(next), fromUnix(set), fromUnix(removed)
	c.FirstUsedAt, c.LastUsedAt, c.CreatedAt = fromUnix(first), fromUnix(last), fromUnix(created)
	return c, err
}

// NewAccessCode is what an owner asks for.
type NewAccessCode struct {
	LockID   int64
	Label    string
	PIN      string
	StartsAt time.Time // both zero: permanent
	EndsAt   time.Time
	TimeZone string
}

// ErrPINConflict is returned when a PIN equals, extends or is extended by another
// code still on (or bound for) the same lock: a keypad accepts the shorter one as
// soon as it is typed, so such pairs are refused.
var ErrPINConflict = errors.New("this code clashes with another code on the lock (the same, or one starts with the other)")

// CreateAccessCode stores a new code as desired state; the reconciler puts it on
// the lock. The PIN is checked against the lock's live codes in the same
// transaction, so two owners cannot race two clashing codes onto one lock. The
// audit entries given are written in the same transaction: none when the code
// is refused (ErrPINConflict).
func (d *DB) CreateAccessCode(ctx context.Context, n NewAccessCode, audit ...AuditEntry) (AccessCode, error) {
	now := d.now()
	var c AccessCode
	err := d.tx(ctx, func(tx *sql.Tx) error {
		pins, err := d.livePINs(ctx, tx, n.LockID)
		if err != nil {
			return err
		}
		for _, p := range pins {
			if domain.PINsClash(p, n.PIN) {
				return ErrPINConflict
			}
		}
		id, sealed, err := d.sealNewCodePIN(ctx, tx, n.PIN)
		if err != nil {
			return err
		}
		c, err = scanCode(tx.QueryRowContext(ctx, `INSERT INTO access_codes (id, lock_id, label, pin_sealed, pin_len,
			starts_at, ends_at, time_zone, status, status_at, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?) RETURNING `+codeCols,
			id, n.LockID, n.Label, sealed, len(n.PIN), nullUnix(n.StartsAt), nullUnix(n.EndsAt), n.TimeZone,
			unix(now), unix(now), unix(now)))
		if err != nil {
			return fmt.Errorf("db: create access code: %w", err)
		}
		return d.auditAll(ctx, tx, audit)
	})
	return c, err
}

// LivePINs returns the PINs of a lock's codes that are, or may still be, on it,
// so a new code can be checked or generated against them.
func (d *DB) LivePINs(ctx context.Context, lockID int64) ([]string, error) {
	return d.livePINs(ctx, d.r, lockID)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (d *DB) livePINs(ctx context.Context, q querier, lockID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, pin_sealed FROM access_codes WHERE lock_id = ? AND status != 'removed'", lockID)
	if err != nil {
		return nil, fmt.Errorf("db: live pins: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p sealedPIN
		if err := rows.Scan(&p.codeID, &p.sealed); err != nil {
			return nil, err
		}
		pin, err := d.openPIN(p)
		if err != nil {
			return nil, err
		}
		out = append(out, pin)
	}
	return out, rows.Err()
}

// CodePIN unseals one code's PIN. Callers: the reconciler (to program the lock),
// the guest reveal, and an owner's audited view.
func (d *DB) CodePIN(ctx context.Context, id int64) (string, error) {
	var sealed []byte
	err := d.r.QueryRowContext(ctx, "SELECT pin_sealed FROM access_codes WHERE id = ?", id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("db: code pin: %w", err)
	}
	return d.openPIN(sealedPIN{codeID: id, sealed: sealed})
}

// AccessCode returns one code.
func (d *DB) AccessCode(ctx context.Context, id int64) (AccessCode, error) {
	c, err := scanCode(d.r.QueryRowContext(ctx, "SELECT "+codeCols+" FROM access_codes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return AccessCode{}, ErrNotFound
	}
	if err != nil {
		return AccessCode{}, fmt.Errorf("db: access code %d: %w", id, err)
	}
	return c, nil
}

// LockCodes lists a lock's codes, live ones first, newest first.
func (d *DB) LockCodes(ctx context.Context, lockID int64) ([]AccessCode, error) {
	return d.queryCodes(ctx, "SELECT "+codeCols+` FROM access_codes WHERE lock_id = ?
		ORDER BY status = 'removed', id DESC LIMIT 200`, lockID)
}

// CodesToReconcile lists a lock's codes that are not yet confirmed removed.
func (d *DB) CodesToReconcile(ctx context.Context, lockID int64) ([]AccessCode, error) {
	return d.queryCodes(ctx, "SELECT "+codeCols+" FROM access_codes WHERE lock_id = ? AND status != 'removed' ORDER BY id", lockID)
}

func (d *DB) queryCodes(ctx context.Context, q string, args ...any) ([]AccessCode, error) {
	rows, err := d.r.QueryContext(ctx, q, args...)
	return scanCodes(rows, err)
}

// scanCodes reads the rows of a query for codes.
func scanCodes(rows *sql.Rows, err error) ([]AccessCode, error) {
	if err != nil {
		return nil, fmt.Errorf("db: list codes: %w", err)
	}
	defer rows.Close()
	var out []AccessCode
	for rows.Next() {
		c, err := scanCode(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan code: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeAccessCode marks a code revoked; the reconciler takes it off the lock.
// Revoking twice keeps the first time. The audit entries given are written in
// the same transaction, only when this call is the one that revoked it:
// revoking again says nothing. ErrNotFound for an unknown code.
func (d *DB) RevokeAccessCode(ctx context.Context, id int64, audit ...AuditEntry) (AccessCode, error) {
	var c AccessCode
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT revoked_at FROM access_codes WHERE id = ?", id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: revoke code: %w", err)
		}
		c, err = scanCode(tx.QueryRowContext(ctx, `UPDATE access_codes SET revoked_at = COALESCE(revoked_at, ?),
			next_attempt_at = ?, attempts = 0 WHERE id = ? RETURNING `+codeCols, unix(d.now()), unix(d.now()), id))
		if err != nil {
			return fmt.Errorf("db: revoke code: %w", err)
		}
		if revoked.Valid {
			return nil
		}
		return d.auditAll(ctx, tx, audit)
	})
	return c, err
}

// RetryAccessCode clears a failed code's backoff so the reconciler tries now.
// The audit entries given are written in the same transaction. ErrNotFound for
// an unknown code.
func (d *DB) RetryAccessCode(ctx context.Context, id int64, audit ...AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_codes SET next_attempt_at = ?, attempts = 0,
			status = CASE WHEN status = 'failed' THEN 'scheduled' ELSE status END WHERE id = ?`, unix(d.now()), id)
		if err != nil {
			return fmt.Errorf("db: retry code: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("db: retry code: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return d.auditAll(ctx, tx, audit)
	})
}

// CodeObservation is what a reconcile pass learned about a code.
type CodeObservation struct {
	Status       domain.CodeStatus
	DeviceCodeID string // empty: unchanged
	Error        string // empty clears the last error
}

// ObserveCode records a code's observed status. Setting on_lock stamps set_at the
// first time; removed stamps removed_at.
func (d *DB) ObserveCode(ctx context.Context, id int64, o CodeObservation) error {
	now := unix(d.now())
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE access_codes SET
			status_at = CASE WHEN status != ? THEN ? ELSE status_at END,
			status = ?, last_error = ?,
			device_code_id = CASE WHEN ? != '' THEN ? ELSE device_code_id END,
			set_at = CASE WHEN ? = 'on_lock' AND set_at IS NULL THEN ? ELSE set_at END,
			removed_at = CASE WHEN ? = 'removed' THEN ? ELSE removed_at END
			WHERE id = ?`,
			o.Status, now, o.Status, o.Error, o.DeviceCodeID, o.DeviceCodeID, o.Status, now, o.Status, now, id)
		if err != nil {
			return fmt.Errorf("db: observe code: %w", err)
		}
		return nil
	})
}

// Attempt is one call the reconciler made for a code.
type Attempt struct {
	ID     int64
	CodeID int64
	At     time.Time
	Action string // set, remove
	OK     bool
	Error  string
}

// RecordAttempt logs a call and schedules the next one: success resets the
// backoff; failure counts up and waits until next.
func (d *DB) RecordAttempt(ctx context.Context, codeID int64, action string, callErr string, next time.Time) error {
	now := unix(d.now())
	return d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO code_attempts (code_id, at, action, ok, error) VALUES (?, ?, ?, ?, ?)",
			codeID, now, action, callErr == "", callErr); err != nil {
			return fmt.Errorf("db: record attempt: %w", err)
		}
		q := "UPDATE access_codes SET attempts = 0, next_attempt_at = ? WHERE id = ?"
		if callErr != "" {
			q = "UPDATE access_codes SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?"
		}
		if _, err := tx.ExecContext(ctx, q, nullUnix(next), codeID); err != nil {
			return fmt.Errorf("db: schedule attempt: %w", err)
		}
		return nil
	})
}

// Attempts lists a code's most recent calls, newest first.
func (d *DB) Attempts(ctx context.Context, codeID int64, limit int) ([]Attempt, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT id, code_id, at, action, ok, error FROM code_attempts WHERE code_id = ? ORDER BY id DESC LIMIT ?", codeID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: attempts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at sql.NullInt64
		if err := rows.Scan(&a.ID, &a.CodeID, &at, &a.Action, &a.OK, &a.Error); err != nil {
			return nil, err
		}
		a.At = fromUnix(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// OverdueAfter is how long a code may stay on a lock past its leave-by time before
// it raises an alert.
const OverdueAfter = 2 * time.Minute

// Overdue reports whether the code should have left its lock over two minutes ago
// but the lock has not confirmed it gone.
func (c AccessCode) Overdue(now time.Time) bool {
	lb := c.LeaveBy()
	return !lb.IsZero() && (c.Status == domain.StatusSetting || c.Status == domain.StatusOnLock || c.Status == domain.StatusRemoving) && now.Sub(lb) > OverdueAfter
}

// CodeCounts is how many of a lock's codes are in each status, plus how many
// should have left but have not (overdue).
type CodeCounts struct {
	ByStatus map[domain.CodeStatus]int
	Overdue  int
}

// AllCodeCounts counts codes per lock for the Locks page in one query.
func (d *DB) AllCodeCounts(ctx context.Context) (map[int64]CodeCounts, error) {
	now := d.now()
	rows, err := d.r.QueryContext(ctx, `SELECT lock_id, status, COUNT(*),
		SUM(CASE WHEN status IN ('setting', 'on_lock', 'removing')
			AND MIN(COALESCE(revoked_at, ends_at), COALESCE(ends_at, revoked_at)) < ? THEN 1 ELSE 0 END)
		FROM access_codes WHERE status != 'removed' GROUP BY lock_id, status`, unix(now.Add(-OverdueAfter)))
	if err != nil {
		return nil, fmt.Errorf("db: code counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]CodeCounts{}
	for rows.Next() {
		var lockID int64
		var status domain.CodeStatus
		var n, overdue int
		if err := rows.Scan(&lockID, &status, &n, &overdue); err != nil {
			return nil, err
		}
		c, ok := out[lockID]
		if !ok {
			c = CodeCounts{ByStatus: map[domain.CodeStatus]int{}}
		}
		c.ByStatus[status] = n
		c.Overdue += overdue
		out[lockID] = c
	}
	return out, rows.Err()
}

// nextCodeID is the id a new code takes: the next one, but never below the
// floor a restore sets (migration 0008), so that no new code reuses the id of a
// code made after the backup and perhaps still on a lock.
const nextCodeID = `MAX((SELECT COALESCE(MAX(id), 0) FROM access_codes) + 1,
	COALESCE((SELECT next FROM code_id_floor WHERE id = 1), 0))`

// sealNewCodePIN picks the id the next code inserted in tx takes, and seals
// pin bound to it (pinPurpose). The write transaction is IMMEDIATE, so no other
// insert can take the id in between.
func (d *DB) sealNewCodePIN(ctx context.Context, tx *sql.Tx, pin string) (int64, []byte, error) {
	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT "+nextCodeID).Scan(&id); err != nil {
		return 0, nil, fmt.Errorf("db: next code id: %w", err)
	}
	sealed, err := d.seal(pin, pinPurpose(id))
	return id, sealed, err
}
