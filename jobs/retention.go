package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Retention: events are kept for a set number of days (serve --retention-days,
// 730 by default; 0 keeps them all). Older ones are deleted a batch per
// transaction, pausing between batches, so that a first prune of millions of
// rows never holds the single writer for long: reveals, ingest and the
// reconciler's writes queue between batches. Deleting an event keeps
// event_counts right by itself (the events_uncount trigger); the buckets it
// empties are deleted after the last batch.

// Retention defaults.
const (
	DefaultRetentionDays = 730
	RetentionEvery       = time.Hour
	RetentionBatch       = 5000
	RetentionPause       = 50 * time.Millisecond
)

// Retention deletes events older than Keep at once and then every Every.
// Zero fields take the defaults above; a negative Pause is none.
type Retention struct {
	Store Store
	Keep  time.Duration // events older than this are deleted; 0 keeps all
	Every time.Duration // how often a prune runs
	Batch int           // events per transaction
	Pause time.Duration // between two batches of one run
	Clock Clock         // nil: the wall clock
	Log   *slog.Logger
}

func (r Retention) withDefaults() Retention {
	if r.Every <= 0 {
		r.Every = RetentionEvery
	}
	if r.Batch <= 0 {
		r.Batch = RetentionBatch
	}
	if r.Pause < 0 {
		r.Pause = 0
	} else if r.Pause == 0 {
		r.Pause = RetentionPause
	}
	r.Clock = clockOr(r.Clock)
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	return r
}

// Run prunes old events until ctx ends. With Keep 0 it returns at once.
func (r Retention) Run(ctx context.Context) error {
	r = r.withDefaults()
	if r.Keep <= 0 {
		return nil
	}
	return repeat(ctx, r.Clock, r.Every, r.Step)
}

// Step prunes once and logs what it did.
func (r Retention) Step(ctx context.Context) {
	r = r.withDefaults()
	start := r.Clock.Now()
	n, err := r.Prune(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		r.Log.Warn("pruning old events", slog.Any("err", err), slog.Int("deleted", n))
	case n > 0:
		r.Log.Info("pruned old events", slog.Int("count", n), slog.Int("keep_days", int(r.Keep/(24*time.Hour))),
			slog.Duration("took", r.Clock.Now().Sub(start)))
	}
}

// Prune deletes every event older than Keep at the clock's now, Batch per
// transaction with Pause between batches, and then the emptied count buckets.
// It returns how many events it deleted; with Keep 0 it does nothing.
func (r Retention) Prune(ctx context.Context) (int, error) {
	r = r.withDefaults()
	if r.Keep <= 0 {
		return 0, nil
	}
	cutoff := r.Clock.Now().Add(-r.Keep)
	total := 0
	for {
		n, err := r.Store.PruneEvents(ctx, cutoff, r.Batch)
		total += n
		if err != nil {
			return total, err
		}
		if n < r.Batch {
			break
		}
		if !r.Clock.Wait(ctx, r.Pause) {
			return total, ctx.Err()
		}
	}
	if total > 0 {
		if err := r.Store.PruneEventCounts(ctx, cutoff); err != nil {
			return total, err
		}
	}
	return total, nil
}
