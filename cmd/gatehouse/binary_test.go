package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The tests that run the real binary share one build of it per test binary:
// the first to ask builds it into binDir, which TestMain removes at exit.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binBuild error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "make a directory for the gatehouse binary: %v\n", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "remove %s: %v\n", dir, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// buildBinary returns the path of `gatehouse` built from this package,
// building it on the first call only.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		bin := filepath.Join(binDir, "gatehouse")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binBuild = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binBuild != nil {
		t.Fatal(binBuild)
	}
	return binPath
}
