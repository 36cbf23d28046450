package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Group commit. Every write goes through one goroutine that owns the write
// connection. It takes whatever writes are queued (never waiting for more), runs
// each in its own SAVEPOINT inside one IMMEDIATE transaction, commits once, and
// only then answers each caller. One fsync then covers many small writes (share
// link reveals, event batches), so durable writes are not bounded by the disk's
// sync rate; a write that fails rolls back to its savepoint alone, and its
// batch-mates commit. A lone write runs without a savepoint, exactly as before.

// maxBatch bounds how many writes share one commit, so one commit never holds
// the write lock for long.
const maxBatch = 256

type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// startWriter starts the group-commit goroutine; stopWriter ends it.
func (d *DB) startWriter() {
	d.writes = make(chan writeReq, maxBatch)
	d.writerDone = make(chan struct{})
	go d.writer()
}

func (d *DB) stopWriter() {
	if d.writes == nil {
		return
	}
	d.closing.Lock()
	if !d.closed {
		d.closed = true
		close(d.writes) // the writer finishes what is queued, then exits
	}
	d.closing.Unlock()
	<-d.writerDone
}

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("db: closed")

func (d *DB) writer() {
	defer close(d.writerDone)
	batch := make([]writeReq, 0, maxBatch)
	for first := range d.writes {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-d.writes:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		d.commitBatch(batch)
	}
}

// tx runs fn in a write transaction and returns once its work is committed (or
// has failed). fn must not call tx itself: it runs on the writer goroutine.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if d.writes == nil { // during migrations, before the writer starts
		return d.txDirect(ctx, fn)
	}
	r := writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	d.closing.RLock() // held while queuing, so Close never closes the queue under a sender
	if d.closed {
		d.closing.RUnlock()
		return ErrClosed
	}
	select {
	case d.writes <- r:
		d.closing.RUnlock()
	case <-ctx.Done():
		d.closing.RUnlock()
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the caller must learn
	// whether its write committed.
	return <-r.done
}

func (d *DB) txDirect(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	d.gen.Add(1) // even a failed commit may have changed what readers see
	if err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// WriterStats counts the writer's commits and the writes they carried since
// Open: writes/commits is the mean batch, how much group commit is saving.
type WriterStats struct{ Commits, Writes uint64 }

// WriterStats reads the group-commit counters.
func (d *DB) WriterStats() WriterStats {
	return WriterStats{Commits: d.commits.Load(), Writes: d.written.Load()}
}

func (d *DB) commitBatch(batch []writeReq) {
	d.commits.Add(1)
	d.written.Add(uint64(len(batch)))
	if len(batch) == 1 {
		r := batch[0]
		err := d.txDirect(r.ctx, safe(r.fn))
		d.refreshShareVersion()
		r.done <- err
		return
	}
	tx, err := d.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("db: begin: %w", err)
		}
		return
	}
	results := make([]error, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := d.txExec(context.Background(), tx, "SAVEPOINT w"); err != nil {
			results[i] = fmt.Errorf("db: savepoint: %w", err)
			continue
		}
		if err := safe(r.fn)(tx); err != nil {
			results[i] = err
			if _, rerr := d.txExec(context.Background(), tx, "ROLLBACK TO w"); rerr != nil {
				// The transaction is unusable: fail the whole batch.
				tx.Rollback()
				d.refreshShareVersion()
				for j, r := range batch {
					if j == i {
						r.done <- err
					} else {
						r.done <- fmt.Errorf("db: batch aborted: %w", rerr)
					}
				}
				return
			}
		}
		if _, err := d.txExec(context.Background(), tx, "RELEASE w"); err != nil && results[i] == nil {
			results[i] = fmt.Errorf("db: release savepoint: %w", err)
		}
	}
	cerr := tx.Commit()
	d.gen.Add(1)
	d.refreshShareVersion()
	for i, r := range batch {
		if results[i] == nil && cerr != nil {
			results[i] = fmt.Errorf("db: commit: %w", cerr)
		}
		r.done <- results[i]
	}
}

// safe turns a panic in a write into an error, so one bad write cannot stop the
// writer that every other write depends on.
func safe(fn func(*sql.Tx) error) func(*sql.Tx) error {
	return func(tx *sql.Tx) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = errors.New(fmt.Sprint("db: write panicked: ", p))
			}
		}()
		return fn(tx)
	}
}
