package lock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// maxEventPages bounds one lock's share of a pull; a lock with more waiting
// carries on at the next pull from the saved cursor.
const maxEventPages = 20

// ingestBatch is about how many events are stored per transaction. Each commit
// waits for the disk (synchronous=FULL), so small pages are stored together.
const ingestBatch = 2000

// PullEvents pulls new events from every lock and stores them.
//
// It takes no lease. Pulling only reads the lock, and storing is idempotent:
// events are de-duplicated by the lock's own event id, and each page is stored
// with the cursor that follows it in one transaction. Two replicas pulling the
// same lock at once can at worst store an older cursor after a newer one, which
// re-reads a page that is then ignored; nothing is skipped. In return the
// timeline never waits behind a lock whose reconcile is slow.
//
// Connector failures are logged and retried at the next pull; the error returned
// is the store's or ctx's.
func (r *Reconciler) PullEvents(ctx context.Context) error {
	r.pullMu.Lock()
	defer r.pullMu.Unlock()
	conns, err := r.store.Connections(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range conns {
		log := r.log.With(slog.Int64("connection_id", c.ID), slog.String("connection_kind", c.Kind))
		conn, err := r.connect(ctx, c)
		if err != nil {
			log.Warn("events: connect failed", slog.String("error", err.Error()))
			continue
		}
		locks, err := r.store.ConnectionLocks(ctx, c.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range locks {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := r.pullLock(ctx, conn, l, log); err != nil {
				errs = append(errs, fmt.Errorf("lock %d: %w", l.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// pullLock pulls one lock's events page by page until none are left. Pages are
// stored together up to ingestBatch events, each write with the cursor that
// follows its last page: one commit per batch instead of per page.
func (r *Reconciler) pullLock(ctx context.Context, conn Connector, l db.Lock, log *slog.Logger) error {
	log = log.With(slog.Int64("lock_id", l.ID), slog.String("device_id", l.DeviceID))
	cursor := l.EventCursor // after the pages read so far
	var batch []db.NewEvent
	store := func() error {
		added, err := r.store.IngestEvents(ctx, l.ID, batch, cursor)
		if added > 0 {
			log.Debug("events stored", slog.Int("new", added))
		}
		batch = batch[:0]
		return err
	}
	for page := range maxEventPages {
		evs, next, err := conn.Events(ctx, l.DeviceID, cursor)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if page == 0 && cursor != "" && KindOf(err) == Permanent && !errors.Is(err, ErrNotFound) {
				// The connector refuses the saved cursor (a driver change, a reset
				// lock): start again from its chosen start; what was already stored
				// is ignored as duplicates.
				log.Warn("events: cursor refused, starting again", slog.String("error", errText(err)))
				cursor = ""
				return store()
			}
			log.Warn("events: pull failed", slog.String("error", errText(err)))
			if len(batch) == 0 {
				return nil
			}
			return store() // what was read before the failure
		}
		batch = append(batch, newEvents(evs, r.now)...)
		done := len(evs) == 0 || next == cursor
		cursor = next
		if done {
			break
		}
		if len(batch) >= ingestBatch {
			if err := store(); err != nil {
				return err
			}
		}
	}
	// Also when nothing came: the pull time tells owners the lock was asked.
	return store()
}

// newEvents maps a connector's events for the store. An event without an id gets
// one made from its content, so pulling it twice still stores it once.
func newEvents(evs []Event, now func() time.Time) []db.NewEvent {
	out := make([]db.NewEvent, 0, len(evs))
	for _, e := range evs {
		at := e.At
		if at.IsZero() {
			at = now()
		}
		id := e.ID
		if id == "" {
			h := sha256.New()
			for _, f := range []string{string(e.Kind), string(e.Method), e.CodeID, strconv.FormatInt(e.At.UnixNano(), 10), e.Detail} {
				h.Write([]byte(f))
				h.Write([]byte{0})
			}
			id = "h-" + hex.EncodeToString(h.Sum(nil)[:16])
		}
		out = append(out, db.NewEvent{
			DeviceEventID: id,
			Kind:          e.Kind,
			Method:        e.Method,
			DeviceCodeID:  e.CodeID,
			OccurredAt:    at,
			Detail:        clip(e.Detail),
		})
	}
	return out
}
