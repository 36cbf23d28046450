package web

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxBuckets caps each of a limiter's two tables. A bucket is about 150 bytes
// with its key, so the four limiters hold a few MB at most however many
// addresses call.
const maxBuckets = 10_000

// limiter keeps a token bucket per client: an IPv4 address, or an IPv6 /64
// (one host can use every address of its /64, so a bucket per address would
// give it unlimited fresh budgets). Buckets idle long enough to have refilled
// are dropped: they hold nothing a new bucket would not.
//
// Memory is bounded under a flood of distinct addresses, without handing
// anyone a fresh budget: no bucket is evicted while it still counts something.
// When the table of clients is full, a client not in it is counted in a bucket
// of its network (IPv6 /48, IPv4 /24), in a second table of the same cap; when
// that is full too, in one shared overflow bucket. A flood from one network
// spends its own network's budget, and clients already known keep theirs.
type limiter struct {
	mu       sync.Mutex
	every    rate.Limit
	burst    int
	max      int                // cap of each table
	clients  map[string]*bucket // by clientKey
	networks map[string]*bucket // by networkKey, used only while clients is full
	overflow *rate.Limiter      // used only while both are full
	swept    time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(every time.Duration, burst int) *limiter {
	return &limiter{every: rate.Every(every), burst: burst, max: maxBuckets,
		clients: map[string]*bucket{}, networks: map[string]*bucket{}, overflow: rate.NewLimiter(rate.Every(every), burst)}
}

// clientKey is a client address's bucket key: the address for IPv4 (and IPv4
// mapped into IPv6), its /64 for IPv6. networkKey is the same at /24 and /48.
// Anything unparsable (never, from echo's IP extractor) is its own key.
func clientKey(ip string) string  { return prefixKey(ip, 32, 64) }
func networkKey(ip string) string { return prefixKey(ip, 24, 48) }

func prefixKey(ip string, v4, v6 int) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	bits := v6
	if a.Is4() {
		bits = v4
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// sweep drops buckets idle long enough to have refilled. The caller holds mu.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	for _, table := range []map[string]*bucket{l.clients, l.networks} {
		for k, b := range table {
			if now.Sub(b.seen) > full {
				delete(table, k)
			}
		}
	}
	l.swept = now
}

// get returns the bucket that counts ip: its own, its network's or the
// overflow, making one where there is room. With create false it makes none
// and returns nil for a client that would get a new bucket (it has spent nothing).
func (l *limiter) get(ip string, now time.Time, create bool) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		l.sweep(now)
	}
	key := clientKey(ip)
	if b, ok := l.clients[key]; ok {
		b.seen = now
		return b.lim
	}
	if len(l.clients) >= l.max && now.Sub(l.swept) > time.Second {
		l.sweep(now) // at most once a second: a sweep walks both tables
	}
	table := l.clients
	if len(l.clients) >= l.max {
		key, table = networkKey(ip), l.networks
		if b, ok := table[key]; ok {
			b.seen = now
			return b.lim
		}
		if len(table) >= l.max {
			return l.overflow
		}
	}
	if !create {
		return nil
	}
	b := &bucket{lim: rate.NewLimiter(l.every, l.burst), seen: now}
	table[key] = b
	return b.lim
}

// size is how many buckets the limiter holds.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients) + len(l.networks)
}

// Allow spends a token for ip, reporting false when none is left.
func (l *limiter) Allow(ip string) bool {
	now := time.Now()
	return l.get(ip, now, true).AllowN(now, 1)
}

// Blocked reports whether ip has no token left, without spending one (or
// making a bucket): failures spend tokens, and a blocked client is refused
// before any work is done.
func (l *limiter) Blocked(ip string) bool {
	now := time.Now()
	lim := l.get(ip, now, false)
	return lim != nil && lim.TokensAt(now) < 1
}

// limits are the per-client limits of the public endpoints.
type limits struct {
	ceremonies *limiter // starting a passkey ceremony stores a challenge
	failures   *limiter // failed sign-ins and enrollments
	guesses    *limiter // unknown share tokens: guessing is limited per client
	api        *limiter // API failures (unknown or revoked tokens) are rate limited per client
}

func newLimits() *limits {
	return &limits{
		ceremonies: newLimiter(2*time.Second, 30),
		failures:   newLimiter(30*time.Second, 10),
		guesses:    newLimiter(6*time.Second, 20),
		api:        newLimiter(6*time.Second, 20),
	}
}
