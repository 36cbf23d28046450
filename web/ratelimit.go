package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps a token bucket per client IP. Buckets idle long enough to have
// refilled are dropped, so memory stays bounded under address churn.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(every time.Duration, burst int) *limiter {
	return &limiter{every: rate.Every(every), burst: burst, buckets: map[string]*bucket{}}
}

func (l *limiter) get(ip string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		full := time.Duration(float64(l.burst)/float64(l.every)) * time.Second
		for k, b := range l.buckets {
			if now.Sub(b.seen) > full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[ip]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[ip] = b
	}
	b.seen = now
	return b.lim
}

// Allow spends a token for ip, reporting false when none is left.
func (l *limiter) Allow(ip string) bool {
	now := time.Now()
	return l.get(ip, now).AllowN(now, 1)
}

// Blocked reports whether ip has no token left, without spending one: failures
// spend tokens, and a blocked address is refused before any work is done.
func (l *limiter) Blocked(ip string) bool {
	now := time.Now()
	return l.get(ip, now).TokensAt(now) < 1
}

// limits are the per-IP limits of the public endpoints.
type limits struct {
	ceremonies *limiter // starting a passkey ceremony stores a challenge
	failures   *limiter // failed sign-ins and enrollments
	guesses    *limiter // unknown share tokens: guessing is limited per client IP
	api        *limiter // API failures (unknown or revoked tokens) are rate limited per client IP
}

func newLimits() *limits {
	return &limits{
		ceremonies: newLimiter(2*time.Second, 30),
		failures:   newLimiter(30*time.Second, 10),
		guesses:    newLimiter(6*time.Second, 20),
		api:        newLimiter(6*time.Second, 20),
	}
}
