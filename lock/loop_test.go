package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/lock"
)

// TestRun drives the loops: a pass and a pull at start, then one per nudge, and a
// clean stop.
func TestRun(t *testing.T) {
	passes, pulls := make(chan struct{}, 100), make(chan struct{}, 100)
	e := newEnv(t, withWrap(func(c lock.Connector) lock.Connector { return signal{c, passes, pulls} }))
	e.addLock("Front door")
	<-passes // addLock's pass
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		e.r.Run(ctx)
		close(done)
	}()
	wait := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s", what)
		}
	}
	wait(passes, "pass at start")
	wait(pulls, "pull at start")
	e.r.Nudge()
	wait(passes, "pass after a nudge")
	e.r.NudgeEvents()
	wait(pulls, "pull after a nudge")
	cancel()
	wait(done, "stop after cancel")
}

// signal reports each pass (ListLocks) and each event pull (Events).
type signal struct {
	lock.Connector
	passes, pulls chan struct{}
}

func (s signal) ListLocks(ctx context.Context) ([]lock.Device, error) {
	s.passes <- struct{}{}
	return s.Connector.ListLocks(ctx)
}

func (s signal) Events(ctx context.Context, dev, cursor string) ([]lock.Event, string, error) {
	evs, next, err := s.Connector.Events(ctx, dev, cursor)
	if len(evs) == 0 {
		s.pulls <- struct{}{}
	}
	return evs, next, err
}
