package db

import (
	"context"
	"log/slog"
	"time"
)

// PruneLoop deletes expired sessions every hour until ctx ends.
func (d *DB) PruneLoop(ctx context.Context, lim SessionLimits, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := d.PruneSessions(ctx, lim); err != nil && ctx.Err() == nil {
			log.Warn("pruning sessions", slog.Any("err", err))
		} else if n > 0 {
			log.Info("pruned expired sessions", slog.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
