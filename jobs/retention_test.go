package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/jobs"
)

// retentionFixture is a store on a settable clock with one lock and events
// 1 to 40 days old, one a day, plus a wrong code 35 days ago.
type retentionFixture struct {
	d     *db.DB
	clock *testkit.Clock
	lock  int64
}

func newRetentionFixture(t *testing.T) *retentionFixture {
	t.Helper()
	f := &retentionFixture{clock: testkit.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))}
	f.d = dbtest.New(t, db.WithClock(f.clock.Now))
	ctx := context.Background()
	conn, err := f.d.SimConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.d.SyncLock(ctx, conn.ID, db.DeviceState{DeviceID: "dev", Name: "Door"}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	f.lock = l.ID
	now := f.clock.Now()
	var evs []db.NewEvent
	for day := 40; day >= 1; day-- {
		evs = append(evs, db.NewEvent{DeviceEventID: fmt.Sprint("e", day), Kind: "locked", OccurredAt: now.AddDate(0, 0, -day)})
	}
	evs = append(evs, db.NewEvent{DeviceEventID: "w", Kind: "denied", OccurredAt: now.AddDate(0, 0, -35).Add(time.Hour)})
	if _, err := f.d.IngestEvents(ctx, f.lock, evs, "x"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *retentionFixture) events(t *testing.T) int {
	t.Helper()
	n := 0
	err := f.d.EachTimelineEvent(context.Background(), db.TimelineFilter{}, 0, func(db.TimelineEvent) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// counted is the 30-day grid's total over the last 60 days, from event_counts.
func (f *retentionFixture) counted(t *testing.T) (int, int) {
	t.Helper()
	var bounds []time.Time
	for d := 60; d >= -1; d-- {
		bounds = append(bounds, f.clock.Now().Truncate(24*time.Hour).AddDate(0, 0, -d))
	}
	c, err := f.d.DailyCounts(context.Background(), map[int64][]time.Time{f.lock: bounds})
	if err != nil {
		t.Fatal(err)
	}
	total, denied := 0, 0
	for _, dc := range c[f.lock] {
		total += dc.Total
		denied += dc.Denied
	}
	return total, denied
}

// stepClock reads the fixture's clock and, instead of waiting, says what it
// was asked to wait for on waiting and returns when the test sends on step.
type stepClock struct {
	*testkit.Clock
	waiting chan time.Duration
	step    chan struct{}
}

func newStepClock(c *testkit.Clock) *stepClock {
	return &stepClock{Clock: c, waiting: make(chan time.Duration), step: make(chan struct{})}
}

func (c *stepClock) Wait(ctx context.Context, d time.Duration) bool {
	select {
	case c.waiting <- d:
	case <-ctx.Done():
		return false
	}
	select {
	case <-c.step:
		return true
	case <-ctx.Done():
		return false
	}
}

// pauseClock records the pauses it is asked for and returns at once.
type pauseClock struct {
	*testkit.Clock
	pauses []time.Duration
}

func (c *pauseClock) Wait(_ context.Context, d time.Duration) bool {
	c.pauses = append(c.pauses, d)
	return true
}

func TestPruneInBatches(t *testing.T) {
	f := newRetentionFixture(t)
	clock := &pauseClock{Clock: f.clock}
	r := jobs.Retention{Store: f.d, Keep: 30 * 24 * time.Hour, Batch: 3, Pause: time.Second, Clock: clock}
	n, err := r.Prune(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Days 31 to 40 and the wrong code: 11 events, in batches of 3, 3, 3, 2.
	if n != 11 {
		t.Errorf("deleted: got %d, want 11", n)
	}
	if len(clock.pauses) != 3 || clock.pauses[0] != time.Second {
		t.Errorf("pauses: got %v, want 3 of 1s (between 4 batches)", clock.pauses)
	}
	if got := f.events(t); got != 30 {
		t.Errorf("left: got %d events, want the 30 of the last 30 days", got)
	}
	if total, denied := f.counted(t); total != 30 || denied != 0 {
		t.Errorf("event_counts after the prune: got %d events, %d denied, want 30 and 0", total, denied)
	}
	// Again: nothing left to delete, no pause.
	clock.pauses = nil
	if n, err := r.Prune(context.Background()); err != nil || n != 0 || len(clock.pauses) != 0 {
		t.Errorf("second prune: got %d, %v, %d pauses; want nothing", n, err, len(clock.pauses))
	}
	// Keep 0 keeps everything.
	if n, err := (jobs.Retention{Store: f.d, Clock: clock}).Prune(context.Background()); err != nil || n != 0 {
		t.Errorf("keep 0: got %d, %v", n, err)
	}
}

func TestPruneEventsOldestFirst(t *testing.T) {
	f := newRetentionFixture(t)
	n, err := f.d.PruneEvents(context.Background(), f.clock.Now().AddDate(0, 0, -20), 4)
	if err != nil || n != 4 {
		t.Fatalf("one batch: got %d, %v, want 4", n, err)
	}
	page, err := f.d.Timeline(context.Background(), db.TimelineFilter{}, db.TimelinePageQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	oldest := page.Events[len(page.Events)-1]
	// Days 40, 39, 38 and 37 went; the wrong code (35 days ago) is still there.
	if want := f.clock.Now().AddDate(0, 0, -36); !oldest.OccurredAt.Equal(want) {
		t.Errorf("oldest left: got %s, want %s", oldest.OccurredAt, want)
	}
}

// The job prunes at once, then each time its clock's wait returns, with the
// clock's now; it stops when the context ends.
func TestRetentionRunSteps(t *testing.T) {
	f := newRetentionFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := newStepClock(f.clock)
	r := jobs.Retention{Store: f.d, Keep: 30 * 24 * time.Hour, Every: time.Hour, Batch: 100, Clock: clock}
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()

	if d := <-clock.waiting; d != time.Hour {
		t.Fatalf("waits %v, want the hour between runs", d)
	}
	if got := f.events(t); got != 30 {
		t.Fatalf("after the first run: got %d events, want 30", got)
	}
	f.clock.Advance(5 * 24 * time.Hour) // five more days fall out of the window
	clock.step <- struct{}{}
	<-clock.waiting
	if got := f.events(t); got != 25 {
		t.Errorf("after the second run: got %d events, want 25", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after its context ended: got %v, want nil", err)
	}
}

func TestRetentionOff(t *testing.T) {
	f := newRetentionFixture(t)
	// With Keep 0, Run returns at once, without waiting on its clock (a
	// stepClock nobody steps would block it forever).
	if err := (jobs.Retention{Store: f.d, Clock: newStepClock(f.clock)}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.events(t); got != 41 {
		t.Errorf("events: got %d, want all 41", got)
	}
}
