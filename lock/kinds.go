package lock

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/db"
)

// Kind is one kind of connection, a source of locks: the built-in simulator, a
// Seam account. The wiring (lock/wire) registers each driver's kind; the
// reconciler reaches connections through the registry, and handlers act on a
// kind by its name, never on a driver. A new connector is a new Kind; what a
// kind may add later (say, the webhooks a vendor pushes) belongs here too.
type Kind struct {
	Name  string // as stored in a connection's kind: "sim", "seam"
	Label string // in words for owners: "simulated", "Seam"
	// Connect returns the connector for one stored connection of this kind.
	Connect func(ctx context.Context, c db.Connection) (Connector, error)
	// Test checks credentials before they are saved, returning the locks they
	// reach. nil when the kind takes no credentials.
	Test func(ctx context.Context, baseURL, secret string) ([]Device, error)

	// For a kind whose locks Gatehouse makes itself (the simulator); nil for a
	// kind whose locks come from a vendor account. Home returns the one
	// connection its locks belong to, made on first use; AddLock installs a lock
	// and returns its device id; Door is what a person does at its locks.
	Home    func(ctx context.Context) (db.Connection, error)
	AddLock func(ctx context.Context, name, zone string) (deviceID string, err error)
	Door    Door
}

// Kinds is the registry of connection kinds.
type Kinds struct {
	byName map[string]Kind
}

// NewKinds registers kinds. A kind without a name or Connect, or a name given
// twice, is a wiring mistake and panics.
func NewKinds(kinds ...Kind) *Kinds {
	ks := &Kinds{byName: make(map[string]Kind, len(kinds))}
	for _, k := range kinds {
		if _, dup := ks.byName[k.Name]; dup || k.Name == "" || k.Connect == nil {
			panic(fmt.Sprintf("lock: kind %q registered twice or incomplete", k.Name))
		}
		ks.byName[k.Name] = k
	}
	return ks
}

// Kind returns the kind registered under name.
func (ks *Kinds) Kind(name string) (Kind, bool) {
	k, ok := ks.byName[name]
	return k, ok
}

// Connect returns the connector for a stored connection, by its kind; it is
// what Options.Connect takes.
func (ks *Kinds) Connect(ctx context.Context, c db.Connection) (Connector, error) {
	k, ok := ks.byName[c.Kind]
	if !ok {
		return nil, fmt.Errorf("lock: unknown connection kind %q", c.Kind)
	}
	return k.Connect(ctx, c)
}
