package lock_test

import (
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/lock"
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
