package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// echoRegistrars are the Echo methods that add routes (on Echo, on a Group, or on
// routes.go's guarded).
var echoRegistrars = map[string]int{ // name → fewest arguments of a registering call
	"GET": 2, "POST": 2, "PUT": 2, "PATCH": 2, "DELETE": 2, "HEAD": 2, "OPTIONS": 2, "CONNECT": 2, "TRACE": 2,
	"Any": 2, "Match": 3, "Add": 3, "Group": 1, "Static": 2, "File": 2, "RouteNotFound": 2,
}

// TestRoutesOnlyInRoutesGo keeps routes.go the one table of every route: a route
// registered in an area file would be missed by whoever reads the table to learn
// who may call what.
func TestRoutesOnlyInRoutesGo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var found []string
	for _, name := range files {
		if name == "routes.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, routeCalls(fset, f)...)
	}
	if len(found) > 0 {
		t.Errorf("got routes registered outside routes.go:\n%s\nwant every route in routes.go's table", strings.Join(found, "\n"))
	}
}

// TestRouteScanSeesRegistrations proves the scan above can fail: it finds the
// registrations in routes.go itself and in a planted area file.
func TestRouteScanSeesRegistrations(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(routeCalls(fset, f)); got < 50 {
		t.Errorf("got %d registrations found in routes.go, want at least 50", got)
	}
	planted := `package web
import "log/slog"
func (s *Server) areaRoutes(o guarded, e *echo.Echo) {
	o.GET("/x", s.x)
	e.Group("/y").POST("/z", s.z)
	e.Add("PUT", "/w", s.w)
	_ = time.Now().Add(time.Second)
	_ = c.File("a.txt")
	slog.Any("err", err)
}`
	f, err = parser.ParseFile(fset, "area.go", planted, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := routeCalls(fset, f); len(got) != 4 {
		t.Errorf("got %d registrations in the planted file (%v), want 4 (GET, Group, POST, Add)", len(got), got)
	}
}

func routeCalls(fset *token.FileSet, f *ast.File) []string {
	pkgs := map[string]bool{} // slog.Any is a package's function, not a route
	for _, im := range f.Imports {
		name := strings.Trim(im.Path.Value, `"`)
		name = name[strings.LastIndex(name, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		pkgs[name] = true
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && pkgs[x.Name] {
			return true
		}
		if min, ok := echoRegistrars[sel.Sel.Name]; ok && len(call.Args) >= min {
			found = append(found, fset.Position(call.Pos()).String()+": "+sel.Sel.Name)
		}
		return true
	})
	return found
}
