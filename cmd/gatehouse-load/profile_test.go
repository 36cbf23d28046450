//go:build profile

// Diagnosis for docs/BENCHMARKS.md: what each scenario costs inside the
// server, without the network or the load generator, next to a bare Echo
// "hello" handler. Behind a build tag so that the tool's own tests do not
// depend on the web package's API.
//
//	go test -tags profile -run '^$' -bench . -benchmem -cpuprofile /tmp/cpu.out ./cmd/gatehouse-load/
//	go tool pprof -top /tmp/cpu.out
package main

import (
	"context"
	"database/sql"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/web"
)

// setup serves a fresh Gatehouse on 127.0.0.1 with its public URL on
// localhost, and enrolls an owner through it.
func setup(b *testing.B) (srv *web.Server, store *db.DB, path string, public *url.URL, cookie *http.Cookie) {
	ctx := context.Background()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	public = &url.URL{Scheme: "http", Host: "localhost:" + port}
	path = filepath.Join(b.TempDir(), "gatehouse.db")
	store, err = db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	// Logged at info level as `gatehouse serve` does by default, into nothing.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err = web.New(web.Config{PublicURL: public, SessionIdle: 12 * time.Hour, SessionAbsolute: 30 * 24 * time.Hour,
		InviteTTL: time.Hour, Version: "bench"}, store, nil, log)
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	token, _, err := store.CreateInvite(ctx, "", 0, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	invite, _ := url.Parse(public.String() + "/enroll/" + token)
	cookie, err = enroll(ctx, invite)
	if err != nil {
		b.Fatal(err)
	}
	return srv, store, path, public, cookie
}

// BenchmarkServer runs each request in process. -parallel=25 on 2 cores
// gives 50 requests in flight, as the load runs have; the default of 1 keeps
// the read pool (4 connections) uncontended.
var parallel = flag.Int("parallel", 1, "goroutines per GOMAXPROCS in RunParallel")

func BenchmarkServer(b *testing.B) {
	srv, _, _, public, cookie := setup(b)
	hello := echo.New()
	hello.Any("/*", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })

	for _, c := range []struct {
		name   string
		h      http.Handler
		path   string
		cookie bool
	}{
		{"hello", hello, "/", true},
		{"healthz", srv, "/healthz", false},
		{"signin-page", srv, "/signin", false},
		{"home", srv, "/", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(*parallel)
			defer reportCPU(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, "http://"+public.Host+c.path, nil)
					req.Header.Set("Accept", "text/html")
					if c.cookie {
						req.Header.Set("Cookie", cookie.String())
					}
					w := httptest.NewRecorder()
					c.h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Errorf("GET %s: %d", c.path, w.Code)
						return
					}
				}
			})
		})
	}
}

// BenchmarkSessionLookup compares what loadSession does on every signed-in
// request (two queries through db, each parsed anew by SQLite) with the same
// reads prepared once, and with one prepared JOIN; and the home page's list of
// all locks with the question it answers (is there any?).
func BenchmarkSessionLookup(b *testing.B) {
	ctx := context.Background()
	_, store, path, _, cookie := setup(b)
	publicID, _, _ := strings.Cut(cookie.Value, ".")
	lim := db.SessionLimits{Idle: 12 * time.Hour, Absolute: 30 * 24 * time.Hour}

	// A read pool opened like db.Open opens its own.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)", "query_only(1)"} {
		q.Add("_pragma", p)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)

	const sessionQ = "SELECT id, public_id, owner_id, created_at, last_seen_at, reauth_at, user_agent, ip, secret_hash FROM sessions WHERE public_id = ?"
	const ownerQ = "SELECT id, name, handle, created_at FROM owners WHERE id = ?"
	const joinQ = "SELECT s.id, s.public_id, s.owner_id, s.created_at, s.last_seen_at, s.reauth_at, s.user_agent, s.ip, s.secret_hash, " +
		"o.id, o.name, o.handle, o.created_at FROM sessions s JOIN owners o ON o.id = s.owner_id WHERE s.public_id = ?"
	type querier interface {
		QueryRowContext(ctx context.Context, args ...any) *sql.Row
	}
	session := func(row *sql.Row) (ownerID int64, err error) {
		var id, created, seen, reauth sql.NullInt64
		var pub, ua, ip string
		var hash []byte
		err = row.Scan(&id, &pub, &ownerID, &created, &seen, &reauth, &ua, &ip, &hash)
		return ownerID, err
	}
	owner := func(row *sql.Row) error {
		var id, created sql.NullInt64
		var name string
		var handle []byte
		return row.Scan(&id, &name, &handle, &created)
	}
	joined := func(row *sql.Row) error {
		var id, ownerID, created, seen, reauth, oid, ocreated sql.NullInt64
		var pub, ua, ip, name string
		var hash, handle []byte
		return row.Scan(&id, &pub, &ownerID, &created, &seen, &reauth, &ua, &ip, &hash, &oid, &name, &handle, &ocreated)
	}
	prepare := func(query string) querier {
		st, err := r.PrepareContext(ctx, query)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	sessionSt, ownerSt, joinSt := prepare(sessionQ), prepare(ownerQ), prepare(joinQ)
	// The home page asks whether any lock exists.
	const anyLockQ = "SELECT EXISTS (SELECT 1 FROM locks WHERE removed_at IS NULL)"
	anyLockSt := prepare(anyLockQ)
	exists := func(row *sql.Row) error {
		var ok bool
		return row.Scan(&ok)
	}

	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"db-api-now", func() error {
			s, err := store.SessionByCookie(ctx, cookie.Value, lim)
			if err != nil {
				return err
			}
			_, err = store.Owner(ctx, s.OwnerID)
			return err
		}},
		{"two-queries", func() error {
			id, err := session(r.QueryRowContext(ctx, sessionQ, publicID))
			if err != nil {
				return err
			}
			return owner(r.QueryRowContext(ctx, ownerQ, id))
		}},
		{"two-prepared", func() error {
			id, err := session(sessionSt.QueryRowContext(ctx, publicID))
			if err != nil {
				return err
			}
			return owner(ownerSt.QueryRowContext(ctx, id))
		}},
		{"one-join", func() error { return joined(r.QueryRowContext(ctx, joinQ, publicID)) }},
		{"one-join-prepared", func() error { return joined(joinSt.QueryRowContext(ctx, publicID)) }},
		{"home-locks-list-now", func() error { _, err := store.Locks(ctx); return err }},
		{"home-any-lock", func() error { return exists(r.QueryRowContext(ctx, anyLockQ)) }},
		{"home-any-lock-prepared", func() error { return exists(anyLockSt.QueryRowContext(ctx)) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(*parallel)
			defer reportCPU(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.do(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// reportCPU adds the process CPU time per operation, which other processes on
// the shared cores disturb far less than ns/op (wall time).
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}
