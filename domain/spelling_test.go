package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// spellingExempt are the files and folders outside domain that may still spell
// the vocabulary as quoted strings, each with its reason. Keep it short: an
// entry is a debt, not a home.
var spellingExempt = map[string]string{}

// plainWords are the words of the vocabulary that are also plain English, used
// for other things (a chip that says "online", a done=removed flag, a metric's
// label). They are flagged only where the code compares or fills a kind, a
// status or an anomaly: a switch or comparison on something named so, or a
// field so named. The other words are flagged wherever they appear.
var plainWords = map[string]bool{"locked": true, "online": true, "offline": true, "scheduled": true,
	"setting": true, "removing": true, "removed": true, "failed": true}

// vocabularyNamed reports whether e is named like a kind, a status or an
// anomaly (kind, e.Kind, k.Status, anomaly ...).
func vocabularyNamed(e ast.Expr) bool {
	var name string
	switch x := e.(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	case *ast.CallExpr: // string(e.Kind)
		if len(x.Args) == 1 {
			return vocabularyNamed(x.Args[0])
		}
	}
	switch strings.ToLower(name) {
	case "kind", "status", "anomaly":
		return true
	}
	return false
}

// templPlainContext is a .templ line that compares a value with a literal.
var templPlainContext = regexp.MustCompile(`case "[a-z_]+"|[=!]= "[a-z_]+"`)

// vocabulary is every word domain names: event kinds, stored code statuses and
// anomalies. Unlock methods are left out: "key", "app" and "manual" are too
// common as words for a literal to mean the method.
func vocabulary() map[string]string {
	v := map[string]string{}
	for _, k := range EventKinds {
		v[string(k)] = "domain.EventKind"
	}
	for _, s := range CodeStatuses {
		v[string(s)] = "domain.CodeStatus"
	}
	for _, a := range []Anomaly{AnomalyDeniedBurst, AnomalySafeMode, AnomalyTamper, AnomalyOutsideWindow,
		AnomalyRevokedUsed, AnomalyOfflineLong, AnomalyCodeUnused} {
		if _, ok := v[string(a)]; !ok {
			v[string(a)] = "domain.Anomaly"
		}
	}
	return v
}

// templString is a double-quoted string in a .templ file: a Go expression's
// literal or an attribute's value, both of which must not spell the vocabulary.
var templString = regexp.MustCompile(`"([a-z_]+)"`)

// TestNoSpelledVocabulary fails when a non-test .go or .templ file outside
// domain spells an event kind, a code status or an anomaly as a quoted string:
// it must use domain's constants, so the words exist once.
//
// A literal is flagged only when its whole value is one of the words. SQL text
// that compares a column with 'removed' or 'denied' inside a statement is
// therefore not flagged, on purpose: SQL stays readable, with the stored
// spellings that the migrations' CHECK constraint on access_codes.status also
// holds, and db's tests run every statement against a real database.
func TestNoSpelledVocabulary(t *testing.T) {
	words := vocabulary()
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel == "domain" || name == "testdata" || name == "node_modules" || (strings.HasPrefix(name, ".") && rel != ".") {
				return filepath.SkipDir
			}
			if _, ok := spellingExempt[rel]; ok {
				return filepath.SkipDir
			}
			return nil
		}
		if _, ok := spellingExempt[rel]; ok {
			return nil
		}
		report := func(line int, word string) {
			t.Errorf("%s:%d: %q spelled as a string; use the %s constant", rel, line, word, words[word])
		}
		switch {
		case strings.HasSuffix(rel, "_test.go"), strings.HasSuffix(rel, "_templ.go"):
			return nil // tests may spell what they assert; generated code follows its .templ
		case strings.HasSuffix(rel, ".go"):
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			// Literals of plain words where a kind or status is compared or filled.
			inContext := map[*ast.BasicLit]bool{}
			mark := func(named bool, exprs ...ast.Expr) {
				for _, e := range exprs {
					if lit, ok := e.(*ast.BasicLit); ok && named {
						inContext[lit] = true
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.SwitchStmt:
					if x.Tag != nil && vocabularyNamed(x.Tag) {
						for _, st := range x.Body.List {
							mark(true, st.(*ast.CaseClause).List...)
						}
					}
				case *ast.BinaryExpr:
					if x.Op == token.EQL || x.Op == token.NEQ {
						mark(vocabularyNamed(x.X), x.Y)
						mark(vocabularyNamed(x.Y), x.X)
					}
				case *ast.KeyValueExpr:
					mark(vocabularyNamed(x.Key), x.Value)
				case *ast.AssignStmt:
					for i, l := range x.Lhs {
						if i < len(x.Rhs) {
							mark(vocabularyNamed(l), x.Rhs[i])
						}
					}
				}
				return true
			})
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && words[s] != "" && (!plainWords[s] || inContext[lit]) {
					report(fset.Position(lit.Pos()).Line, s)
				}
				return true
			})
		case strings.HasSuffix(rel, ".templ"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "//") {
					continue // a comment may quote a word
				}
				plainOK := !templPlainContext.MatchString(line)
				for _, m := range templString.FindAllStringSubmatch(line, -1) {
					if words[m[1]] != "" && !(plainWords[m[1]] && plainOK) {
						report(i+1, m[1])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
