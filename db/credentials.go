package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Credential is a stored passkey.
type Credential struct {
	ID                int64
	OwnerID           int64
	CredentialID      []byte
	PublicKey         []byte
	AttestationType   string
	AttestationFormat string
	AAGUID            []byte
	SignCount         uint32
	Transports        []string
	Attachment        string
	UserPresent       bool
	UserVerified      bool
	BackupEligible    bool // BE: the passkey can sync between devices
	BackupState       bool // BS: the passkey is synced
	Nickname          string
	CreatedAt         time.Time
	LastUsedAt        time.Time
}

const credentialCols = `id, owner_id, credential_id, public_key, attestation_type, attestation_format,
	aaguid, sign_count, transports, attachment, flag_up, flag_uv, flag_be, flag_bs, nickname, created_at, last_used_at`

func scanCredential(row interface{ Scan(...any) error }) (Credential, error) {
	var c Credential
	var transports string
	var created, used sql.NullInt64
	err := row.Scan(&c.ID, &c.OwnerID, &c.CredentialID, &c.PublicKey, &c.AttestationType, &c.AttestationFormat,
		&c.AAGUID, &c.SignCount, &transports, &c.Attachment, &c.UserPresent, &c.UserVerified, &c.BackupEligible,
		&c.BackupState, &c.Nickname, &created, &used)
	if transports != "" {
		c.Transports = strings.Split(transports, ",")
	}
	c.CreatedAt, c.LastUsedAt = fromUnix(created), fromUnix(used)
	return c, err
}

// Credentials lists an owner's passkeys, oldest first.
func (d *DB) Credentials(ctx context.Context, ownerID int64) ([]Credential, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+credentialCols+" FROM credentials WHERE owner_id = ? ORDER BY id", ownerID)
	if err != nil {
		return nil, fmt.Errorf("db: list credentials: %w", err)
	}
	defer rows.Close()
	var out []Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan credential: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddCredential stores a new passkey for an owner.
func (d *DB) AddCredential(ctx context.Context, c Credential) (int64, error) {
	var id int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		return insertCredential(ctx, tx, c, d.now(), &id)
	})
	return id, err
}

// ErrCredentialExists is returned when a new passkey's credential id is
// already stored: a second registration of one credential, or a crafted one.
var ErrCredentialExists = errors.New("this passkey is already registered")

func insertCredential(ctx context.Context, tx *sql.Tx, c Credential, now time.Time, id *int64) error {
	// Checked in the write transaction, so no other insert can come between.
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM credentials WHERE credential_id = ?)", c.CredentialID).Scan(&exists); err != nil {
		return fmt.Errorf("db: add credential: %w", err)
	}
	if exists {
		return ErrCredentialExists
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO credentials (owner_id, credential_id, public_key, attestation_type,
		attestation_format, aaguid, sign_count, transports, attachment, flag_up, flag_uv, flag_be, flag_bs, nickname, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.OwnerID, c.CredentialID, c.PublicKey, c.AttestationType, c.AttestationFormat, c.AAGUID, c.SignCount,
		strings.Join(c.Transports, ","), c.Attachment, c.UserPresent, c.UserVerified, c.BackupEligible, c.BackupState,
		c.Nickname, unix(now)).Scan(id)
	if err != nil {
		return fmt.Errorf("db: add credential: %w", err)
	}
	return nil
}

// CredentialUse is what a validated login assertion says about its passkey now.
type CredentialUse struct {
	SignCount    uint32
	UserPresent  bool
	UserVerified bool
	BackupState  bool
}

// RecordCredentialUse writes back, from the validated assertion, the sign count and
// flags, and the time of use.
func (d *DB) RecordCredentialUse(ctx context.Context, credentialID []byte, u CredentialUse) error {
	return d.tx(ctx, func(tx *sql.Tx) error { return d.recordCredentialUse(ctx, tx, credentialID, u) })
}

func (d *DB) recordCredentialUse(ctx context.Context, tx *sql.Tx, credentialID []byte, u CredentialUse) error {
	_, err := tx.ExecContext(ctx, `UPDATE credentials SET sign_count = ?, flag_up = ?, flag_uv = ?, flag_bs = ?,
		last_used_at = ? WHERE credential_id = ?`,
		u.SignCount, u.UserPresent, u.UserVerified, u.BackupState, unix(d.now()), credentialID)
	if err != nil {
		return fmt.Errorf("db: record credential use: %w", err)
	}
	return nil
}

// RenameCredential sets a passkey's nickname; the owner must hold it.
func (d *DB) RenameCredential(ctx context.Context, ownerID, id int64, nickname string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE credentials SET nickname = ? WHERE id = ? AND owner_id = ?", nickname, id, ownerID)
		if err != nil {
			return fmt.Errorf("db: rename credential: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// ErrLastCredential is returned when removing a passkey would lock its owner out.
var ErrLastCredential = errors.New("the last passkey cannot be removed")

// RemoveCredential deletes one of an owner's passkeys, never the last one. It
// returns the removed passkey's nickname for the audit log.
func (d *DB) RemoveCredential(ctx context.Context, ownerID, id int64) (string, error) {
	var nickname string
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM credentials WHERE owner_id = ?", ownerID).Scan(&n); err != nil {
			return fmt.Errorf("db: count credentials: %w", err)
		}
		err := tx.QueryRowContext(ctx, "SELECT nickname FROM credentials WHERE id = ? AND owner_id = ?", id, ownerID).Scan(&nickname)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: find credential: %w", err)
		}
		if n <= 1 {
			return ErrLastCredential
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM credentials WHERE id = ? AND owner_id = ?", id, ownerID); err != nil {
			return fmt.Errorf("db: remove credential: %w", err)
		}
		return nil
	})
	return nickname, err
}
