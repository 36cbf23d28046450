package db

import "context"

// Methods only db's own tests call: the server never reads them this way.

// SimLock returns one simulated lock, or ErrNotFound.
func (d *DB) SimLock(ctx context.Context, deviceID string) (SimLock, error) {
	return simLock(ctx, d.r, deviceID)
}
