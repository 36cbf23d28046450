// Package static embeds Gatehouse's stylesheets, scripts and vendored libraries
// and serves them under content-hashed URLs.
//
// A hashed URL changes whenever the file's content changes, so browsers may cache
// every asset forever ("immutable") and still never run a stale script after an
// upgrade. Templates ask for URLs with Path; the router mounts Handler under Prefix.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Only servable files are embedded: the vendored LICENSE and VERSION files and
// fetch-vendor.sh stay in the repository for people, not in the binary.
//
//go:embed css/*.css js/*.js vendor/*/*.js
var files embed.FS

// Prefix is the URL path under which Handler expects to be mounted.
const Prefix = "/static/"

// hashLen is the number of hex digits of the SHA-256 put in a URL. Eight is plenty
// for cache busting: the hash only has to differ between versions of one file.
const hashLen = 8

// cacheControl lets browsers and proxies keep an asset for a year without asking
// again; safe because its URL changes with its content.
const cacheControl = "public, max-age=31536000, immutable"

// contentTypes pins the types of what we ship, so they do not depend on the
// host's mime tables (nosniff makes a wrong script type fatal).
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
}

// asset is one servable file.
type asset struct {
	name        string // logical name, e.g. "js/passkey.js"
	content     []byte
	contentType string
}

// index maps logical names to hashed URLs and hashed names back to files.
type index struct {
	urls   map[string]string // "js/app.js" → "/static/js/app.1a2b3c4d.js"
	hashed map[string]*asset // "js/app.1a2b3c4d.js" → the file
}

// assets is built once from the embedded files; they cannot change at run time.
var assets = mustNewIndex(files)

// Path returns the content-hashed URL of the named asset, for example
// Path("js/passkey.js") == "/static/js/passkey.3f9a1c2e.js".
// It panics on an unknown name: that is a typo in a template, which tests catch.
func Path(name string) string {
	u, ok := assets.urls[name]
	if !ok {
		panic(fmt.Sprintf("static: unknown asset %q", name))
	}
	return u
}

// Handler serves the assets at the URLs Path returns. It strips Prefix itself, so
// mount it on the whole prefix, e.g. e.GET(static.Prefix+"*", echo.WrapHandler(h)).
// Unhashed or wrongly hashed names are 404: serving old content under a new
// hash, or current content under an old one, would poison immutable caches.
func Handler() http.Handler {
	return assets
}

func (ix *index) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	a, ok := ix.hashed[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent handles HEAD and Range; a zero time means no Last-Modified,
	// which immutable caching makes pointless.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.content))
}

// newIndex reads every file in fsys and computes its hashed name.
func newIndex(fsys fs.FS) (*index, error) {
	ix := &index{urls: map[string]string{}, hashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		hn := hashedName(name, content)
		ix.urls[name] = Prefix + hn
		ix.hashed[hn] = &asset{name: name, content: content, contentType: contentType(name)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: index assets: %w", err)
	}
	return ix, nil
}

func mustNewIndex(fsys fs.FS) *index {
	ix, err := newIndex(fsys)
	if err != nil {
		panic(err)
	}
	return ix
}

// hashedName inserts the first hashLen hex digits of the SHA-256 of content before
// the last extension of name: "js/app.js" → "js/app.1a2b3c4d.js". Keeping the
// extension last keeps tools that go by extension happy.
func hashedName(name string, content []byte) string {
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])[:hashLen]
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + h + ext
}

func contentType(name string) string {
	ext := path.Ext(name)
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
