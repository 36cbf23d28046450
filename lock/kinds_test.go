package lock_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock"
)

// TestKinds: a connection reaches the connector of its kind, an unknown kind is
// an error (recorded on the connection by the pass), and a kind registered twice
// is refused at wiring.
func TestKinds(t *testing.T) {
	var got []int64
	mk := func(name string) lock.Kind {
		return lock.Kind{Name: name, Connect: func(_ context.Context, c db.Connection) (lock.Connector, error) {
			got = append(got, c.ID)
			return nil, nil
		}}
	}
	ks := lock.NewKinds(mk("sim"), mk("seam"))
	if _, err := ks.Connect(t.Context(), db.Connection{ID: 7, Kind: "seam"}); err != nil || len(got) != 1 || got[0] != 7 {
		t.Errorf("connect a seam connection: got calls %v and %v, want [7] and no error", got, err)
	}
	if _, err := ks.Connect(t.Context(), db.Connection{ID: 8, Kind: "nuki"}); err == nil {
		t.Error("connect an unknown kind: got no error, want one")
	}
	if k, ok := ks.Kind("sim"); !ok || k.Name != "sim" {
		t.Errorf("kind sim: got %q %v, want sim true", k.Name, ok)
	}
	defer func() {
		if recover() == nil {
			t.Error("a kind registered twice: got no panic, want one")
		}
	}()
	lock.NewKinds(mk("sim"), mk("sim"))
}
