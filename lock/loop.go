package lock

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// The loop: when passes and event pulls run. Each runs on its own timer and at
// once when nudged; nothing else starts one.

// Run reconciles and pulls events, each at once and then on its timer or when
// nudged, until ctx ends. It returns when both loops have stopped.
func (r *Reconciler) Run(ctx context.Context) {
	if err := r.ReleaseDeadLeases(ctx); err != nil && ctx.Err() == nil {
		r.log.Error("release dead leases", slog.String("error", err.Error()))
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.loop(ctx, "reconcile", r.interval, r.nudge, r.Pass) })
	wg.Go(func() { r.loop(ctx, "events", r.eventEvery, r.nudgeEvents, r.PullEvents) })
	wg.Wait()
}

func (r *Reconciler) loop(ctx context.Context, name string, every time.Duration, nudge <-chan struct{}, step func(context.Context) error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-nudge:
		}
		if err := step(ctx); err != nil && ctx.Err() == nil {
			r.log.Error(name+" pass failed", slog.String("error", err.Error()))
		}
		t.Reset(every) // Go 1.23+ timers: no stale tick survives a Reset
	}
}

// Nudge asks for a reconcile pass now (desired state changed). It never blocks;
// nudges during a pass coalesce into one more pass.
func (r *Reconciler) Nudge() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// NudgeEvents asks for an event pull now (say, after a keypad press on a
// simulated lock). It never blocks.
func (r *Reconciler) NudgeEvents() {
	select {
	case r.nudgeEvents <- struct{}{}:
	default:
	}
}
