package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testkit/binary"
)

// TestServeInviteBackup runs the real commands: serve prints a first-run link,
// invite prints another while it runs, healthcheck finds it, backup snapshots
// the live database, and the server shuts down cleanly on SIGTERM. Neither
// invite token may be in the log or the audit table (the server's cleanup).
func TestServeInviteBackup(t *testing.T) {
	srv := binary.StartServer(t)
	link := regexp.MustCompile(regexp.QuoteMeta(srv.Base) + `/enroll/[A-Za-z0-9_-]{43}`)
	res, err := http.Get(srv.Base + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()

	if out, err := binary.Run(srv.Bin, "healthcheck", "--addr", srv.Addr); err != nil {
		t.Errorf("healthcheck against the running server: %v %s", err, out)
	}
	invited := srv.Invite("--name", "Ben")
	if !link.MatchString(invited) {
		t.Errorf("invite printed %q, want a link", invited)
	}
	res, err = http.Get(invited)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("invite link on the running server: %v %v", res, err)
	}
	res.Body.Close()

	backupPath := filepath.Join(t.TempDir(), "backup.db")
	out, err := binary.Run(srv.Bin, "backup", "--db", srv.DB, backupPath)
	if err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	if _, err := os.Stat(backupPath); err != nil || !strings.Contains(out, "integrity_check ok") {
		t.Errorf("backup: %v, %q", err, out)
	}
	srv.Stop() // fails the test unless serve exits 0
	// Read once the process is gone: its output is all copied by then.
	if !link.MatchString(srv.Stdout.String()) {
		t.Errorf("first start printed no enrollment link: %q", srv.Stdout.String())
	}
	srv.Secrets.AddLink(srv.Stdout.String())
	if n := len(srv.Secrets.Snapshot()); n != 2 {
		t.Errorf("invite tokens recorded: got %d, want 2", n)
	}
}
