package static

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// embeddedNames lists every file compiled into the binary.
func embeddedNames(t *testing.T) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk embedded files: %v", err)
	}
	return names
}

// TestEmbeddedFiles guards the go:embed pattern: the assets the templates use
// must be in the binary.
func TestEmbeddedFiles(t *testing.T) {
	got := map[string]bool{}
	for _, n := range embeddedNames(t) {
		got[n] = true
	}
	for _, want := range []string{
		"css/app.css",
		"js/app.js",
		"js/passkey.js",
		"vendor/htmx/htmx.min.js",
	} {
		if !got[want] {
			t.Errorf("embedded files lack %q; got %v", want, got)
		}
	}
}

func TestPathHashesEveryFile(t *testing.T) {
	hashed := regexp.MustCompile(`\.[0-9a-f]{8}\.[a-z]+$`)
	for _, name := range embeddedNames(t) {
		u := Path(name)
		if !strings.HasPrefix(u, Prefix) {
			t.Errorf("Path(%q) = %q, want prefix %q", name, u, Prefix)
		}
		if !hashed.MatchString(u) {
			t.Errorf("Path(%q) = %q, want a name ending in .<8 hex>.<ext>", name, u)
		}
	}
}

func TestPathUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Path of an unknown name: got no panic, want one")
		}
	}()
	Path("js/nope.js")
}

func TestHandlerServesEveryFile(t *testing.T) {
	h := Handler()
	for _, name := range embeddedNames(t) {
		want, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path(name), nil))

		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: got status %d, want 200", Path(name), rec.Code)
			continue
		}
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("GET %s: got %d bytes, want the %d bytes of %s", Path(name), rec.Body.Len(), len(want), name)
		}
		wantType := "text/javascript; charset=utf-8"
		if strings.HasSuffix(name, ".css") {
			wantType = "text/css; charset=utf-8"
		}
		for header, want := range map[string]string{
			"Cache-Control":          "public, max-age=31536000, immutable",
			"Content-Type":           wantType,
			"X-Content-Type-Options": "nosniff",
		} {
			if got := rec.Header().Get(header); got != want {
				t.Errorf("GET %s: got %s %q, want %q", Path(name), header, got, want)
			}
		}
	}
}

func TestHandlerHead(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, Path("css/app.css"), nil))
	if rec.Code != http.StatusOK {
		t.Errorf("HEAD: got status %d, want 200", rec.Code)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD: got a %d-byte body, want none", rec.Body.Len())
	}
}

func TestHandlerNotFound(t *testing.T) {
	good := Path("js/app.js") // "/static/js/app.<hash>.js"
	tests := []struct {
		name, path string
	}{
		{"unhashed", "/static/js/app.js"},
		{"wrong hash", "/static/js/app.00000000.js"},
		{"hash of another file", strings.Replace(Path("js/passkey.js"), "passkey", "app", 1)},
		{"without prefix", strings.TrimPrefix(good, "/static")},
		{"unknown", "/static/js/nope.12345678.js"},
		{"licence not embedded", "/static/vendor/htmx/LICENSE"},
		{"directory", "/static/js/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: got status %d, want 404", tt.path, rec.Code)
			}
			// A 404 must not be cached for a year: the file may appear after a deploy.
			if got := rec.Header().Get("Cache-Control"); strings.Contains(got, "immutable") {
				t.Errorf("GET %s: got Cache-Control %q on a 404, want no immutable", tt.path, got)
			}
		})
	}
}

func TestHandlerRejectsPost(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path("js/app.js"), nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: got status %d, want 405", rec.Code)
	}
}

func TestHashedName(t *testing.T) {
	a := hashedName("js/app.js", []byte("one"))
	b := hashedName("js/app.js", []byte("two"))
	if a == b {
		t.Errorf("different contents: got the same name %q for both, want different names", a)
	}
	if again := hashedName("js/app.js", []byte("one")); again != a {
		t.Errorf("same content: got %q, want %q", again, a)
	}

	// SHA-256("one") starts 7692c3ad.
	tests := []struct{ name, want string }{
		{"js/app.js", "js/app.7692c3ad.js"},
		{"vendor/htmx/htmx.min.js", "vendor/htmx/htmx.min.7692c3ad.js"},
		{"a.dir/README", "a.dir/README.7692c3ad"},
	}
	for _, tt := range tests {
		if got := hashedName(tt.name, []byte("one")); got != tt.want {
			t.Errorf("hashedName(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestIndexFollowsContent checks the whole path from file to URL and back: a new
// version of a file gets a new URL, and the old URL stops working.
func TestIndexFollowsContent(t *testing.T) {
	v1, err := newIndex(fstest.MapFS{"css/x.css": {Data: []byte("a{}")}})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := newIndex(fstest.MapFS{"css/x.css": {Data: []byte("b{}")}})
	if err != nil {
		t.Fatal(err)
	}
	old, cur := v1.urls["css/x.css"], v2.urls["css/x.css"]
	if old == cur {
		t.Fatalf("got the same URL %q for both versions, want different URLs", old)
	}

	rec := httptest.NewRecorder()
	v2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, cur, nil))
	if body, _ := io.ReadAll(rec.Body); rec.Code != http.StatusOK || string(body) != "b{}" {
		t.Errorf("GET new URL: got %d %q, want 200 %q", rec.Code, body, "b{}")
	}
	rec = httptest.NewRecorder()
	v2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, old, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET old URL: got status %d, want 404", rec.Code)
	}
}
