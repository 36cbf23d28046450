package db

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session is a signed-in browser.
type Session struct {
	ID         int64
	PublicID   string
	OwnerID    int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ReauthAt   time.Time
	UserAgent  string
	IP         string
}

// SessionLimits are the idle and absolute lifetimes of a session.
type SessionLimits struct {
	Idle     time.Duration
	Absolute time.Duration
}

const sessionCols = "id, public_id, owner_id, created_at, last_seen_at, reauth_at, user_agent, ip"

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	var created, seen, reauth sql.NullInt64
	err := row.Scan(&s.ID, &s.PublicID, &s.OwnerID, &created, &seen, &reauth, &s.UserAgent, &s.IP)
	s.CreatedAt, s.LastSeenAt, s.ReauthAt = fromUnix(created), fromUnix(seen), fromUnix(reauth)
	return s, err
}

// CreateSession signs an owner in, right after a passkey assertion, and returns the
// cookie value "public_id.secret". Only a hash of the secret is stored.
func (d *DB) CreateSession(ctx context.Context, ownerID int64, userAgent, ip string) (string, Session, error) {
	var cookie string
	var s Session
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		cookie, s, err = d.createSession(ctx, tx, ownerID, userAgent, ip)
		return err
	})
	return cookie, s, err
}

func (d *DB) createSession(ctx context.Context, tx *sql.Tx, ownerID int64, userAgent, ip string) (string, Session, error) {
	publicID, secret := NewToken(12), NewToken(32)
	now := d.now()
	s, err := scanSession(tx.QueryRowContext(ctx, `INSERT INTO sessions (public_id, secret_hash, owner_id, created_at,
		last_seen_at, reauth_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+sessionCols,
		publicID, HashToken(secret), ownerID, unix(now), unix(now), unix(now), truncate(userAgent, 300), ip))
	if err != nil {
		return "", Session{}, fmt.Errorf("db: create session: %w", err)
	}
	return publicID + "." + secret, s, nil
}

// SignIn is a validated passkey login about to become a session.
type SignIn struct {
	OwnerID      int64
	CredentialID []byte
	Use          CredentialUse
	Replace      int64 // the session this browser had, signed out now (0: none)
	UserAgent    string
	IP           string
	Audit        AuditEntry
}

// SignIn writes back the passkey's sign count and flags, replaces the
// browser's old session with a new one and writes the audit line, in one
// transaction: a count saved without its session would make the passkey's
// next honest use look like a clone's.
func (d *DB) SignIn(ctx context.Context, in SignIn) (string, Session, error) {
	var cookie string
	var s Session
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := d.recordCredentialUse(ctx, tx, in.CredentialID, in.Use); err != nil {
			return err
		}
		if in.Replace != 0 {
			if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", in.Replace); err != nil {
				return fmt.Errorf("db: sign in: replace session: %w", err)
			}
		}
		var err error
		if cookie, s, err = d.createSession(ctx, tx, in.OwnerID, in.UserAgent, in.IP); err != nil {
			return err
		}
		return d.audit(ctx, tx, in.Audit)
	})
	return cookie, s, err
}

// ErrSessionExpired is returned for a session past its idle or absolute lifetime.
var ErrSessionExpired = errors.New("session expired")

// sessionTouchEvery bounds how often a busy session writes its last-seen time:
// reading a page should not cost a write each time.
const sessionTouchEvery = time.Minute

// sessionRow is a session with its owner as read, before any check.
type sessionRow struct {
	s     Session
	o     Owner
	hash  []byte
	found bool
}

// sessionCacheTTL bounds how late this process sees a session change made by
// another process on the same database (its own changes are seen at once).
const sessionCacheTTL = 2 * time.Second

// sessionOwnerQuery reads a session and its owner in one statement: it runs on
// every signed-in request, so it is prepared once (see prepare).
const sessionOwnerQuery = "SELECT s.id, s.public_id, s.owner_id, s.created_at, s.last_seen_at, s.reauth_at, s.user_agent, s.ip, " +
	"s.secret_hash, o.id, o.name, o.handle, o.created_at, o.admin, o.approved_at FROM sessions s JOIN owners o ON o.id = s.owner_id WHERE s.public_id = ?"

// SessionOwner checks a cookie value and returns its live session with the
// signed-in owner. Expired sessions are deleted. ErrNotFound means the cookie is
// unknown or forged.
func (d *DB) SessionOwner(ctx context.Context, cookie string, lim SessionLimits) (Session, Owner, error) {
	publicID, secret, ok := strings.Cut(cookie, ".")
	if !ok || publicID == "" || secret == "" || len(cookie) > 200 {
		return Session{}, Owner{}, ErrNotFound
	}
	row, err := Cached(d, "session:"+publicID, sessionCacheTTL, func() (sessionRow, error) {
		var r sessionRow
		var created, seen, reauth, ownerCreated, ownerApproved sql.NullInt64
		err := d.stmt(ctx, sessionOwnerQuery).QueryRowContext(ctx, publicID).
			Scan(&r.s.ID, &r.s.PublicID, &r.s.OwnerID, &created, &seen, &reauth, &r.s.UserAgent, &r.s.IP, &r.hash,
				&r.o.ID, &r.o.Name, &r.o.Handle, &ownerCreated, &r.o.Admin, &ownerApproved)
		if errors.Is(err, sql.ErrNoRows) {
			return r, nil // cached too: a random public id that is unknown stays unknown
		}
		if err != nil {
			return r, fmt.Errorf("db: session: %w", err)
		}
		r.found = true
		r.s.CreatedAt, r.s.LastSeenAt, r.s.ReauthAt = fromUnix(created), fromUnix(seen), fromUnix(reauth)
		r.o.CreatedAt, r.o.ApprovedAt = fromUnix(ownerCreated), fromUnix(ownerApproved)
		return r, nil
	})
	if err != nil {
		return Session{}, Owner{}, err
	}
	if !row.found {
		return Session{}, Owner{}, ErrNotFound
	}
	s, o, hash := row.s, row.o, row.hash
	if subtle.ConstantTimeCompare(hash, HashToken(secret)) != 1 {
		return Session{}, Owner{}, ErrNotFound
	}
	now := d.now()
	if now.Sub(s.LastSeenAt) > lim.Idle || now.Sub(s.CreatedAt) > lim.Absolute {
		if err := d.DeleteSession(ctx, s.ID); err != nil {
			return Session{}, Owner{}, err
		}
		return Session{}, Owner{}, ErrSessionExpired
	}
	if now.Sub(s.LastSeenAt) >= sessionTouchEvery {
		err := d.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", unix(now), s.ID)
			return err
		})
		if err != nil {
			return Session{}, Owner{}, fmt.Errorf("db: touch session: %w", err)
		}
		s.LastSeenAt = now.Truncate(time.Second)
	}
	return s, o, nil
}

// MarkReauth records a fresh passkey assertion in a session, which sensitive
// actions require.
func (d *DB) MarkReauth(ctx context.Context, sessionID int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET reauth_at = ? WHERE id = ?", unix(d.now()), sessionID); err != nil {
			return fmt.Errorf("db: mark reauth: %w", err)
		}
		return nil
	})
}

// Sessions lists an owner's sessions, most recently seen first.
func (d *DB) Sessions(ctx context.Context, ownerID int64) ([]Session, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+sessionCols+" FROM sessions WHERE owner_id = ? ORDER BY last_seen_at DESC, id DESC", ownerID)
	if err != nil {
		return nil, fmt.Errorf("db: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan session: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSession signs one session out.
func (d *DB) DeleteSession(ctx context.Context, id int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", id); err != nil {
			return fmt.Errorf("db: delete session: %w", err)
		}
		return nil
	})
}

// DeleteOwnerSession signs out one of an owner's own sessions.
func (d *DB) DeleteOwnerSession(ctx context.Context, ownerID, id int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = ? AND owner_id = ?", id, ownerID)
		if err != nil {
			return fmt.Errorf("db: delete session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeleteOtherSessions signs out every session of an owner but keep, and says how many.
func (d *DB) DeleteOtherSessions(ctx context.Context, ownerID, keep int64) (int, error) {
	var n int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE owner_id = ? AND id != ?", ownerID, keep)
		if err != nil {
			return fmt.Errorf("db: delete other sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// PruneSessions deletes sessions past their lifetimes.
func (d *DB) PruneSessions(ctx context.Context, lim SessionLimits) (int, error) {
	now := d.now()
	var n int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
			unix(now.Add(-lim.Idle)), unix(now.Add(-lim.Absolute)))
		if err != nil {
			return fmt.Errorf("db: prune sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
