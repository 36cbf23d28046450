package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Access is a guest's permission to open some locks during a window, carried by
// one code (the same PIN on each lock) and revealed through share links.
type Access struct {
	ID        int64
	GuestID   int64
	StartsAt  time.Time // both zero: permanent
	EndsAt    time.Time
	TimeZone  string
	CreatedBy int64
	CreatedAt time.Time
	RevokedAt time.Time
	RotatedTo int64
}

// Permanent reports whether the access has no window.
func (a Access) Permanent() bool { return a.StartsAt.IsZero() && a.EndsAt.IsZero() }

const accessCols = "id, guest_id, starts_at, ends_at, time_zone, created_by, created_at, revoked_at, rotated_to"

func scanAccess(row interface{ Scan(...any) error }) (Access, error) {
	var a Access
	var starts, ends, by, created, revoked, rotated sql.NullInt64
	err := row.Scan(&a.ID, &a.GuestID, &starts, &ends, &a.TimeZone, &by, &created, &revoked, &rotated)
	a.StartsAt, a.EndsAt, a.CreatedAt, a.RevokedAt = fromUnix(starts), fromUnix(ends), fromUnix(created), fromUnix(revoked)
	a.CreatedBy, a.RotatedTo = by.Int64, rotated.Int64
	return a, err
}

// NewAccess is what "Give access" asks for.
type NewAccess struct {
	GuestID   int64  // 0: a new guest, GuestName and GuestNote, stored in the same transaction
	GuestName string // the codes' label
	GuestNote string // for a new guest only
	LockIDs   []int64
	PIN       string
	// PINFor, when set, decides the PIN inside the write: it gets the PINs of
	// every live code on the access's locks and returns the PIN to store (a
	// typed one it accepts, or a generated one), or an error that aborts the
	// write and is returned as is. Without it, PIN is stored unless it clashes
	// (PINConflictError).
	PINFor    func(taken []string) (string, error)
	StartsAt  time.Time // both zero: permanent
	EndsAt    time.Time
	TimeZone  string
	CreatedBy int64
	Link      LinkOptions
	Audit     []AuditEntry // written in the same transaction
}

// LinkOptions shape a new share link. For a link made in place of another
// (ReissueLink, RotateAccess), what they leave unset is kept from the link it
// replaces.
type LinkOptions struct {
	TTL        time.Duration // the link also dies when the access ends
	Passphrase string        // optional; told to the guest by another channel
	// HoldFor, a session id, keeps a rotation's new link for that session to
	// read once (TakeLink), in the rotation's own transaction: whoever sees
	// the rotation also sees the hold. 0: not held.
	HoldFor int64
}

// PINConflictError says on which lock a PIN clashes.
type PINConflictError struct{ LockID int64 }

func (e *PINConflictError) Error() string {
	return fmt.Sprintf("db: code clashes with another code on lock %d", e.LockID)
}

func (e *PINConflictError) Is(target error) bool { return target == ErrPINConflict }

// CreateAccess stores an access, its code on every lock and its first share link
// in one transaction (with its new guest and its audit lines, if any), and
// returns the link's token (not stored). The PIN is checked against the locks'
// live codes inside that transaction, once.
func (d *DB) CreateAccess(ctx context.Context, n NewAccess) (Access, string, error) {
	var a Access
	var token string
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, token, err = d.createAccess(ctx, tx, n, priorLink{})
		return err
	})
	return a, token, err
}

