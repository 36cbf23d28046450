package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/internal/testkit/binary"
)

// drillWrite is one write a client saw acknowledged: an access created (201)
// or a link revealed (200 with the code).
type drillWrite struct {
	access     procAccess
	reveal     bool // the write is the reveal of access's link
	sent, done time.Time
}

type drillLedger struct {
	mu     sync.Mutex
	writes []drillWrite
}

func (l *drillLedger) add(w drillWrite) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes = append(l.writes, w)
}

func (l *drillLedger) snapshot() []drillWrite {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]drillWrite(nil), l.writes...)
}

func (l *drillLedger) count(pred func(drillWrite) bool) int {
	n := 0
	for _, w := range l.snapshot() {
		if pred(w) {
			n++
		}
	}
	return n
}

// TestRestoreDrill follows the restore drill in the README against the real
// binary: a backup taken while several clients write, a refused restore while
// the server runs, the key file put back, the backup checked, the server
// stopped, the backup restored, the server started. It checks the restored
// database passes integrity_check, /healthz answers 200, every write
// acknowledged before the backup started is there (and readable through the
// API with a token made before the backup), and writes made after the backup
// are not (the database really was replaced).
func TestRestoreDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("restore drill: builds and runs the binary (~10 s); skipped with -short")
	}
	const clients = 8
	start := time.Now()
	bin := binary.Build(t)
	// Debug, the most the server logs: the log is scanned for every code and
	// token the clients saw (binary.Server's cleanup).
	s := binary.NewServer(t, "--log-level", "debug", "--sim-delay", "100ms", "--reconcile-every", "1s")
	s.Invite() // creates the database and its key file
	s.Start()
	owner := newProcOwner(t, s)
	var lockIDs []int64
	for range 3 {
		lockIDs = append(lockIDs, owner.addSimLock())
	}
	t.Logf("set up in %v (build included)", time.Since(start).Round(time.Millisecond))
	keyFile := strings.TrimSuffix(s.DB, ".db") + ".key"
	vault := t.TempDir() // where the operator keeps backups and, apart, the key
	backupFile := filepath.Join(vault, "gatehouse-backup.db")
	savedKey := filepath.Join(vault, "gatehouse.key")

	// Several booking systems give access and guests reveal their links, all
	// the time, counting only acknowledged writes.
	led := &drillLedger{}
	ctx, stopClients := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			guest := s.Secrets.Client(5 * time.Second)
			for i := 0; ctx.Err() == nil; i++ {
				sent := time.Now()
				a, ok := owner.giveAccess(fmt.Sprintf("Drill %d-%d", c, i), lockIDs[(c+i)%len(lockIDs)], sent)
				if !ok {
					continue
				}
				led.add(drillWrite{access: a, sent: sent, done: time.Now()})
				if i%2 == 0 {
					sent := time.Now()
					if status, pin := reveal(guest, s.Base, a.Token); status == http.StatusOK && pin != "" {
						led.add(drillWrite{access: a, reveal: true, sent: sent, done: time.Now()})
					}
				}
			}
		})
	}
	t.Cleanup(func() { stopClients(); wg.Wait() })
	all := func(drillWrite) bool { return true }
	testkit.PollUntil(t, 20*time.Second, "40 acknowledged writes before the backup", func() bool { return led.count(all) >= 40 })

	t.Logf("load running after %v", time.Since(start).Round(time.Millisecond))

	// 1. Back up while the server runs and takes writes; save the key apart.
	backupStart := time.Now()
	out, err := binary.Run(bin, "backup", "--db", s.DB, backupFile)
	backupEnd := time.Now()
	if err != nil || !strings.Contains(out, "integrity_check ok") {
		t.Fatalf("gatehouse backup under load: %v\n%s", err, out)
	}
	copyFile(t, keyFile, savedKey)
	during := led.count(func(w drillWrite) bool { return w.sent.Before(backupEnd) && w.done.After(backupStart) })
	if during == 0 {
		t.Fatalf("no write was in flight while the backup ran (%v): the drill did not back up under load", backupEnd.Sub(backupStart))
	}
	after := func(w drillWrite) bool { return !w.reveal && w.sent.After(backupEnd) }
	testkit.PollUntil(t, 20*time.Second, "accesses created after the backup", func() bool { return led.count(after) >= clients })

	// 2. Restore refuses while the server has the database open.
	if out, err := binary.Run(bin, "restore", "--db", s.DB, backupFile); err == nil || !strings.Contains(out, "in use") {
		t.Fatalf("restore while serving: got %v %q, want a refusal saying the database is in use", err, out)
	}
	if m, _ := filepath.Glob(s.DB + ".before-restore-*"); len(m) != 0 {
		t.Fatalf("a refused restore moved the database: %v", m)
	}

	// 3. Stop the server (the clients stop too: they had nothing to talk to).
	stopClients()
	wg.Wait()
	s.Stop()
	writes := led.snapshot()

	// 4. The key file is lost with the machine: restore refuses without it,
	// and the key saved apart is put back.
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	if out, err := binary.Run(bin, "restore", "--db", s.DB, "--check", backupFile); err == nil || !strings.Contains(out, "key file") {
		t.Fatalf("check without the key file: got %v %q, want a refusal naming the key file", err, out)
	}
	copyFile(t, savedKey, keyFile)

	// 5. Check the backup, with Gatehouse and with sqlite3 when it is installed.
	if out, err := binary.Run(bin, "restore", "--db", s.DB, "--check", backupFile); err != nil || !strings.Contains(out, "integrity_check ok") {
		t.Fatalf("restore --check: %v\n%s", err, out)
	}
	if sqlite3, err := exec.LookPath("sqlite3"); err == nil {
		out, err := exec.Command(sqlite3, backupFile, "PRAGMA integrity_check").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Fatalf("sqlite3 %s 'PRAGMA integrity_check': %v %q, want ok", backupFile, err, out)
		}
	}

	// 6. Restore: the old database is kept aside.
	out, err = binary.Run(bin, "restore", "--db", s.DB, backupFile)
	if err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("gatehouse restore: %v\n%s", err, out)
	}
	aside, _ := filepath.Glob(s.DB + ".before-restore-*")
	if len(aside) != 1 || !strings.Contains(out, aside[0]) {
		t.Fatalf("the old database: got %v, want one before-restore file named in %q", aside, out)
	}

	t.Logf("restored after %v", time.Since(start).Round(time.Millisecond))

	// 7. Start (start waits for /healthz 200), then check like an operator.
	s.Start()
	res, err := s.Client.Get(s.Base + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz after restore: %v %v", res, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if out, err := binary.Run(bin, "healthcheck", "--addr", s.Addr); err != nil || strings.TrimSpace(out) != "ok" {
		t.Errorf("gatehouse healthcheck after restore: %v %q", err, out)
	}
	check := s.OpenDB()
	if got := integrityCheck(t, check); got != "ok" {
		t.Fatalf("restored database: integrity_check %q, want ok", got)
	}

	// Every write acknowledged before the backup started is there; accesses
	// created after the backup ended are not.
	var before, gone, revealed int
	for _, w := range writes {
		switch {
		case w.done.Before(backupStart) && w.reveal:
			revealed++
			var at sql.NullInt64
			err := check.QueryRow("SELECT revealed_at FROM share_links WHERE token_hash = ?", db.HashToken(w.access.Token)).Scan(&at)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatalf("access %d: read its link: %v", w.access.ID, err)
			}
			if err != nil || !at.Valid {
				t.Errorf("access %d: its reveal was acknowledged before the backup, and is not in the restored database (%v)", w.access.ID, err)
			}
			if status, pin := reveal(s.Secrets.Client(5*time.Second), s.Base, w.access.Token); pin != "" {
				t.Errorf("access %d: a link revealed before the backup shows its code again after the restore (%d)", w.access.ID, status)
			}
		case w.done.Before(backupStart):
			before++
			if n := queryInt(t, check, "SELECT COUNT(*) FROM accesses WHERE id = ?", w.access.ID); n != 1 {
				t.Errorf("access %d was acknowledged before the backup, and is not in the restored database", w.access.ID)
			}
			for _, code := range w.access.Codes {
				if n := queryInt(t, check, "SELECT COUNT(*) FROM access_codes WHERE id = ?", code); n != 1 {
					t.Errorf("code %d was acknowledged before the backup, and is not in the restored database", code)
				}
			}
		case after(w):
			gone++
			if n := queryInt(t, check, "SELECT COUNT(*) FROM accesses WHERE id = ?", w.access.ID); n != 0 {
				t.Errorf("access %d was created after the backup, yet is in the restored database", w.access.ID)
			}
		}
	}
	// The restore suspended the API token until an admin enables it again.
	if status, body, err := owner.apiCall(http.MethodGet, "/api/v1/locks", nil); err != nil || status != http.StatusForbidden ||
		!strings.Contains(string(body), "token_suspended") {
		t.Errorf("API token after the restore: got %d %s %v, want 403 token_suspended", status, body, err)
	}
	if before == 0 || revealed == 0 || gone == 0 {
		t.Fatalf("too little to check: %d accesses and %d reveals before the backup, %d accesses after", before, revealed, gone)
	}
	t.Logf("backup took %v with %d writes in flight; checked %d accesses and %d reveals from before it, %d accesses from after it",
		backupEnd.Sub(backupStart).Round(time.Millisecond), during, before, revealed, gone)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
