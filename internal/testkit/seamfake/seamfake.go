// Package seamfake runs Seam's own fake of its Connect API
// (@seamapi/fake-seam-connect, pinned in lock/seam/testdata/fake) for tests, as
// net/http/httptest runs a server: Start launches a fresh, seeded fake on a loopback
// port for one test and stops it when the test ends.
//
// The fake is a node program. Install it with lock/seam/testdata/install-fake.sh
// (needs node and npm). Without it tests that call Start are skipped, except when the
// CI environment variable is set: CI must run them.
package seamfake

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testkit"
)

// What the fake's seed (src/lib/database/seed.ts in its package) creates.
const (
	APIKey    = "seam_apikey1_token" // the seeded workspace's API key
	Workspace = "seed_workspace_1"
	FrontDoor = "august_device_1" // the three seeded locks, in the order devices/list gives them
	BackDoor  = "august_device_2"
	Bathroom  = "schlage_device_id"
)

// entry is the fake's program, relative to the module root.
var entry = filepath.Join("lock", "seam", "testdata", "fake", "node_modules", "@seamapi", "fake-seam-connect", "dist", "server.js")

// Fake is one running fake, seeded, on its own loopback port.
type Fake struct {
	URL string // base URL, for seam.NewClient
}

// Start starts a fresh fake for one test and stops it when the test ends. Without
// node or the installed package the test is skipped, or fails when CI is set.
func Start(t testing.TB) *Fake {
	t.Helper()
	node, program, missing := find()
	if missing != "" {
		msg := missing + "; install it with sh lock/seam/testdata/install-fake.sh (needs node and npm)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// A port picked here can be taken before node binds it; then node exits at once
	// and another port is tried.
	var lastOut string
	for try := 0; try < 3; try++ {
		f, out, ok := launch(t, node, program)
		if ok {
			return f
		}
		lastOut = out
	}
	t.Fatalf("Seam's fake did not start:\n%s", lastOut)
	return nil
}

// find locates node and the fake's program, or says what is missing.
func find() (node, program, missing string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "", "Seam's fake needs node, which is not on PATH"
	}
	root, err := testkit.ModuleRoot()
	if err != nil {
		return "", "", "Seam's fake not found: " + err.Error()
	}
	program = filepath.Join(root, entry)
	if _, err := os.Stat(program); err != nil {
		return "", "", "Seam's fake is not installed (no " + program + ")"
	}
	return node, program, ""
}

func launch(t testing.TB, node, program string) (*Fake, string, bool) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(node, program, "--seed")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	var out testkit.SyncBuffer // exec writes the fake's output from its own goroutine
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Seam's fake: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	url := "http://127.0.0.1:" + strconv.Itoa(port)
	hc := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	// Poll readiness: up to 400 tries, 25 ms apart (10 s; a cold start takes ~0.5 s).
	for try := 0; try < 400; try++ {
		select {
		case <-exited:
			return nil, out.String(), false
		case <-tick.C:
		}
		resp, err := hc.Get(url + "/health")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Cleanup(stop)
			return &Fake{URL: url}, "", true
		}
	}
	stop()
	t.Fatalf("Seam's fake did not answer on %s:\n%s", url, out.String())
	return nil, "", false
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Post calls one of the fake's own endpoints with the seeded key and fails the test
// unless it answers 200: its controls, such as "_fake/simulate_workspace_outage"
// (an outage with no routes ends one), or Seam routes a driver does not use, such as
// "locks/unlock_door". body is sent as JSON.
func (f *Fake) Post(t testing.TB, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("POST %s: encode body: %v", path, err)
	}
	req, err := http.NewRequest(http.MethodPost, f.URL+"/"+strings.TrimPrefix(path, "/"), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: got HTTP %d, want 200", path, resp.StatusCode)
	}
}
