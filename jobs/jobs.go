// Package jobs is a server's background work: raising the timeline's alerts,
// deleting events past their retention and deleting expired sessions. The
// store exposes each as a single step and runs no loop of its own; here each
// step runs on a schedule read from an injected Clock, so a test can step a
// job by hand. serve runs every job, the reconciler and the HTTP server under
// one errgroup and waits for all of them before it closes the store.
//
// The loops live in a package of their own rather than in cmd/gatehouse
// because their batching, pausing and stopping are behaviour worth testing
// on a real store, and a test of package main could not be imported by
// anything else that one day runs them (a second binary, a worker).
package jobs

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Store is what the jobs need of the store: one step each.
type Store interface {
	RaiseAlerts(ctx context.Context) (int, error)
	PruneSessions(ctx context.Context, lim db.SessionLimits) (int, error)
	PruneEvents(ctx context.Context, olderThan time.Time, batch int) (int, error)
	PruneEventCounts(ctx context.Context, olderThan time.Time) error
}

// Clock is the time the jobs read and wait on.
type Clock interface {
	Now() time.Time
	// Wait waits d, or until ctx ends, and reports whether d passed.
	Wait(ctx context.Context, d time.Duration) bool
}

// WallClock is the real time.
type WallClock struct{}

// Now is time.Now.
func (WallClock) Now() time.Time { return time.Now() }

// Wait waits d on a timer, or until ctx ends.
func (WallClock) Wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// repeat runs step at once and then every interval after the last one ended,
// until ctx ends. It always returns nil: a failed step is logged by step and
// retried at the next round, and ending with ctx is no error.
func repeat(ctx context.Context, c Clock, interval time.Duration, step func(context.Context)) error {
	for {
		step(ctx)
		if !c.Wait(ctx, interval) {
			return nil
		}
	}
}

func clockOr(c Clock) Clock {
	if c == nil {
		return WallClock{}
	}
	return c
}
