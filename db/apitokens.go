package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// API token scopes: a read token may only call GET endpoints.
const (
	ScopeRead      = "read"
	ScopeReadWrite = "read-write"
)

// APITokenPrefix starts every API token, so a leaked one is recognisable in a
// config file or a secret scanner, and a session cookie pasted by mistake is not
// even looked up.
const APITokenPrefix = "gh_"

// apiTokenLen is the length of a token: the prefix and 32 random bytes in base64url.
var apiTokenLen = len(APITokenPrefix) + len(NewToken(32))

// APIToken is a bearer token for the JSON API, without its secret.
type APIToken struct {
	ID          int64
	Name        string
	Scope       string
	CreatedBy   int64  // 0: the owner who made it was removed; the token no longer works
	CreatorName string // that owner's current name
	CreatedAt   time.Time
	LastUsedAt  time.Time
	RevokedAt   time.Time
	SuspendedAt time.Time // by a restore, until an admin enables it again
}

// CanWrite reports whether the token may change anything.
func (t APIToken) CanWrite() bool { return t.Scope == ScopeReadWrite }

const apiTokenCols = "t.id, t.name, t.scope, t.created_by, COALESCE(o.name, ''), t.created_at, t.last_used_at, t.revoked_at, t.suspended_at"

const apiTokenFrom = " FROM api_tokens t LEFT JOIN owners o ON o.id = t.created_by "

func scanAPIToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var by, created, used, revoked, suspended sql.NullInt64
	err := row.Scan(&t.ID, &t.Name, &t.Scope, &by, &t.CreatorName, &created, &used, &revoked, &suspended)
	t.CreatedBy, t.CreatedAt, t.LastUsedAt, t.RevokedAt = by.Int64, fromUnix(created), fromUnix(used), fromUnix(revoked)
	t.SuspendedAt = fromUnix(suspended)
	return t, err
}

// CreateAPIToken makes a token for an owner and returns it; it is not stored and
// cannot be shown again.
func (d *DB) CreateAPIToken(ctx context.Context, name, scope string, by int64) (string, APIToken, error) {
	if scope != ScopeRead && scope != ScopeReadWrite {
		return "", APIToken{}, fmt.Errorf("db: api token scope %q", scope)
	}
	token := APITokenPrefix + NewToken(32)
	var id int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, token_hash, scope, created_by, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, name, HashToken(token), scope, by, unix(d.now())).Scan(&id)
		if err != nil {
			return fmt.Errorf("db: create api token: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", APIToken{}, err
	}
	t, err := d.APIToken(ctx, id)
	return token, t, err
}

// APIToken returns one token.
func (d *DB) APIToken(ctx context.Context, id int64) (APIToken, error) {
	t, err := scanAPIToken(d.r.QueryRowContext(ctx, "SELECT "+apiTokenCols+apiTokenFrom+"WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrNotFound
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("db: api token %d: %w", id, err)
	}
	return t, nil
}

// APITokens lists every token, live ones first, newest first. Owners share the
// house, so each sees the others' tokens too.
func (d *DB) APITokens(ctx context.Context) ([]APIToken, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+apiTokenCols+apiTokenFrom+
		"ORDER BY t.revoked_at IS NOT NULL OR t.created_by IS NULL, t.id DESC LIMIT 500")
	if err != nil {
		return nil, fmt.Errorf("db: list api tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan api token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken stops a token at once. Revoking twice keeps the first time.
func (d *DB) RevokeAPIToken(ctx context.Context, id int64) (APIToken, error) {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", unix(d.now()), id)
		if err != nil {
			return fmt.Errorf("db: revoke api token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return APIToken{}, err
	}
	return d.APIToken(ctx, id)
}

// apiTokenTouchEvery bounds how often a busy token writes its last-use time: an
// automation polling every second should not cost a write each time.
const apiTokenTouchEvery = time.Minute

// APITokenByValue resolves a bearer token to a live token. ErrNotFound covers
// unknown, malformed, revoked and orphaned (owner removed) tokens alike: the
// caller learns nothing about which. A token a restore suspended is returned
// with SuspendedAt set, for the caller to refuse with the reason: only its
// holder can present it. It records the use at most once a minute.
func (d *DB) APITokenByValue(ctx context.Context, token string) (APIToken, error) {
	if len(token) != apiTokenLen || !strings.HasPrefix(token, APITokenPrefix) {
		return APIToken{}, ErrNotFound
	}
	// The hash is the lookup key: it is of a 256-bit random secret, so comparing
	// it in SQL leaks nothing usable through timing.
	t, err := scanAPIToken(d.r.QueryRowContext(ctx, "SELECT "+apiTokenCols+apiTokenFrom+
		"WHERE t.token_hash = ? AND t.revoked_at IS NULL AND o.id IS NOT NULL", HashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrNotFound
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("db: api token: %w", err)
	}
	now := d.now()
	if now.Sub(t.LastUsedAt) >= apiTokenTouchEvery {
		err := d.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", unix(now), t.ID)
			return err
		})
		if err != nil {
			return APIToken{}, fmt.Errorf("db: touch api token: %w", err)
		}
		t.LastUsedAt = now.Truncate(time.Second).UTC()
	}
	return t, nil
}
