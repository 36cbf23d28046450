package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Changes are the audit lines about who can get in and act: owners, passkeys,
// API tokens and connections. Each stays on every admin's home page until that
// admin acknowledges it (change_acks), so a takeover cannot pass unnoticed.

// ChangeActions are the audit actions that count as such changes.
var ChangeActions = []string{
	AuditInviteCreated, AuditInviteUsed, AuditOwnerRemoved, AuditOwnerApproved, AuditOwnerRoleChanged,
	AuditPasskeyAdded, AuditPasskeyRenamed, AuditPasskeyRemoved,
	AuditAPITokenCreated, AuditAPITokenRevoked, AuditAPITokenEnabled,
	AuditConnectionAdded, AuditConnectionRemoved, AuditRestored, AuditLinkResumed,
}

var changeActionList = "'" + strings.Join(ChangeActions, "', '") + "'"

// changesWhere picks an owner's unacknowledged changes (?1: the owner); it
// reads them through audit_log_action, never every audit line since the owner
// joined (TestChangesUseTheActionIndex).
var changesWhere = `FROM audit_log a WHERE a.action IN (` + changeActionList + `)
		AND a.at >= (SELECT created_at FROM owners WHERE id = ?1)
		AND NOT EXISTS (SELECT 1 FROM change_acks k WHERE k.owner_id = ?1 AND k.audit_id = a.id)`

// UnacknowledgedChanges returns up to limit changes the owner has not
// acknowledged, newest first, made since they became an owner, and how many
// there are in all.
func (d *DB) UnacknowledgedChanges(ctx context.Context, ownerID int64, limit int) ([]AuditEntry, int, error) {
	// Every admin's home page asks, and the answer changes only with a commit:
	// the generation-checked read cache (cache.go) answers until the next one.
	type changes struct {
		entries []AuditEntry
		total   int
	}
	key := "changes:" + strconv.FormatInt(ownerID, 10) + ":" + strconv.Itoa(limit)
	v, err := Cached(d, key, time.Minute, func() (changes, error) {
		entries, total, err := d.unacknowledgedChanges(ctx, ownerID, limit)
		return changes{entries, total}, err
	})
	return v.entries, v.total, err
}

func (d *DB) unacknowledgedChanges(ctx context.Context, ownerID int64, limit int) ([]AuditEntry, int, error) {
	where := changesWhere
	var total int
	// Prepared once (stmt.go): every admin's home page runs these, and parsing
	// the SQL was most of their cost.
	if err := d.stmt(ctx, "SELECT COUNT(*) "+where).QueryRowContext(ctx, ownerID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("db: count changes: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	rows, err := d.stmt(ctx, "SELECT a.id, a.at, a.owner_id, a.actor, a.action, a.ip, a.detail "+where+
		" ORDER BY a.id DESC LIMIT ?2").QueryContext(ctx, ownerID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("db: changes: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at, owner sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &owner, &e.Actor, &e.Action, &e.IP, &e.Detail); err != nil {
			return nil, 0, fmt.Errorf("db: scan change: %w", err)
		}
		e.At, e.OwnerID = fromUnix(at), owner.Int64
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// AcknowledgeChange marks one change as seen by the owner.
func (d *DB) AcknowledgeChange(ctx context.Context, ownerID, auditID int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO change_acks (owner_id, audit_id)
			SELECT ?, id FROM audit_log WHERE id = ? AND action IN (`+changeActionList+`)`, ownerID, auditID)
		if err != nil {
			return fmt.Errorf("db: acknowledge change: %w", err)
		}
		return nil
	})
}

// AcknowledgeChanges marks every change up to and including throughID as
// seen by the owner: the ones on the page they acknowledged, not any that
// came after it was shown.
func (d *DB) AcknowledgeChanges(ctx context.Context, ownerID, throughID int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO change_acks (owner_id, audit_id)
			SELECT ?, id FROM audit_log WHERE id <= ? AND action IN (`+changeActionList+`)`, ownerID, throughID)
		if err != nil {
			return fmt.Errorf("db: acknowledge changes: %w", err)
		}
		return nil
	})
}
