package db

import (
	"context"
	"sync"
	"time"
)

// The guest page and the reveal read a link by its token many times and
// change it once or twice (its first opening, its reveal): the link-preview
// bots, the guest's reloads, and every loser of a reveal storm all ask for the
// same rows. shareCache keeps what ShareByToken read, valid while the
// database's share_version (bumped by triggers on every change to what the page
// shows, migration 0006) stands still, so a window change, a revocation or a
// renamed door is seen at once by the next request.
//
// A reveal and a first opening do not bump share_version: the storm's own
// writes would otherwise empty the cache it needs. This process records them
// itself, in overlays applied to every answer, and they never go back.
// Whatever the cache holds, the claim's single UPDATE still decides the winner.

const shareCacheMax = 10_000 // links (a few MB); beyond it everything is dropped and refilled

type shareCache struct {
	mu       sync.Mutex
	epoch    uint64 // bumped when cleared, so reads begun before cannot refill
	entries  map[string]shareEntry
	revealed map[string]time.Time // by token hash: reveals won in this process
	opened   map[int64]time.Time  // by link id: first openings recorded here
}

type shareEntry struct {
	ver    uint64
	link   ShareLink
	det    ShareDetails // PIN empty: only the sealed form is kept
	sealed sealedPIN
}

// lookup returns the entry for hash if it was read at version ver, with the
// overlays applied; otherwise the epoch to pass to store.
func (c *shareCache) lookup(hash []byte, ver uint64) (shareEntry, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || e.ver != ver {
		return shareEntry{}, false, c.epoch
	}
	if at, ok := c.revealed[string(hash)]; ok && e.link.RevealedAt.IsZero() {
		e.link.RevealedAt = at
	}
	if at, ok := c.opened[e.link.ID]; ok && e.link.FirstOpenedAt.IsZero() {
		e.link.FirstOpenedAt = at
	}
	return e, true, c.epoch
}

func (c *shareCache) store(hash []byte, epoch uint64, e shareEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.entries == nil || len(c.entries) >= shareCacheMax {
		c.clearLocked()
	}
	c.entries[string(hash)] = e
}

// clearLocked drops everything, overlays too: entries stored after this are
// read from the database after it, and carry every reveal and opening made.
func (c *shareCache) clearLocked() {
	c.epoch++
	c.entries = make(map[string]shareEntry)
	c.revealed = make(map[string]time.Time)
	c.opened = make(map[int64]time.Time)
}

func (c *shareCache) markRevealed(hash []byte, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.revealed == nil || len(c.revealed) >= shareCacheMax {
		c.clearLocked()
	}
	c.revealed[string(hash)] = at
}

func (c *shareCache) markOpened(id int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opened == nil || len(c.opened) >= shareCacheMax {
		c.clearLocked()
	}
	c.opened[id] = at
}

func (c *shareCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
}

const shareVersionQ = "SELECT v FROM share_version"

// refreshShareVersion reads share_version after a commit, on the writer
// goroutine and before any caller of that commit is answered, so a request
// that follows a change never gets a page cached before it.
func (d *DB) refreshShareVersion() {
	var v uint64
	if err := d.wstmts[shareVersionQ].QueryRowContext(context.Background()).Scan(&v); err != nil {
		// Unknown: nothing cached can be trusted.
		d.shares.clear()
		return
	}
	d.shareVer.Store(v)
}
