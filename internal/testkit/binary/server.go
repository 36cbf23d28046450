package binary

import (
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // OpenDB reads the database file the server writes

	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
)

// Server is `gatehouse serve` as a child process on a fixed localhost port
// and database, started and stopped (or killed) as many times as a test
// likes. When the test ends it is stopped, and no secret the test recorded in
// Secrets may be in its log or in the audit table of its database (or of a
// database a restore put aside).
type Server struct {
	t       *testing.T
	Bin, DB string
	Base    string // http://localhost:PORT, the public URL: passkeys need the name localhost
	Addr    string // 127.0.0.1:PORT
	Flags   []string
	Log     testkit.SyncBuffer // stderr of every life, in order
	Stdout  testkit.SyncBuffer // stdout of every life (a first-run enrollment link)
	Client  *http.Client       // a plain client with a short timeout
	Secrets *secretscan.Set    // what the test's clients saw

	cmd    *exec.Cmd
	exited chan error
	lives  int
}

// NewServer prepares a server on a fresh database in t.TempDir() and a free
// port, with serve's flags after the test's own (faster timers, say). It
// does not start it.
func NewServer(t *testing.T, flags ...string) *Server {
	t.Helper()
	bin := Build(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{t: t, Bin: bin, DB: filepath.Join(t.TempDir(), "gatehouse.db"),
		Base: fmt.Sprintf("http://localhost:%d", port), Addr: fmt.Sprintf("127.0.0.1:%d", port), Flags: flags,
		Client: &http.Client{Timeout: 2 * time.Second}, Secrets: &secretscan.Set{}}
	t.Cleanup(func() {
		s.Stop()
		s.Secrets.AddLink(s.Stdout.String()) // a first-run enrollment link, if serve printed one
		// Every life's log, the database and any database a restore put
		// aside (not their -wal and -shm: SQLite reads those itself).
		dbs := []string{s.DB}
		aside, err := filepath.Glob(s.DB + ".before-restore-*")
		if err != nil {
			t.Errorf("look for databases put aside by a restore: %v", err)
		}
		for _, p := range aside {
			if !strings.HasSuffix(p, "-wal") && !strings.HasSuffix(p, "-shm") {
				dbs = append(dbs, p)
			}
		}
		secretscan.CheckStored(t, s.Secrets, s.Log.String(), dbs...)
		if t.Failed() {
			t.Logf("server log (last 8 KB):\n%s", tail(s.Log.String(), 8<<10))
		}
	})
	return s
}

// StartServer is NewServer and Start.
func StartServer(t *testing.T, flags ...string) *Server {
	t.Helper()
	s := NewServer(t, flags...)
	s.Start()
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// Invite runs `gatehouse invite --admin` on the database (creating it on
// first use), with any extra flags (--name NAME), records the link's token in
// Secrets and returns the enrollment link. The owners it enrolls are admins,
// who act at once (a member invite would wait for an admin's approval).
func (s *Server) Invite(flags ...string) string {
	s.t.Helper()
	args := append([]string{"invite", "--admin", "--db", s.DB, "--public-url", s.Base}, flags...)
	out, err := exec.Command(s.Bin, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		s.t.Fatalf("gatehouse invite: %v %s", err, msg)
	}
	s.Secrets.AddLink(string(out))
	return strings.TrimSpace(string(out))
}

// Start runs `gatehouse serve` and polls /healthz until it answers 200, for
// at most 30 s (a guard against a hang), failing at once if the process exits.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("start: already running")
	}
	args := append([]string{"serve", "--db", s.DB, "--addr", s.Addr, "--public-url", s.Base}, s.Flags...)
	cmd := exec.Command(s.Bin, args...)
	cmd.Stdout, cmd.Stderr = &s.Stdout, &s.Log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.exited, s.lives = cmd, make(chan error, 1), s.lives+1
	go func() { s.exited <- cmd.Wait() }()
	last := "no answer yet"
	testkit.PollUntilReport(s.t, 30*time.Second, fmt.Sprintf("life %d: a 200 from /healthz", s.lives), func() bool {
		select {
		case err := <-s.exited:
			s.cmd = nil
			s.t.Fatalf("life %d: the server exited before answering: %v", s.lives, err)
		default:
		}
		res, err := s.Client.Get(s.Base + "/healthz")
		if err != nil {
			last = err.Error()
			return false
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		last = res.Status
		return res.StatusCode == http.StatusOK
	}, func() string { return "last answer: " + last })
}

// Running reports whether the process is running (started, and neither
// stopped nor killed since).
func (s *Server) Running() bool { return s.cmd != nil }

// Pid is the running process's id.
func (s *Server) Pid() int {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("pid: not running")
	}
	return s.cmd.Process.Pid
}

// Kill ends the process with SIGKILL: no shutdown, no flush, no deferred code.
func (s *Server) Kill() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// Stop asks the process to shut down (SIGTERM), as a service manager does,
// and kills it if it has not exited after 10 s. A shutdown that fails (a
// non-zero exit) fails the test.
func (s *Server) Stop() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			s.t.Errorf("life %d: serve after SIGTERM: %v", s.lives, err)
		}
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// OpenDB opens the server's database file directly, for checks, and closes
// it when the test ends.
func (s *Server) OpenDB() *sql.DB {
	s.t.Helper()
	d, err := sql.Open("sqlite", "file:"+s.DB+"?_pragma=busy_timeout(10000)")
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() {
		if err := d.Close(); err != nil {
			s.t.Errorf("close the test's handle on %s: %v", s.DB, err)
		}
	})
	return d
}
