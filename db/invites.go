package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Invite is a one-time enrollment link for a new owner.
type Invite struct {
	ID        int64
	Name      string
	CreatedBy int64 // 0: from the command line
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	Admin     bool // the owner it enrolls is an admin
	Approved  bool // the owner it enrolls can act at once
}

// NewInvite is what an invite is made with.
type NewInvite struct {
	Name      string
	CreatedBy int64 // 0: from the command line
	TTL       time.Duration
	// Admin makes an admin invite; an admin invite is always approved.
	Admin bool
	// Approved lets the owner act at once: an admin made the invite in the
	// dashboard right after confirming with a passkey.
	Approved bool
	// FirstOwner marks an admin invite made while there is no owner: it
	// replaces (expires) any first-owner invite still pending.
	FirstOwner bool
}

var (
	// ErrInviteUsed is returned for a link that already enrolled someone.
	ErrInviteUsed = errors.New("this invite link has already been used")
	// ErrInviteExpired is returned for a link past its lifetime.
	ErrInviteExpired = errors.New("this invite link has expired")
)

// CreateInvite makes an enrollment link and returns its token, which is not stored.
func (d *DB) CreateInvite(ctx context.Context, n NewInvite) (string, Invite, error) {
	token := NewToken(32)
	now := d.now()
	inv := Invite{Name: n.Name, CreatedBy: n.CreatedBy, CreatedAt: now, ExpiresAt: now.Add(n.TTL),
		Admin: n.Admin, Approved: n.Admin || n.Approved}
	by := sql.NullInt64{Int64: n.CreatedBy, Valid: n.CreatedBy != 0}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if n.FirstOwner {
			_, err := tx.ExecContext(ctx, `UPDATE invites SET expires_at = ? WHERE first_owner = 1 AND used_at IS NULL
				AND expires_at > ?`, unix(now), unix(now))
			if err != nil {
				return fmt.Errorf("db: replace the first owner's invite: %w", err)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO invites (token_hash, name, created_by, created_at, expires_at, admin, approved, first_owner)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, HashToken(token), n.Name, by, unix(now), unix(inv.ExpiresAt),
			inv.Admin, inv.Approved, n.FirstOwner).Scan(&inv.ID)
		if err != nil {
			return fmt.Errorf("db: create invite: %w", err)
		}
		return nil
	})
	return token, inv, err
}

// PendingFirstOwnerInvite returns the first owner's invite that can still be
// used, if there is one.
func (d *DB) PendingFirstOwnerInvite(ctx context.Context) (Invite, bool, error) {
	inv := Invite{Admin: true, Approved: true}
	var created, expires int64
	err := d.r.QueryRowContext(ctx, `SELECT id, name, created_at, expires_at FROM invites
		WHERE first_owner = 1 AND used_at IS NULL AND expires_at > ? ORDER BY id DESC LIMIT 1`, unix(d.now())).
		Scan(&inv.ID, &inv.Name, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Invite{}, false, nil
	}
	if err != nil {
		return Invite{}, false, fmt.Errorf("db: pending first owner invite: %w", err)
	}
	inv.CreatedAt, inv.ExpiresAt = time.Unix(created, 0), time.Unix(expires, 0)
	return inv, true, nil
}

// InviteByToken returns a usable invite, or ErrNotFound, ErrInviteUsed or ErrInviteExpired.
func (d *DB) InviteByToken(ctx context.Context, token string) (Invite, error) {
	var inv Invite
	var by, created, expires, used sql.NullInt64
	err := d.r.QueryRowContext(ctx, `SELECT id, name, created_by, created_at, expires_at, used_at, admin, approved FROM invites
		WHERE token_hash = ?`, HashToken(token)).Scan(&inv.ID, &inv.Name, &by, &created, &expires, &used, &inv.Admin, &inv.Approved)
	if errors.Is(err, sql.ErrNoRows) {
		return Invite{}, ErrNotFound
	}
	if err != nil {
		return Invite{}, fmt.Errorf("db: invite: %w", err)
	}
	inv.CreatedBy = by.Int64
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromUnix(created), fromUnix(expires), fromUnix(used)
	switch {
	case used.Valid:
		return inv, ErrInviteUsed
	case !d.now().Before(inv.ExpiresAt):
		return inv, ErrInviteExpired
	}
	return inv, nil
}

// EnrollOwner consumes an invite and creates the owner with their first passkey in
// one transaction: either the invite is spent and the owner can sign in, or nothing
// changed.
func (d *DB) EnrollOwner(ctx context.Context, inviteID int64, name string, handle []byte, cred Credential) (Owner, error) {
	now := d.now()
	o := Owner{Name: name, Handle: handle, CreatedAt: now}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var used, expires sql.NullInt64
		var admin, approved bool
		err := tx.QueryRowContext(ctx, "SELECT used_at, expires_at, admin, approved FROM invites WHERE id = ?", inviteID).
			Scan(&used, &expires, &admin, &approved)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("db: enroll: %w", err)
		case used.Valid:
			return ErrInviteUsed
		case !now.Before(fromUnix(expires)):
			return ErrInviteExpired
		}
		// The invite as stored decides the role, not what the page was shown.
		o.Admin = admin
		approvedAt := sql.NullInt64{}
		if admin || approved {
			o.ApprovedAt, approvedAt = now, sql.NullInt64{Int64: unix(now), Valid: true}
		}
		err = tx.QueryRowContext(ctx, "INSERT INTO owners (name, handle, created_at, admin, approved_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			name, handle, unix(now), admin, approvedAt).Scan(&o.ID)
		if err != nil {
			return fmt.Errorf("db: create owner: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invites SET used_at = ?, used_by = ? WHERE id = ?", unix(now), o.ID, inviteID); err != nil {
			return fmt.Errorf("db: spend invite: %w", err)
		}
		cred.OwnerID = o.ID
		var credID int64
		return insertCredential(ctx, tx, cred, now, &credID)
	})
	return o, err
}
