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
	ID        int64
	Name      string
	Handle    []byte // WebAuthn user handle
	CreatedAt time.Time
}

const ownerCols = "id, name, handle, created_at"

func scanOwner(row interface{ Scan(...any) error }) (Owner, error) {
	var o Owner
	var created sql.NullInt64
	err := row.Scan(&o.ID, &o.Name, &o.Handle, &created)
	o.CreatedAt = fromUnix(created)
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

// RemoveOwner deletes an owner with their passkeys and sessions, unless they are the last.
func (d *DB) RemoveOwner(ctx context.Context, id int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM owners").Scan(&n); err != nil {
			return fmt.Errorf("db: count owners: %w", err)
		}
		if n <= 1 {
			return ErrLastOwner
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM owners WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("db: remove owner %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrNotFound
		}
		return nil
	})
}
