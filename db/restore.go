package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrInUse is returned by Restore when another connection, such as a running
// server, has the database open.
var ErrInUse = errors.New("db: the database is in use: stop Gatehouse (and anything else that has it open) first")

// Why CheckBackup (and so Restore) refuses a backup; match with errors.Is.
var (
	// ErrBackupCorrupt: the backup fails integrity_check or is not a SQLite
	// database at all. The error wraps what SQLite reported.
	ErrBackupCorrupt = errors.New("db: the backup is damaged or is not a SQLite database")
	// ErrBackupNoKey: the backup holds sealed secrets and no key was given.
	ErrBackupNoKey = errors.New("db: the backup holds sealed codes or API keys, and there is no key file: put the key file saved with this backup in place first")
	// ErrBackupKey: the key given does not open the backup's sealed secrets.
	ErrBackupKey = errors.New("db: the key file does not open the codes in this backup: put the key file saved with this backup in place first")
)

// BackupInfo is what CheckBackup found in a backup file.
type BackupInfo struct {
	Version int  // schema version of the backup
	Sealed  bool // it holds codes or API keys sealed with the key file
}

// CheckBackup verifies a backup before it is restored: integrity_check is ok,
// it is a Gatehouse database no newer than this binary, and, when it holds
// sealed secrets, key opens them (key nil: no key file).
func CheckBackup(ctx context.Context, path string, key []byte) (BackupInfo, error) {
	var info BackupInfo
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("db: backup: %w", err)
	}
	if err := CheckIntegrity(ctx, path); err != nil {
		if ctx.Err() != nil {
			return info, err
		}
		if enc, _ := isAgeFile(path); enc {
			return info, ErrBackupEncrypted
		}
		return info, fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
	}
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return info, fmt.Errorf("db: backup: %w", err)
	}
	defer c.Close()
	if err := c.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&info.Version); err != nil {
		return info, fmt.Errorf("db: %s is not a Gatehouse database: %w", path, err)
	}
	if info.Version > SchemaVersion() {
		return info, &ErrSchemaTooNew{Have: info.Version, Know: SchemaVersion()}
	}
	// The key is all or nothing, so one sealed value of each purpose tells.
	d := &DB{}
	if key != nil {
		WithKey(key)(d)
	}
	// Codes are bound to their rows from schema version 9 (pinPurpose); an
	// older backup's are re-sealed when the restored database is first opened.
	codePurpose := func(id int64) string { return pinPurpose(id) }
	if info.Version < pinsBoundVersion {
		codePurpose = func(int64) string { return "pin" }
	}
	for _, q := range []struct {
		what, query string
		purpose     func(id int64) string
	}{
		{"code", "SELECT id, pin_sealed FROM access_codes LIMIT 1", codePurpose},
		{"connection", "SELECT 0, secret FROM connections WHERE secret IS NOT NULL LIMIT 1", func(int64) string { return "connection" }},
		{"simulated code", "SELECT 0, pin_sealed FROM sim_codes LIMIT 1", func(int64) string { return simPINPurpose }},
	} {
		var id int64
		var sealed []byte
		err := c.QueryRowContext(ctx, q.query).Scan(&id, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return info, fmt.Errorf("db: backup: read sealed %s: %w", q.what, err)
		}
		info.Sealed = true
		if key == nil {
			return info, ErrBackupNoKey
		}
		if _, err := d.unseal(sealed, q.purpose(id)); err != nil {
			return info, ErrBackupKey
		}
	}
	return info, nil
}

// checkNotInUse takes SQLite's exclusive lock on the database at path for a
// moment, which fails at once while any other connection has it open (a
// WAL-mode connection holds a shared lock for as long as it is open). Closing
// the exclusive connection checkpoints the WAL into the file, so the file is
// whole without its -wal afterwards.
func checkNotInUse(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	c.SetMaxOpenConns(1)
	var n int
	err = c.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master").Scan(&n)
	if cerr := c.Close(); err == nil && cerr != nil {
		return fmt.Errorf("db: restore: close %s: %w", path, cerr)
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return ErrInUse
	}
	if err != nil {
		return fmt.Errorf("db: restore: read %s: %w", path, err)
	}
	return nil
}

// Restore replaces the database at path with a copy of backup, after
// CheckBackup and only while nothing has path open. The old database (with
// any -wal and -shm) is kept as path.before-restore-TIMESTAMP, whose name is
// returned ("" when there was none). The copy is synced before it replaces
// path, and the directory after, so a crash leaves either database whole.
func Restore(ctx context.Context, path, backup string, key []byte, now time.Time) (aside string, err error) {
	if mustAbs(path) == mustAbs(backup) {
		return "", errors.New("db: restore: the backup is the database itself")
	}
	if _, err := CheckBackup(ctx, backup, key); err != nil {
		return "", err
	}
	_, err = os.Stat(path)
	exists := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("db: restore: %w", err)
	}
	if exists {
		if err := checkNotInUse(ctx, path); err != nil {
			return "", err
		}
		aside = path + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		if _, err := os.Stat(aside); err == nil {
			return "", fmt.Errorf("db: restore: %s already exists", aside)
		}
	}
	tmp := path + ".restore-tmp"
	if err := copySynced(backup, tmp); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := raiseCodeFloor(ctx, tmp); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := endWhatTheBackupEnded(ctx, tmp, now); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if exists {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			err := os.Rename(path+suffix, aside+suffix)
			if err != nil && !(suffix != "" && errors.Is(err, os.ErrNotExist)) {
				os.Remove(tmp)
				return "", fmt.Errorf("db: restore: move the old database aside: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return aside, fmt.Errorf("db: restore: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return aside, err
	}
	return aside, CheckIntegrity(ctx, path)
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}

// copySynced copies src to a new file dst (mode 0600) and syncs it.
func copySynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("db: restore: copy the backup: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("db: restore: sync the copy: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("db: restore: sync %s: %w", dir, err)
	}
	return nil
}

// lostCodeIDs bounds how many codes can have been made between the backup and
// the restore: far more than any host gives, so the floor clears them all.
const lostCodeIDs = 1_000_000

// raiseCodeFloor makes every code given after the restore take an id above any
// the codes made after the backup can have had (see migration 0008): those
// codes are gone from the database, but they may still be on the locks with
// their ids in their names. It works on the copy before it replaces the
// database, in rollback-journal mode so that no -wal file is left beside the
// copy, and creates the floor's table if the backup predates it.
func raiseCodeFloor(ctx context.Context, path string) error {
	x, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(DELETE)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	defer x.Close()
	x.SetMaxOpenConns(1)
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS code_id_floor (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL)",
		"INSERT OR IGNORE INTO code_id_floor (id, next) VALUES (1, 0)",
		`UPDATE code_id_floor SET next = MAX(next, (SELECT COALESCE(MAX(id), 0) FROM access_codes) + ?)`,
	} {
		var args []any
		if strings.HasPrefix(q, "UPDATE") {
			args = append(args, lostCodeIDs)
		}
		if _, err := x.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("db: restore: raise the code id floor: %w", err)
		}
	}
	return x.Close()
}
