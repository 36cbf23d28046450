package views

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The generated *_templ.go files are committed, so a build never needs templ.
// This fails when one of them is not what `go tool templ generate` makes of its
// .templ file now: someone edited a template and forgot to generate.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	templs, err := filepath.Glob("*.templ")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("components/*.templ")
	if err != nil {
		t.Fatal(err)
	}
	templs = append(templs, more...)
	if len(templs) == 0 {
		t.Fatal("no .templ files found")
	}
	for _, src := range templs {
		// From the module's root, as `go tool templ generate` is run there: the
		// generated code names its template by that path.
		cmd := exec.Command("go", "tool", "templ", "generate", "-f", filepath.Join("views", src), "-stdout")
		cmd.Dir = ".."
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("go tool templ generate -f %s: %v\n%s", src, err, stderr.String())
		}
		gen := strings.TrimSuffix(src, ".templ") + "_templ.go"
		got, err := os.ReadFile(gen)
		if err != nil {
			t.Errorf("%s has no generated file: run go tool templ generate (%v)", src, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go tool templ generate and commit it", gen)
		}
	}
}
