package web

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Hostile clients: share-token guessing, spoofed forwarding headers, slow
// clients, and oversized or malformed bodies on every endpoint. (Thousands of
// idle connections are tested against the real binary, in
// e2e/faults_test.go.)

// behindProxy makes the app believe X-Forwarded-For from the given proxies
// only, as --trusted-proxies does. The test's clients all connect from
// 127.0.0.1; with 127.0.0.1/32 trusted, each X-Forwarded-For is a different
// client behind the proxy.
func (a *testApp) behindProxy(proxies ...string) {
	a.t.Helper()
	var prefixes []netip.Prefix
	for _, p := range proxies {
		prefixes = append(prefixes, netip.MustParsePrefix(p))
	}
	a.srv.cfg.TrustedProxies = prefixes
	a.srv.echo.IPExtractor = ipExtractor(prefixes)
}

// from sends requests as the client at ip behind the proxy.
func from(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

func (c *client) getFrom(path, ip string) response { return c.do(http.MethodGet, path, nil, from(ip)) }

func (c *client) revealFrom(token, ip string) response {
	h := from(ip)
	h["Content-Type"] = "application/x-www-form-urlencoded"
	return c.do(http.MethodPost, "/s/"+token, strings.NewReader(""), h)
}

// lastAudit is the newest audit line with this action.
func (a *testApp) lastAudit(action string) db.AuditEntry {
	a.t.Helper()
	entries, err := a.db.AuditLog(context.Background(), 0, 1000)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action {
			return e
		}
	}
	a.t.Fatalf("no audit line %s", action)
	return db.AuditEntry{}
}

// TestGuessingLimitedPerClient: a client that guesses share tokens is cut off
// (429), even on a real link, while another client behind the same proxy
// still opens and reveals its link; the audit names the real client.
func TestGuessingLimitedPerClient(t *testing.T) {
	app, _, token, a := shareApp(t, nil)
	pin := app.pin(a.ID)
	app.behindProxy("127.0.0.1/32")
	const guesser, guest = "203.0.113.9", "198.51.100.20"
	c := app.client()
	var statuses []int
	for range 25 {
		statuses = append(statuses, c.getFrom("/s/"+db.NewToken(16), guesser).Status)
	}
	if statuses[0] != http.StatusNotFound || statuses[len(statuses)-1] != http.StatusTooManyRequests {
		t.Fatalf("25 guesses from one client: statuses %v, want 404s, then 429", statuses)
	}
	if res := c.getFrom("/s/"+token, guesser); res.Status != http.StatusTooManyRequests {
		t.Errorf("the guesser on a real link: got %d, want 429", res.Status)
	}
	if res := c.revealFrom(token, guesser); res.Status != http.StatusTooManyRequests || strings.Contains(res.Body, pin) {
		t.Errorf("the guesser revealing a real link: got %d, want 429 without the code", res.Status)
	}
	// The guest, behind the same proxy, is not affected.
	if res := c.getFrom("/s/"+token, guest); res.Status != http.StatusOK {
		t.Errorf("another client's guest page: got %d, want 200", res.Status)
	}
	if res := c.revealFrom(token, guest); res.Status != http.StatusOK || !strings.Contains(res.Body, pin) {
		t.Errorf("another client's reveal: got %d, want 200 with the code", res.Status)
	}
	for action, want := range map[string]string{db.AuditLinkOpened: guest, db.AuditLinkRevealed: guest} {
		if got := app.lastAudit(action).IP; got != want {
			t.Errorf("audit %s: IP %q, want the client's %q", action, got, want)
		}
	}
}