// createAccess is CreateAccess inside tx; the access's link takes over from
// prior what n.Link leaves unset (the zero priorLink: nothing).
func (d *DB) createAccess(ctx context.Context, tx *sql.Tx, n NewAccess, prior priorLink) (Access, string, error) {
	if len(n.LockIDs) == 0 {
		return Access{}, "", errors.New("db: an access needs at least one lock")
	}
	now := d.now()
	var taken []string
	for _, lockID := range n.LockIDs {
		pins, err := d.livePINs(ctx, tx, lockID)
		if err != nil {
			return Access{}, "", err
		}
		if n.PINFor != nil {
			taken = append(taken, pins...)
			continue
		}
		for _, p := range pins {
			if domain.PINsClash(p, n.PIN) {
				return Access{}, "", &PINConflictError{LockID: lockID}
			}
		}
	}
	if n.PINFor != nil {
		pin, err := n.PINFor(taken)
		if err != nil {
			return Access{}, "", err
		}
		// Whatever PINFor decided, no clash ever reaches a lock.
		for _, p := range taken {
			if domain.PINsClash(p, pin) {
				return Access{}, "", ErrPINConflict
			}
		}
		n.PIN = pin
	}
	if n.GuestID == 0 {
		if err := tx.QueryRowContext(ctx, "INSERT INTO guests (name, note, created_at) VALUES (?, ?, ?) RETURNING id",
			n.GuestName, n.GuestNote, unix(now)).Scan(&n.GuestID); err != nil {
			return Access{}, "", fmt.Errorf("db: create guest: %w", err)
		}
	}
	a, err := scanAccess(tx.QueryRowContext(ctx, `INSERT INTO accesses (guest_id, starts_at, ends_at, time_zone, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+accessCols, n.GuestID, nullUnix(n.StartsAt), nullUnix(n.EndsAt), n.TimeZone,
		sql.NullInt64{Int64: n.CreatedBy, Valid: n.CreatedBy != 0}, unix(now)))
	if err != nil {
		return Access{}, "", fmt.Errorf("db: create access: %w", err)
	}
	for _, lockID := range n.LockIDs {
		var tz string
		if err := tx.QueryRowContext(ctx, "SELECT time_zone FROM locks WHERE id = ?", lockID).Scan(&tz); err != nil {
			return Access{}, "", fmt.Errorf("db: lock %d for access: %w", lockID, err)
		}
		id, sealed, err := d.sealNewCodePIN(ctx, tx, n.PIN)
		if err != nil {
			return Access{}, "", err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_codes (id, lock_id, access_id, label, pin_sealed, pin_len, starts_at,
			ends_at, time_zone, status, status_at, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?)`,
			id, lockID, a.ID, n.GuestName, sealed, len(n.PIN), nullUnix(n.StartsAt), nullUnix(n.EndsAt), tz, unix(now), unix(now), unix(now))
		if err != nil {
			return Access{}, "", fmt.Errorf("db: create access code: %w", err)
		}
	}
	token, _, err := d.insertLink(ctx, tx, a, n.Link, prior)
	if err != nil {
		return Access{}, "", err
	}
	if err := d.auditAll(ctx, tx, n.Audit); err != nil {
		return Access{}, "", err
	}
	return a, token, nil
}

// Access returns one access.
func (d *DB) Access(ctx context.Context, id int64) (Access, error) {
	a, err := scanAccess(d.stmt(ctx, "SELECT "+accessCols+" FROM accesses WHERE id = ?").QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Access{}, ErrNotFound
	}
	if err != nil {
		return Access{}, fmt.Errorf("db: access %d: %w", id, err)
	}
	return a, nil
}

