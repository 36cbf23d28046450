package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/jobs"
)

// countingStore counts the steps it is asked for; its answers are set by
// the test.
type countingStore struct {
	alerts, sessions atomic.Int32
	raised           int
	err              error
	limits           db.SessionLimits
}

func (s *countingStore) RaiseAlerts(context.Context) (int, error) {
	s.alerts.Add(1)
	return s.raised, s.err
}

func (s *countingStore) PruneSessions(_ context.Context, lim db.SessionLimits) (int, error) {
	s.sessions.Add(1)
	s.limits = lim
	return 2, nil
}

func (s *countingStore) PruneEvents(context.Context, time.Time, int) (int, error) { return 0, nil }
func (s *countingStore) PruneEventCounts(context.Context, time.Time) error        { return nil }

// A job steps at once, then each time its clock's wait returns, waiting its
// own interval; it logs a failed step and goes on, and stops when its
// context ends.
func TestJobsStepOnTheirClock(t *testing.T) {
	for _, tc := range []struct {
		name  string
		every time.Duration
		run   func(s *countingStore, c jobs.Clock, log *slog.Logger) func(context.Context) error
		steps func(s *countingStore) int32
		log   string
	}{
		{"alerts", jobs.AlertsEvery, func(s *countingStore, c jobs.Clock, log *slog.Logger) func(context.Context) error {
			return jobs.Alerts{Store: s, Clock: c, Log: log}.Run
		}, func(s *countingStore) int32 { return s.alerts.Load() }, "raising timeline alerts"},
		{"sessions", jobs.SessionsEvery, func(s *countingStore, c jobs.Clock, log *slog.Logger) func(context.Context) error {
			return jobs.Sessions{Store: s, Limits: db.SessionLimits{Idle: time.Hour}, Clock: c, Log: log}.Run
		}, func(s *countingStore) int32 { return s.sessions.Load() }, "pruned expired sessions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &countingStore{err: errors.New("disk on fire")}
			var logs testkit.SyncBuffer
			clock := newStepClock(testkit.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error)
			go func() { done <- tc.run(s, clock, slog.New(slog.NewTextHandler(&logs, nil)))(ctx) }()
			if d := <-clock.waiting; d != tc.every {
				t.Errorf("waits %v, want %v", d, tc.every)
			}
			if got := tc.steps(s); got != 1 {
				t.Errorf("steps before the first wait: got %d, want 1", got)
			}
			clock.step <- struct{}{}
			<-clock.waiting
			if got := tc.steps(s); got != 2 {
				t.Errorf("steps after one wait: got %d, want 2", got)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run after its context ended: got %v, want nil", err)
			}
			if got := logs.String(); !strings.Contains(got, tc.log) {
				t.Errorf("log: got %q, want a line %q", got, tc.log)
			}
		})
	}
}