// TestSpoofedForwardedForOnShareLinks: X-Forwarded-For from a peer that is
// not a trusted proxy changes neither whose guessing budget is spent nor the
// audited address, whether no proxy or another proxy is trusted.
func TestSpoofedForwardedForOnShareLinks(t *testing.T) {
	for _, proxies := range [][]string{nil, {"10.0.0.0/8"}} {
		t.Run("trusted "+strings.Join(proxies, ","), func(t *testing.T) {
			app, _, token, a := shareApp(t, nil)
			pin := app.pin(a.ID)
			if proxies != nil {
				app.behindProxy(proxies...)
			}
			c := app.client()
			// A different forged address on every guess: all count against 127.0.0.1.
			var last response
			for i := range 25 {
				last = c.getFrom("/s/"+db.NewToken(16), "203.0.113."+strconv.Itoa(i+1))
			}
			if last.Status != http.StatusTooManyRequests {
				t.Fatalf("25 guesses under forged addresses: got %d, want 429", last.Status)
			}
			if res := c.revealFrom(token, "198.51.100.7"); res.Status != http.StatusTooManyRequests || strings.Contains(res.Body, pin) {
				t.Errorf("a fresh forged address escaped the limit: got %d, want 429", res.Status)
			}
		})
	}
	t.Run("audited address", func(t *testing.T) {
		app, _, token, a := shareApp(t, nil)
		pin := app.pin(a.ID)
		c := app.client()
		c.do(http.MethodGet, "/s/"+token, nil, map[string]string{"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.8"})
		res := c.do(http.MethodPost, "/s/"+token, strings.NewReader(""), map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.8"})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, pin) {
			t.Fatalf("reveal: got %d, want 200", res.Status)
		}
		for _, action := range []string{db.AuditLinkOpened, db.AuditLinkRevealed} {
			if got := app.lastAudit(action).IP; got != "127.0.0.1" {
				t.Errorf("audit %s: IP %q, want the peer's 127.0.0.1", action, got)
			}
		}
	})
}

// TestSlowClientsCutOff runs the server Gatehouse serves with (HTTPServer),
// its timeouts shortened, and checks that clients which send too slowly, or
// not at all, lose their connection instead of holding it.
func TestSlowClientsCutOff(t *testing.T) {
	app := newTestApp(t, testOrigin)
	hs := app.srv.HTTPServer("127.0.0.1:0")
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 || hs.MaxHeaderBytes <= 0 {
		t.Fatalf("HTTPServer: read header %v, read %v, write %v, idle %v, max header bytes %d; want all set",
			hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout, hs.MaxHeaderBytes)
	}
	if hs.ReadHeaderTimeout > 10*time.Second || hs.IdleTimeout > 5*time.Minute {
		t.Errorf("HTTPServer: read header timeout %v, idle %v: too generous", hs.ReadHeaderTimeout, hs.IdleTimeout)
	}
	hs.ReadHeaderTimeout, hs.ReadTimeout, hs.IdleTimeout = 200*time.Millisecond, 500*time.Millisecond, 300*time.Millisecond
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()

	tests := []struct {
		name  string
		send  func(conn net.Conn) // what the client sends, slowly, until the connection fails
		limit time.Duration       // the server must have cut it off by then
	}{
		{"silent", func(net.Conn) {}, 2 * time.Second},
		{"headers a byte at a time", func(conn net.Conn) {
			trickle(conn, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "+strings.Repeat("a", 200), 50*time.Millisecond)
		}, 2 * time.Second},
		{"body a byte at a time", func(conn net.Conn) {
			head := "POST /signin/finish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
			if _, err := conn.Write([]byte(head)); err != nil {
				return
			}
			trickle(conn, `{"id":"`+strings.Repeat("a", 390), 50*time.Millisecond)
		}, 3 * time.Second},
		{"idle after a request", func(conn net.Conn) {
			conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp4", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			closed := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(conn) // returns once the server closes the connection
				closed <- b
			}()
			go tt.send(conn)
			select {
			case b := <-closed:
				t.Logf("cut off after %v (answer: %.40q)", time.Since(start).Round(10*time.Millisecond), b)
				if strings.HasPrefix(string(b), "HTTP/1.1 5") {
					t.Errorf("answered with a 5xx: %.80q", b)
				}
			case <-time.After(tt.limit):
				t.Fatalf("the connection is still open after %v", tt.limit)
			}
		})
	}
}

