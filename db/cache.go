package db

import (
	"sync"
	"time"
)

// A small read cache for the hottest reads (the signed-in session, whether any
// lock exists, the dashboard). Every commit made through this DB bumps a write
// generation, and a cached value is only used while the generation it was read at
// is current: a process never sees its own writes late. Writes made by another
// process sharing the database file are seen within the entry's TTL.

// Generation is the count of commits this DB has made; it changes whenever data
// this process wrote may have changed.
func (d *DB) Generation() uint64 { return d.gen.Load() }

type cacheEntry struct {
	gen     uint64
	expires time.Time
	value   any
}

// readCache maps keys to values read at a generation.
type readCache struct {
	mu sync.Mutex
	m  map[string]cacheEntry
}

const readCacheMax = 4096 // entries; beyond it the cache is simply cleared

// Cached returns the value cached under key if it was read at the current
// generation less than ttl ago; otherwise it calls read and caches its result.
// Errors are not cached.
func Cached[T any](d *DB, key string, ttl time.Duration, read func() (T, error)) (T, error) {
	gen := d.gen.Load()
	now := time.Now()
	d.cache.mu.Lock()
	e, ok := d.cache.m[key]
	d.cache.mu.Unlock()
	if ok && e.gen == gen && now.Before(e.expires) {
		return e.value.(T), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	d.cache.mu.Lock()
	if d.cache.m == nil || len(d.cache.m) >= readCacheMax {
		d.cache.m = make(map[string]cacheEntry)
	}
	d.cache.m[key] = cacheEntry{gen: gen, expires: now.Add(ttl), value: v}
	d.cache.mu.Unlock()
	return v, nil
}
