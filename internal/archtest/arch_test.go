// Package archtest holds the test that keeps docs/ARCHITECTURE.md's import table
// true: the table is the rule, `go list` is what the code does.
package archtest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gatehouse/gatehouse"

// allowed reads the import table from docs/ARCHITECTURE.md: rows of the form
// | `pkg` | what it holds | `a`, `b` | where the last cell lists the packages of
// ours it may import ("—" for none). A pattern ending in /... stands for the
// folder and everything below it.
func allowed(t *testing.T, doc string) map[string][]string {
	t.Helper()
	f, err := os.Open(doc)
	if err != nil {
		t.Fatalf("open %s: %v", doc, err)
	}
	defer f.Close()
	rules := map[string][]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "<!-- imports:begin -->":
			in = true
			continue
		case line == "<!-- imports:end -->":
			in = false
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 3 {
			t.Fatalf("import table row has %d cells, want 3: %s", len(cells), line)
		}
		pkg := strings.Trim(strings.TrimSpace(cells[0]), "`")
		var deps []string
		for _, d := range strings.Split(cells[len(cells)-1], ",") {
			d = strings.Trim(strings.TrimSpace(d), "`")
			if d != "" && d != "—" && d != "-" {
				deps = append(deps, d)
			}
		}
		rules[pkg] = deps
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", doc, err)
	}
	if len(rules) == 0 {
		t.Fatalf("no import table between <!-- imports:begin --> and <!-- imports:end --> in %s", doc)
	}
	return rules
}

// match reports whether pkg (relative to the module) fits pattern.
func match(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// rule finds the row for pkg: an exact row wins over a /... row.
func rule(rules map[string][]string, pkg string) ([]string, bool) {
	if deps, ok := rules[pkg]; ok {
		return deps, true
	}
	for pattern, deps := range rules {
		if match(pattern, pkg) {
			return deps, true
		}
	}
	return nil, false
}

func TestImportsFollowTheArchitectureTable(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	rules := allowed(t, filepath.Join(root, "docs", "ARCHITECTURE.md"))

	// Non-test imports only: tests may reach for the test kit and each other.
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		if pkg == "internal/archtest" {
			continue
		}
		deps, ok := rule(rules, pkg)
		if !ok {
			t.Errorf("package %s has no row in docs/ARCHITECTURE.md's import table", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			// domain is the bottom of the graph: the standard library only.
			if pkg == "domain" && strings.Contains(strings.Split(imp, "/")[0], ".") {
				t.Errorf("domain imports %s; it may use the standard library only", imp)
			}
			ours, found := strings.CutPrefix(imp, module+"/")
			if !found {
				continue
			}
			if !slices.ContainsFunc(deps, func(p string) bool { return match(p, ours) }) {
				t.Errorf("%s imports %s, which docs/ARCHITECTURE.md does not allow (allowed: %v)", pkg, ours, deps)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, pkg string
		want         bool
	}{
		{"db", "db", true},
		{"db", "db/dbtest", false},
		{"lock/...", "lock", true},
		{"lock/...", "lock/seam", true},
		{"lock/...", "locksmith", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.pkg); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.pkg, got, tt.want)
		}
	}
}
