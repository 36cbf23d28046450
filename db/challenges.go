package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ChallengeTTL is how long a WebAuthn ceremony may take.
const ChallengeTTL = 5 * time.Minute

// Challenge is the server-side state of one WebAuthn ceremony.
type Challenge struct {
	ID       string
	Kind     string // enroll, login, add, reauth
	OwnerID  int64
	InviteID int64
	Name     string
	Data     []byte // go-webauthn SessionData, JSON
}

// ErrChallengeExpired is returned for a ceremony that took longer than ChallengeTTL.
var ErrChallengeExpired = errors.New("the passkey request expired")

// SaveChallenge stores ceremony state under c.ID, which the caller derives
// from the ceremony's challenge and the browser that began it.
func (d *DB) SaveChallenge(ctx context.Context, c Challenge) error {
	if c.ID == "" {
		return errors.New("db: save challenge: no id")
	}
	now := d.now()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		// Old ceremonies are swept here rather than by a job: this is the only writer.
		if _, err := tx.ExecContext(ctx, "DELETE FROM webauthn_challenges WHERE expires_at <= ?", unix(now)); err != nil {
			return fmt.Errorf("db: sweep challenges: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webauthn_challenges (id, kind, owner_id, invite_id, name, data, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Kind, sql.NullInt64{Int64: c.OwnerID, Valid: c.OwnerID != 0},
			sql.NullInt64{Int64: c.InviteID, Valid: c.InviteID != 0}, c.Name, c.Data, unix(now.Add(ChallengeTTL)))
		if err != nil {
			return fmt.Errorf("db: save challenge: %w", err)
		}
		return nil
	})
	return err
}

// TakeChallenge consumes ceremony state: a second take of the same id finds nothing,
// so a replayed response can never be verified twice.
func (d *DB) TakeChallenge(ctx context.Context, id, kind string) (Challenge, error) {
	c := Challenge{ID: id, Kind: kind}
	var owner, invite sql.NullInt64
	var expires int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM webauthn_challenges WHERE id = ? AND kind = ?
			RETURNING owner_id, invite_id, name, data, expires_at`, id, kind).Scan(&owner, &invite, &c.Name, &c.Data, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Challenge{}, ErrNotFound
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("db: take challenge: %w", err)
	}
	if d.now().Unix() >= expires {
		return Challenge{}, ErrChallengeExpired
	}
	c.OwnerID, c.InviteID = owner.Int64, invite.Int64
	return c, nil
}
