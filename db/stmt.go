package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Statements on the hottest read paths are prepared once and reused: modernc's
// SQLite keeps no statement cache, and parsing the SQL was a third of the CPU of
// a signed-in page view. database/sql re-prepares a statement on each pooled
// connection as needed.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// stmt returns the prepared read statement for q. On a prepare error it returns
// a statement-less fallback that reports the error when used.
func (d *DB) stmt(ctx context.Context, q string) preparedQuery {
	d.stmts.mu.Lock()
	defer d.stmts.mu.Unlock()
	if st, ok := d.stmts.stmts[q]; ok {
		return st
	}
	st, err := d.r.PrepareContext(ctx, q)
	if err != nil {
		return failedStmt{d.r, q}
	}
	if d.stmts.stmts == nil {
		d.stmts.stmts = map[string]*sql.Stmt{}
	}
	d.stmts.stmts[q] = st
	return st
}

// preparedQuery is what callers use of a prepared statement.
type preparedQuery interface {
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
}

// failedStmt runs the query unprepared, so a transient prepare failure is retried
// (and its error seen) on the next use instead of being cached.
type failedStmt struct {
	db *sql.DB
	q  string
}

func (f failedStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return f.db.QueryRowContext(ctx, f.q, args...)
}

func (f failedStmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return f.db.QueryContext(ctx, f.q, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// The hottest writes (a reveal's claim and its audit line, a guest page's
// first opening, the group commit's savepoints) are prepared once on the write
// connection, before the writer starts: parsing their SQL was a fifth of a
// reveal's CPU, spent on the writer goroutine that every write waits for. They
// cannot be prepared later, since the writer's transaction holds the one write
// connection. A statement not in the list runs unprepared, as before.
var hotWrites = []string{claimRevealQ, auditInsertQ, markOpenedQ, "SAVEPOINT w", "RELEASE w", "ROLLBACK TO w", shareVersionQ}

func (d *DB) prepareWrites(ctx context.Context) error {
	d.wstmts = make(map[string]*sql.Stmt, len(hotWrites))
	for _, q := range hotWrites {
		st, err := d.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("db: prepare %q: %w", q, err)
		}
		d.wstmts[q] = st
	}
	return nil
}

// txExec runs q in tx, prepared if it is a hot write. database/sql reuses the
// statement already prepared on the transaction's connection.
func (d *DB) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st := d.wstmts[q]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txQueryRow is txExec for a statement that returns a row.
func (d *DB) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st := d.wstmts[q]; st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

func (d *DB) closeWrites() {
	for _, st := range d.wstmts {
		st.Close()
	}
}
