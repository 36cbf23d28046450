// Package testkit holds what the tests of several packages share: a settable
// clock, a buffer a goroutine can write while the test reads, and polling for
// an observable condition. Its subpackages hold the larger pieces: a real
// browser (browser), the built gatehouse binary (binary), the secret scanner
// (secretscan) and Seam's fake (seamfake).
//
// It is a normal package, not a _test file, so any package's tests can import
// it; nothing outside tests does.
package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Clock is a time source a test sets and moves by hand, shared by the store,
// the lock simulator and the reconciler under test. It is safe for
// concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now reads the clock; pass it where a func() time.Time is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (back, if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// SyncBuffer is a bytes.Buffer that one goroutine (a server's log, a child
// process's output) can write while the test reads it: a response with a
// Content-Length reaches the client before its handler has logged the
// request, so a test reads the log while handlers still write. The zero
// SyncBuffer is empty and ready.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ModuleRoot walks up from the working directory, which go test sets to the
// package's directory, to the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testkit: no go.mod above the working directory")
		}
		dir = parent
	}
}

// PollUntil polls an observable condition until it holds, for at most d. d
// guards against a hang: it is no claim about how soon cond should hold.
func PollUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	PollUntilReport(t, d, what, cond, nil)
}

// PollUntilReport is PollUntil that, when cond still does not hold after d,
// calls report (if not nil) and ends the failure message with what it
// returns: the state last seen, say. report runs on the test's goroutine and
// may log more.
func PollUntilReport(t testing.TB, d time.Duration, what string, cond func() bool, report func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("waited %v for %s", d, what)
			if report != nil {
				msg += ": " + report()
			}
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
