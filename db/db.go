// Package db is Gatehouse's store: embedded migrations and typed methods over
// database/sql. SQLite (modernc.org/sqlite, pure Go) is the embedded default.
//
// Writes go through one connection in IMMEDIATE transactions, reads through a
// separate pool: SQLite allows one writer at a time, and queuing writers in Go
// instead of in SQLite's busy handler means concurrent requests never see
// "database is locked", while readers (WAL mode) never wait for the writer.
package db

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB holds the write connection and the read pool.
type DB struct {
	path    string
	w       *sql.DB
	r       *sql.DB
	now     func() time.Time
	aead    cipher.AEAD // seals PINs and API keys; nil without WithKey
	aeadErr error

	writes     chan writeReq // group commit queue (writer.go)
	writerDone chan struct{}
	closing    sync.RWMutex
	closed     bool
	commits    atomic.Uint64 // commits the writer made (WriterStats)
	written    atomic.Uint64 // writes those commits carried

	passphraseHashes atomic.Uint64 // argon2 runs checking share passphrases (links.go)

	stmts    stmtCache            // prepared statements of hot read paths (stmt.go)
	wstmts   map[string]*sql.Stmt // prepared hot writes, read-only once Open returns
	gen      atomic.Uint64        // bumped on every commit (cache.go)
	shares   shareCache           // guest pages' links (sharecache.go)
	shareVer atomic.Uint64        // share_version as of the last commit
	cache    readCache
}

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// Option changes how Open builds a DB.
type Option func(*DB)

// WithClock makes the store read time from now, for tests.
func WithClock(now func() time.Time) Option { return func(d *DB) { d.now = now } }

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and applies pending
// migrations. It refuses a database written by a newer Gatehouse.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	d := &DB{path: path, now: time.Now}
	for _, o := range opts {
		o(d)
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	d.w = w
	if err := d.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)*2))
	r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)*2))
	d.r = r
	if err := d.prepareWrites(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	d.refreshShareVersion()
	d.startWriter()
	return d, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	d.stopWriter()
	d.stmts.close()
	d.closeWrites()
	return errors.Join(d.r.Close(), d.w.Close())
}

// Ping checks that the database answers a query, for /healthz.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.stmt(ctx, "SELECT 1").QueryRowContext(ctx).Scan(&one); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Now is the store's clock.
func (d *DB) Now() time.Time { return d.now() }

// unix turns a time into the INTEGER seconds stored in every *_at column.
func unix(t time.Time) int64 { return t.Unix() }

// fromUnix reverses unix; NULL columns scan into sql.NullInt64 and become zero times.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

// nullUnix stores a zero time as NULL.
func nullUnix(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}
