package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A link made in place of another (the owner's "New link", a rotation) keeps
// what its owner chose for the link it replaces, unless told otherwise: its
// passphrase, which the guest was told by another channel and would otherwise
// silently lose, and its lifetime. The passphrase is copied as stored (argon2id
// hash and salt): Gatehouse never has it in clear. The new link's count of
// wrong passphrases starts at zero, as any new link's does.

// priorLink is what a reissued link takes over from the newest link it
// replaces; the zero value takes over nothing.
type priorLink struct {
	hash, salt []byte        // nil: no passphrase
	ttl        time.Duration // 0: none known (DefaultLinkTTL)
}

// newestLink reads the newest link of an access inside tx, whatever its state
// (revealed, expired, revoked or locked). No link: the zero priorLink.
func (d *DB) newestLink(ctx context.Context, tx *sql.Tx, accessID int64) (priorLink, error) {
	var p priorLink
	var created, expires int64
	err := tx.QueryRowContext(ctx, `SELECT passphrase_hash, passphrase_salt, created_at, expires_at FROM share_links
		WHERE access_id = ? ORDER BY id DESC LIMIT 1`, accessID).Scan(&p.hash, &p.salt, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return priorLink{}, nil
	}
	if err != nil {
		return priorLink{}, fmt.Errorf("db: newest link: %w", err)
	}
	// The lifetime chosen, as far as the row tells it: a link cut short by its
	// access's end reads as lasting until that end, which a link for the same
	// window is capped at anyway.
	if expires > created {
		p.ttl = time.Duration(expires-created) * time.Second
	}
	return p, nil
}

// ReissueLink gives a live access a fresh link in place of its older ones,
// which stop working, keeping the newest one's passphrase and lifetime where o
// leaves them unset. The audit entries given are written in the same
// transaction. ErrNotFound when the access is unknown or revoked.
func (d *DB) ReissueLink(ctx context.Context, accessID int64, o LinkOptions, audit ...AuditEntry) (string, ShareLink, error) {
	var token string
	var l ShareLink
	err := d.tx(ctx, func(tx *sql.Tx) error {
		a, err := scanAccess(tx.QueryRowContext(ctx, "SELECT "+accessCols+" FROM accesses WHERE id = ? AND revoked_at IS NULL", accessID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: reissue link: %w", err)
		}
		prior, err := d.newestLink(ctx, tx, accessID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE share_links SET revoked_at = ? WHERE access_id = ? AND revoked_at IS NULL",
			unix(d.now()), accessID); err != nil {
			return fmt.Errorf("db: kill old links: %w", err)
		}
		if token, l, err = d.insertLink(ctx, tx, a, o, prior); err != nil {
			return err
		}
		return d.auditAll(ctx, tx, audit)
	})
	return token, l, err
}