// trickle writes s one byte every d, until it is written or a write fails.
func trickle(conn net.Conn, s string, d time.Duration) {
	for i := range len(s) {
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(d)
	}
}

// bodyCase is a hostile body for a POST.
type bodyCase struct {
	name        string
	contentType string
	body        func() io.Reader // a fresh reader per request
	oversized   bool
}

func hostileBodies() []bodyCase {
	big := strings.Repeat("x", 65<<10) // over the 64 KB limit
	garbage := make([]byte, 2048)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	return []bodyCase{
		{"oversized form", "application/x-www-form-urlencoded", func() io.Reader { return strings.NewReader("name=" + big) }, true},
		{"oversized JSON", "application/json", func() io.Reader { return strings.NewReader(`{"name":"` + big + `"}`) }, true},
		// No Content-Length: the limit must hold while the body is read.
		{"oversized JSON, chunked", "application/json", func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"name":"` + big + `"}`))
		}, true},
		{"oversized form, chunked", "application/x-www-form-urlencoded", func() io.Reader {
			return io.MultiReader(strings.NewReader("name=" + big))
		}, true},
		{"truncated JSON", "application/json", func() io.Reader { return strings.NewReader(`{"name": "Ana", "lock_ids": [1,`) }, false},
		{"JSON of the wrong shape", "application/json", func() io.Reader {
			return strings.NewReader(`[{"name": {"nested": [null, 1e999, "\ud800"]}}, 12]`)
		}, false},
		{"bad form encoding", "application/x-www-form-urlencoded", func() io.Reader { return strings.NewReader("%zz=%%&name=%E0%A4%A&&=&pin=%00") }, false},
		{"random bytes as JSON", "application/json", func() io.Reader { return bytes.NewReader(garbage) }, false},
		{"random bytes as a form", "application/x-www-form-urlencoded", func() io.Reader { return bytes.NewReader(garbage) }, false},
		{"a type nobody sends", "application/xml", func() io.Reader { return strings.NewReader(`<?xml version="1.0"?><a>&b;</a>`) }, false},
		{"multipart without a boundary", "multipart/form-data", func() io.Reader { return strings.NewReader("--x\r\n\r\nname\r\n--x--") }, false},
	}
}

// TestHostileBodiesOnEveryPost sends oversized and malformed bodies to every
// POST route in the route table, signed in (fresh) and with a read-write API
// token, on real ids: no answer is a 5xx or shows internals, an oversized body
// is refused with 413, and the JSON endpoints refuse every bad body with a
// 4xx. (Routes that take no body, such as a revoke button, ignore it.)
func TestHostileBodiesOnEveryPost(t *testing.T) {
	app := newTestApp(t, testOrigin)
	c, auth := app.newOwner("Ana")
	l := app.addSimLock("Front door")
	c.postForm(lockPath(l, "/codes"), app.codeForm(l, "Ben", "583920"))
	codes, _ := app.db.LockCodes(context.Background(), l.ID)
	_, a := c.give(app.giveForm("Cleo", l))
	form := app.giveForm("Dana", l)
	form.Set("passphrase", "blue heron") // the reveal reads the body only then
	_, dana := c.give(form)
	owners, _ := app.db.Owners(context.Background())
	token, _, err := app.db.CreateAPIToken(context.Background(), "Booking", db.ScopeReadWrite, owners[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	app.secrets.Add("API token", token)
	// A link with a passphrase (the reveal reads the body only then) on an
	// access no other route touches.
	form = app.giveForm("Eve", l)
	form.Set("passphrase", "blue heron")
	shareTok, _ := c.give(form)
	c.reauth(auth)
	invite := app.invite("Fay")

	// Real ids where the handler must read the body to act; ids that match
	// nothing (999) where a real one would sign Ana out or delete her passkey.
	params := func(route string) map[string]string {
		p := map[string]string{":token": db.NewToken(16), ":id": "999", ":code": "999", ":action": "offline"}
		switch {
		case strings.HasPrefix(route, "/locks/"):
			p[":id"], p[":code"] = strconv.FormatInt(l.ID, 10), strconv.FormatInt(codes[0].ID, 10)
		case strings.HasPrefix(route, "/guests/"):
			p[":id"] = strconv.FormatInt(a.GuestID, 10)
		case strings.HasPrefix(route, "/access/"), strings.HasPrefix(route, "/api/v1/accesses/"):
			p[":id"] = strconv.FormatInt(dana.ID, 10)
		case strings.HasPrefix(route, "/enroll/"):
			p[":token"] = invite
		case route == "/s/:token":
			p[":token"] = shareTok
		}
		return p
	}
	var routes []string
	for _, r := range app.srv.echo.Routes() {
		if r.Method == http.MethodPost {
			routes = append(routes, r.Path)
		}
	}
	if len(routes) < 30 {
		t.Fatalf("found %d POST routes, want the whole table", len(routes))
	}
	// Signing out last keeps the session for the others.
	for i, r := range routes {
		if r == "/signout" {
			routes = append(append(routes[:i:i], routes[i+1:]...), r)
			break
		}
	}
	var table strings.Builder
	for _, route := range routes {
		path := route
		for k, v := range params(route) {
			path = strings.ReplaceAll(path, k, v)
		}
		row := []string{route}
		for _, b := range hostileBodies() {
			h := map[string]string{"Content-Type": b.contentType, "Authorization": "Bearer " + token}
			res := c.do(http.MethodPost, path, b.body(), h)
			row = append(row, strconv.Itoa(res.Status))
			switch {
			case res.Status >= 500:
				t.Errorf("POST %s, %s: got %d, want a 4xx", route, b.name, res.Status)
			case wantTooLarge(route, b) && res.Status != http.StatusRequestEntityTooLarge:
				t.Errorf("POST %s, %s: got %d, want 413", route, b.name, res.Status)
			case jsonRoutes[route] && (res.Status < 400 || res.Status >= 500):
				t.Errorf("POST %s, %s: got %d, want a 4xx", route, b.name, res.Status)
			}
			if strings.Contains(res.Body, "goroutine ") || strings.Contains(res.Body, ".go:") {
				t.Errorf("POST %s, %s: the answer shows internals", route, b.name)
			}
		}
		table.WriteString(strings.Join(row, " ") + "\n")
	}
	t.Logf("route, then the status for each body:\n%s", table.String())
	if strings.Contains(app.logs.String(), "panic") {
		t.Errorf("a handler panicked")
	}
}

// jsonRoutes are the POST routes whose handlers read a JSON body: they refuse
// every bad body with a 4xx. Form handlers read what they need with
// FormValue; a body they cannot parse leaves the fields empty, which they
// refuse with 422 where a field is required.
var jsonRoutes = map[string]bool{
	"/signin/finish": true, "/enroll/:token/begin": true, "/enroll/:token/finish": true, "/reauth/finish": true,
	"/settings/passkeys/add/finish": true, "/api/v1/accesses": true, "/api/v1/accesses/:id/rotate": true,
}

// decodedHere are the JSON routes whose body Gatehouse decodes itself (the
// passkey ceremonies' finish steps hand it to go-webauthn, which answers any
// unreadable body with a 400).
var decodedHere = map[string]bool{"/enroll/:token/begin": true, "/api/v1/accesses": true, "/api/v1/accesses/:id/rotate": true}

// wantTooLarge reports whether a 413 is owed for an oversized body: always
// with a Content-Length (the limit is checked before any handler runs), and
// when chunked, where Gatehouse decodes the JSON itself.
func wantTooLarge(route string, b bodyCase) bool {
	if !strings.HasSuffix(b.name, "chunked") {
		return b.oversized
	}
	return b.contentType == "application/json" && decodedHere[route]
}
