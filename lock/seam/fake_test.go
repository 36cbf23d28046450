package seam

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/testkit/seamfake"
)

// The tests against Seam's own fake start it with seamfake.Start; these helpers
// give them a driver whose backoff waits are recorded instead of slept.

// fakeClient returns a driver for the fake with the seeded key and no real sleeps.
func fakeClient(f *seamfake.Fake) (*Client, *sleepLog) {
	return testClient(f.URL, seamfake.APIKey)
}

// sleepLog records the backoff waits a client asked for, instead of sleeping.
type sleepLog struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.sleeps...)
}

func testClient(url, key string) (*Client, *sleepLog) {
	c := NewClient(url, key, &http.Client{Timeout: 10 * time.Second})
	sl := &sleepLog{}
	c.sleep = sl.sleep
	return c, sl
}
