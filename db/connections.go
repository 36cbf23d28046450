package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Connection is a source of locks: the built-in simulator or a Seam account.
type Connection struct {
	ID         int64
	Kind       string // sim, seam
	Name       string
	BaseURL    string
	CreatedAt  time.Time
	LastSyncAt time.Time
	LastError  string
}

const connectionCols = "id, kind, name, base_url, created_at, last_sync_at, last_error"

func scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var c Connection
	var created, synced sql.NullInt64
	err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.BaseURL, &created, &synced, &c.LastError)
	c.CreatedAt, c.LastSyncAt = fromUnix(created), fromUnix(synced)
	return c, err
}

// CreateConnection stores a connection; secret (an API key) is sealed, never stored plain.
func (d *DB) CreateConnection(ctx context.Context, kind, name, baseURL, secret string) (Connection, error) {
	var sealed []byte
	if secret != "" {
		var err error
		if sealed, err = d.seal(secret, "connection"); err != nil {
			return Connection{}, err
		}
	}
	var c Connection
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanConnection(tx.QueryRowContext(ctx, `INSERT INTO connections (kind, name, base_url, secret, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING `+connectionCols, kind, name, baseURL, sealed, unix(d.now())))
		if err != nil {
			return fmt.Errorf("db: create connection: %w", err)
		}
		return nil
	})
	return c, err
}

// SimConnection returns the simulator's connection, creating it the first time.
func (d *DB) SimConnection(ctx context.Context) (Connection, error) {
	c, err := scanConnection(d.r.QueryRowContext(ctx, "SELECT "+connectionCols+" FROM connections WHERE kind = 'sim' ORDER BY id LIMIT 1"))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Connection{}, fmt.Errorf("db: sim connection: %w", err)
	}
	return d.CreateConnection(ctx, "sim", "Simulated locks", "", "")
}

// Connections lists every connection, oldest first.
func (d *DB) Connections(ctx context.Context) ([]Connection, error) {
	rows, err := d.r.QueryContext(ctx, "SELECT "+connectionCols+" FROM connections ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("db: list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("db: scan connection: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Connection returns one connection.
func (d *DB) Connection(ctx context.Context, id int64) (Connection, error) {
	c, err := scanConnection(d.r.QueryRowContext(ctx, "SELECT "+connectionCols+" FROM connections WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	if err != nil {
		return Connection{}, fmt.Errorf("db: connection %d: %w", id, err)
	}
	return c, nil
}

// ConnectionSecret unseals a connection's API key, for the connector only.
func (d *DB) ConnectionSecret(ctx context.Context, id int64) (string, error) {
	var sealed []byte
	if err := d.r.QueryRowContext(ctx, "SELECT secret FROM connections WHERE id = ?", id).Scan(&sealed); err != nil {
		return "", fmt.Errorf("db: connection secret: %w", err)
	}
	if sealed == nil {
		return "", nil
	}
	return d.unseal(sealed, "connection")
}

// MarkConnectionSync records the outcome of a discovery pass.
func (d *DB) MarkConnectionSync(ctx context.Context, id int64, errMsg string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		q := "UPDATE connections SET last_error = ? WHERE id = ?"
		args := []any{errMsg, id}
		if errMsg == "" {
			q = "UPDATE connections SET last_error = '', last_sync_at = ? WHERE id = ?"
			args = []any{unix(d.now()), id}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("db: mark connection sync: %w", err)
		}
		return nil
	})
}

// ErrConnectionInUse is returned when removing a connection whose locks still hold
// codes Gatehouse manages: they would stay on the doors with nobody to remove them.
type ErrConnectionInUse struct{ Codes int }

func (e *ErrConnectionInUse) Error() string {
	return fmt.Sprintf("%d codes managed by Gatehouse are still on this connection's locks; revoke them and wait until they are removed", e.Codes)
}

// RemoveConnection deletes a connection with its locks and their history, unless
// codes are still (or may still be) on its locks.
func (d *DB) RemoveConnection(ctx context.Context, id int64) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM access_codes c JOIN locks l ON l.id = c.lock_id
			WHERE l.connection_id = ? AND c.status != 'removed'`, id).Scan(&n)
		if err != nil {
			return fmt.Errorf("db: count codes of connection: %w", err)
		}
		if n > 0 {
			return &ErrConnectionInUse{Codes: n}
		}
		for _, q := range []string{
			"DELETE FROM events WHERE lock_id IN (SELECT id FROM locks WHERE connection_id = ?)",
			"DELETE FROM unmanaged_codes WHERE lock_id IN (SELECT id FROM locks WHERE connection_id = ?)",
			"DELETE FROM access_codes WHERE lock_id IN (SELECT id FROM locks WHERE connection_id = ?)",
			"DELETE FROM locks WHERE connection_id = ?",
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("db: remove connection: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM connections WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("db: remove connection: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrNotFound
		}
		return nil
	})
}
