package db

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Backup writes a consistent snapshot of the live database to path with VACUUM INTO,
// which reads one transaction's view while writers go on, then checks the copy with
// integrity_check. path must not exist yet; it is created with mode 0600.
func (d *DB) Backup(ctx context.Context, path string) (err error) {
	// Made empty and 0600 first: SQLite would create it 0644 (see perms.go).
	if err := createOwnerOnly(path); err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	// A connection of its own: the read pool is query_only, which VACUUM INTO
	// refuses, and the write connection must stay free for writers meanwhile.
	c, err := sql.Open("sqlite", dsn(d.path, false))
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	return CheckIntegrity(ctx, path)
}

// CheckIntegrity opens the database file at path read-only and runs integrity_check.
func CheckIntegrity(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("db: integrity check: %w", err)
	}
	defer c.Close()
	var res string
	if err := c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("db: integrity check of %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("db: integrity check of %s failed: %s", path, res)
	}
	return nil
}
