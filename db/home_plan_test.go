package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHomeCodesStopsAtTheHorizon: the home page's code query reads the index
// up to its horizon, never every scheduled code of a lock (it did, and a host
// with 30,000 bookings a month ahead saw a two-second home page).
func TestHomeCodesStopsAtTheHorizon(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	plan, err := d.explain(ctx, homeCodesQ, []any{unix(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "USING INDEX access_codes_lock (lock_id=? AND status=? AND <expr><?)") {
		t.Errorf("home codes do not range over the window's start:\n%s", joined)
	}
}

// TestCachedSharesOneReadPerGeneration: concurrent misses run one read; a
// commit makes the next caller read again.
func TestCachedSharesOneReadPerGeneration(t *testing.T) {
	d := openTest(t)
	var reads atomic.Int32
	release := make(chan struct{})
	read := func() (int, error) {
		reads.Add(1)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	const callers = 20
	started := make(chan struct{}, callers)
	for range callers {
		wg.Go(func() {
			started <- struct{}{}
			v, err := Cached(d, "k", time.Hour, read)
			if err != nil || v != 42 {
				t.Errorf("Cached = %d, %v", v, err)
			}
		})
	}
	for range callers {
		<-started
	}
	// Every caller has started; let the one read finish. Callers that reach
	// Cached after it are served from the cache, so the count stays one.
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads for %d concurrent callers at one generation, want 1", n, callers)
	}
	if err := d.tx(context.Background(), func(tx *sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if v, err := Cached(d, "k", time.Hour, func() (int, error) { reads.Add(1); return 7, nil }); err != nil || v != 7 {
		t.Errorf("after a commit Cached = %d, %v, want a fresh read (7)", v, err)
	}
}

// TestChangesUseTheActionIndex: every admin's home counts the changes they
// have not acknowledged; that count reads the change lines through their
// index, not every audit line since the owner joined (it did: 1.6 ms of
// server CPU per home page once 6,000 links had been given).
func TestChangesUseTheActionIndex(t *testing.T) {
	d := openTest(t)
	plan, err := d.explain(context.Background(), "SELECT COUNT(*) "+changesWhere, []any{int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "USING COVERING INDEX audit_log_action") && !strings.Contains(joined, "USING INDEX audit_log_action") {
		t.Errorf("unacknowledged changes are not read through audit_log_action:\n%s", joined)
	}
}
