package lock_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/wire"
)

// TestReleaseDeadLeases: a restarted Gatehouse takes back at once the locks
// that a killed process of this host had leased (it cannot release them
// itself), and leaves alone the leases of live processes and of other hosts.
func TestReleaseDeadLeases(t *testing.T) {
	e := newEnv(t)
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gatehouse"
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	holders := []struct {
		name     string
		holder   string
		released bool
	}{
		{"killed process", host + "-" + strconv.Itoa(gone.Process.Pid) + "-AbC_-123", true},
		{"earlier life of this pid", host + "-" + strconv.Itoa(os.Getpid()) + "-old-life", true},
		{"live process", host + "-" + strconv.Itoa(os.Getppid()) + "-live", false},
		{"another host", "elsewhere.example-" + strconv.Itoa(gone.Process.Pid) + "-x", false},
		{"not a default holder", "test-b", false},
	}
	var ids []int64
	for i, h := range holders {
		l, _ := e.addLock("Door " + strconv.Itoa(i))
		ids = append(ids, l.ID)
		if ok, err := e.store.ClaimLock(e.ctx, l.ID, h.holder, lock.LeaseTTL); err != nil || !ok {
			t.Fatalf("%s: claim: %v %v", h.name, ok, err)
		}
	}
	o := e.options("", e.sim) // DefaultHolder: this host, this pid, a new random part
	r := lock.NewReconciler(o)
	if err := r.ReleaseDeadLeases(e.ctx); err != nil {
		t.Fatal(err)
	}
	for i, h := range holders {
		ok, err := e.store.ClaimLock(e.ctx, ids[i], "checker", lock.LeaseTTL)
		if err != nil {
			t.Fatal(err)
		}
		if ok != h.released {
			t.Errorf("%s: lock free for others after the release: got %v, want %v", h.name, ok, h.released)
		}
	}
}

// guard fails the test if two reconcilers call one lock at the same time.
type guard struct {
	mu       sync.Mutex
	busy     map[string]string // device → holder in a call
	overlaps []string
}

type guarded struct {
	lock.Connector
	g      *guard
	holder string
}

func (g guarded) enter(dev string) func() {
	g.g.mu.Lock()
	if other, ok := g.g.busy[dev]; ok {
		g.g.overlaps = append(g.g.overlaps, fmt.Sprintf("%s and %s on %s", other, g.holder, dev))
	}
	g.g.busy[dev] = g.holder
	g.g.mu.Unlock()
	return func() {
		g.g.mu.Lock()
		delete(g.g.busy, dev)
		g.g.mu.Unlock()
	}
}

func (g guarded) SetCode(ctx context.Context, dev string, spec lock.CodeSpec) (lock.Code, error) {
	defer g.enter(dev)()
	return g.Connector.SetCode(ctx, dev, spec)
}

func (g guarded) RemoveCode(ctx context.Context, dev, id string) error {
	defer g.enter(dev)()
	return g.Connector.RemoveCode(ctx, dev, id)
}

func (g guarded) ListCodes(ctx context.Context, dev string) ([]lock.Code, error) {
	defer g.enter(dev)()
	return g.Connector.ListCodes(ctx, dev)
}

// TestTwoReconcilers runs two reconcilers (two processes: own holder, own
// simulator instance) over one database at the same time. Leases keep them off
// each other's locks: every code ends up on its lock exactly once, set once.
func TestTwoReconcilers(t *testing.T) {
	e := newEnv(t)
	g := &guard{busy: map[string]string{}}
	var rs []*lock.Reconciler
	for _, h := range []string{"host-a", "host-b"} {
		o := e.options(h, wire.NewSim(e.store, e.clk.Now, simDelay))
		connect := o.Connect
		o.Connect = func(ctx context.Context, c db.Connection) (lock.Connector, error) {
			conn, err := connect(ctx, c)
			return guarded{Connector: conn, g: g, holder: h}, err
		}
		rs = append(rs, lock.NewReconciler(o))
	}
	var devs []string
	for i := range 6 {
		dev, err := e.sim.AddLock(e.ctx, fmt.Sprintf("Door %d", i), "Europe/Lisbon")
		if err != nil {
			t.Fatal(err)
		}
		devs = append(devs, dev)
	}
	e.pass() // discovery only; no codes yet
	var codes []db.AccessCode
	for i, dev := range devs {
		l := e.lockByDevice(dev)
		for j := range 3 {
			codes = append(codes, e.newCode(l.ID, fmt.Sprintf("Guest %d", j), fmt.Sprintf("%d%d4829", i+1, j+1), time.Time{}, time.Time{}))
		}
	}
	for round := range 4 {
		var wg sync.WaitGroup
		errs := make([]error, len(rs))
		for i, r := range rs {
			wg.Go(func() { errs[i] = r.Pass(e.ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, reconciler %d: %v", round, i, err)
			}
		}
		e.clk.Advance(time.Second)
	}
	if len(g.overlaps) > 0 {
		t.Errorf("two reconcilers called one lock at once: %v", g.overlaps)
	}
	for _, dev := range devs {
		if n := len(e.onLock(dev)); n != 3 {
			t.Errorf("lock %s: got %d codes, want 3", dev, n)
		}
	}
	for _, c := range codes {
		e.wantStatus(c.ID, domain.StatusOnLock, "")
		if as := e.attempts(c.ID); len(as) != 1 {
			t.Errorf("code %d: got %d attempts, want 1", c.ID, len(as))
		}
	}
	for _, dev := range devs {
		if l := e.lockByDevice(dev); l.LastError != "" {
			t.Errorf("lock %s: got error %q, want none", dev, l.LastError)
		}
	}
}

func TestLeaseHeldElsewhere(t *testing.T) {
	e := newEnv(t)
	l, dev := e.addLock("Front door")
	c := e.newCode(l.ID, "Guest", "482913", time.Time{}, time.Time{})
	ok, err := e.store.ClaimLock(e.ctx, l.ID, "another-process", lock.LeaseTTL)
	if err != nil || !ok {
		t.Fatalf("claim: got %v, %v", ok, err)
	}
	e.pass()
	e.wantStatus(c.ID, domain.StatusScheduled, "")
	if n := len(e.onLock(dev)); n != 0 {
		t.Errorf("codes on the lock while leased elsewhere: got %d, want 0", n)
	}
	// The other process died: its lease runs out and the work is taken over.
	e.clk.Advance(lock.LeaseTTL)
	e.pass()
	e.wantStatus(c.ID, domain.StatusSetting, "")
}
