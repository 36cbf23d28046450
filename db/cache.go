package db

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// A small read cache for the hottest reads (the signed-in session, whether any
// lock exists, the dashboard). Every commit made through this DB bumps a write
// generation, and a cached value is only used while the generation it was read at
// is current: a process never sees its own writes late. Writes made by another
// process sharing the database file are seen within the entry's TTL.

type cacheEntry struct {
	gen     uint64
	expires time.Time
	value   any
}

// readCache maps keys to values read at a generation.
type readCache struct {
	mu sync.Mutex
	m  map[string]cacheEntry
	// flight makes concurrent misses of one key at one generation share a
	// single read: after a commit, fifty requests for the home page must not
	// all run its queries at once (they did, and p90 went to two seconds).
	flight singleflight.Group
}

const readCacheMax = 4096 // entries; beyond it the cache is simply cleared

// Cached returns the value cached under key if it was read at the current
// generation less than ttl ago; otherwise it calls read and caches its result.
// Concurrent callers that miss at the same generation wait for one read; a
// caller at a newer generation (its own write committed since) never takes a
// value read before it. Errors are not cached.
func Cached[T any](d *DB, key string, ttl time.Duration, read func() (T, error)) (T, error) {
	v, err := d.CachedRead(key, ttl, func() (any, error) { return read() })
	if err != nil {
		var zero T
		return zero, err
	}
	t, _ := v.(T) // a nil interface value comes back as nil
	return t, nil
}

// CachedRead is Cached untyped, for consumers that see the store through an
// interface (Go interfaces have no generic methods).
func (d *DB) CachedRead(key string, ttl time.Duration, read func() (any, error)) (any, error) {
	gen := d.gen.Load()
	now := time.Now()
	if v, ok := d.cache.get(key, gen, now); ok {
		return v, nil
	}
	v, err, _ := d.cache.flight.Do(key+"@"+strconv.FormatUint(gen, 10), func() (any, error) {
		// Again, now that this is the one read: a flight that ended just
		// before this one began may have cached it.
		if v, ok := d.cache.get(key, gen, now); ok {
			return v, nil
		}
		v, err := read()
		if err != nil {
			return nil, err
		}
		d.cache.put(key, cacheEntry{gen: gen, expires: now.Add(ttl), value: v})
		return v, nil
	})
	return v, err
}

func (c *readCache) get(key string, gen uint64, now time.Time) (any, bool) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.gen == gen && now.Before(e.expires) {
		return e.value, true
	}
	return nil, false
}

func (c *readCache) put(key string, e cacheEntry) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= readCacheMax {
		c.m = make(map[string]cacheEntry)
	}
	c.m[key] = e
	c.mu.Unlock()
}
