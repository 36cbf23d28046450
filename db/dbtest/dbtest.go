// Package dbtest gives tests a real, migrated SQLite database in a temporary directory.
package dbtest

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// New opens a fresh database file under t.TempDir() and closes it when the test ends.
func New(t testing.TB, opts ...db.Option) *db.DB {
	t.Helper()
	key := make([]byte, db.KeySize)
	rand.Read(key)
	opts = append([]db.Option{db.WithKey(key)}, opts...)
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "gatehouse.db"), opts...)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
