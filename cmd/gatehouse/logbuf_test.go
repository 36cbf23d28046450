package main

import (
	"log/slog"
	"strings"
	"testing"
)

// TestLogBufferWarningsAtOnce: info lines wait for a flush, a warning takes
// them out at once, and Close writes whatever is left.
func TestLogBufferWarningsAtOnce(t *testing.T) {
	var out syncBuffer
	buf := newLogBuffer(&out)
	log := slog.New(flushOnWarn{slog.NewTextHandler(buf, nil), buf})
	log.Info("request", "route", "/s/:token")
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
}
