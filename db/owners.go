package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Owner is a person who administers this Gatehouse.
type Owner struct {
	ID         int64
	Name       string
	Handle     []byte // WebAuthn user handle
	CreatedAt  time.Time
	Admin      bool      // manages owners, connections and API tokens
	ApprovedAt time.Time // zero: waits for an admin's approval
}

// Pending tells whether the owner waits for an admin's approval.
func (o Owner) Pending() bool { return o.ApprovedAt.IsZero() }

const ownerCols = "id, name, handle, created_at, admin, approved_at"

func scanOwner(row interface{ Scan(...any) error }) (Owner, error) {
	var o Owner
	var created, approved sql.NullInt64
	err := row.Scan(&o.ID, &o.Name, &o.Handle, &created, &o.Admin, &approved)
	o.CreatedAt, o.ApprovedAt = fromUnix(created), fromUnix(approved)
	return o, err
}

// CountOwners tells whether Gatehouse has been set up.
func (d *DB) CountOwners(ctx context.Context) (int, error) {
	var n int
	if err := d.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM owners").Scan(&n); err != nil {
		return 0, fmt.Errorf("db: count owners: %w", err)
	}
	return n, nil
}

// Owner returns one owner.
func (d *DB) Owner(ctx context.Context, id int64) (Owner, error) {
	o, err := scanOwner(d.r.QueryRowContext(ctx, "SELECT "+ownerCols+" FROM owners WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Owner{}, ErrNotFound
	}
	if err != nil {
		return Owner{}, fmt.Errorf("db: owner %d: %w", id, err)
	}
	return o, nil
}

// OwnerByHandle finds the owner a discoverable passkey belongs to.
func (d *DB) OwnerByHandle(ctx context.Context, handle []byte) (Owner, error) {
	o, err := scanOwner(d.r.QueryRowContext(ctx, "SELECT "+ownerCols+" FROM owners WHERE handle = ?", handle))
	if errors.Is(err, sql.ErrNoRows) {
		return Owner{}, ErrNotFound
	}
	if err != nil {
		return Owner{}, fmt.Errorf("db: owner by handle: %w", err)
	}
	return o, nil
}

// Owners lists every owner, oldest first.
func (d *DB) Owners(ctx context.Context) ([]Owner, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+ownerCols+" FROM owners ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("db: list owners: %w", err)
	}
	defer rows.Close()
	var out []Owner
	for rows.Next() {
		o, err := scanOwner(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan owner: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// NewOwnerHandle returns a random WebAuthn user handle.
func NewOwnerHandle() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// ErrLastOwner is returned when removing an owner would leave nobody able to sign in.
var ErrLastOwner = errors.New("the last owner cannot be removed")

// ErrLastAdmin is returned when a change would leave no admin.
var ErrLastAdmin = errors.New("the last admin cannot be removed or made a member")

// otherAdmins counts the approved admins other than id.
func otherAdmins(ctx context.Context, tx *sql.Tx, id int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM owners WHERE admin = 1 AND approved_at IS NOT NULL AND id != ?", id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("db: count admins: %w", err)
	}
	return n, nil
}

// RemoveOwner deletes an owner with their passkeys and sessions, unless they
// are the last owner or the last admin, and writes the audit line with it.
func (d *DB) RemoveOwner(ctx context.Context, id int64, audit AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM owners").Scan(&n); err != nil {
			return fmt.Errorf("db: count owners: %w", err)
		}
		if n <= 1 {
			return ErrLastOwner
		}
		var admin bool
		err := tx.QueryRowContext(ctx, "SELECT admin FROM owners WHERE id = ?", id).Scan(&admin)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: remove owner %d: %w", id, err)
		}
		if admin {
			if others, err := otherAdmins(ctx, tx, id); err != nil || others == 0 {
				return cmpErr(err, ErrLastAdmin)
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM owners WHERE id = ?", id); err != nil {
			return fmt.Errorf("db: remove owner %d: %w", id, err)
		}
		return d.audit(ctx, tx, audit)
	})
}

// cmpErr is err if there is one, else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// ApproveOwner lets a waiting owner act, with the audit line. ErrNotFound:
// no such owner, or they were approved already.
func (d *DB) ApproveOwner(ctx context.Context, id int64, audit AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE owners SET approved_at = ? WHERE id = ? AND approved_at IS NULL", unix(d.now()), id)
		if err != nil {
			return fmt.Errorf("db: approve owner %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrNotFound
		}
		return d.audit(ctx, tx, audit)
	})
}

// SetOwnerAdmin makes an approved owner an admin or a member, never leaving
// no admin, with the audit line. ErrNotFound: no such approved owner.
func (d *DB) SetOwnerAdmin(ctx context.Context, id int64, admin bool, audit AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		if !admin {
			if others, err := otherAdmins(ctx, tx, id); err != nil || others == 0 {
				return cmpErr(err, ErrLastAdmin)
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE owners SET admin = ? WHERE id = ? AND approved_at IS NOT NULL", admin, id)
		if err != nil {
			return fmt.Errorf("db: set owner %d admin: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrNotFound
		}
		return d.audit(ctx, tx, audit)
	})
}

// CountAdmins counts the approved admins.
func (d *DB) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := d.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM owners WHERE admin = 1 AND approved_at IS NOT NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("db: count admins: %w", err)
	}
	return n, nil
}
