package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testkit"
)

// TestLogBufferWarningsAtOnce: info lines wait for a flush, a warning takes
// them out at once, Close writes whatever is left, and lines after it go
// straight out.
func TestLogBufferWarningsAtOnce(t *testing.T) {
	var out testkit.SyncBuffer
	buf := newLogBufferEvery(&out, time.Hour) // no timed flush during the test
	log := slog.New(flushOnWarn{slog.NewTextHandler(buf, nil), buf})
	log.Info("request", "route", "/s/:token")
	if got := out.String(); got != "" {
		t.Fatalf("an info line went out before any flush: %q", got)
	}
	log.With("lock", 7).Warn("lock offline")
	got := out.String()
	if !strings.Contains(got, "route=/s/:token") || !strings.Contains(got, `msg="lock offline" lock=7`) {
		t.Fatalf("after a warning the log holds %q", got)
	}
	log.Info("last request")
	buf.Close()
	if !strings.Contains(out.String(), "last request") {
		t.Errorf("Close lost a line: %q", out.String())
	}
	log.Info("after close") // a background loop still logging as serve returns
	if !strings.Contains(out.String(), "after close") {
		t.Errorf("a line logged after Close was kept back: %q", out.String())
	}
}
