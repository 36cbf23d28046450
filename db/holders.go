package db

import (
	"context"
	"fmt"
)

// CodeHolder is who holds a code given through an access: the guest behind it.
type CodeHolder struct {
	CodeID    int64
	AccessID  int64
	GuestID   int64
	GuestName string
}

// LockHolders maps a lock's codes that carry an access to their guest, for the
// lock page's "who can open this door". Codes added on the lock page alone have
// no access and are absent.
func (d *DB) LockHolders(ctx context.Context, lockID int64) (map[int64]CodeHolder, error) {
	rows, err := d.r.QueryContext(ctx, `SELECT c.id, a.id, g.id, g.name FROM access_codes c
		JOIN accesses a ON a.id = c.access_id JOIN guests g ON g.id = a.guest_id
		WHERE c.lock_id = ? AND c.status != 'removed'`, lockID)
	if err != nil {
		return nil, fmt.Errorf("db: lock holders: %w", err)
	}
	defer rows.Close()
	out := map[int64]CodeHolder{}
	for rows.Next() {
		var h CodeHolder
		if err := rows.Scan(&h.CodeID, &h.AccessID, &h.GuestID, &h.GuestName); err != nil {
			return nil, fmt.Errorf("db: scan lock holder: %w", err)
		}
		out[h.CodeID] = h
	}
	return out, rows.Err()
}
