package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/internal/testkit"
)

// TestShutdownWaitsForEveryLoop: when serve's context ends, the store stays
// open until every loop has returned, even one whose step is still running
// after all the others have stopped, and closes after.
func TestShutdownWaitsForEveryLoop(t *testing.T) {
	dir := t.TempDir()
	var c config
	fs := newFlagSet("serve", &c, &bytes.Buffer{})
	fs.serveFlags(&c)
	if err := fs.parse(&c, []string{"--db", filepath.Join(dir, "gatehouse.db"), "--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	var logs testkit.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := start(context.Background(), c, io.Discard, log)
	if err != nil {
		t.Fatal(err)
	}
	others := make([]string, 0, len(p.loops))
	for _, l := range p.loops {
		others = append(others, l.name)
	}
	for _, want := range []string{"http", "reconciler", "alerts", "retention", "sessions"} {
		if !strings.Contains(strings.Join(others, " "), want) {
			t.Errorf("loops: got %v, want one named %s", others, want)
		}
	}

	// A step that is still running when shutdown begins, and writes once it
	// is let go.
	entered, release := make(chan struct{}), make(chan struct{})
	wrote := make(chan error, 1)
	p.loops = append(p.loops, loop{"slow step", func(ctx context.Context) error {
		close(entered)
		<-ctx.Done()
		<-release
		_, err := p.store.PruneSessions(context.Background(), db.SessionLimits{Idle: time.Hour, Absolute: time.Hour})
		wrote <- err
		return nil
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.run(ctx) }()
	<-entered
	cancel()

	// Once every other loop has stopped, a shutdown that did not wait would
	// close the store and return.
	testkit.PollUntilReport(t, time.Minute, "every other loop to stop", func() bool {
		for _, name := range others {
			if !strings.Contains(logs.String(), `msg=stopped loop=`+name) {
				return false
			}
		}
		return true
	}, logs.String)
	if _, err := net.Dial("tcp", p.ln.Addr().String()); err == nil {
		t.Error("the HTTP listener still accepts connections after shutdown")
	}
	select {
	case err := <-done:
		t.Fatalf("run returned (%v) while a loop's step was still running", err)
	default:
	}
	if err := p.store.Ping(context.Background()); err != nil {
		t.Fatalf("the store answers no query while a loop's step still runs: %v", err)
	}
	close(release)
	if err := <-wrote; err != nil {
		t.Errorf("the step's write after shutdown began: got %v, want nil", err)
	}
	if err := <-done; err != nil {
		t.Errorf("run: got %v, want nil", err)
	}
	if _, err := p.store.PruneSessions(context.Background(), db.SessionLimits{Idle: time.Hour, Absolute: time.Hour}); !errors.Is(err, db.ErrClosed) {
		t.Errorf("a write once run has returned: got %v, want db.ErrClosed (the store closed)", err)
	}
}
