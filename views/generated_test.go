package views

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The generated *_templ.go files are committed, so a build never needs templ.
// This fails when one of them is not what `go tool templ generate` makes of its
// .templ file now: someone edited a template and forgot to generate. It
// generates from a copy of the templates, laid out as in the module (the
// generated code names each template by its path from where templ ran), so the
// checkout is never written.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "templ")
	build := exec.Command("go", "build", "-o", bin, "github.com/a-h/templ/cmd/templ")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building templ at the module's version: %v\n%s", err, out)
	}
	var templs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".templ") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, "views", path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		templs = append(templs, path)
		return os.WriteFile(dst, src, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(templs) == 0 {
		t.Fatal("no .templ files found")
	}
	gen := exec.Command(bin, "generate") // its default path, ".", as in the README
	gen.Dir = tmp
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, src := range templs {
		name := strings.TrimSuffix(src, ".templ") + "_templ.go"
		want, err := os.ReadFile(filepath.Join(tmp, "views", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s has no generated file: run go tool templ generate (%v)", src, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("views/%s is stale: run go tool templ generate and commit it", name)
		}
	}
}
