//go:build profile

// Diagnosis for docs/BENCHMARKS.md: what each scenario costs inside the
// server, without the network or the load generator, next to a bare Echo
// "hello" handler. Behind a build tag so that the tool's own tests do not
// depend on the web package's API.
//
//	go test -tags profile -run '^$' -bench . -benchmem -cpuprofile /tmp/cpu.out ./cmd/gatehouse-load/
//	go test -tags profile -run '^$' -bench Guest/reveal -parallel 25 -cpuprofile /tmp/cpu.out ./cmd/gatehouse-load/
//	go tool pprof -top /tmp/cpu.out
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
	"github.com/gatehouse/gatehouse/web"
)

// setup serves a fresh Gatehouse on 127.0.0.1 with its public URL on
// localhost, with simulated locks wired as `gatehouse serve` wires them (the
// reconciler is not running), and enrolls an owner through it.
func setup(b *testing.B) (srv *web.Server, store *db.DB, path string, public *url.URL, cookie *http.Cookie) {
	ctx := context.Background()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	public = &url.URL{Scheme: "http", Host: "localhost:" + port}
	path = filepath.Join(b.TempDir(), "gatehouse.db")
	key, err := db.LoadOrCreateKey(filepath.Join(b.TempDir(), "gatehouse.key"))
	if err != nil {
		b.Fatal(err)
	}
	store, err = db.Open(ctx, path, db.WithKey(key))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	// Logged at info level as `gatehouse serve` does by default, into nothing.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sims := wire.NewSim(store, nil, time.Second)
	kinds := wire.Kinds(store, sims, nil)
	rec := lock.NewReconciler(lock.Options{Store: store, Connect: kinds.Connect, DefaultZone: "UTC", Log: log})
	side := &wire.Side{Store: store, Rec: rec, Kinds: kinds, Zone: "UTC"}
	srv, err = web.New(web.Config{PublicURL: public, SessionIdle: 12 * time.Hour, SessionAbsolute: 30 * 24 * time.Hour,
		InviteTTL: time.Hour, Version: "bench"}, store, side, log)
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	token, _, err := store.CreateInvite(ctx, db.NewInvite{TTL: time.Hour, Admin: true})
	if err != nil {
		b.Fatal(err)
	}
	invite, _ := url.Parse(public.String() + "/enroll/" + token)
	cookie, _, err = enroll(ctx, invite)
	if err != nil {
		b.Fatal(err)
	}
	benchSide = side
	return srv, store, path, public, cookie
}

// benchSide is setup's lock side, for adding simulated locks.
var benchSide *wire.Side

