// Package binary runs the real gatehouse binary for end-to-end tests: it
// builds it once per test binary, runs its maintenance commands, and starts,
// stops and kills `gatehouse serve` as a child process, as an owner would run
// it.
package binary

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testkit"
)

// pkg is the command built; go build resolves it from any directory of the
// module, which is where go test runs a test binary.
const pkg = "github.com/gatehouse/gatehouse/cmd/gatehouse"

// The tests of one package share one build: the first to ask builds it into
// dir, which Main removes at exit.
var (
	dir      string
	once     sync.Once
	path     string
	buildErr error
)

// Main runs the package's tests and then removes the binary Build made. Call
// it from TestMain:
//
//	func TestMain(m *testing.M) { binary.Main(m) }
func Main(m *testing.M) {
	d, err := os.MkdirTemp("", "gatehouse-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "make a directory for the gatehouse binary: %v\n", err)
		os.Exit(1)
	}
	dir = d
	code := m.Run()
	if err := os.RemoveAll(d); err != nil {
		fmt.Fprintf(os.Stderr, "remove %s: %v\n", d, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// Build returns the path of the gatehouse binary, building it on the first
// call only. It needs Main to have run.
func Build(t testing.TB) string {
	t.Helper()
	if dir == "" {
		t.Fatal("binary: Build needs TestMain to call binary.Main")
	}
	once.Do(func() {
		if err := statSources(); err != nil {
			buildErr = err
			return
		}
		bin := filepath.Join(dir, "gatehouse")
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("binary: go build %s: %w\n%s", pkg, err, out)
			return
		}
		path = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return path
}

// Run runs one command of the binary (invite, backup, restore, healthcheck,
// seed-demo…) as an operator would, and returns what it printed, stdout and
// stderr together.
func Run(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// statSources looks at every file of the module the binary could be built
// from (each directory's listing, each file's size and time). go test caches
// a package's result until its test binary or a file or variable the tests
// read changes; the tests here read the gatehouse binary's sources only
// through the go build they run, which go test cannot see. Without this, a
// change to the server would replay the last result of its end-to-end tests.
func statSources() error {
	root, err := testkit.ModuleRoot()
	if err != nil {
		return err
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") {
			return nil
		}
		_, err = os.Stat(path) // recorded by go test, as the walk's directory reads are
		return err
	})
	if err != nil {
		return fmt.Errorf("binary: look at the module's files: %w", err)
	}
	return nil
}
