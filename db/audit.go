package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one line of the audit log. Detail is written by Gatehouse itself
// and never holds a secret (a code, token, key or session id).
type AuditEntry struct {
	ID      int64
	At      time.Time
	OwnerID int64 // 0: nobody signed in, or the system
	Actor   string
	Action  string
	IP      string
	Detail  string
}

// Audit actions, one constant each so the Activity page can describe them.
const (
	AuditSignIn           = "sign_in"
	AuditSignInFailed     = "sign_in_failed"
	AuditSignCountBad     = "sign_count_regression"
	AuditSignOut          = "sign_out"
	AuditPasskeyAdded     = "passkey_added"
	AuditPasskeyRenamed   = "passkey_renamed"
	AuditPasskeyRemoved   = "passkey_removed"
	AuditInviteCreated    = "invite_created"
	AuditInviteUsed       = "invite_used"
	AuditOwnerRemoved     = "owner_removed"
	AuditOwnerApproved    = "owner_approved"
	AuditOwnerRoleChanged = "owner_role_changed"
	AuditRestored         = "restored"
	AuditLinkResumed      = "link_resumed"
	AuditSessionsRevoked  = "sessions_revoked"

	AuditConnectionAdded   = "connection_added"
	AuditConnectionRemoved = "connection_removed"
	AuditLockAdded         = "lock_added"
	AuditLockChanged       = "lock_changed"
	AuditCodeCreated       = "code_created"
	AuditCodeRevoked       = "code_revoked"
	AuditCodeRetried       = "code_retried"
	AuditUnmanagedRemoved  = "unmanaged_code_removal"

	AuditAccessCreated  = "access_created"
	AuditAccessRevoked  = "access_revoked"
	AuditAccessRotated  = "access_rotated"
	AuditWindowChanged  = "window_changed"
	AuditLinkCreated    = "link_created"
	AuditLinkOpened     = "link_opened"
	AuditLinkRevealed   = "link_revealed"
	AuditLinkPassphrase = "link_wrong_passphrase"
	AuditCodeViewed     = "code_viewed"
	AuditGuestChanged   = "guest_changed"

	AuditAPITokenCreated = "api_token_created"
	AuditAPITokenRevoked = "api_token_revoked"
	AuditAPITokenEnabled = "api_token_enabled"
)

// Audit appends an entry; At defaults to now.
func (d *DB) Audit(ctx context.Context, e AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error { return d.audit(ctx, tx, e) })
}

const auditInsertQ = "INSERT INTO audit_log (at, owner_id, actor, action, ip, detail) VALUES (?, ?, ?, ?, ?, ?)"

// audit appends an entry inside tx, for writes whose audit line must commit
// with them.
func (d *DB) audit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = d.now()
	}
	_, err := d.txExec(ctx, tx, auditInsertQ, unix(e.At), sql.NullInt64{Int64: e.OwnerID, Valid: e.OwnerID != 0}, e.Actor, e.Action, e.IP, e.Detail)
	if err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// AuditLog returns up to limit entries, newest first, older than beforeID (0: from the newest).
func (d *DB) AuditLog(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	q := "SELECT id, at, owner_id, actor, action, ip, detail FROM audit_log"
	args := []any{}
	if beforeID > 0 {
		q += " WHERE id < ?"
		args = append(args, beforeID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := d.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("db: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at, owner sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &owner, &e.Actor, &e.Action, &e.IP, &e.Detail); err != nil {
			return nil, fmt.Errorf("db: scan audit: %w", err)
		}
		e.At, e.OwnerID = fromUnix(at), owner.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}
