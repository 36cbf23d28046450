package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// A backup holds the past: links not yet revealed then, API tokens revoked
// since, sessions of owners removed since. Restoring it must not bring them
// back (issue 11, item 10), so Restore ends them in the copy before it
// replaces the database: every session is signed out, API tokens are
// suspended until an admin enables each again, links unrevealed in the backup
// are paused until an admin resumes or reissues them, and the restore is
// recorded with the backup's time for the home page.

// RestorePlan is what a restore of a backup will end, for `restore` to print
// before it acts.
type RestorePlan struct {
	BackupAt  time.Time // the newest activity recorded in the backup
	Sessions  int       // signed out
	APITokens int       // suspended
	Links     int       // paused
}

// newestActivityQ is the time of the newest activity a database records: the
// closest it knows to when a backup of it was made.
const newestActivityQ = "SELECT MAX(t) FROM (SELECT MAX(at) AS t FROM audit_log UNION ALL SELECT MAX(last_seen_at) FROM sessions)"

// PlanRestore reads, from a checked backup, what restoring it will end.
func PlanRestore(ctx context.Context, backup string) (RestorePlan, error) {
	var p RestorePlan
	c, err := sql.Open("sqlite", "file:"+backup+"?mode=ro")
	if err != nil {
		return p, fmt.Errorf("db: plan restore: %w", err)
	}
	defer c.Close()
	var at sql.NullInt64
	err = c.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL),
		(SELECT COUNT(*) FROM share_links WHERE revealed_at IS NULL AND revoked_at IS NULL AND locked_at IS NULL AND expires_at > ?),
		(`+newestActivityQ+`)`,
		time.Now().Unix()).Scan(&p.Sessions, &p.APITokens, &p.Links, &at)
	if err != nil {
		return p, fmt.Errorf("db: plan restore: read %s: %w", backup, err)
	}
	p.BackupAt = fromUnix(at)
	return p, nil
}

// endWhatTheBackupEnded migrates the copy at path and ends in it what the
// backup would bring back. The copy's -wal is checkpointed away when it
// closes, so it can replace the database.
func endWhatTheBackupEnded(ctx context.Context, path string, now time.Time) error {
	// Migrated first: a backup older than some of the tables ended here
	// (api_tokens came in schema 4) has them once migrated.
	d, err := Open(ctx, path, WithClock(func() time.Time { return now }))
	if err != nil {
		return fmt.Errorf("db: restore: migrate the copy: %w", err)
	}
	var at sql.NullInt64
	err = d.r.QueryRowContext(ctx, newestActivityQ).Scan(&at)
	if err != nil {
		err = fmt.Errorf("db: restore: the backup's time: %w", err)
	} else {
		err = d.EndWhatTheBackupEnded(ctx, fromUnix(at))
	}
	if cerr := d.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("db: restore: close the copy: %w", cerr)
	}
	if err != nil {
		return err
	}
	if _, serr := os.Stat(path + "-wal"); serr == nil {
		return errors.New("db: restore: the copy kept a -wal file after closing")
	}
	os.Remove(path + "-shm")
	return nil
}

// EndWhatTheBackupEnded signs every session out, suspends the API tokens,
// pauses the links that can still reveal and records the restore, in one
// transaction with its audit line. Restore calls it on the restored copy;
// tests call it to put a live database in the state a restore leaves.
func (d *DB) EndWhatTheBackupEnded(ctx context.Context, backupAt time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		at := unix(d.now())
		var n [3]int64
		for i, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM sessions", nil},
			{"UPDATE api_tokens SET suspended_at = ? WHERE revoked_at IS NULL AND suspended_at IS NULL", []any{at}},
			{`UPDATE share_links SET paused_at = ? WHERE revealed_at IS NULL AND revoked_at IS NULL AND locked_at IS NULL
				AND expires_at > ? AND paused_at IS NULL`, []any{at, at}},
			{"INSERT INTO restores (restored_at, backup_at) VALUES (?, ?)", []any{at, unix(backupAt)}},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.args...)
			if err != nil {
				return fmt.Errorf("db: restore: end what the backup ended: %w", err)
			}
			if i < len(n) {
				n[i], _ = res.RowsAffected()
			}
		}
		return d.audit(ctx, tx, AuditEntry{Actor: "command line", Action: AuditRestored, Detail: fmt.Sprintf(
			"from a backup of %s: %d sessions signed out, %d API tokens suspended, %d links paused",
			backupAt.UTC().Format("2 Jan 2006 15:04 UTC"), n[0], n[1], n[2])})
	})
}

// Restored is the last restore: when, and the time of the backup's newest activity.
type Restored struct {
	RestoredAt time.Time
	BackupAt   time.Time
}

// LastRestore returns the latest restore, if there was one.
func (d *DB) LastRestore(ctx context.Context) (Restored, bool, error) {
	// Every home page asks; the answer changes only with a commit (cache.go).
	type last struct {
		r  Restored
		ok bool
	}
	v, err := Cached(d, "last-restore", time.Minute, func() (last, error) {
		r, ok, err := d.lastRestore(ctx)
		return last{r, ok}, err
	})
	return v.r, v.ok, err
}

func (d *DB) lastRestore(ctx context.Context) (Restored, bool, error) {
	var r Restored
	var restored, backup int64
	// Prepared once (stmt.go): every home page asks.
	err := d.stmt(ctx, "SELECT restored_at, backup_at FROM restores ORDER BY id DESC LIMIT 1").QueryRowContext(ctx).Scan(&restored, &backup)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("db: last restore: %w", err)
	}
	r.RestoredAt = time.Unix(restored, 0)
	if backup > 0 {
		r.BackupAt = time.Unix(backup, 0)
	}
	return r, true, nil
}

// EnableAPIToken lifts a restore's suspension of a token, with the audit line.
func (d *DB) EnableAPIToken(ctx context.Context, id int64, audit AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET suspended_at = NULL WHERE id = ? AND suspended_at IS NOT NULL AND revoked_at IS NULL", id)
		if err != nil {
			return fmt.Errorf("db: enable API token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return d.audit(ctx, tx, audit)
	})
}

// ResumeLink lifts a restore's pause of a link, with the audit line.
func (d *DB) ResumeLink(ctx context.Context, id int64, audit AuditEntry) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE share_links SET paused_at = NULL WHERE id = ? AND paused_at IS NOT NULL", id)
		if err != nil {
			return fmt.Errorf("db: resume link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return d.audit(ctx, tx, audit)
	})
}

// PausedLink is a link a restore paused, with whose it is.
type PausedLink struct {
	ID        int64
	AccessID  int64
	GuestID   int64
	GuestName string
	ExpiresAt time.Time
}

// PausedLinks lists the links a restore paused that could still be used.
func (d *DB) PausedLinks(ctx context.Context) ([]PausedLink, error) {
	rows, err := d.r.QueryContext(ctx, `SELECT s.id, s.access_id, g.id, g.name, s.expires_at FROM share_links s
		JOIN accesses a ON a.id = s.access_id JOIN guests g ON g.id = a.guest_id
		WHERE s.paused_at IS NOT NULL AND s.revealed_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > ?
		ORDER BY s.id LIMIT 200`, unix(d.now()))
	if err != nil {
		return nil, fmt.Errorf("db: paused links: %w", err)
	}
	defer rows.Close()
	var out []PausedLink
	for rows.Next() {
		var p PausedLink
		var exp int64
		if err := rows.Scan(&p.ID, &p.AccessID, &p.GuestID, &p.GuestName, &exp); err != nil {
			return nil, fmt.Errorf("db: scan paused link: %w", err)
		}
		p.ExpiresAt = time.Unix(exp, 0)
		out = append(out, p)
	}
	return out, rows.Err()
}
