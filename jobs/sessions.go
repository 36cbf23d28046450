package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// SessionsEvery is how often expired sessions are deleted by default.
const SessionsEvery = time.Hour

// Sessions deletes sessions past their lifetimes at once and then every Every.
type Sessions struct {
	Store  Store
	Limits db.SessionLimits
	Every  time.Duration // 0: SessionsEvery
	Clock  Clock         // nil: the wall clock
	Log    *slog.Logger
}

// Run deletes expired sessions until ctx ends.
func (s Sessions) Run(ctx context.Context) error {
	every := s.Every
	if every <= 0 {
		every = SessionsEvery
	}
	return repeat(ctx, clockOr(s.Clock), every, s.Step)
}

// Step deletes the sessions expired now, once, and logs what it did.
func (s Sessions) Step(ctx context.Context) {
	if n, err := s.Store.PruneSessions(ctx, s.Limits); err != nil && ctx.Err() == nil {
		s.Log.Warn("pruning sessions", slog.Any("err", err))
	} else if n > 0 {
		s.Log.Info("pruned expired sessions", slog.Int("count", n))
	}
}
