package lock

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse/db"
)

// Leases: one reconciler at a time works on a lock, the one holding its lease
// (db.ClaimLock). A lease runs out after LeaseTTL; these name the holder and free
// the leases of a process of this host that died holding them.

// DefaultHolder names this process for leases: host, pid and a random part, so a
// restarted process never inherits the leases of its previous life.
func DefaultHolder() string {
	return hostName() + "-" + strconv.Itoa(os.Getpid()) + "-" + db.NewToken(6)
}

func hostName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gatehouse"
	}
	return host
}

// deadHolder reports whether a lease holder named by DefaultHolder is a process
// of this host that no longer runs: killed, crashed, or an earlier life of this
// process id (a restarted container is pid 1 again). Holders of other hosts,
// and holders not named by DefaultHolder, are never judged dead: their leases
// run out on their own. One process runs one reconciler.
func deadHolder(self string, alive func(pid int) bool) func(holder string) bool {
	prefix := hostName() + "-"
	return func(holder string) bool {
		rest, ok := strings.CutPrefix(holder, prefix)
		if !ok || holder == self {
			return false
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 {
			return false
		}
		return pid == os.Getpid() || !alive(pid)
	}
}

// processAlive reports whether a process with this id runs on this host. When
// it cannot tell, it says yes.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// ReleaseDeadLeases frees the locks leased by reconcilers of this host whose
// process is gone, so a restart after a crash resumes at once instead of
// leaving those locks alone (revoked codes still on the doors) for up to
// LeaseTTL. Run calls it once at start.
func (r *Reconciler) ReleaseDeadLeases(ctx context.Context) error {
	n, err := r.store.ReleaseLeases(ctx, deadHolder(r.holder, processAlive))
	if err != nil {
		return err
	}
	if n > 0 {
		r.log.Info("released the leases of a stopped process", slog.Int("locks", n))
	}
	return nil
}
