package seam

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Seam's own fake of its API, @seamapi/fake-seam-connect, pinned in testdata/fake.
// Its seed (src/lib/database/seed.ts in the package) creates these.
const (
	fakeAPIKey    = "seam_apikey1_token"
	fakeWorkspace = "seed_workspace_1"
	fakeFrontDoor = "august_device_1"
	fakeBackDoor  = "august_device_2"
	fakeBathroom  = "schlage_device_id"
)

var fakeEntry = filepath.Join("testdata", "fake", "node_modules", "@seamapi", "fake-seam-connect", "dist", "server.js")

// fakeSeam is one running fake, seeded, on its own loopback port.
type fakeSeam struct {
	URL string
}

// startFake starts a fresh fake for one test and stops it when the test ends.
// Without node or the installed package the test is skipped, except under CI,
// which must run it.
func startFake(t *testing.T) *fakeSeam {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not on PATH"
	default:
		if _, err := os.Stat(fakeEntry); err != nil {
			missing = "Seam's fake is not installed"
		}
	}
	if missing != "" {
		msg := missing + "; install it with lock/seam/testdata/install-fake.sh (needs node and npm)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	// A port picked here can be taken before node binds it; then node exits at once
	// and another port is tried.
	var lastErr string
	for try := 0; try < 3; try++ {
		f, out, ok := launchFake(t, node)
		if ok {
			return f
		}
		lastErr = out
	}
	t.Fatalf("Seam's fake did not start:\n%s", lastErr)
	return nil
}

func launchFake(t *testing.T, node string) (*fakeSeam, string, bool) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(node, fakeEntry, "--seed")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	var out syncBuffer
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
			return &fakeSeam{URL: url}, "", true
		}
	}
	stop()
	t.Fatalf("Seam's fake did not answer on %s:\n%s", url, out.String())
	return nil, "", false
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// client returns a driver for the fake with the seeded key and no real sleeps.
func (f *fakeSeam) client(t *testing.T) (*Client, *sleepLog) {
	t.Helper()
	return testClient(f.URL, fakeAPIKey)
}

// post calls one of the fake's own endpoints (its /_fake/* controls, or Seam routes
// the driver does not use, such as locks/unlock_door) with the seeded key.
func (f *fakeSeam) post(t *testing.T, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.URL+"/"+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fakeAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: got HTTP %d, want 200", path, resp.StatusCode)
	}
}

// syncBuffer collects the fake's output; exec writes it from its own goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sleepLog records the backoff waits a client asked for, instead of sleeping.
type sleepLog struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.sleeps...)
}

func testClient(url, key string) (*Client, *sleepLog) {
	c := NewClient(url, key, &http.Client{Timeout: 10 * time.Second})
	sl := &sleepLog{}
	c.sleep = sl.sleep
	return c, sl
}
