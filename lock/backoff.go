package lock

import (
	"math/rand/v2"
	"time"
)

// Retry timing for calls that failed with a transient error.
const (
	BackoffBase = 30 * time.Second // the wait after the first failure
	BackoffMax  = 10 * time.Minute // the longest wait
)

// Backoff is how long to wait before the next try after failures consecutive
// failures: 30s, 1m, 2m, 4m, 8m, then 10m from then on.
func Backoff(failures int) time.Duration {
	if failures < 1 {
		return 0
	}
	d := BackoffBase
	for range failures - 1 {
		d *= 2
		if d >= BackoffMax {
			return BackoffMax
		}
	}
	return d
}

// Jitter spreads a backoff delay so that codes that failed together (a lock went
// offline) are not all retried in the same second: it returns d plus up to a
// tenth of d. Options.Jitter takes it in production; tests leave Jitter nil for
// exact times.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + rand.N(d/10+1)
}

// nextAttempt is when a code that has failed failures times in a row (counting
// the failure just seen) may be tried again.
func (r *Reconciler) nextAttempt(now time.Time, failures int) time.Time {
	d := Backoff(failures)
	if r.jitter != nil {
		d = r.jitter(d)
	}
	return now.Add(d)
}