// GuestAccesses lists a guest's accesses, newest first.
func (d *DB) GuestAccesses(ctx context.Context, guestID int64) ([]Access, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+accessCols+" FROM accesses WHERE guest_id = ? ORDER BY id DESC LIMIT 100", guestID)
	if err != nil {
		return nil, fmt.Errorf("db: guest accesses: %w", err)
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		a, err := scanAccess(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan access: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccessCodes lists the codes (one per lock) that carry an access.
func (d *DB) AccessCodes(ctx context.Context, accessID int64) ([]AccessCode, error) {
	rows, err := d.stmt(ctx, "SELECT "+codeCols+" FROM access_codes WHERE access_id = ? ORDER BY lock_id").QueryContext(ctx, accessID)
	return scanCodes(rows, err)
}

// accessLocksQ reads an access's locks through its codes (access_codes_access
// gives them in lock order), each lock by its id.
const accessLocksQ = "SELECT " + lockCols + lockFrom + "JOIN access_codes ac ON ac.lock_id = l.id WHERE ac.access_id = ? ORDER BY ac.lock_id"

// AccessLocks lists the locks an access's codes are on, in lock order, in one
// query; a lock removed since is still listed.
func (d *DB) AccessLocks(ctx context.Context, accessID int64) ([]Lock, error) {
	rows, err := d.stmt(ctx, accessLocksQ).QueryContext(ctx, accessID)
	if err != nil {
		return nil, fmt.Errorf("db: access locks: %w", err)
	}
	defer rows.Close()
	var out []Lock
	for rows.Next() {
		l, err := scanLock(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan access lock: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AccessPIN unseals an access's PIN (the same on each of its locks).
func (d *DB) AccessPIN(ctx context.Context, accessID int64) (string, error) {
	var p sealedPIN
	err := d.stmt(ctx, "SELECT id, pin_sealed FROM access_codes WHERE access_id = ? LIMIT 1").QueryRowContext(ctx, accessID).Scan(&p.codeID, &p.sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("db: access pin: %w", err)
	}
	return d.openPIN(p)
}

// RevokeAccess ends an access at once: its links die and its codes are revoked,
// so the reconciler removes them from the locks. The audit entries given are
// written in the same transaction, only when this call is the one that revoked
// it: revoking again changes nothing, and says nothing. ErrNotFound for an
// unknown access.
func (d *DB) RevokeAccess(ctx context.Context, id int64, audit ...AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT revoked_at FROM accesses WHERE id = ?", id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: revoke access: %w", err)
		}
		if err := d.revokeAccess(ctx, tx, id); err != nil {
			return err
		}
		if revoked.Valid {
			return nil
		}
		return d.auditAll(ctx, tx, audit)
	})
}

// auditAll writes entries inside tx, for a change whose audit lines must
// commit with it or not at all.
func (d *DB) auditAll(ctx context.Context, tx *sql.Tx, entries []AuditEntry) error {
	for _, e := range entries {
		if err := d.audit(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) revokeAccess(ctx context.Context, tx *sql.Tx, id int64) error {
	now := unix(d.now())
	res, err := tx.ExecContext(ctx, "UPDATE accesses SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", now, id)
	if err != nil {
		return fmt.Errorf("db: revoke access: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `UPDATE access_codes SET revoked_at = COALESCE(revoked_at, ?), next_attempt_at = ?,
		attempts = 0 WHERE access_id = ?`, now, now, id); err != nil {
		return fmt.Errorf("db: revoke access codes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE share_links SET revoked_at = COALESCE(revoked_at, ?) WHERE access_id = ?", now, id); err != nil {
		return fmt.Errorf("db: revoke access links: %w", err)
	}
	return nil
}

// ErrAccessRevoked is returned when rotating an access that is already revoked
// (or was rotated already).
var ErrAccessRevoked = errors.New("this access was already revoked or replaced")

// RotateAccess revokes an access and creates its replacement (same guest, locks
// and window, a new PIN and a new link) in one transaction. The new link keeps
// the passphrase and lifetime of the old access's newest link where link
// leaves them unset (see ReissueLink). The audit entries given are written in
// the same transaction: none when the rotation fails (ErrAccessRevoked, a PIN
// conflict).
func (d *DB) RotateAccess(ctx context.Context, id int64, pin string, link LinkOptions, audit ...AuditEntry) (Access, string, error) {
	var a Access
	var token string
	err := d.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanAccess(tx.QueryRowContext(ctx, "SELECT "+accessCols+" FROM accesses WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: rotate: %w", err)
		}
		if !old.RevokedAt.IsZero() {
			// Checked inside the transaction: two rotations racing on one access
			// must not leave two live replacements.
			return ErrAccessRevoked
		}
		var name string
		if err := tx.QueryRowContext(ctx, "SELECT name FROM guests WHERE id = ?", old.GuestID).Scan(&name); err != nil {
			return fmt.Errorf("db: rotate: %w", err)
		}
		rows, err := tx.QueryContext(ctx, "SELECT lock_id FROM access_codes WHERE access_id = ? ORDER BY lock_id", id)
		if err != nil {
			return fmt.Errorf("db: rotate: %w", err)
		}
		var locks []int64
		for rows.Next() {
			var l int64
			if err := rows.Scan(&l); err != nil {
				rows.Close()
				return err
			}
			locks = append(locks, l)
		}
		rows.Close()
		prior, err := d.newestLink(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := d.revokeAccess(ctx, tx, id); err != nil {
			return err
		}
		a, token, err = d.createAccess(ctx, tx, NewAccess{GuestID: old.GuestID, GuestName: name, LockIDs: locks, PIN: pin,
			StartsAt: old.StartsAt, EndsAt: old.EndsAt, TimeZone: old.TimeZone, CreatedBy: old.CreatedBy, Link: link, Audit: audit}, prior)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE accesses SET rotated_to = ? WHERE id = ?", a.ID, id); err != nil {
			return err
		}
		if link.HoldFor != 0 {
			return d.holdLink(ctx, tx, link.HoldFor, a.ID, HandoffRotated, token)
		}
		return nil
	})
	return a, token, err
}

// ChangeWindow moves an access's window; its codes follow and the reconciler
// updates the locks. Links keep their own expiry, capped by the new end. The
// audit entries given are written in the same transaction. ErrNotFound for an
// unknown or revoked access.
func (d *DB) ChangeWindow(ctx context.Context, id int64, start, end time.Time, audit ...AuditEntry) error {
	now := unix(d.now())
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE accesses SET starts_at = ?, ends_at = ? WHERE id = ? AND revoked_at IS NULL",
			nullUnix(start), nullUnix(end), id)
		if err != nil {
			return fmt.Errorf("db: change window: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE access_codes SET starts_at = ?, ends_at = ?, next_attempt_at = ?, attempts = 0
			WHERE access_id = ? AND revoked_at IS NULL`, nullUnix(start), nullUnix(end), now, id); err != nil {
			return fmt.Errorf("db: change code windows: %w", err)
		}
		if !end.IsZero() {
			if _, err := tx.ExecContext(ctx, "UPDATE share_links SET expires_at = MIN(expires_at, ?) WHERE access_id = ?", unix(end), id); err != nil {
				return fmt.Errorf("db: cap link expiry: %w", err)
			}
		}
		return d.auditAll(ctx, tx, audit)
	})
}