// links gives n accesses through the API, in process, on `locks` simulated
// locks, and returns their share tokens.
func links(b *testing.B, srv *web.Server, store *db.DB, public *url.URL, n, locks int) []string {
	ctx := context.Background()
	owners, err := store.Owners(ctx)
	if err != nil || len(owners) == 0 {
		b.Fatal(owners, err)
	}
	token, _, err := store.CreateAPIToken(ctx, "bench", db.ScopeReadWrite, owners[0].ID)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for i := range locks {
		id, err := benchSide.AddSimLock(ctx, fmt.Sprintf("Door %d", i))
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	t := &target{base: public}
	out := make([]string, n)
	for i := range out {
		req, err := apiRequest("http://"+public.Host, token, accessBody(i, ids[i%len(ids)], time.Now()))
		if err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		var c created
		if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &c) != nil {
			b.Fatalf("create access: %d %s", w.Code, w.Body)
		}
		if out[i], err = t.shareToken(c.ShareURL); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// BenchmarkGuest measures the guest's pages: GET /s/TOKEN of unrevealed links
// in turn, a reveal per link (every one a durable reveal), and a storm of 5
// reveals per link (one wins, four get the 410 page). The links are made
// before any timing, -links of them for each reveal case: -benchtime NNNx must
// stay below that (the storm needs a fifth as many).
var revealLinks = flag.Int("links", 2100, "share links made for each reveal benchmark")

func BenchmarkGuest(b *testing.B) {
	srv, store, _, public, _ := setup(b)
	pages := links(b, srv, store, public, 200, 4)
	for _, c := range []struct {
		name    string
		perLink int // 0: GET the page
	}{{"page", 0}, {"reveal", 1}, {"storm", 5}} {
		var r *reveals
		if c.perLink > 0 {
			r = newReveals(public.String(), links(b, srv, store, public, *revealLinks, 4), c.perLink)
		}
		b.Run(c.name, func(b *testing.B) {
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(*parallel)
			defer reportCPU(b)()
			defer reportBatches(b, store)()
			defer profileCPU(b, c.name)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var req *http.Request
					ok := statusIs(http.StatusOK)
					if r == nil {
						req, _ = getRequest("http://"+public.Host+"/s/"+pages[next.Add(1)%int64(len(pages))], "")
					} else {
						var err error
						if req, ok, err = r.build("http://" + public.Host); err != nil {
							b.Errorf("%v: run with -benchtime below -links", err)
							return
						}
					}
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, req)
					if err := ok(w.Code, w.Body.Bytes()); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkServer runs each request in process. -parallel=25 on 2 cores
// gives 50 requests in flight, as the load runs have; the default of 1 keeps
// the read pool (4 connections) uncontended.
var parallel = flag.Int("parallel", 1, "goroutines per GOMAXPROCS in RunParallel")

// -accesses first gives that many accesses (scheduled, a month ahead, on 50
// simulated locks), to see how the pages scale with what an owner has.
var serverAccesses = flag.Int("accesses", 0, "BenchmarkServer: accesses to give before measuring")

func BenchmarkServer(b *testing.B) {
	srv, store, _, public, cookie := setup(b)
	if *serverAccesses > 0 {
		links(b, srv, store, public, *serverAccesses, 50)
	}
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
		{"timeline", srv, "/timeline", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(*parallel)
			defer reportCPU(b)()
			var size atomic.Int64 // the body's length, which the client pays for too
			defer func() { b.ReportMetric(float64(size.Load()), "body-bytes") }()
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
					size.Store(int64(w.Body.Len()))
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
			s, _, err := store.SessionOwner(ctx, cookie.Value, lim)
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

// -profile-dir keeps a CPU profile of each BenchmarkGuest case's timed part
// only (not the links made before it), as DIR/guest-NAME.cpu.
var profileDir = flag.String("profile-dir", "", "write a CPU profile of each BenchmarkGuest case's timed part into this directory")

func profileCPU(b *testing.B, name string) func() {
	if *profileDir == "" || b.N == 1 {
		return func() {}
	}
	f, err := os.Create(filepath.Join(*profileDir, "guest-"+name+".cpu"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// reportBatches adds the mean number of writes per commit (group commit).
func reportBatches(b *testing.B, store *db.DB) func() {
	start := store.WriterStats()
	return func() {
		end := store.WriterStats()
		if c := end.Commits - start.Commits; c > 0 {
			b.ReportMetric(float64(end.Writes-start.Writes)/float64(c), "writes/commit")
		}
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

// BenchmarkAPICreate gives access through the API, in process, once -links
// accesses exist on 50 simulated locks: what a busy host's booking system
// costs. Each create reads every live code's PIN on its lock once, inside the
// write, through the partial index access_codes_live_pins (migration 0007);
// -no-live-pins-index drops that index first, to measure what it saves.
var noLivePINsIndex = flag.Bool("no-live-pins-index", false, "BenchmarkAPICreate: drop the index of live PINs first")

func BenchmarkAPICreate(b *testing.B) {
	srv, store, path, public, _ := setup(b)
	links(b, srv, store, public, *revealLinks, 50)
	if *noLivePINsIndex {
		x, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			b.Fatal(err)
		}
		_, err = x.Exec("DROP INDEX access_codes_live_pins")
		x.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	owners, _ := store.Owners(context.Background())
	token, _, err := store.CreateAPIToken(context.Background(), "bench2", db.ScopeReadWrite, owners[0].ID)
	if err != nil {
		b.Fatal(err)
	}
	locks, _ := store.Locks(context.Background())
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(*parallel)
	b.ResetTimer()
	defer reportCPU(b)()
	defer profileCPU(b, "api-create")()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			req, _ := apiRequest("http://"+public.Host, token, accessBody(1_000_000+i, locks[i%len(locks)].ID, time.Now()))
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != http.StatusCreated {
				b.Errorf("create: %d %s", w.Code, w.Body)
				return
			}
		}
	})
}
